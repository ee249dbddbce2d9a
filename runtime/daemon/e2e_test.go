package daemon

// The end-to-end test of issue 8: the examples run in the daemon with the
// real connectors of runtime/action, configured by a config file, against
// a real SMTP server and real HTTP listeners on loopback.

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/automat-rules/automat/internal/recorder"
	"github.com/automat-rules/automat/internal/smtptest"
	"github.com/automat-rules/automat/runtime/action"
	"github.com/automat-rules/automat/runtime/store"
)

// copyExample copies examples/NAME into a new directory, replacing old
// with new in its .rules files (the examples' webhook hosts become the
// test's listener).
func copyExample(t *testing.T, name string, replace ...string) string {
	t.Helper()
	src := filepath.Join("..", "..", "examples", name)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".rules") {
			data = []byte(strings.NewReplacer(replace...).Replace(string(data)))
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

const (
	smsToken     = "sms-gw-token-7f3a9c"
	shoptetToken = "shoptet-token-51d0e2"
	hookSecret   = "hook-secret-c4b8e1"
)

// rig is a daemon with every connector configured by a config file,
// against a real SMTP server and HTTP listeners for the SMS gateway,
// webhook receivers and Shoptet.
type rig struct {
	h                   *harness
	mail                *smtptest.Server
	sms, hooks, shoptet *recorder.Server
	overloaded          atomic.Int32 // SMS requests to +420700000500
	logs                bytes.Buffer
	logMu               sync.Mutex
}

// tenantDir is a tenant of a rig: its name, token and rules.
type tenantDir struct{ name, token, dir string }

// startRig starts the listeners, then the daemon with the tenants that
// tenants returns (it may point rules at the listeners).
func startRig(t *testing.T, tenants func(r *rig) []tenantDir) *rig {
	r := &rig{mail: smtptest.Start(t, smtptest.Options{})}
	r.sms = recorder.Start(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		body := r.sms.Hits()[n-1].Body
		switch {
		case bytes.Contains(body, []byte("+420700000500")) && r.overloaded.Add(1) == 1:
			recorder.Status(500, `{"error": "gateway overloaded"}`)(w, nil, n) // transient: retried
		case bytes.Contains(body, []byte("+420700000400")):
			recorder.Status(400, `{"error": "invalid number"}`)(w, nil, n) // permanent: not retried
		default:
			recorder.Status(200, `{"id": "msg-1"}`)(w, nil, n)
		}
	})
	r.hooks = recorder.Start(t, nil)
	r.shoptet = recorder.Start(t, func(w http.ResponseWriter, req *http.Request, n int) {
		if req.Method == "GET" {
			recorder.Status(200, `{"data": {"order": {"code": "O-1", "status": {"id": -1}}}}`)(w, req, n)
		} else {
			recorder.Status(200, `{"data": null}`)(w, req, n)
		}
	})
	env := map[string]string{"SMS_TOKEN": smsToken, "SHOPTET_TOKEN": shoptetToken, "HOOK_SECRET": hookSecret}
	yaml := "store: \"memory:\"\ntenants:\n"
	for _, tn := range tenants(r) {
		v := strings.ToUpper(tn.name) + "_TOKEN"
		env[v] = tn.token
		yaml += "  - {name: " + tn.name + ", token_env: " + v + ", rules: " + tn.dir + "}\n"
	}
	yaml += `retry: {max_attempts: 3, backoff: 10ms, max_backoff: 40ms}
connectors:
  smtp: {host: 127.0.0.1, port: ` + strconv.Itoa(r.mail.Port) + `, from: "Obchod <obchod@example.cz>", starttls: none}
  sms: {url: "` + r.sms.URL + `/api/sms?app=1", token_env: SMS_TOKEN, sender: OBCHOD}
  webhook: {secret_env: HOOK_SECRET, allow_hosts: [127.0.0.1]}
  shoptet:
    base_url: ` + r.shoptet.URL + `
    token_env: SHOPTET_TOKEN
    status_ids: {"Čeká na vyzvednutí": 26, "Odesláno": 27, "Doručeno": 28, "Nedoručeno": 29, "Vráceno": 30}
`
	cfgFile := filepath.Join(t.TempDir(), "automat.yaml")
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Resolve(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	r.h = start(t, cfg, nil, nil, func(o *Options) {
		o.Connectors = nil // the configured ones
		o.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&r.logMu, &r.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	return r
}

// log returns what the daemon logged.
func (r *rig) log() string {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return r.logs.String()
}

// mailTo returns the message received for the recipients to (joined
// with ","), parsed.
func (r *rig) mailTo(t *testing.T, to string) *mail.Message {
	t.Helper()
	for _, m := range r.mail.Messages() {
		if strings.Join(m.To, ",") == to {
			return m.Parse(t)
		}
	}
	t.Fatalf("no e-mail to %s", to)
	return nil
}

func TestExamplesEndToEnd(t *testing.T) {
	bk := copyExample(t, "balikobot")
	r := startRig(t, func(r *rig) []tenantDir {
		mt := copyExample(t, "masstrade", "https://erp.example.pl", r.hooks.URL, "https://hooks.example.pl", r.hooks.URL)
		return []tenantDir{{"balikobot", acmeToken, bk}, {"masstrade", betaToken, mt}}
	})
	h, mail, sms, hooks, shoptet := r.h, r.mail, r.sms, r.hooks, r.shoptet

	ship := func(id, status, extra string) string {
		return `{"id": "` + id + `", "type": "shipment.status_changed", "at": "2026-11-20T18:00:00Z", "record": {"type": "shipment", "id": "SH-1", "data": {"id": "SH-1", "status": "` + status + `", "carrier": "zasilkovna", "tracking_number": "DR1", "pickup_point": "Praha 1, Na Příkopě 1", "tracking_url": "https://t.example/DR1?a=1&b=2", "updated_at": "2026-11-20T18:00:00Z"` + extra + `, "order": {"id": "O-1", "number": "2026-001", "buyer": {"name": "Jan <Novák> & syn", "email": "jan@example.cz", "phone": "+420777111222"}}}}}`
	}
	h.post(acmeToken, ship("s1", "ready_for_pickup", ""))
	h.post(betaToken, `{"events": [
	  {"id": "i1", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "I-1", "data": {"id": "I-1", "number": "I-1", "status": "Nowe", "channel": "sklep", "document_type": "invoice", "buyer": {"name": "Firma", "tax_id": "PL1234567890"}}}},
	  {"id": "m1", "type": "shipment.status_changed", "at": "2026-11-22T10:00:00Z", "record": {"type": "shipment", "id": "IP-1", "data": {"id": "IP-1", "status": "handed_to_carrier", "carrier": "inpost", "tracking_number": "IP1", "updated_at": "2026-11-22T10:00:00Z", "order": {"id": "M-1", "number": "M-1", "status": "Opłacone", "channel": "amazon", "buyer": {"name": "Ola", "email": "ola@example.pl"}}}}}
	]}`)

	eventually(t, "2 e-mails, 1 SMS, 2 webhooks, 2 Shoptet requests", func() bool {
		return len(mail.Messages()) == 2 && len(sms.Hits()) == 1 && len(hooks.Hits()) == 2 && len(shoptet.Hits()) == 2
	})

	// E-mail: envelope, headers, text and HTML parts.
	byTo := map[string]smtptest.Message{}
	for _, m := range mail.Messages() {
		byTo[strings.Join(m.To, ",")] = m
	}
	m := byTo["jan@example.cz"]
	if m.From != "obchod@example.cz" {
		t.Errorf("MAIL FROM %q", m.From)
	}
	msg := m.Parse(t)
	dec := new(mimeDecoder)
	if got := dec.header(t, msg.Header.Get("Subject")); got != "Zásilka DR1 čeká na vyzvednutí" {
		t.Errorf("Subject = %q", got)
	}
	if got := dec.header(t, msg.Header.Get("From")); !strings.Contains(got, "obchod@example.cz") {
		t.Errorf("From = %q", got)
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, "jan@example.cz") {
		t.Errorf("To = %q", got)
	}
	if msg.Header.Get("Message-Id") == "" {
		t.Error("no Message-Id")
	}
	parts := smtptest.Parts(t, msg)
	if txt := parts["text/plain"]; !strings.Contains(txt, "Dobrý den, Jan <Novák> & syn,") || !strings.Contains(txt, "Praha 1, Na Příkopě 1. Sledování: https://t.example/DR1?a=1&b=2") {
		t.Errorf("text part:\n%s", txt)
	}
	if html := parts["text/html"]; !strings.Contains(html, "Dobrý den, Jan &lt;Novák&gt; &amp; syn,") || !strings.Contains(html, `href="https://t.example/DR1?a=1&amp;b=2"`) {
		t.Errorf("HTML part (values must be escaped):\n%s", html)
	}
	ola := r.mailTo(t, "ola@example.pl")
	if got := dec.header(t, ola.Header.Get("Subject")); got != "Zamówienie M-1 zostało wysłane" {
		t.Errorf("MassTrade subject (the call's own) = %q", got)
	}
	if p := smtptest.Parts(t, ola); !strings.Contains(p["text/plain"], "Numer przesyłki: IP1") || !strings.Contains(p["text/html"], "<b>IP1</b>") {
		t.Errorf("MassTrade parts: %q", p)
	}

	// SMS: the configured request shape.
	s := sms.Hits()[0]
	if s.Method != "POST" || s.Path != "/api/sms" || s.Query != "app=1" || s.Header.Get("Authorization") != "Bearer "+smsToken {
		t.Errorf("SMS request %s %s?%s auth %q", s.Method, s.Path, s.Query, s.Header.Get("Authorization"))
	}
	var smsBody map[string]string
	if err := json.Unmarshal(s.Body, &smsBody); err != nil || smsBody["to"] != "+420777111222" || smsBody["sender"] != "OBCHOD" ||
		smsBody["text"] != "Zásilka DR1 čeká na výdejním místě Praha 1, Na Příkopě 1." {
		t.Errorf("SMS body %s (%v)", s.Body, err)
	}

	// Webhooks: signed over timestamp and body, with the idempotency key.
	paths := map[string]recorder.Hit{}
	for _, w := range hooks.Hits() {
		paths[w.Path] = w
		if w.Method != "POST" || w.Header.Get(action.HeaderIdempotencyKey) == "" {
			t.Errorf("webhook %s %s without an idempotency key", w.Method, w.Path)
		}
		want := action.Sign([]byte(hookSecret), w.Header.Get(action.HeaderTimestamp), w.Body)
		if got := w.Header.Get(action.HeaderSignature); got != want {
			t.Errorf("webhook %s signature %q, want %q", w.Path, got, want)
		}
	}
	if w, ok := paths["/marketplace/shipped"]; !ok || string(w.Body) != `{"order": "M-1", "tracking": "IP1"}` {
		t.Errorf("marketplace webhook: %q", w.Body)
	}
	if w, ok := paths["/hooks/invoice"]; !ok || !bytes.Contains(w.Body, []byte(`"PL1234567890"`)) {
		t.Errorf("invoice webhook (the record by default): %s", w.Body)
	}

	// Shoptet: read the status, then write the configured id.
	sh := shoptet.Hits()
	if sh[0].Method != "GET" || sh[0].Path != "/api/orders/O-1" || sh[0].Header.Get("Shoptet-Private-API-Token") != shoptetToken {
		t.Errorf("Shoptet read: %s %s", sh[0].Method, sh[0].Path)
	}
	if sh[1].Method != "PATCH" || sh[1].Path != "/api/orders/O-1/status" || string(sh[1].Body) != `{"data":{"statusId":26}}` {
		t.Errorf("Shoptet write: %s %s %s", sh[1].Method, sh[1].Path, sh[1].Body)
	}

	// Every action is done in the queue and in the log.
	names := func(token string) string {
		var out []string
		for _, a := range doneActions(h, token) {
			out = append(out, a.Action)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	const wantBK, wantMT = "email shoptet.set_order_status sms", "email log webhook webhook"
	eventually(t, "the outcomes recorded", func() bool { return names(acmeToken) == wantBK && names(betaToken) == wantMT })

	// Retries: a 500 is retried and then done; a 400 fails at once.
	h.post(acmeToken, strings.ReplaceAll(ship("s2", "out_for_delivery", ""), "+420777111222", "+420700000500"))
	h.post(acmeToken, strings.ReplaceAll(strings.ReplaceAll(ship("s3", "out_for_delivery", ""), "+420777111222", "+420700000400"), `"SH-1"`, `"SH-2"`))
	eventually(t, "the retried SMS done", func() bool { return count(h.logOf(acmeToken, "record_id=SH-1"), isAction("sms", store.Done)) == 2 })
	eventually(t, "the refused SMS failed", func() bool { return count(h.logOf(acmeToken, "record_id=SH-2"), isAction("sms", store.Failed)) == 1 })
	refused := 0
	for _, x := range sms.Hits() {
		if bytes.Contains(x.Body, []byte("+420700000400")) {
			refused++
		}
	}
	if n := refused; n != 1 {
		t.Errorf("the SMS refused with 400 was sent %d times, want 1", n)
	}
	if n := r.overloaded.Load(); n != 2 {
		t.Errorf("the SMS answered 500 was sent %d times, want 2", n)
	}
	retried := 0
	for _, e := range h.logOf(acmeToken, "record_id=SH-1") {
		if e.Kind == store.KindAction && e.Action == "sms" && e.State == store.Pending && strings.Contains(e.Error, "500") {
			retried++
		}
	}
	if retried != 1 {
		t.Errorf("%d logged transient failures of the SMS, want 1 (every attempt is in the log)", retried)
	}

	out := r.log()
	for _, secret := range []string{smsToken, shoptetToken, hookSecret, acmeToken, betaToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the daemon's log shows a secret %q", secret)
		}
	}
	for _, tenant := range []string{acmeToken, betaToken} {
		_, body := h.do("GET", "/v1/actions", tenant, nil)
		_, logBody := h.do("GET", "/v1/log", tenant, nil)
		for _, secret := range []string{smsToken, shoptetToken, hookSecret} {
			if bytes.Contains(body, []byte(secret)) || bytes.Contains(logBody, []byte(secret)) {
				t.Errorf("the API shows a secret %q", secret)
			}
		}
	}
}

// doneActions returns the tenant's done actions from GET /v1/actions.
func doneActions(h *harness, token string) []actionView {
	h.t.Helper()
	code, body := h.do("GET", "/v1/actions?state=done", token, nil)
	if code != http.StatusOK {
		h.t.Fatalf("GET /v1/actions: %d %s", code, body)
	}
	var page struct {
		Actions []actionView `json:"actions"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		h.t.Fatal(err)
	}
	return page.Actions
}

func isAction(name string, state store.ActionState) func(*store.LogEntry) bool {
	return func(e *store.LogEntry) bool {
		return e.Kind == store.KindAction && e.Action == name && e.State == state
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// mimeDecoder decodes RFC 2047 header words ("=?UTF-8?q?...?=").
type mimeDecoder struct{ mime.WordDecoder }

func (d *mimeDecoder) header(t *testing.T, s string) string {
	t.Helper()
	out, err := d.DecodeHeader(s)
	if err != nil {
		t.Fatalf("header %q: %v", s, err)
	}
	return out
}

// TestMoreExamplesEndToEnd runs the Bitrix24, JZ ONE and xSale examples
// with the real connectors: a generated code in an SMS, Czech and Polish
// templates, a phase message.
func TestMoreExamplesEndToEnd(t *testing.T) {
	const bxToken, jzToken, xsToken = "bitrix-token-0123456789", "jzone-token-0123456789", "xsale-token-0123456789"
	r := startRig(t, func(*rig) []tenantDir {
		return []tenantDir{
			{"bitrix24", bxToken, copyExample(t, "bitrix24")},
			{"jzone", jzToken, copyExample(t, "jzone")},
			{"xsale", xsToken, copyExample(t, "xsale")},
		}
	})
	order := func(id, typ, status, extra string) string {
		return `{"id": "` + id + `", "type": "` + typ + `", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "O-1", "data": {"id": "O-1", "number": "2026-101", "status": "` + status + `", "total": "100", "buyer": {"name": "Jana Dvořáková", "email": "jana@example.cz", "phone": "+420603111222"}` + extra + `}}}`
	}
	r.h.post(bxToken, `{"events": [`+order("b1", "order.created", "Nová", "")+`, `+order("b2", "order.updated", "Připraveno k odběru", "")+`]}`)
	r.h.post(jzToken, `{"events": [`+order("j1", "order.created", "Balí se", "")+`, `+order("j2", "order.updated", "Předáno dopravci", "")+`, `+order("j3", "order.updated", "Vyřízena", "")+`]}`)
	r.h.post(xsToken, strings.Replace(order("x1", "order.created", "Nowe", `, "recipient": {"name": "Zofia Wójcik", "email": "zofia@example.pl"}`), `"phone": "+420603111222"`, `"phone": "+48600111222"`, 1))

	eventually(t, "2 SMS and 2 e-mails", func() bool { return len(r.sms.Hits()) == 2 && len(r.mail.Messages()) == 2 })
	texts := map[string]string{}
	for _, x := range r.sms.Hits() {
		var b map[string]string
		if err := json.Unmarshal(x.Body, &b); err != nil {
			t.Fatal(err)
		}
		texts[b["text"]] = b["to"]
	}
	if texts["Váš kód pro vyzvednutí je PK-000001."] != "+420603111222" {
		t.Errorf("Bitrix24: no SMS with the generated code: %v", texts)
	}
	if texts["Objednávka 2026-101 byla předána dopravci."] != "+420603111222" {
		t.Errorf("JZ ONE: no status SMS: %v", texts)
	}
	dec := new(mimeDecoder)
	jana := r.mailTo(t, "jana@example.cz")
	if got := dec.header(t, jana.Header.Get("Subject")); got != "Děkujeme za nákup (2026-101)" {
		t.Errorf("JZ ONE phase e-mail subject %q", got)
	}
	if p := smtptest.Parts(t, jana); !strings.Contains(p["text/plain"], "Dobrý den, Jana Dvořáková,") {
		t.Errorf("JZ ONE text part %q", p["text/plain"])
	}
	// Internal actions are readable over the API: the order's timeline
	// (comments) and the log of one action.
	timeline := r.h.logOf(bxToken, "action=comment&record_id=O-1")
	if len(timeline) != 1 || !strings.Contains(string(timeline[0].Args), "Vygenerován kód PK-000001") || timeline[0].State != store.Done {
		t.Errorf("Bitrix24 timeline: %+v", timeline)
	}
	// Newest first: queued, then done.
	if sms := r.h.logOf(bxToken, "action=sms&kind=action"); len(sms) != 2 || sms[0].State != store.Done || sms[1].State != store.Pending {
		for _, e := range sms {
			t.Logf("%+v", *e)
		}
		t.Errorf("Bitrix24 SMS log: %d entries, want queued then done", len(sms))
	}
	zofia := r.mailTo(t, "zofia@example.pl")
	if got := dec.header(t, zofia.Header.Get("Subject")); got != "Paczka od Jana Dvořáková jest w drodze" {
		t.Errorf("xSale subject %q", got)
	}
	if p := smtptest.Parts(t, zofia); !strings.Contains(p["text/plain"], "Dzień dobry Zofia Wójcik,") {
		t.Errorf("xSale text part %q", p["text/plain"])
	}
}
