package action

// This file defines the `email` connector: a template of the ruleset
// rendered and sent over SMTP (STARTTLS, AUTH) with go-mail.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/automat-rules/automat/runtime/action/mailtmpl"
)

type emailConnector struct {
	cfg      SMTPConfig
	password secret
	opts     *Options
}

func newEmail(c *SMTPConfig, opts *Options) (*emailConnector, error) {
	pw, err := opts.loadSecret("connectors.smtp", "password", c.PasswordEnv, c.PasswordFile)
	if err != nil {
		return nil, err
	}
	e := &emailConnector{cfg: *c, password: pw, opts: opts}
	if e.cfg.Port == 0 {
		e.cfg.Port = 587
		if e.cfg.ImplicitTLS {
			e.cfg.Port = 465
		}
	}
	if e.cfg.StartTLS == "" {
		e.cfg.StartTLS = "opportunistic"
		if e.cfg.Username != "" {
			e.cfg.StartTLS = "required"
		}
	}
	if e.cfg.Timeout == 0 {
		e.cfg.Timeout = 30 * time.Second
	}
	if e.cfg.HELO == "" {
		e.cfg.HELO = "localhost"
	}
	return e, nil
}

// client returns a go-mail client for one delivery.
func (e *emailConnector) client() (*mail.Client, error) {
	policy := map[string]mail.TLSPolicy{
		"required": mail.TLSMandatory, "opportunistic": mail.TLSOpportunistic, "none": mail.NoTLS,
	}[e.cfg.StartTLS]
	o := []mail.Option{
		mail.WithPort(e.cfg.Port),
		mail.WithTimeout(e.cfg.Timeout),
		mail.WithHELO(e.cfg.HELO),
		mail.WithTLSConfig(&tls.Config{ServerName: e.cfg.Host, RootCAs: e.opts.RootCAs, MinVersion: tls.VersionTLS12}),
	}
	if e.cfg.ImplicitTLS {
		o = append(o, mail.WithSSL())
	} else {
		o = append(o, mail.WithTLSPortPolicy(policy))
	}
	if e.cfg.Username != "" {
		auth := map[string]mail.SMTPAuthType{
			"": mail.SMTPAuthPlain, "plain": mail.SMTPAuthPlain, "login": mail.SMTPAuthLogin,
			"cram-md5": mail.SMTPAuthCramMD5, "scram-sha-256": mail.SMTPAuthSCRAMSHA256,
			"auto": mail.SMTPAuthAutoDiscover,
		}[e.cfg.Auth]
		o = append(o, mail.WithSMTPAuth(auth), mail.WithUsername(e.cfg.Username), mail.WithPassword(e.password.reveal()))
	}
	return mail.NewClient(e.cfg.Host, o...)
}

// Perform sends a message to `to`. The engine renders the template of the
// call into the arguments `subject`, `text` and `html` (HTML-escaped
// already), and those are sent as they are. Without `text` and `html`,
// the template named by `template` is rendered here from [Request.Templates]:
// placeholders take their values from the `vars` argument (an object of
// path -> text), else from the subject record's snapshot, and the
// `subject` argument, when given, replaces the template's subject.
func (e *emailConnector) Perform(ctx context.Context, r *Request) Result {
	a, err := parseArgs(r)
	if err != nil {
		return permanent(err)
	}
	to, err := a.required("email", "to")
	if err != nil {
		return permanent(err)
	}
	name, _ := a.text("template")
	var msg mailtmpl.Message
	text, hasText := a.text("text")
	html, hasHTML := a.text("html")
	if hasText || hasHTML {
		msg.Text, msg.HTML = text, html
		msg.Subject, _ = a.text("subject")
	} else if msg, err = e.render(r, a, name); err != nil {
		return permanent(err)
	}
	msg.Subject = strings.Join(strings.Fields(msg.Subject), " ")
	if msg.Subject == "" {
		return permanent(fmt.Errorf("email: template %s has no subject and no subject argument was given", name))
	}
	if msg.Text == "" && msg.HTML == "" {
		return permanent(fmt.Errorf("email: template %s rendered an empty message", name))
	}

	m := mail.NewMsg()
	if err := m.From(e.cfg.From); err != nil {
		return permanent(fmt.Errorf("email: from address: %v", err))
	}
	rcpts, err := netmail.ParseAddressList(to)
	if err != nil {
		return permanent(fmt.Errorf("email: %q is not an e-mail address (or a comma-separated list of them)", to))
	}
	for _, rc := range rcpts {
		if err := m.AddToFormat(rc.Name, rc.Address); err != nil {
			return permanent(fmt.Errorf("email: %q is not an e-mail address", rc.Address))
		}
	}
	m.Subject(msg.Subject)
	m.SetDate()
	msgID := messageID(r.Action.ID, e.cfg.From)
	m.SetMessageIDWithValue(msgID)
	switch {
	case msg.Text != "" && msg.HTML != "":
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
		m.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	case msg.HTML != "":
		m.SetBodyString(mail.TypeTextHTML, msg.HTML)
	default:
		m.SetBodyString(mail.TypeTextPlain, msg.Text)
	}

	c, err := e.client()
	if err != nil {
		return permanent(fmt.Errorf("email: %s", e.scrub(err.Error())))
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return e.dialFailure(err)
	}
	err = c.SendWithSMTPClient(sc, m)
	_ = c.CloseWithSMTPClient(sc) // the outcome is known; a failing QUIT changes nothing
	if err != nil {
		return e.sendFailure(err)
	}
	return okResult(map[string]any{"message_id": "<" + msgID + ">", "to": to, "template": name})
}

// render renders the template called name for r.
func (e *emailConnector) render(r *Request, a args, name string) (mailtmpl.Message, error) {
	if strings.TrimSpace(name) == "" {
		return mailtmpl.Message{}, errors.New("email: argument template is missing or empty (and no text or html was given)")
	}
	t := r.Templates.Get(name)
	if t == nil {
		return mailtmpl.Message{}, fmt.Errorf("email: the ruleset has no template %q (templates/%s.txt or .html)", name, name)
	}
	var vars map[string]json.RawMessage
	if raw, ok := a["vars"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &vars); err != nil {
			return mailtmpl.Message{}, fmt.Errorf("email: argument vars is not an object: %v", err)
		}
	}
	fromRecord := recordLookup(r)
	msg, err := t.Render(func(path string) (string, bool) {
		if v, ok := vars[path]; ok {
			if string(v) == "null" {
				return "", true
			}
			return scalarText(v)
		}
		return fromRecord(path)
	})
	if err != nil {
		return mailtmpl.Message{}, fmt.Errorf("email: %w", err)
	}
	if s, ok := a.text("subject"); ok && strings.TrimSpace(s) != "" {
		msg.Subject = s
	}
	return msg, nil
}

// dialFailure classifies a failure to connect, greet, start TLS or log
// in: nothing was sent. A 5xx reply (authentication refused) is
// Permanent; the rest Transient.
func (e *emailConnector) dialFailure(err error) Result {
	msg := fmt.Errorf("email: connecting to %s:%d: %s", e.cfg.Host, e.cfg.Port, e.scrub(err.Error()))
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent(msg)
	}
	return transient(msg)
}

// sendFailure classifies a failed delivery by the SMTP step it failed in.
// After the message data was written and terminated, no reply (a timeout,
// a dropped connection) is Unknown: the server may have queued it.
func (e *emailConnector) sendFailure(err error) Result {
	msg := fmt.Errorf("email: %s", e.scrub(err.Error()))
	var se *mail.SendError
	if !errors.As(err, &se) {
		return transient(msg)
	}
	code := se.ErrorCode()
	switch se.Reason {
	case mail.ErrSMTPReset:
		// RSET after the accepted message: the message was delivered.
		return okResult(map[string]any{"note": "delivered; the reset after it failed"})
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return permanent(msg)
	case mail.ErrSMTPDataClose:
		if code == 0 {
			return Result{Class: Unknown, Err: fmt.Errorf("%w (after the message data was sent: the server may have accepted it; not resent)", msg)}
		}
	}
	switch {
	case code >= 500:
		return permanent(msg)
	default:
		return transient(msg)
	}
}

func (e *emailConnector) scrub(s string) string { return scrub(s, e.password) }

// messageID builds the Message-ID (without brackets) from the action's
// idempotency key, so a resent message has the same one.
func messageID(id, from string) string {
	domain := "automat.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = strings.Trim(from[i+1:], "> ")
	}
	var b strings.Builder
	for _, r := range id {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "=%02X", r)
		}
	}
	if b.Len() == 0 {
		b.WriteString("automat")
	}
	return strings.Trim(b.String(), ".") + "@" + domain
}
