package action

// This file defines the generic REST connector: an action name mapped by
// configuration to an HTTP request (Pohoda mServer, ABRA Flexi/FlexiBee,
// an ERP's own API), with `{name}` placeholders filled from the action's
// arguments.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// tseg is a piece of a REST template: literal text or a placeholder.
type tseg struct {
	lit  string
	name string // "" for literal text
	mod  string // "" or "number"
}

// parseTemplate splits s into literal text and `{name}` or
// `{name:number}` placeholders; `{{` and `}}` are literal braces.
func parseTemplate(s string) ([]tseg, error) {
	var out []tseg
	var lit strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			lit.WriteByte('{')
			i += 2
		case strings.HasPrefix(s[i:], "}}"):
			lit.WriteByte('}')
			i += 2
		case s[i] == '}':
			return nil, fmt.Errorf("a lone } in %q (write }} for a brace)", s)
		case s[i] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed { in %q (write {{ for a brace)", s)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			name, mod, _ := strings.Cut(inner, ":")
			if !validPath(name) || (mod != "" && mod != "number") {
				return nil, fmt.Errorf("{%s} in %q is not {name} or {name:number}", inner, s)
			}
			if lit.Len() > 0 {
				out = append(out, tseg{lit: lit.String()})
				lit.Reset()
			}
			out = append(out, tseg{name: name, mod: mod})
			i += end + 1
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	if lit.Len() > 0 {
		out = append(out, tseg{lit: lit.String()})
	}
	return out, nil
}

type restConnector struct {
	name   string
	cfg    RESTConfig
	secret secret
	http   *httpSender
}

func newREST(name string, c *RESTConfig, opts *Options) (*restConnector, error) {
	at := "connectors.rest." + name
	sec, err := opts.loadSecret(at, "secret", c.SecretEnv, c.SecretFile)
	if err != nil {
		return nil, err
	}
	r := &restConnector{name: name, cfg: *c, secret: sec}
	if r.cfg.Method == "" {
		r.cfg.Method = http.MethodPost
	}
	if r.cfg.Format == "" {
		r.cfg.Format = "json"
	}
	if r.cfg.Timeout == 0 {
		r.cfg.Timeout = 15 * time.Second
	}
	r.http = &httpSender{client: newClient(opts, nil, false), timeout: r.cfg.Timeout, idempotent: c.Idempotent, secrets: []secret{sec}}
	return r, nil
}

// values resolves placeholders for one request.
type values struct {
	r      *Request
	a      args
	secret secret
}

var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// raw returns the JSON value of placeholder name (with modifier mod).
func (v *values) raw(name, mod string) (json.RawMessage, error) {
	var out json.RawMessage
	switch name {
	case "secret":
		out = mustJSON(v.secret.reveal())
	case "action.id":
		out = mustJSON(v.r.Action.ID)
	case "action.name":
		out = mustJSON(v.r.Action.Name)
	case "record.type":
		out = mustJSON(v.r.Action.Record.Type)
	case "record.id":
		out = mustJSON(v.r.Action.Record.ID)
	default:
		x, ok := v.a[name]
		if !ok {
			return nil, fmt.Errorf("the action has no argument %s", name)
		}
		out = x
	}
	if mod == "number" {
		s, ok := scalarText(out)
		if !ok || !numberRE.MatchString(strings.TrimSpace(s)) {
			return nil, fmt.Errorf("argument %s is not a number", name)
		}
		out = json.RawMessage(strings.TrimSpace(s))
	}
	return out, nil
}

// text returns placeholder name as text; null is "".
func (v *values) text(name, mod string) (string, error) {
	raw, err := v.raw(name, mod)
	if err != nil {
		return "", err
	}
	s, _ := scalarText(raw)
	return s, nil
}

// render fills template s, escaping each value with esc.
func (v *values) render(s string, esc func(string) string) (string, error) {
	segs, err := parseTemplate(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, g := range segs {
		if g.name == "" {
			b.WriteString(g.lit)
			continue
		}
		t, err := v.text(g.name, g.mod)
		if err != nil {
			return "", err
		}
		b.WriteString(esc(t))
	}
	return b.String(), nil
}

// renderURL fills the URL template: values are path-escaped before the
// `?` and query-escaped after it.
func (v *values) renderURL(s string) (string, error) {
	segs, err := parseTemplate(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	inQuery := false
	for _, g := range segs {
		if g.name == "" {
			b.WriteString(g.lit)
			inQuery = inQuery || strings.Contains(g.lit, "?")
			continue
		}
		t, err := v.text(g.name, g.mod)
		if err != nil {
			return "", err
		}
		if inQuery {
			b.WriteString(url.QueryEscape(t))
		} else {
			b.WriteString(url.PathEscape(t))
		}
	}
	return b.String(), nil
}

// jsonBody fills a YAML-given body: a string that is exactly one
// placeholder becomes the argument's JSON value, other strings are
// interpolated text.
func (v *values) jsonBody(x any) (any, error) {
	switch x := x.(type) {
	case string:
		segs, err := parseTemplate(x)
		if err != nil {
			return nil, err
		}
		if len(segs) == 1 && segs[0].name != "" {
			return v.raw(segs[0].name, segs[0].mod)
		}
		return v.render(x, func(s string) string { return s })
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			y, err := v.jsonBody(e)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			y, err := v.jsonBody(e)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	return x, nil
}

// Perform builds the configured request from the action's arguments and
// sends it.
func (c *restConnector) Perform(ctx context.Context, r *Request) Result {
	a, err := parseArgs(r)
	if err != nil {
		return permanent(err)
	}
	v := &values{r: r, a: a, secret: c.secret}
	fail := func(err error) Result { return permanent(fmt.Errorf("%s: %s", c.name, c.http.scrub(err.Error()))) }
	u, err := v.renderURL(c.cfg.URL)
	if err != nil {
		return fail(fmt.Errorf("url: %w", err))
	}
	var body []byte
	ctype := c.cfg.ContentType
	switch {
	case c.cfg.BodyText != "":
		esc := func(s string) string { return s }
		switch ct := strings.ToLower(ctype); {
		case strings.Contains(ct, "xml"):
			esc = xmlEscape
		case strings.Contains(ct, "json"):
			esc = func(s string) string { b := mustJSON(s); return string(b[1 : len(b)-1]) }
		}
		s, err := v.render(c.cfg.BodyText, esc)
		if err != nil {
			return fail(fmt.Errorf("body_text: %w", err))
		}
		body = []byte(s)
	case c.cfg.Body != nil && c.cfg.Format == "form":
		form := url.Values{}
		for k, e := range c.cfg.Body.(map[string]any) {
			s, err := v.render(fmt.Sprint(e), func(s string) string { return s })
			if err != nil {
				return fail(fmt.Errorf("body.%s: %w", k, err))
			}
			form.Set(k, s)
		}
		body = []byte(form.Encode())
		if ctype == "" {
			ctype = "application/x-www-form-urlencoded"
		}
	case c.cfg.Body != nil:
		b, err := v.jsonBody(c.cfg.Body)
		if err != nil {
			return fail(fmt.Errorf("body: %w", err))
		}
		body = mustJSON(b)
		if ctype == "" {
			ctype = "application/json"
		}
	}
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := newRequest(ctx, c.cfg.Method, u, rd)
	if err != nil {
		return fail(errors.New("the url is not valid after filling it in"))
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.cfg.Idempotent {
		req.Header.Set(HeaderIdempotencyKey, r.Action.ID)
	}
	for _, k := range sortedKeys(c.cfg.Headers) {
		s, err := v.render(c.cfg.Headers[k], func(s string) string {
			return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
		})
		if err != nil {
			return fail(fmt.Errorf("headers.%s: %w", k, err))
		}
		req.Header.Set(k, s)
	}
	resp, res := c.http.send(ctx, req)
	if res.Class != OK {
		res.Err = fmt.Errorf("%s: %w", c.name, res.Err)
		return res
	}
	out := outputOf(resp)
	res = okResult(out)
	if c.cfg.Result != "" {
		val, ok := field(resp.body, c.cfg.Result)
		if !ok {
			return Result{Class: Permanent, Output: res.Output, Err: fmt.Errorf("%s: the response has no %s (connectors.rest.%s.result); the request was performed", c.name, c.cfg.Result, c.name)}
		}
		res.Value = val
	}
	return res
}

// newRequest is http.NewRequestWithContext with a possibly nil body.
func newRequest(ctx context.Context, method, u string, body *bytes.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, u, nil)
	}
	return http.NewRequestWithContext(ctx, method, u, body)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
