package action

// This file defines the connectors section of the daemon's config file
// (SPEC §4 `connectors:`) and its validation.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Config is the `connectors:` section of automatd's config file. The yaml
// tags are its keys; every section is optional (an absent smtp section
// means no `email` action, and so on). The webhook connector exists even
// without a section, unsigned and with the SSRF guard on.
type Config struct {
	SMTP    *SMTPConfig    `yaml:"smtp,omitempty"`
	SMS     *SMSConfig     `yaml:"sms,omitempty"`
	Webhook *WebhookConfig `yaml:"webhook,omitempty"`
	Shoptet *ShoptetConfig `yaml:"shoptet,omitempty"`
	// REST maps a user-declared action name (`erp.create_invoice`) to the
	// HTTP request that performs it.
	REST map[string]*RESTConfig `yaml:"rest,omitempty"`
}

// Limits bound how hard a connector drives its receiver.
type Limits struct {
	// Rate is the number of requests per second; 0 is no limit.
	Rate float64 `yaml:"rate,omitempty"`
	// Burst is how many requests may go at once above Rate; 0 is
	// max(1, Rate).
	Burst int `yaml:"burst,omitempty"`
	// Concurrency caps the requests in flight; 0 is the connector's
	// default (4; Shoptet 3, its limit per token).
	Concurrency int `yaml:"concurrency,omitempty"`
}

// SMTPConfig configures the `email` action.
type SMTPConfig struct {
	Host string `yaml:"host"`
	// Port defaults to 587 (465 with ImplicitTLS).
	Port int    `yaml:"port,omitempty"`
	From string `yaml:"from"`
	// Username and the password (from PasswordEnv or PasswordFile) log in
	// with AUTH; no username, no AUTH.
	Username     string `yaml:"username,omitempty"`
	PasswordEnv  string `yaml:"password_env,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	// StartTLS is "required", "opportunistic" or "none"; the default is
	// required with a username and opportunistic without.
	StartTLS string `yaml:"starttls,omitempty"`
	// ImplicitTLS connects with TLS from the start (port 465).
	ImplicitTLS bool `yaml:"implicit_tls,omitempty"`
	// Auth is the AUTH mechanism: "plain" (default), "login",
	// "cram-md5", "scram-sha-256" or "auto".
	Auth string `yaml:"auth,omitempty"`
	// HELO is the name the client greets with; default "localhost".
	HELO string `yaml:"helo,omitempty"`
	// Timeout bounds one message's delivery; default 30s.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	Limits  `yaml:",inline"`
}

// SMSConfig configures the `sms` action: an HTTP gateway whose request
// shape is configuration (BulkGate-like JSON, Twilio-like form + Basic).
type SMSConfig struct {
	URL string `yaml:"url"`
	// Method is the HTTP method; default POST.
	Method string `yaml:"method,omitempty"`
	// Format of the body: "json" (default) or "form".
	Format    string  `yaml:"format,omitempty"`
	TokenEnv  string  `yaml:"token_env,omitempty"`
	TokenFile string  `yaml:"token_file,omitempty"`
	Auth      SMSAuth `yaml:"auth,omitempty"`
	// Fields names the body fields of the recipient, the text and the
	// sender.
	Fields SMSFields `yaml:"fields,omitempty"`
	// Sender is the sender id put in Fields.Sender; "" sends none.
	Sender string `yaml:"sender,omitempty"`
	// Extra are fixed fields added to every body (application ids,
	// flags); in a form body their values are written as text.
	Extra   map[string]any `yaml:"extra,omitempty"`
	Timeout time.Duration  `yaml:"timeout,omitempty"`
	Limits  `yaml:",inline"`
}

// SMSAuth says where the gateway token goes.
type SMSAuth struct {
	// Type is "header" (default with a token: Header: Scheme token),
	// "basic" (Basic auth, Username and the token as password), "field"
	// (the token as body field Field) or "none" (default without a
	// token).
	Type string `yaml:"type,omitempty"`
	// Header defaults to Authorization, Scheme to Bearer; Scheme "none"
	// sends the bare token.
	Header   string `yaml:"header,omitempty"`
	Scheme   string `yaml:"scheme,omitempty"`
	Username string `yaml:"username,omitempty"`
	Field    string `yaml:"field,omitempty"`
}

// SMSFields names the gateway's body fields; defaults to, text, sender.
type SMSFields struct {
	To     string `yaml:"to,omitempty"`
	Text   string `yaml:"text,omitempty"`
	Sender string `yaml:"sender,omitempty"`
}

// WebhookConfig configures the `webhook` action.
type WebhookConfig struct {
	// The signing secret; without one, requests are not signed.
	SecretEnv  string `yaml:"secret_env,omitempty"`
	SecretFile string `yaml:"secret_file,omitempty"`
	// Timeout bounds one request; default 10s.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// AllowPrivate lets webhooks reach loopback, private, link-local and
	// other non-public addresses (the SSRF guard is off).
	AllowPrivate bool `yaml:"allow_private,omitempty"`
	// AllowHosts are host names, IP addresses or CIDR prefixes that may
	// be reached although they are not public (an intranet ERP).
	AllowHosts []string `yaml:"allow_hosts,omitempty"`
	Limits     `yaml:",inline"`
}

// ShoptetConfig configures `shoptet.set_order_status`.
type ShoptetConfig struct {
	// BaseURL defaults to https://api.myshoptet.com.
	BaseURL   string `yaml:"base_url,omitempty"`
	TokenEnv  string `yaml:"token_env,omitempty"`
	TokenFile string `yaml:"token_file,omitempty"`
	// TokenHeader defaults to Shoptet-Private-API-Token (an add-on uses
	// Shoptet-Access-Token).
	TokenHeader string `yaml:"token_header,omitempty"`
	// StatusIDs maps the shop's status names to Shoptet's status ids.
	StatusIDs map[string]int `yaml:"status_ids"`
	// Suppress Shoptet's own e-mails, SMS or documents on the change.
	SuppressEmail     bool `yaml:"suppress_email,omitempty"`
	SuppressSMS       bool `yaml:"suppress_sms,omitempty"`
	SuppressDocuments bool `yaml:"suppress_documents,omitempty"`
	// OrderCode is the order field holding Shoptet's order code: "id"
	// (default: the order's id in Automat is its Shoptet code) or another
	// field of the order's snapshot ("number").
	OrderCode string        `yaml:"order_code,omitempty"`
	Timeout   time.Duration `yaml:"timeout,omitempty"`
	Limits    `yaml:",inline"`
}

// RESTConfig maps one action to an HTTP request. Templates (URL path and
// query, header values, body strings) take `{name}` placeholders of the
// action's arguments, `{action.id}`, `{action.name}`, `{record.type}`,
// `{record.id}`, and, in headers and body only, `{secret}`.
type RESTConfig struct {
	// Method defaults to POST.
	Method string `yaml:"method,omitempty"`
	// URL is the request URL; its scheme and host are fixed text (no
	// placeholders), so arguments cannot redirect the request.
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers,omitempty"`
	// Body is a JSON body as a YAML value: a string that is exactly
	// "{name}" takes the argument's JSON value, "{name:number}" the
	// argument as a JSON number; other strings are interpolated.
	Body any `yaml:"body,omitempty"`
	// BodyText is a text body (XML for Pohoda's mServer) with values
	// escaped for ContentType (XML or JSON string escaping); it excludes
	// Body.
	BodyText    string `yaml:"body_text,omitempty"`
	ContentType string `yaml:"content_type,omitempty"`
	// Format is "json" (default) or "form" (Body is then a flat map).
	Format     string `yaml:"format,omitempty"`
	SecretEnv  string `yaml:"secret_env,omitempty"`
	SecretFile string `yaml:"secret_file,omitempty"`
	// Idempotent says the receiver deduplicates by the Idempotency-Key
	// header (sent always): a timeout after sending is then Transient,
	// not Unknown.
	Idempotent bool `yaml:"idempotent,omitempty"`
	// Result is a dotted path into the JSON response whose value is the
	// action's result ("data.id"), for actions declared with -> T.
	Result  string        `yaml:"result,omitempty"`
	Timeout time.Duration `yaml:"timeout,omitempty"`
	Limits  `yaml:",inline"`
}

// ParseConfig decodes the YAML of the connectors section (the mapping
// under `connectors:`) strictly: an unknown key is an error, so a
// misspelt setting does not silently fall back to a default. Top-level
// keys listed in ignore (connectors the daemon itself implements) are
// skipped. It does not validate; [New] does.
func ParseConfig(data []byte, ignore ...string) (Config, error) {
	var w struct {
		Config `yaml:",inline"`
		Other  map[string]yaml.Node `yaml:",inline"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("connectors: %w", err)
	}
	var p problems
	for _, k := range sortedKeys(w.Other) {
		known := false
		for _, x := range ignore {
			known = known || x == k
		}
		if !known {
			n := w.Other[k]
			p.add("connectors."+k, "line %d: unknown connector (smtp, sms, webhook, shoptet or rest)", n.Line)
		}
	}
	return w.Config, p.err()
}

// reserved are action names a REST connector may not take: the built-in
// connectors and the engine's internal actions. The shop requests of the
// standard schema (mark_shipped, cancel_order, allow_delivery) may be
// mapped to the shop's API; unmapped, the daemon keeps them in its outbox.
var reserved = map[string]bool{
	"email": true, "sms": true, "webhook": true, "shoptet.set_order_status": true,
	"set_status": true, "set_shipment_status": true, "set_responsible": true,
	"mark_paid": true, "notify": true, "task": true, "comment": true,
	"log": true, "generate_code": true,
}

// problems collects validation errors, each naming its field path.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (p problems) err() error { return errors.Join(p...) }

// Validate checks c without reading any secret; each problem is one line
// naming its field ("connectors.sms.url: missing").
func (c *Config) Validate() error {
	var p problems
	c.validate(&p)
	return p.err()
}

func (c *Config) validate(p *problems) {
	if s := c.SMTP; s != nil {
		const at = "connectors.smtp"
		if s.Host == "" {
			p.add(at+".host", "missing")
		}
		if s.From == "" {
			p.add(at+".from", "missing")
		} else if _, err := netmail.ParseAddress(s.From); err != nil {
			p.add(at+".from", "%q is not an e-mail address", s.From)
		}
		checkPort(p, at+".port", s.Port)
		oneSecret(p, at, "password", s.PasswordEnv, s.PasswordFile, s.Username != "")
		if s.Username == "" && (s.PasswordEnv != "" || s.PasswordFile != "") {
			p.add(at+".username", "missing (a password is set)")
		}
		switch s.StartTLS {
		case "", "required", "opportunistic":
		case "none":
			if s.Username != "" && !s.ImplicitTLS {
				p.add(at+".starttls", "none would send the password unencrypted; use required or opportunistic")
			}
		default:
			p.add(at+".starttls", "%q is not required, opportunistic or none", s.StartTLS)
		}
		switch s.Auth {
		case "", "plain", "login", "cram-md5", "scram-sha-256", "auto":
		default:
			p.add(at+".auth", "%q is not plain, login, cram-md5, scram-sha-256 or auto", s.Auth)
		}
		checkTimeout(p, at, s.Timeout)
		checkLimits(p, at, s.Limits)
	}
	if s := c.SMS; s != nil {
		const at = "connectors.sms"
		checkURL(p, at+".url", s.URL)
		checkMethod(p, at+".method", s.Method)
		switch s.Format {
		case "", "json", "form":
		default:
			p.add(at+".format", "%q is not json or form", s.Format)
		}
		hasToken := s.TokenEnv != "" || s.TokenFile != ""
		oneSecret(p, at, "token", s.TokenEnv, s.TokenFile, false)
		switch s.Auth.Type {
		case "", "header", "none":
		case "basic":
			if s.Auth.Username == "" {
				p.add(at+".auth.username", "missing (auth type basic)")
			}
		case "field":
			if s.Auth.Field == "" {
				p.add(at+".auth.field", "missing (auth type field)")
			}
		default:
			p.add(at+".auth.type", "%q is not header, basic, field or none", s.Auth.Type)
		}
		if !hasToken && s.Auth.Type != "" && s.Auth.Type != "none" {
			p.add(at+".token_env", "missing (auth type %s needs a token)", s.Auth.Type)
		}
		if s.Auth.Header != "" && !validHeaderName(s.Auth.Header) {
			p.add(at+".auth.header", "%q is not a header name", s.Auth.Header)
		}
		if s.Format == "form" {
			for k, v := range s.Extra {
				switch v.(type) {
				case string, int, int64, float64, bool:
				default:
					p.add(at+".extra."+k, "a form field must be a string, number or bool")
				}
			}
		}
		checkTimeout(p, at, s.Timeout)
		checkLimits(p, at, s.Limits)
	}
	if w := c.Webhook; w != nil {
		const at = "connectors.webhook"
		oneSecret(p, at, "secret", w.SecretEnv, w.SecretFile, false)
		for i, h := range w.AllowHosts {
			if h == "" || strings.ContainsAny(h, "/:") && parsePrefix(h) == nil {
				p.add(fmt.Sprintf("%s.allow_hosts[%d]", at, i), "%q is not a host name, an IP address or a CIDR prefix", h)
			}
		}
		checkTimeout(p, at, w.Timeout)
		checkLimits(p, at, w.Limits)
	}
	if s := c.Shoptet; s != nil {
		const at = "connectors.shoptet"
		if s.BaseURL != "" {
			checkURL(p, at+".base_url", s.BaseURL)
		}
		oneSecret(p, at, "token", s.TokenEnv, s.TokenFile, true)
		if s.TokenHeader != "" && !validHeaderName(s.TokenHeader) {
			p.add(at+".token_header", "%q is not a header name", s.TokenHeader)
		}
		if len(s.StatusIDs) == 0 {
			p.add(at+".status_ids", "missing (map each status name to its Shoptet id)")
		}
		for _, name := range sortedKeys(s.StatusIDs) {
			if s.StatusIDs[name] == 0 {
				p.add(at+".status_ids."+name, "0 is not a Shoptet status id")
			}
		}
		checkTimeout(p, at, s.Timeout)
		checkLimits(p, at, s.Limits)
	}
	for _, name := range sortedKeys(c.REST) {
		r := c.REST[name]
		at := "connectors.rest." + name
		if !validActionName(name) {
			p.add(at, "%q is not an action name (name or connector.name)", name)
		} else if reserved[name] {
			p.add(at, "%s is a built-in action; choose another name", name)
		}
		if r == nil {
			p.add(at, "empty")
			continue
		}
		r.validate(p, at)
	}
}

func (r *RESTConfig) validate(p *problems, at string) {
	checkMethod(p, at+".method", r.Method)
	if r.URL == "" {
		p.add(at+".url", "missing")
	} else if err := checkURLTemplate(r.URL); err != nil {
		p.add(at+".url", "%v", err)
	} else if err := checkPlaceholders(r.URL, false); err != nil {
		p.add(at+".url", "%v", err)
	}
	for _, k := range sortedKeys(r.Headers) {
		if !validHeaderName(k) {
			p.add(at+".headers", "%q is not a header name", k)
		}
		if err := checkPlaceholders(r.Headers[k], true); err != nil {
			p.add(at+".headers."+k, "%v", err)
		}
	}
	switch r.Format {
	case "", "json":
	case "form":
		if _, ok := r.Body.(map[string]any); r.Body != nil && !ok {
			p.add(at+".body", "a form body must be a map of fields")
		}
	default:
		p.add(at+".format", "%q is not json or form", r.Format)
	}
	if r.Body != nil && r.BodyText != "" {
		p.add(at+".body_text", "give body or body_text, not both")
	}
	if r.BodyText != "" {
		if err := checkPlaceholders(r.BodyText, true); err != nil {
			p.add(at+".body_text", "%v", err)
		}
		if r.ContentType == "" {
			p.add(at+".content_type", "missing (body_text needs one)")
		}
	}
	if r.Body != nil {
		walkStrings(r.Body, func(s string) {
			if err := checkPlaceholders(s, true); err != nil {
				p.add(at+".body", "%v", err)
			}
		})
	}
	oneSecret(p, at, "secret", r.SecretEnv, r.SecretFile, false)
	if r.Result != "" && !validResultPath(r.Result) {
		p.add(at+".result", "%q is not a dotted path like data.id or results.0.id", r.Result)
	}
	checkTimeout(p, at, r.Timeout)
	checkLimits(p, at, r.Limits)
}

func oneSecret(p *problems, at, name, env, file string, required bool) {
	switch {
	case env != "" && file != "":
		p.add(at+"."+name+"_env", "give %s_env or %s_file, not both", name, name)
	case env == "" && file == "" && required:
		p.add(at+"."+name+"_env", "missing (or %s_file); secrets come only from the environment or a file", name)
	}
}

func checkPort(p *problems, at string, port int) {
	if port < 0 || port > 65535 {
		p.add(at, "%d is not a port", port)
	}
}

func checkTimeout(p *problems, at string, d time.Duration) {
	if d < 0 {
		p.add(at+".timeout", "negative")
	}
}

func checkLimits(p *problems, at string, l Limits) {
	if l.Rate < 0 {
		p.add(at+".rate", "negative")
	}
	if l.Burst < 0 {
		p.add(at+".burst", "negative")
	}
	if l.Concurrency < 0 {
		p.add(at+".concurrency", "negative")
	}
}

func checkURL(p *problems, at, s string) {
	if s == "" {
		p.add(at, "missing")
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(at, "%q is not an http or https URL", s)
		return
	}
	if u.User != nil {
		p.add(at, "credentials in the URL; use the token settings")
	}
}

func checkMethod(p *problems, at, m string) {
	switch m {
	case "", "GET", "POST", "PUT", "PATCH", "DELETE":
	default:
		p.add(at, "%q is not GET, POST, PUT, PATCH or DELETE", m)
	}
}

// checkURLTemplate checks that a REST URL's scheme and host are fixed.
func checkURLTemplate(s string) error {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return fmt.Errorf("%q is not an http or https URL", s)
		}
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	if strings.ContainsAny(host, "{}@") {
		return fmt.Errorf("the host of %q must be fixed text (no placeholders, no credentials)", s)
	}
	return nil
}

// checkPlaceholders checks the `{...}` placeholders of a REST template;
// `{secret}` only where allowSecret.
func checkPlaceholders(s string, allowSecret bool) error {
	_, err := parseTemplate(s)
	if err != nil {
		return err
	}
	if !allowSecret && strings.Contains(s, "{secret}") {
		return errors.New("{secret} is allowed in headers and the body only")
	}
	return nil
}

func walkStrings(v any, f func(string)) {
	switch v := v.(type) {
	case string:
		f(v)
	case map[string]any:
		for _, k := range sortedKeys(v) {
			walkStrings(v[k], f)
		}
	case []any:
		for _, x := range v {
			walkStrings(x, f)
		}
	}
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

func validActionName(s string) bool {
	parts := strings.Split(s, ".")
	return len(parts) <= 2 && validPath(s)
}

// validPath reports whether s is a dotted path of identifiers.
func validPath(s string) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i, r := range id {
			if !(unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

// validResultPath reports whether s is a dotted path of names and list
// indexes.
func validResultPath(s string) bool {
	for _, seg := range strings.Split(s, ".") {
		if !validPath(seg) && strings.Trim(seg, "0123456789") != "" || seg == "" {
			return false
		}
	}
	return true
}

func parsePrefix(s string) *net.IPNet {
	if ip := net.ParseIP(s); ip != nil {
		bits := 128
		if ip.To4() != nil {
			ip, bits = ip.To4(), 32
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
