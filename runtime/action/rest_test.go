package action_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/recorder"
	"github.com/automat-rules/automat/runtime/action"
)

func TestRESTJSON(t *testing.T) {
	erp := recorder.Start(t, recorder.Status(201, `{"data": {"id": "INV-9", "ok": true}}`))
	set := newSet(t, action.Config{REST: map[string]*action.RESTConfig{
		"flexi.create_invoice": {
			URL:     erp.URL + "/c/firma/faktura-vydana.json?order={order_number}",
			Headers: map[string]string{"X-Api-Key": "{secret}", "X-Order": "{order_number}"},
			Body: map[string]any{"winstrom": map[string]any{"faktura-vydana": []any{map[string]any{
				"id":        "ext:automat:{action.id}",
				"kod":       "{order_number}",
				"sumCelkem": "{amount:number}",
				"mena":      "{currency}",
				"poznamka":  "Objednávka {order_number} ({record.type} {record.id})",
				"zaplaceno": "{paid}",
				"fixed":     3,
			}}}},
			SecretEnv:  "ERP_KEY",
			Idempotent: true,
			Result:     "data.id",
		},
	}}, action.Options{Env: env(map[string]string{"ERP_KEY": "erp-key-1"})})
	res := perform(t, set, act("flexi.create_invoice",
		`{"order_number": "2024/77 a&b", "amount": "1299.90", "currency": null, "paid": true}`, "order", "O-77", ""))
	wantClass(t, res, action.OK)
	if string(res.Value) != `"INV-9"` {
		t.Errorf("value %s", res.Value)
	}
	h := erp.Hits()[0]
	if h.Method != "POST" || h.Path != "/c/firma/faktura-vydana.json" {
		t.Fatalf("request %s %s", h.Method, h.Path)
	}
	if q, _ := url.ParseQuery(h.Query); q.Get("order") != "2024/77 a&b" {
		t.Errorf("query %q", h.Query)
	}
	if h.Header.Get("X-Api-Key") != "erp-key-1" || h.Header.Get("X-Order") != "2024/77 a&b" ||
		h.Header.Get(action.HeaderIdempotencyKey) != "act-flexi.create_invoice-1" || h.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", h.Header)
	}
	var got, want any
	if err := json.Unmarshal(h.Body, &got); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(`{"winstrom": {"faktura-vydana": [{
		"id": "ext:automat:act-flexi.create_invoice-1", "kod": "2024/77 a&b", "sumCelkem": 1299.90,
		"mena": null, "poznamka": "Objednávka 2024/77 a&b (order O-77)", "zaplaceno": true, "fixed": 3}]}}`), &want)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("body\n got %s\nwant %s", gb, wb)
	}
	if !strings.Contains(string(h.Body), `"sumCelkem":1299.90`) {
		t.Errorf("the amount is not the exact decimal: %s", h.Body)
	}
}

func TestRESTXMLAndPath(t *testing.T) {
	pohoda := recorder.Start(t, recorder.Status(200, `<ok/>`))
	set := newSet(t, action.Config{REST: map[string]*action.RESTConfig{
		"pohoda.order": {
			Method:      "PUT",
			URL:         pohoda.URL + "/orders/{number}/note",
			ContentType: "application/xml; charset=utf-8",
			BodyText:    `<note order="{number}">{text}</note>`,
			Headers:     map[string]string{"STW-Authorization": "Basic {secret}"},
			SecretFile:  "/etc/automat/pohoda",
		},
	}}, action.Options{ReadFile: func(string) ([]byte, error) { return []byte("dXNlcjpwYXNz\n"), nil }})
	wantClass(t, perform(t, set, act("pohoda.order", `{"number": "7/8 x", "text": "<b>\"A&B\"</b>"}`, "order", "O-1", "")), action.OK)
	h := pohoda.Hits()[0]
	if h.Method != "PUT" || h.RawPath != "/orders/7%2F8%20x/note" || !strings.Contains(pohoda.Hits()[0].Header.Get("Content-Type"), "xml") {
		t.Fatalf("request %s %q %v", h.Method, h.RawPath, h.Header)
	}
	if want := `<note order="7/8 x">&lt;b&gt;&#34;A&amp;B&#34;&lt;/b&gt;</note>`; string(h.Body) != want {
		t.Errorf("body %s, want %s", h.Body, want)
	}
	if h.Header.Get("STW-Authorization") != "Basic dXNlcjpwYXNz" {
		t.Errorf("auth header %q", h.Header.Get("STW-Authorization"))
	}
}

func TestRESTFormAndFailures(t *testing.T) {
	slow := recorder.Start(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	form := recorder.Start(t, recorder.Status(200, "ok"))
	set := newSet(t, action.Config{REST: map[string]*action.RESTConfig{
		"crm.note":   {URL: form.URL + "/note", Format: "form", Body: map[string]any{"text": "{text}", "n": 2}},
		"slow.once":  {URL: slow.URL + "/x", Timeout: 200 * time.Millisecond},
		"slow.dedup": {URL: slow.URL + "/x", Timeout: 200 * time.Millisecond, Idempotent: true},
		"num":        {URL: form.URL + "/n", Body: map[string]any{"a": "{a:number}"}},
	}}, action.Options{})
	wantClass(t, perform(t, set, act("crm.note", `{"text": "a b&c"}`, "order", "O-1", "")), action.OK)
	if f, _ := url.ParseQuery(string(form.Hits()[0].Body)); f.Get("text") != "a b&c" || f.Get("n") != "2" {
		t.Errorf("form %s", form.Hits()[0].Body)
	}
	wantClass(t, perform(t, set, act("crm.note", `{}`, "order", "O-1", "")), action.Permanent)
	wantClass(t, perform(t, set, act("num", `{"a": "12,5"}`, "order", "O-1", "")), action.Permanent)
	wantClass(t, perform(t, set, act("slow.once", `{}`, "order", "O-1", "")), action.Unknown)
	wantClass(t, perform(t, set, act("slow.dedup", `{}`, "order", "O-1", "")), action.Transient)
	if !set.Idempotent("slow.dedup") || set.Idempotent("slow.once") || !set.Idempotent("webhook") || set.Idempotent("nope") {
		t.Error("Idempotent")
	}
}
