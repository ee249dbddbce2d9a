package action_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/recorder"
	"github.com/automat-rules/automat/runtime/action"
)

func TestSMSBulkGateJSON(t *testing.T) {
	gw := recorder.Start(t, recorder.Status(200, `{"data": {"status": "accepted", "sms_id": "x1"}}`))
	set := newSet(t, action.Config{SMS: &action.SMSConfig{
		URL:      gw.URL + "/api/1.0/simple/transactional",
		TokenEnv: "BULKGATE_TOKEN",
		Auth:     action.SMSAuth{Type: "field", Field: "application_token"},
		Fields:   action.SMSFields{To: "number", Text: "text", Sender: "sender_id_value"},
		Sender:   "Shop",
		Extra:    map[string]any{"application_id": "12345", "unicode": true},
		Timeout:  2 * time.Second,
	}}, action.Options{Env: env(map[string]string{"BULKGATE_TOKEN": "bg-token-777"})})
	res := perform(t, set, act("sms", `{"to": "+420601234567", "text": "Zásilka DR1 čeká."}`, "shipment", "SH-1", ""))
	wantClass(t, res, action.OK)
	h := gw.Hits()[0]
	if h.Method != "POST" || h.Path != "/api/1.0/simple/transactional" || h.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %s %s", h.Method, h.Path, h.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.Unmarshal(h.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"number": "+420601234567", "text": "Zásilka DR1 čeká.", "sender_id_value": "Shop",
		"application_id": "12345", "unicode": true, "application_token": "bg-token-777"}
	if fmt.Sprint(body) != fmt.Sprint(want) {
		t.Fatalf("body %v, want %v", body, want)
	}
	if h.Header.Get("Authorization") != "" || h.Header.Get(action.HeaderIdempotencyKey) != "" {
		t.Fatalf("unexpected headers %v", h.Header)
	}
	if !strings.Contains(string(res.Output), `"sms_id":"x1"`) {
		t.Errorf("output %s lacks the gateway's answer", res.Output)
	}
}

func TestSMSTwilioFormBasic(t *testing.T) {
	gw := recorder.Start(t, recorder.Status(201, `{"sid": "SM1"}`))
	set := newSet(t, action.Config{SMS: &action.SMSConfig{
		URL:       gw.URL + "/2010-04-01/Accounts/AC1/Messages.json",
		Format:    "form",
		TokenFile: "/run/secrets/twilio",
		Auth:      action.SMSAuth{Type: "basic", Username: "AC1"},
		Fields:    action.SMSFields{To: "To", Text: "Body", Sender: "From"},
		Sender:    "+15005550006",
	}}, action.Options{ReadFile: func(name string) ([]byte, error) {
		if name == "/run/secrets/twilio" {
			return []byte("tw-auth-token\n"), nil
		}
		return nil, errors.New("no such file")
	}})
	wantClass(t, perform(t, set, act("sms", `{"to": "+420601234567", "text": "Hi & bye"}`, "order", "O-1", "")), action.OK)
	h := gw.Hits()[0]
	user, pass, ok := (&http.Request{Header: h.Header}).BasicAuth()
	if !ok || user != "AC1" || pass != "tw-auth-token" {
		t.Fatalf("basic auth %q %q %v", user, pass, ok)
	}
	form, err := url.ParseQuery(string(h.Body))
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("To") != "+420601234567" || form.Get("Body") != "Hi & bye" || form.Get("From") != "+15005550006" {
		t.Fatalf("form %v", form)
	}
	if h.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("content type %q", h.Header.Get("Content-Type"))
	}
}

func TestSMSHeaderToken(t *testing.T) {
	gw := recorder.Start(t, recorder.Status(200, `{}`))
	set := newSet(t, action.Config{SMS: &action.SMSConfig{URL: gw.URL + "/send", TokenEnv: "SMS_TOKEN"}},
		action.Options{Env: env(map[string]string{"SMS_TOKEN": "tok-1"})})
	wantClass(t, perform(t, set, act("sms", `{"to": "+420601234567", "text": "x"}`, "order", "O-1", "")), action.OK)
	if got := gw.Hits()[0].Header.Get("Authorization"); got != "Bearer tok-1" {
		t.Fatalf("Authorization = %q", got)
	}
}

// TestClassification checks the retry classes of the HTTP connectors for
// the statuses and failures of the issue.
func TestClassification(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}
	cases := []struct {
		name       string
		reply      func(http.ResponseWriter, *http.Request, int)
		sms        action.Class // no idempotency key
		webhook    action.Class // idempotency key
		retryAfter time.Duration
	}{
		{"200", recorder.Status(200, "{}"), action.OK, action.OK, 0},
		{"204", recorder.Status(204, ""), action.OK, action.OK, 0},
		{"400", recorder.Status(400, `{"error": "bad number"}`), action.Permanent, action.Permanent, 0},
		{"404", recorder.Status(404, ""), action.Permanent, action.Permanent, 0},
		{"500", recorder.Status(500, "oops"), action.Transient, action.Transient, 0},
		{"503", recorder.Status(503, ""), action.Transient, action.Transient, 0},
		{"408", recorder.Status(408, ""), action.Transient, action.Transient, 0},
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, action.Transient, action.Transient, 7 * time.Second},
		{"timeout after sending", slow, action.Unknown, action.Transient, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := recorder.Start(t, c.reply)
			set := newSet(t, action.Config{
				SMS:     &action.SMSConfig{URL: l.URL + "/send", Timeout: 200 * time.Millisecond},
				Webhook: &action.WebhookConfig{AllowHosts: []string{"127.0.0.1"}, Timeout: 200 * time.Millisecond},
			}, action.Options{})
			res := perform(t, set, act("sms", `{"to": "+420601234567", "text": "x"}`, "order", "O-1", ""))
			if res.Class != c.sms || res.RetryAfter != c.retryAfter {
				t.Errorf("sms: %v retry after %v (%v), want %v, %v", res.Class, res.RetryAfter, res.Err, c.sms, c.retryAfter)
			}
			res = perform(t, set, act("webhook", `{"url": "`+l.URL+`/hook"}`, "order", "O-1", `{}`))
			if res.Class != c.webhook || res.RetryAfter != c.retryAfter {
				t.Errorf("webhook: %v retry after %v (%v), want %v, %v", res.Class, res.RetryAfter, res.Err, c.webhook, c.retryAfter)
			}
			if res.Class != action.OK && res.Err == nil {
				t.Errorf("no error for a failed attempt")
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		set := newSet(t, action.Config{
			SMS:     &action.SMSConfig{URL: "http://" + addr + "/send"},
			Webhook: &action.WebhookConfig{AllowPrivate: true},
		}, action.Options{})
		wantClass(t, perform(t, set, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", "")), action.Transient)
		wantClass(t, perform(t, set, act("webhook", `{"url": "http://`+addr+`/"}`, "order", "O-1", "")), action.Transient)
	})
}

func TestRetryAfterDate(t *testing.T) {
	l := recorder.Start(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(503)
	})
	set := newSet(t, action.Config{SMS: &action.SMSConfig{URL: l.URL}}, action.Options{})
	res := perform(t, set, act("sms", `{"to": "1", "text": "x"}`, "order", "O-1", ""))
	if res.Class != action.Transient || res.RetryAfter < 80*time.Second || res.RetryAfter > 91*time.Second {
		t.Fatalf("%v retry after %v", res.Class, res.RetryAfter)
	}
}

func TestWebhookSignedRequest(t *testing.T) {
	l := recorder.Start(t, recorder.Status(200, `{"ok": true}`))
	now := time.Unix(1795000000, 0)
	set := newSet(t, action.Config{Webhook: &action.WebhookConfig{SecretEnv: "HOOK_SECRET", AllowHosts: []string{"127.0.0.1"}}},
		action.Options{Env: env(map[string]string{"HOOK_SECRET": "whsec-abc"}), Now: func() time.Time { return now }})

	t.Run("record as the body", func(t *testing.T) {
		res := perform(t, set, act("webhook", `{"url": "`+l.URL+`/hooks/order?x=1", "body": null}`, "order", "O-7", `{"number": "2024-7", "total": "99.90"}`))
		wantClass(t, res, action.OK)
		h := l.Hits()[len(l.Hits())-1]
		if h.Method != "POST" || h.Path != "/hooks/order" || h.Query != "x=1" {
			t.Fatalf("request %s %s?%s", h.Method, h.Path, h.Query)
		}
		wantBody := `{"type":"order","id":"O-7","data":{"number":"2024-7","total":"99.90"}}`
		if string(h.Body) != wantBody {
			t.Fatalf("body %s, want %s", h.Body, wantBody)
		}
		checkSignature(t, h, "whsec-abc", "1795000000")
		if h.Header.Get("Idempotency-Key") != "act-webhook-1" || h.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("headers %v", h.Header)
		}
	})
	t.Run("body argument", func(t *testing.T) {
		wantClass(t, perform(t, set, act("webhook", `{"url": "`+l.URL+`/b", "body": "{\"event\": \"paid\"}"}`, "order", "O-7", `{}`)), action.OK)
		h := l.Hits()[len(l.Hits())-1]
		if string(h.Body) != `{"event": "paid"}` {
			t.Fatalf("body %s", h.Body)
		}
		checkSignature(t, h, "whsec-abc", "1795000000")
		wantClass(t, perform(t, set, act("webhook", `{"url": "`+l.URL+`/b", "body": "plain text"}`, "order", "O-7", `{}`)), action.OK)
		if h := l.Hits()[len(l.Hits())-1]; string(h.Body) != `"plain text"` {
			t.Fatalf("body %s", h.Body)
		}
	})
	t.Run("bad url", func(t *testing.T) {
		for _, u := range []string{"ftp://example.com/x", "not a url", ""} {
			wantClass(t, perform(t, set, act("webhook", `{"url": "`+u+`"}`, "order", "O-7", `{}`)), action.Permanent)
		}
	})
}

// checkSignature verifies a webhook as a receiver would (the recipe of
// docs/connectors.md).
func checkSignature(t *testing.T, h recorder.Hit, secret, ts string) {
	t.Helper()
	if got := h.Header.Get(action.HeaderTimestamp); got != ts {
		t.Fatalf("timestamp %q, want %q", got, ts)
	}
	want := action.Sign([]byte(secret), ts, h.Body)
	if got := h.Header.Get(action.HeaderSignature); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// Computed with: printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$secret"
	for _, c := range []struct{ secret, ts, body, want string }{
		{"key", "1", "{}", "1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"},
		{"whsec-abc", "1795000000", `{"event": "paid"}`, "e91c7e07fde35af64ea660a23205f7ea21afe66439131a434b675ee44c008a6e"},
	} {
		if got := action.Sign([]byte(c.secret), c.ts, []byte(c.body)); got != "sha256="+c.want {
			t.Errorf("Sign(%q, %q, %q) = %q, want sha256=%s", c.secret, c.ts, c.body, got, c.want)
		}
	}
}

func TestSSRFGuard(t *testing.T) {
	l := recorder.Start(t, recorder.Status(200, "{}"))
	port := l.Listener.Addr().(*net.TCPAddr).Port
	loop := fmt.Sprintf(`{"url": "http://127.0.0.1:%d/x"}`, port)
	byName := fmt.Sprintf(`{"url": "http://localhost:%d/x"}`, port)

	t.Run("loopback refused by default", func(t *testing.T) {
		set := newSet(t, action.Config{}, action.Options{})
		for _, args := range []string{loop, byName} {
			res := perform(t, set, act("webhook", args, "order", "O-1", ""))
			wantClass(t, res, action.Permanent)
			if !errors.Is(res.Err, action.ErrForbiddenAddress) && !strings.Contains(res.Err.Error(), "address not allowed") {
				t.Fatalf("error %v", res.Err)
			}
		}
		if n := len(l.Hits()); n != 0 {
			t.Fatalf("the listener got %d requests", n)
		}
	})
	t.Run("allowed with allow_private", func(t *testing.T) {
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{AllowPrivate: true}}, action.Options{})
		wantClass(t, perform(t, set, act("webhook", loop, "order", "O-1", "")), action.OK)
		wantClass(t, perform(t, set, act("webhook", byName, "order", "O-1", "")), action.OK)
	})
	t.Run("allowed by prefix", func(t *testing.T) {
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{AllowHosts: []string{"127.0.0.0/8"}}}, action.Options{})
		wantClass(t, perform(t, set, act("webhook", byName, "order", "O-1", "")), action.OK)
	})
	t.Run("allowed by host name only for that name", func(t *testing.T) {
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{AllowHosts: []string{"localhost"}}}, action.Options{})
		wantClass(t, perform(t, set, act("webhook", byName, "order", "O-1", "")), action.OK)
		wantClass(t, perform(t, set, act("webhook", loop, "order", "O-1", "")), action.Permanent)
	})
	t.Run("redirect to loopback refused", func(t *testing.T) {
		// An allowed host redirects to one that is not allowed: the
		// redirect's connection is checked again.
		target := fmt.Sprintf("http://127.0.0.1:%d/inner", port)
		redir := recorder.Start(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		})
		redirPort := redir.Listener.Addr().(*net.TCPAddr).Port
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{AllowHosts: []string{"localhost"}}}, action.Options{})
		before := len(l.Hits())
		res := perform(t, set, act("webhook", fmt.Sprintf(`{"url": "http://localhost:%d/"}`, redirPort), "order", "O-1", ""))
		if len(redir.Hits()) != 1 {
			t.Fatal("the allowed host was not reached")
		}
		wantClass(t, res, action.Permanent)
		if len(l.Hits()) != before {
			t.Fatal("the redirect reached the forbidden listener")
		}
	})
	t.Run("redirects are limited", func(t *testing.T) {
		var loopURL string
		loopSrv := recorder.Start(t, func(w http.ResponseWriter, r *http.Request, n int) {
			http.Redirect(w, r, loopURL+"/"+strconv.Itoa(n), http.StatusTemporaryRedirect)
		})
		loopURL = loopSrv.URL
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{AllowPrivate: true}}, action.Options{})
		res := perform(t, set, act("webhook", `{"url": "`+loopURL+`/"}`, "order", "O-1", ""))
		wantClass(t, res, action.Permanent)
		if n := len(loopSrv.Hits()); n != 4 {
			t.Fatalf("followed %d requests, want 4 (the first and 3 redirects)", n)
		}
	})
	t.Run("other non-public addresses", func(t *testing.T) {
		set := newSet(t, action.Config{Webhook: &action.WebhookConfig{Timeout: 300 * time.Millisecond}}, action.Options{})
		for _, host := range []string{"10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "[::1]", "[fe80::1]", "[fd00::1]", "[::ffff:127.0.0.1]", "224.0.0.1"} {
			res := perform(t, set, act("webhook", `{"url": "http://`+host+`:9/x"}`, "order", "O-1", ""))
			if res.Class != action.Permanent || !strings.Contains(res.Err.Error(), "address not allowed") {
				t.Errorf("%s: %v %v", host, res.Class, res.Err)
			}
		}
	})
}
