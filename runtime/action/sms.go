package action

// This file defines the `sms` connector: one HTTP request to a gateway
// whose shape (body format, field names, where the token goes) is
// configuration.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type smsConnector struct {
	cfg   SMSConfig
	token secret
	http  *httpSender
}

func newSMS(c *SMSConfig, opts *Options) (*smsConnector, error) {
	tok, err := opts.loadSecret("connectors.sms", "token", c.TokenEnv, c.TokenFile)
	if err != nil {
		return nil, err
	}
	s := &smsConnector{cfg: *c, token: tok}
	d := &s.cfg
	if d.Method == "" {
		d.Method = http.MethodPost
	}
	if d.Format == "" {
		d.Format = "json"
	}
	if d.Auth.Type == "" {
		d.Auth.Type = "none"
		if tok.set() {
			d.Auth.Type = "header"
		}
	}
	if d.Auth.Header == "" {
		d.Auth.Header = "Authorization"
	}
	if d.Auth.Scheme == "" {
		d.Auth.Scheme = "Bearer"
	}
	if d.Fields.To == "" {
		d.Fields.To = "to"
	}
	if d.Fields.Text == "" {
		d.Fields.Text = "text"
	}
	if d.Fields.Sender == "" {
		d.Fields.Sender = "sender"
	}
	if d.Timeout == 0 {
		d.Timeout = 15 * time.Second
	}
	s.http = &httpSender{client: newClient(opts, nil, false), timeout: d.Timeout, secrets: []secret{tok}}
	return s, nil
}

// Perform sends the `text` argument to the number in `to`. Gateways have
// no idempotency key: a timeout after the request was written is Unknown.
func (s *smsConnector) Perform(ctx context.Context, r *Request) Result {
	a, err := parseArgs(r)
	if err != nil {
		return permanent(err)
	}
	to, err := a.required("sms", "to")
	if err != nil {
		return permanent(err)
	}
	text, err := a.required("sms", "text")
	if err != nil {
		return permanent(err)
	}
	fields := map[string]any{}
	for k, v := range s.cfg.Extra {
		fields[k] = v
	}
	fields[s.cfg.Fields.To] = to
	fields[s.cfg.Fields.Text] = text
	if s.cfg.Sender != "" {
		fields[s.cfg.Fields.Sender] = s.cfg.Sender
	}
	if s.cfg.Auth.Type == "field" {
		fields[s.cfg.Auth.Field] = s.token.reveal()
	}
	var body []byte
	var ctype string
	if s.cfg.Format == "form" {
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, fmt.Sprint(v))
		}
		body, ctype = []byte(form.Encode()), "application/x-www-form-urlencoded"
	} else {
		body, ctype = mustJSON(fields), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, s.cfg.Method, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("sms: %s", s.http.scrub(err.Error())))
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	switch s.cfg.Auth.Type {
	case "header":
		v := s.token.reveal()
		if !strings.EqualFold(s.cfg.Auth.Scheme, "none") {
			v = s.cfg.Auth.Scheme + " " + v
		}
		req.Header.Set(s.cfg.Auth.Header, v)
	case "basic":
		req.SetBasicAuth(s.cfg.Auth.Username, s.token.reveal())
	}
	resp, res := s.http.send(ctx, req)
	if res.Class != OK {
		res.Err = fmt.Errorf("sms: %w", res.Err)
		return res
	}
	out := outputOf(resp)
	out["to"] = to
	return okResult(out)
}

// userAgent is sent with every HTTP request.
const userAgent = "automat/1 (+https://github.com/automat-rules/automat)"
