package action

// This file defines the `webhook` connector: a signed JSON POST to a URL
// given by the rule, behind the SSRF guard.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook request headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderTimestamp      = "X-Automat-Timestamp"
	HeaderSignature      = "X-Automat-Signature"
)

type webhookConnector struct {
	secret secret
	http   *httpSender
	opts   *Options
}

func newWebhook(c *WebhookConfig, opts *Options) (*webhookConnector, error) {
	sec, err := opts.loadSecret("connectors.webhook", "secret", c.SecretEnv, c.SecretFile)
	if err != nil {
		return nil, err
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	g := newGuard(c)
	return &webhookConnector{
		secret: sec,
		opts:   opts,
		http: &httpSender{
			client:     newClient(opts, g.dialer(), true),
			timeout:    timeout,
			idempotent: true,
			secrets:    []secret{sec},
		},
	}, nil
}

// Sign returns the X-Automat-Signature value of a webhook body sent at
// timestamp ts (Unix seconds): "sha256=" and the hex HMAC-SHA256, keyed
// with the secret, of "<ts>.<body>". Receivers compute the same to verify
// a request.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Perform POSTs to the `url` argument: the `body` argument when given (as
// is when it is JSON, else as a JSON string), otherwise the subject record
// as {"type", "id", "data"}. The receiver gets the action's idempotency
// key, so a timeout after sending is Transient: resending is safe for a
// receiver that deduplicates.
func (w *webhookConnector) Perform(ctx context.Context, r *Request) Result {
	a, err := parseArgs(r)
	if err != nil {
		return permanent(err)
	}
	raw, err := a.required("webhook", "url")
	if err != nil {
		return permanent(err)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return permanent(errors.New("webhook: the url argument is not an http or https URL"))
	}
	var body []byte
	if s, ok := a.text("body"); ok {
		if json.Valid([]byte(s)) {
			body = []byte(s)
		} else {
			body = mustJSON(s)
		}
	} else {
		data := r.Record
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		body = mustJSON(struct {
			Type string          `json:"type"`
			ID   string          `json:"id"`
			Data json.RawMessage `json:"data"`
		}{r.Action.Record.Type, r.Action.Record.ID, data})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("webhook: %v", err))
	}
	ts := strconv.FormatInt(w.opts.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderIdempotencyKey, r.Action.ID)
	req.Header.Set(HeaderTimestamp, ts)
	if w.secret.set() {
		req.Header.Set(HeaderSignature, Sign([]byte(w.secret.reveal()), ts, body))
	}
	resp, res := w.http.send(ctx, req)
	if res.Class != OK {
		res.Err = fmt.Errorf("webhook: %w", res.Err)
		return res
	}
	return okResult(outputOf(resp))
}
