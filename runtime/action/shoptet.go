package action

// This file defines `shoptet.set_order_status`, built to Shoptet's public
// REST API: read the order's status, and write it only when it differs
// (Shoptet has no idempotency key).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type shoptetConnector struct {
	cfg   ShoptetConfig
	token secret
	read  *httpSender // GET: safe to repeat
	write *httpSender // PATCH
}

func newShoptet(c *ShoptetConfig, opts *Options) (*shoptetConnector, error) {
	tok, err := opts.loadSecret("connectors.shoptet", "token", c.TokenEnv, c.TokenFile)
	if err != nil {
		return nil, err
	}
	s := &shoptetConnector{cfg: *c, token: tok}
	d := &s.cfg
	if d.BaseURL == "" {
		d.BaseURL = "https://api.myshoptet.com"
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	if d.TokenHeader == "" {
		d.TokenHeader = "Shoptet-Private-API-Token"
	}
	if d.OrderCode == "" {
		d.OrderCode = "id"
	}
	if d.Timeout == 0 {
		d.Timeout = 15 * time.Second
	}
	client := newClient(opts, nil, false)
	// 423: an identical write is in progress; 429: more than 3
	// connections per token. Both are Transient, with Retry-After.
	s.read = &httpSender{client: client, timeout: d.Timeout, idempotent: true, transient: []int{423}, secrets: []secret{tok}}
	// A write that timed out after sending is safe to repeat: the next
	// attempt reads the status first and writes only if it still differs.
	s.write = &httpSender{client: client, timeout: d.Timeout, idempotent: true, transient: []int{423}, secrets: []secret{tok}}
	return s, nil
}

// Perform sets the order's status in Shoptet to the id configured for the
// `status` argument. The order's code is the `order` argument when given,
// else taken from the subject record (an order, or a shipment's order).
func (s *shoptetConnector) Perform(ctx context.Context, r *Request) Result {
	a, err := parseArgs(r)
	if err != nil {
		return permanent(err)
	}
	status, err := a.required("shoptet.set_order_status", "status")
	if err != nil {
		return permanent(err)
	}
	id, ok := s.cfg.StatusIDs[status]
	if !ok {
		return permanent(fmt.Errorf("shoptet.set_order_status: status %q has no id in connectors.shoptet.status_ids (known: %s)", status, strings.Join(sortedKeys(s.cfg.StatusIDs), ", ")))
	}
	code, err := s.orderCode(r, a)
	if err != nil {
		return permanent(err)
	}
	orderURL := s.cfg.BaseURL + "/api/orders/" + url.PathEscape(code)

	// Read the current status.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, orderURL, nil)
	if err != nil {
		return permanent(fmt.Errorf("shoptet.set_order_status: %v", err))
	}
	s.headers(req)
	resp, res := s.read.send(ctx, req)
	if res.Class != OK {
		res.Err = fmt.Errorf("shoptet.set_order_status: reading order %s: %w", code, res.Err)
		return res
	}
	current, err := currentStatus(resp.body)
	if err != nil {
		return transient(fmt.Errorf("shoptet.set_order_status: reading order %s: %v", code, err))
	}
	if current == id {
		return okResult(map[string]any{"order": code, "status_id": id, "changed": false})
	}

	// Write it.
	q := url.Values{}
	if s.cfg.SuppressEmail {
		q.Set("suppressEmailSending", "true")
	}
	if s.cfg.SuppressSMS {
		q.Set("suppressSmsSending", "true")
	}
	if s.cfg.SuppressDocuments {
		q.Set("suppressDocumentGeneration", "true")
	}
	statusURL := orderURL + "/status"
	if len(q) > 0 {
		statusURL += "?" + q.Encode()
	}
	body := mustJSON(map[string]any{"data": map[string]any{"statusId": id}})
	req, err = http.NewRequestWithContext(ctx, http.MethodPatch, statusURL, bytes.NewReader(body))
	if err != nil {
		return permanent(fmt.Errorf("shoptet.set_order_status: %v", err))
	}
	s.headers(req)
	_, res = s.write.send(ctx, req)
	if res.Class != OK {
		res.Err = fmt.Errorf("shoptet.set_order_status: writing order %s: %w", code, res.Err)
		return res
	}
	return okResult(map[string]any{"order": code, "status_id": id, "previous_status_id": current, "changed": true})
}

func (s *shoptetConnector) headers(req *http.Request) {
	req.Header.Set(s.cfg.TokenHeader, s.token.reveal())
	req.Header.Set("Content-Type", "application/vnd.shoptet.v1.0") // Shoptet wants it on every request
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
}

// orderCode finds the Shoptet code of the action's order.
func (s *shoptetConnector) orderCode(r *Request, a args) (string, error) {
	if c, ok := a.text("order"); ok && c != "" {
		return c, nil
	}
	const at = "shoptet.set_order_status"
	ref := r.Action.Record
	f := s.cfg.OrderCode
	switch ref.Type {
	case "order":
		if f == "id" {
			return ref.ID, nil
		}
		if v, ok := field(r.Record, f); ok {
			if c, ok := scalarText(v); ok && c != "" {
				return c, nil
			}
		}
		return "", fmt.Errorf("%s: the order's snapshot has no %s (connectors.shoptet.order_code)", at, f)
	default:
		v, ok := field(r.Record, "order")
		if !ok {
			return "", fmt.Errorf("%s: the %s record has no order", at, ref.Type)
		}
		if c, ok := scalarText(v); ok && c != "" && f == "id" {
			return c, nil // the order given by its id
		}
		if v, ok := field(v, f); ok {
			if c, ok := scalarText(v); ok && c != "" {
				return c, nil
			}
		}
		return "", fmt.Errorf("%s: the %s record's order has no %s (connectors.shoptet.order_code)", at, ref.Type, f)
	}
}

// currentStatus reads the status id from Shoptet's order detail:
// data.order.status.id (data.status.id is accepted too).
func currentStatus(body []byte) (int, error) {
	type status struct {
		ID *int `json:"id"`
	}
	var d struct {
		Data struct {
			Order struct {
				Status status `json:"status"`
			} `json:"order"`
			Status status `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, fmt.Errorf("the order detail is not JSON: %v", err)
	}
	switch {
	case d.Data.Order.Status.ID != nil:
		return *d.Data.Order.Status.ID, nil
	case d.Data.Status.ID != nil:
		return *d.Data.Status.ID, nil
	}
	return 0, errors.New("the order detail has no data.order.status.id")
}
