package action_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/recorder"
	"github.com/automat-rules/automat/runtime/action"
)

// fakeShoptet answers like Shoptet's order detail and status endpoints for
// the orders it holds.
type fakeShoptet struct {
	mu       sync.Mutex
	status   map[string]int // order code -> status id
	patchErr func(n int) (int, string, http.Header)
	patches  int
	delay    time.Duration // before answering a PATCH (after applying it)
}

func (f *fakeShoptet) handler(w http.ResponseWriter, r *http.Request, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Shoptet-Private-API-Token") != "shoptet-tok" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"data": null, "errors": [{"errorCode": "invalid-token", "message": "Invalid token."}]}`)
		return
	}
	code, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/api/orders/"), "/")
	st, ok := f.status[code]
	if !ok {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"data": null, "errors": [{"errorCode": "order-not-found", "message": "Order not found."}]}`)
		return
	}
	switch {
	case r.Method == "GET" && rest == "":
		fmt.Fprintf(w, `{"data": {"order": {"code": %q, "status": {"id": %d, "name": "x"}}}, "errors": []}`, code, st)
	case r.Method == "PATCH" && rest == "status":
		f.patches++
		if f.patchErr != nil {
			if c, body, h := f.patchErr(f.patches); c != 0 {
				for k, v := range h {
					w.Header()[k] = v
				}
				w.WriteHeader(c)
				fmt.Fprint(w, body)
				return
			}
		}
		var id int
		if _, err := fmt.Sscanf(string(body), `{"data":{"statusId":%d}}`, &id); err != nil {
			w.WriteHeader(400)
			return
		}
		f.status[code] = id
		if f.delay > 0 {
			f.mu.Unlock()
			time.Sleep(f.delay)
			f.mu.Lock()
		}
		fmt.Fprintf(w, `{"data": {"order": {"code": %q}}, "errors": []}`, code)
	default:
		w.WriteHeader(405)
	}
}

func startShoptet(t *testing.T, f *fakeShoptet) *recorder.Server {
	var l *recorder.Server
	l = recorder.Start(t, func(w http.ResponseWriter, r *http.Request, n int) {
		f.handler(w, r, l.Hits()[n-1].Body)
	})
	return l
}

func shoptetSet(t *testing.T, l *recorder.Server, mod func(*action.ShoptetConfig)) *action.Set {
	c := &action.ShoptetConfig{
		BaseURL:       l.URL,
		TokenEnv:      "SHOPTET_TOKEN",
		StatusIDs:     map[string]int{"Vyřízena": 4, "Čeká na vyzvednutí": -12, "Odesláno": 7},
		SuppressEmail: true,
		Timeout:       time.Second,
	}
	if mod != nil {
		mod(c)
	}
	return newSet(t, action.Config{Shoptet: c}, action.Options{Env: env(map[string]string{"SHOPTET_TOKEN": "shoptet-tok"})})
}

func TestShoptetSetOrderStatus(t *testing.T) {
	f := &fakeShoptet{status: map[string]int{"2024000123": 1}}
	l := startShoptet(t, f)
	set := shoptetSet(t, l, nil)

	res := perform(t, set, act("shoptet.set_order_status", `{"status": "Čeká na vyzvednutí"}`, "order", "2024000123", `{"number": "123"}`))
	wantClass(t, res, action.OK)
	hits := l.Hits()
	if len(hits) != 2 {
		t.Fatalf("%d requests, want GET and PATCH", len(hits))
	}
	get, patch := hits[0], hits[1]
	if get.Method != "GET" || get.Path != "/api/orders/2024000123" {
		t.Errorf("first request %s %s", get.Method, get.Path)
	}
	if patch.Method != "PATCH" || patch.Path != "/api/orders/2024000123/status" || patch.Query != "suppressEmailSending=true" {
		t.Errorf("second request %s %s?%s", patch.Method, patch.Path, patch.Query)
	}
	if string(patch.Body) != `{"data":{"statusId":-12}}` {
		t.Errorf("body %s", patch.Body)
	}
	for _, h := range hits {
		if h.Header.Get("Shoptet-Private-API-Token") != "shoptet-tok" || h.Header.Get(action.HeaderIdempotencyKey) != "" {
			t.Errorf("%s headers %v", h.Method, h.Header)
		}
	}
	for _, h := range hits {
		if ct := h.Header.Get("Content-Type"); ct != "application/vnd.shoptet.v1.0" {
			t.Errorf("%s Content-Type %q", h.Method, ct)
		}
	}
	if !strings.Contains(string(res.Output), `"changed":true`) {
		t.Errorf("output %s", res.Output)
	}

	// The same status again: read, no write.
	res = perform(t, set, act("shoptet.set_order_status", `{"status": "Čeká na vyzvednutí"}`, "order", "2024000123", `{}`))
	wantClass(t, res, action.OK)
	if n := len(l.Hits()); n != 3 || l.Hits()[2].Method != "GET" {
		t.Fatalf("%d requests after a repeat, want one more GET", n)
	}
	if !strings.Contains(string(res.Output), `"changed":false`) {
		t.Errorf("output %s", res.Output)
	}
}

func TestShoptetOrderCode(t *testing.T) {
	f := &fakeShoptet{status: map[string]int{"O-1": 1, "2024-77": 1}}
	l := startShoptet(t, f)
	cases := []struct {
		name, field, typ, id, rec, args, want string
	}{
		{"shipment with the order's id", "", "shipment", "SH-1", `{"order": "O-1"}`, `{"status": "Vyřízena"}`, "/api/orders/O-1"},
		{"shipment with the order embedded", "number", "shipment", "SH-1", `{"order": {"id": "x", "number": "2024-77"}}`, `{"status": "Vyřízena"}`, "/api/orders/2024-77"},
		{"order by number", "number", "order", "x", `{"number": "2024-77"}`, `{"status": "Odesláno"}`, "/api/orders/2024-77"},
		{"order argument", "", "shipment", "SH-1", `{}`, `{"status": "Odesláno", "order": "O-1"}`, "/api/orders/O-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := shoptetSet(t, l, func(s *action.ShoptetConfig) { s.OrderCode = c.field })
			before := len(l.Hits())
			wantClass(t, perform(t, set, act("shoptet.set_order_status", c.args, c.typ, c.id, c.rec)), action.OK)
			if got := l.Hits()[before].Path; got != c.want {
				t.Fatalf("path %s, want %s", got, c.want)
			}
		})
	}
	set := shoptetSet(t, l, nil)
	wantClass(t, perform(t, set, act("shoptet.set_order_status", `{"status": "Vyřízena"}`, "shipment", "SH-1", `{}`)), action.Permanent)
}

func TestShoptetFailures(t *testing.T) {
	retry := http.Header{"Retry-After": {"3"}}
	cases := []struct {
		name       string
		args       string
		code       string
		patchErr   func(int) (int, string, http.Header)
		want       action.Class
		retryAfter time.Duration
	}{
		{"unknown status name", `{"status": "Vyrizena"}`, "A", nil, action.Permanent, 0},
		{"unknown order", `{"status": "Vyřízena"}`, "nope", nil, action.Permanent, 0},
		{"423 identical write in progress", `{"status": "Vyřízena"}`, "A",
			func(int) (int, string, http.Header) { return 423, `{"errors": [{"message": "locked"}]}`, retry }, action.Transient, 3 * time.Second},
		{"429 too many connections", `{"status": "Vyřízena"}`, "A",
			func(int) (int, string, http.Header) { return 429, "", retry }, action.Transient, 3 * time.Second},
		{"400", `{"status": "Vyřízena"}`, "A",
			func(int) (int, string, http.Header) { return 400, `{"errors": [{"message": "bad"}]}`, nil }, action.Permanent, 0},
		{"500", `{"status": "Vyřízena"}`, "A",
			func(int) (int, string, http.Header) { return 500, "", nil }, action.Transient, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeShoptet{status: map[string]int{"A": 1}, patchErr: c.patchErr}
			l := startShoptet(t, f)
			res := perform(t, shoptetSet(t, l, nil), act("shoptet.set_order_status", c.args, "order", c.code, `{}`))
			if res.Class != c.want || res.RetryAfter != c.retryAfter {
				t.Fatalf("%v after %v (%v), want %v after %v", res.Class, res.RetryAfter, res.Err, c.want, c.retryAfter)
			}
		})
	}
	t.Run("timeout after the write, then a retry reads first", func(t *testing.T) {
		f := &fakeShoptet{status: map[string]int{"A": 1}, delay: time.Second}
		l := startShoptet(t, f)
		set := shoptetSet(t, l, func(c *action.ShoptetConfig) { c.Timeout = 200 * time.Millisecond })
		r := act("shoptet.set_order_status", `{"status": "Vyřízena"}`, "order", "A", `{}`)
		wantClass(t, perform(t, set, r), action.Transient)
		res := perform(t, set, r)
		wantClass(t, res, action.OK)
		if f.patches != 1 || !strings.Contains(string(res.Output), `"changed":false`) {
			t.Fatalf("%d writes, output %s", f.patches, res.Output)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		f := &fakeShoptet{status: map[string]int{"A": 1}}
		l := startShoptet(t, f)
		set := newSet(t, action.Config{Shoptet: &action.ShoptetConfig{BaseURL: l.URL, TokenEnv: "T", StatusIDs: map[string]int{"X": 2}}},
			action.Options{Env: env(map[string]string{"T": "wrong-token-9"})})
		res := perform(t, set, act("shoptet.set_order_status", `{"status": "X"}`, "order", "A", `{}`))
		wantClass(t, res, action.Permanent)
		if strings.Contains(res.Err.Error(), "wrong-token-9") || !strings.Contains(res.Err.Error(), "401") {
			t.Fatalf("error %v", res.Err)
		}
	})
}
