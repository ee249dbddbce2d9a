package action_test

import (
	"bytes"
	"mime"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/automat-rules/automat/internal/smtptest"
	"github.com/automat-rules/automat/runtime/action"
	"github.com/automat-rules/automat/runtime/action/mailtmpl"
)

var pickupTemplate = mustTemplate("pickup_ready",
	"Zásilka {shipment.tracking_number} čeká",
	"Dobrý den {order.buyer.name},\nzásilka {shipment.tracking_number} čeká na {shipment.pickup_point}.\n",
	"<p>Dobrý den <b>{order.buyer.name}</b>,</p><p>zásilka {shipment.tracking_number} čeká na {shipment.pickup_point}.</p>")

func mustTemplate(name, subject, text, html string) *mailtmpl.Set {
	t, err := mailtmpl.Parse(name, subject, text, html)
	if err != nil {
		panic(err)
	}
	s, err := mailtmpl.NewSet(t)
	if err != nil {
		panic(err)
	}
	return s
}

func smtpConfig(srv *smtptest.Server) action.Config {
	return action.Config{SMTP: &action.SMTPConfig{
		Host: "localhost", Port: srv.Port, From: "shop@example.com",
		Username: "shop", PasswordEnv: "SMTP_PASSWORD", Timeout: 3 * time.Second,
	}}
}

func TestEmailEndToEnd(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	srv := smtptest.Start(t, smtptest.Options{Cert: cert, Username: "shop", Password: "s3cret-pw"})
	set := newSet(t, smtpConfig(srv), action.Options{
		Env: env(map[string]string{"SMTP_PASSWORD": "s3cret-pw"}), RootCAs: pool,
	})
	req := withTemplates(act("email",
		`{"to": "jan@example.cz", "template": "pickup_ready", "subject": null,
		  "vars": {"order.buyer.name": "Jan <Novák> & syn"}}`,
		"shipment", "SH-1",
		`{"tracking_number": "DR123", "pickup_point": "Praha 1 \"U Nádraží\"", "order": "O-1"}`),
		pickupTemplate)
	res := perform(t, set, req)
	wantClass(t, res, action.OK)

	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	m := got[0]
	if !m.TLS || m.User != "shop" || m.From != "shop@example.com" || strings.Join(m.To, ",") != "jan@example.cz" {
		t.Fatalf("envelope: tls=%v user=%q from=%q to=%v", m.TLS, m.User, m.From, m.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Zásilka DR123 čeká" {
		t.Errorf("Subject = %q", subject)
	}
	if from := msg.Header.Get("From"); !strings.Contains(from, "shop@example.com") {
		t.Errorf("From = %q", from)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "jan@example.cz") {
		t.Errorf("To = %q", to)
	}
	if id := msg.Header.Get("Message-Id"); id != "<act-email-1@example.com>" {
		t.Errorf("Message-ID = %q, want one from the idempotency key", id)
	}
	if !strings.Contains(string(res.Output), "act-email-1@example.com") {
		t.Errorf("output %s lacks the message id", res.Output)
	}
	parts := smtptest.Parts(t, msg)
	wantText := "Dobrý den Jan <Novák> & syn,\nzásilka DR123 čeká na Praha 1 \"U Nádraží\".\n"
	if got := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"); got != wantText {
		t.Errorf("text part = %q, want %q", got, wantText)
	}
	wantHTML := "<p>Dobrý den <b>Jan &lt;Novák&gt; &amp; syn</b>,</p><p>zásilka DR123 čeká na Praha 1 &#34;U Nádraží&#34;.</p>"
	if got := strings.TrimSpace(parts["text/html"]); got != wantHTML {
		t.Errorf("HTML part = %q, want %q", got, wantHTML)
	}
}

func TestEmailFailures(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	srv := smtptest.Start(t, smtptest.Options{Cert: cert, Username: "shop", Password: "s3cret-pw"})
	opts := action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "s3cret-pw"}), RootCAs: pool}
	req := func(args string) *action.Request {
		return withTemplates(act("email", args, "shipment", "SH-1",
			`{"tracking_number": "DR123", "pickup_point": "Brno"}`), pickupTemplate)
	}
	good := `{"to": "jan@example.cz", "template": "pickup_ready", "vars": {"order.buyer.name": "Jan"}}`

	t.Run("rejected recipient is permanent", func(t *testing.T) {
		set := newSet(t, smtpConfig(srv), opts)
		srv.SetRcptError(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
		defer srv.SetRcptError(nil)
		wantClass(t, perform(t, set, req(good)), action.Permanent)
	})
	t.Run("busy recipient is transient", func(t *testing.T) {
		set := newSet(t, smtpConfig(srv), opts)
		srv.SetRcptError(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"})
		defer srv.SetRcptError(nil)
		wantClass(t, perform(t, set, req(good)), action.Transient)
	})
	t.Run("wrong password is permanent and not shown", func(t *testing.T) {
		set := newSet(t, smtpConfig(srv), action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "wrong-pw-42"}), RootCAs: pool})
		res := perform(t, set, req(good))
		wantClass(t, res, action.Permanent)
		if strings.Contains(res.Err.Error(), "wrong-pw-42") {
			t.Fatalf("error shows the password: %v", res.Err)
		}
	})
	t.Run("untrusted certificate is transient", func(t *testing.T) {
		set := newSet(t, smtpConfig(srv), action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "s3cret-pw"})})
		wantClass(t, perform(t, set, req(good)), action.Transient)
	})
	t.Run("nobody listening is transient", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cfg := smtpConfig(srv)
		cfg.SMTP.Port = port
		wantClass(t, perform(t, newSet(t, cfg, opts), req(good)), action.Transient)
	})
	t.Run("no reply after the data is unknown", func(t *testing.T) {
		cfg := smtpConfig(srv)
		cfg.SMTP.Timeout = 300 * time.Millisecond
		srv.SetDataDelay(time.Second)
		defer srv.SetDataDelay(0)
		res := perform(t, newSet(t, cfg, opts), req(good))
		wantClass(t, res, action.Unknown)
	})
	t.Run("argument problems are permanent", func(t *testing.T) {
		set := newSet(t, smtpConfig(srv), opts)
		for _, args := range []string{
			`{"template": "pickup_ready"}`,
			`{"to": "jan@example.cz", "template": "nope"}`,
			`{"to": "not an address", "template": "pickup_ready", "vars": {"order.buyer.name": "Jan"}}`,
			`{"to": "jan@example.cz", "template": "pickup_ready"}`, // order.buyer.name has no value
		} {
			res := perform(t, set, req(args))
			if res.Class != action.Permanent {
				t.Errorf("%s: class %v (%v), want permanent", args, res.Class, res.Err)
			}
		}
	})
}

func TestEmailRecipientList(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	srv := smtptest.Start(t, smtptest.Options{Cert: cert, Username: "shop", Password: "s3cret-pw"})
	set := newSet(t, smtpConfig(srv), action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "s3cret-pw"}), RootCAs: pool})
	tmpl := mustTemplate("note", "Note", "Order {order.number}", "")
	res := perform(t, set, withTemplates(act("email", `{"to": "Jan <jan@example.cz>, eva@example.cz", "template": "note"}`,
		"order", "O-1", `{"number": "2024-1"}`), tmpl))
	wantClass(t, res, action.OK)
	got := srv.Messages()
	if len(got) != 1 || strings.Join(got[0].To, " ") != "jan@example.cz eva@example.cz" {
		t.Fatalf("received %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if parts := smtptest.Parts(t, msg); strings.TrimSpace(parts["text/plain"]) != "Order 2024-1" {
		t.Fatalf("parts %q", parts)
	}
}

// TestEmailPreRendered sends the parts the engine rendered from the
// compiled template (arguments subject, text, html) as they are.
func TestEmailPreRendered(t *testing.T) {
	cert, pool := smtptest.Cert(t)
	srv := smtptest.Start(t, smtptest.Options{Cert: cert, Username: "shop", Password: "s3cret-pw"})
	set := newSet(t, smtpConfig(srv), action.Options{Env: env(map[string]string{"SMTP_PASSWORD": "s3cret-pw"}), RootCAs: pool})
	res := perform(t, set, act("email", `{"to": "jan@example.cz", "template": "pickup_ready",
		"subject": "Zásilka DR1 čeká", "text": "Dobrý den Jan & Eva", "html": "<p>Dobrý den Jan &amp; Eva</p>"}`,
		"shipment", "SH-1", ""))
	wantClass(t, res, action.OK)
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	parts := smtptest.Parts(t, msg)
	if subject != "Zásilka DR1 čeká" || strings.TrimSpace(parts["text/plain"]) != "Dobrý den Jan & Eva" ||
		strings.TrimSpace(parts["text/html"]) != "<p>Dobrý den Jan &amp; Eva</p>" {
		t.Fatalf("subject %q parts %q", subject, parts)
	}
	// Parts without a subject fail for good.
	wantClass(t, perform(t, set, act("email", `{"to": "jan@example.cz", "template": "x", "text": "t"}`, "order", "O-1", "")), action.Permanent)
}
