package action_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/automat-rules/automat/internal/recorder"
	"github.com/automat-rules/automat/runtime/action"
)

// docExample returns the connectors section of the example in
// docs/connectors.md.
func docExample(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile("../../docs/connectors.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)### Example\n\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no example in docs/connectors.md")
	}
	var file struct {
		Connectors yaml.Node `yaml:"connectors"`
	}
	if err := yaml.Unmarshal(m[1], &file); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(&file.Connectors)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var exampleEnv = map[string]string{
	"SMTP_PASSWORD": "smtp-pw-1", "BULKGATE_TOKEN": "bulk-tok-2", "WEBHOOK_SECRET": "hook-sec-3",
	"SHOPTET_TOKEN": "shop-tok-4", "FLEXI_BASIC": "flexi-basic-5",
}

func TestDocExample(t *testing.T) {
	cfg, err := action.ParseConfig(docExample(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	set, err := action.New(cfg, action.Options{Env: env(exampleEnv)})
	if err != nil {
		t.Fatal(err)
	}
	want := "email erp.create_invoice shoptet.set_order_status sms webhook"
	if got := strings.Join(set.Names(), " "); got != want {
		t.Errorf("Names = %s, want %s", got, want)
	}
	if cfg.SMTP.Timeout != 30*time.Second || cfg.Shoptet.StatusIDs["Čeká na vyzvednutí"] != 12 || cfg.SMS.Rate != 5 {
		t.Errorf("decoded %+v %+v", cfg.SMTP, cfg.Shoptet)
	}
	if got := set.String(); got != "action.Set{email(concurrency 4, rate 10/s), erp.create_invoice(concurrency 4), shoptet.set_order_status(concurrency 3), sms(concurrency 4, rate 5/s), webhook(concurrency 4)}" {
		t.Errorf("String = %s", got)
	}
}

func TestParseConfigStrict(t *testing.T) {
	_, err := action.ParseConfig([]byte("sms:\n  url: https://x.example\n  tokn_env: X\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "tokn_env") {
		t.Fatalf("misspelt key: %v", err)
	}
	_, err = action.ParseConfig([]byte("smpt: {host: x}\n"))
	if err == nil || !strings.Contains(err.Error(), "connectors.smpt: line 1: unknown connector") {
		t.Fatalf("unknown connector: %v", err)
	}
	c, err := action.ParseConfig([]byte("outbox: {file: x.jsonl}\nsms: {url: \"https://x.example\"}\n"), "outbox")
	if err != nil || c.SMS == nil || c.SMS.URL != "https://x.example" {
		t.Fatalf("ignored key: %v %+v", err, c)
	}
	if c, err := action.ParseConfig(nil); err != nil || c.SMS != nil {
		t.Fatalf("empty: %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // lines of the error, in order
	}{
		{"smtp", `smtp: {port: 70000, username: u, starttls: none, auth: digest}`, []string{
			"connectors.smtp.host: missing",
			"connectors.smtp.from: missing",
			"connectors.smtp.port: 70000 is not a port",
			"connectors.smtp.password_env: missing (or password_file); secrets come only from the environment or a file",
			`connectors.smtp.starttls: none would send the password unencrypted; use required or opportunistic`,
			`connectors.smtp.auth: "digest" is not plain, login, cram-md5, scram-sha-256 or auto`,
		}},
		{"sms", `sms: {format: xml, auth: {type: basic}, token_env: A, token_file: B, rate: -1}`, []string{
			"connectors.sms.url: missing",
			`connectors.sms.format: "xml" is not json or form`,
			"connectors.sms.token_env: give token_env or token_file, not both",
			"connectors.sms.auth.username: missing (auth type basic)",
			"connectors.sms.rate: negative",
		}},
		{"sms url", `sms: {url: "ftp://x", auth: {type: header}}`, []string{
			`connectors.sms.url: "ftp://x" is not an http or https URL`,
			"connectors.sms.token_env: missing (auth type header needs a token)",
		}},
		{"webhook", `webhook: {allow_hosts: ["10.0.0.0/33", ok.example]}`, []string{
			`connectors.webhook.allow_hosts[0]: "10.0.0.0/33" is not a host name, an IP address or a CIDR prefix`,
		}},
		{"shoptet", `shoptet: {base_url: "https://user:pw@x.example", status_ids: {"Nová": 0}}`, []string{
			"connectors.shoptet.base_url: credentials in the URL; use the token settings",
			"connectors.shoptet.token_env: missing (or token_file); secrets come only from the environment or a file",
			"connectors.shoptet.status_ids.Nová: 0 is not a Shoptet status id",
		}},
		{"rest", `rest:
  email: {url: "https://x.example"}
  "a.b.c": {url: "https://x.example"}
  erp.x: {url: "https://{host}/x?t={secret}", method: FETCH, format: form, body: [1], result: "a..b"}
  erp.y: {url: "https://x.example/{a", body_text: "<x/>", headers: {"Bad Header": "v"}}`, []string{
			"connectors.rest.a.b.c: \"a.b.c\" is not an action name (name or connector.name)",
			"connectors.rest.email: email is a built-in action; choose another name",
			`connectors.rest.erp.x.method: "FETCH" is not GET, POST, PUT, PATCH or DELETE`,
			`connectors.rest.erp.x.url: the host of "https://{host}/x?t={secret}" must be fixed text (no placeholders, no credentials)`,
			"connectors.rest.erp.x.body: a form body must be a map of fields",
			`connectors.rest.erp.x.result: "a..b" is not a dotted path like data.id or results.0.id`,
			`connectors.rest.erp.y.url: unclosed { in "https://x.example/{a" (write {{ for a brace)`,
			`connectors.rest.erp.y.headers: "Bad Header" is not a header name`,
			"connectors.rest.erp.y.content_type: missing (body_text needs one)",
		}},
		{"rest secret in url", `rest: {erp.x: {url: "https://x.example/?t={secret}"}}`, []string{
			"connectors.rest.erp.x.url: {secret} is allowed in headers and the body only",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := action.ParseConfig([]byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(c.want, "\n"))
			}
			if _, err2 := action.New(cfg, action.Options{}); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("New: %v", err2)
			}
		})
	}
}

// TestSecretsNotShown checks that secrets appear in no error, no String or
// %v form of the set, and no error text even when a receiver echoes them.
func TestSecretsNotShown(t *testing.T) {
	secrets := []string{"smtp-pw-1", "bulk-tok-2", "hook-sec-3", "shop-tok-4", "flexi-basic-5"}
	check := func(what, s string) {
		t.Helper()
		for _, x := range secrets {
			if strings.Contains(s, x) {
				t.Errorf("%s shows secret %s: %s", what, x, s)
			}
		}
	}
	cfg, err := action.ParseConfig(docExample(t))
	if err != nil {
		t.Fatal(err)
	}
	set, err := action.New(cfg, action.Options{Env: env(exampleEnv)})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		check(verb, fmt.Sprintf(verb, set))
		check(verb+" config", fmt.Sprintf(verb, cfg))
	}

	// Errors reading secrets name the variable or file, not a value.
	_, err = action.New(cfg, action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "smtp-pw-1"})})
	if err == nil || !strings.Contains(err.Error(), "environment variable BULKGATE_TOKEN is not set") {
		t.Fatalf("missing env: %v", err)
	}
	check("New error", err.Error())
	_, err = action.New(action.Config{Webhook: &action.WebhookConfig{SecretFile: "/no/such/file"}},
		action.Options{ReadFile: func(string) ([]byte, error) { return nil, errors.New("hook-sec-3 is in this error") }})
	if err == nil || err.Error() != "connectors.webhook.secret_file: cannot read /no/such/file" {
		t.Fatalf("unreadable file: %v", err)
	}

	// A gateway that echoes the token in its error.
	echo := recorder.Start(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error": "invalid token %s", "auth": %q}`, "bulk-tok-2", r.Header.Get("Authorization"))
	})
	hdr := newSet(t, action.Config{
		SMS:     &action.SMSConfig{URL: echo.URL + "/?token=bulk-tok-2", TokenEnv: "T"},
		Webhook: &action.WebhookConfig{SecretEnv: "S", AllowHosts: []string{"127.0.0.1"}},
		Shoptet: &action.ShoptetConfig{BaseURL: echo.URL, TokenEnv: "SH", StatusIDs: map[string]int{"A": 1}},
	}, action.Options{Env: env(map[string]string{"T": "bulk-tok-2", "S": "hook-sec-3", "SH": "shop-tok-4"})})
	for _, r := range []*action.Request{
		act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", ""),
		act("webhook", `{"url": "`+echo.URL+`/h"}`, "order", "O-1", ""),
		act("shoptet.set_order_status", `{"status": "A"}`, "order", "O-1", ""),
	} {
		res := perform(t, hdr, r)
		wantClass(t, res, action.Permanent)
		check(r.Action.Name+" error", res.Err.Error())
		if !strings.Contains(res.Err.Error(), "[redacted]") {
			t.Errorf("%s: the echoed secret was not replaced: %v", r.Action.Name, res.Err)
		}
	}
}

func TestLimits(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	slow := recorder.Start(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	t.Run("concurrency", func(t *testing.T) {
		set := newSet(t, action.Config{SMS: &action.SMSConfig{URL: slow.URL, Limits: action.Limits{Concurrency: 2}}}, action.Options{})
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				wantClass(t, perform(t, set, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", "")), action.OK)
			})
		}
		wg.Wait()
		if most < 1 || most > 2 {
			t.Fatalf("at most %d requests in flight, want the cap of 2", most)
		}
	})
	t.Run("rate", func(t *testing.T) {
		fast := recorder.Start(t, recorder.Status(200, ""))
		set := newSet(t, action.Config{SMS: &action.SMSConfig{URL: fast.URL, Limits: action.Limits{Rate: 20, Burst: 1}}}, action.Options{})
		start := time.Now()
		for range 5 {
			wantClass(t, perform(t, set, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", "")), action.OK)
		}
		if d := time.Since(start); d < 180*time.Millisecond {
			t.Fatalf("5 requests at 20/s took %v, want >= 200ms less one interval", d)
		}
	})
	t.Run("waiting ends with the context", func(t *testing.T) {
		fast := recorder.Start(t, recorder.Status(200, ""))
		set := newSet(t, action.Config{SMS: &action.SMSConfig{URL: fast.URL, Limits: action.Limits{Rate: 0.1, Burst: 1}}}, action.Options{})
		wantClass(t, perform(t, set, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", "")), action.OK)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		res := set.Perform(ctx, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", ""))
		wantClass(t, res, action.Transient)
		if len(fast.Hits()) != 1 {
			t.Fatal("the second request was sent")
		}
	})
}

func TestNoConnector(t *testing.T) {
	set := newSet(t, action.Config{}, action.Options{})
	res := perform(t, set, act("email", `{}`, "order", "O-1", ""))
	wantClass(t, res, action.Permanent)
	if !errors.Is(res.Err, action.ErrNoConnector) {
		t.Fatalf("error %v", res.Err)
	}
	if set.Has("email") || !set.Has("webhook") {
		t.Fatal("Has")
	}
}
