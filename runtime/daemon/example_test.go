package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/daemon"
)

// ExampleNew runs a daemon for one tenant on the in-memory store, sends it
// an event and reads what its rule did from the log.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "automat-example-")
	defer os.RemoveAll(dir)
	rules := `rule "welcome" on order.created when order.total > 100 do notify(user: "sales", text: "Order {order.number}")`
	os.WriteFile(filepath.Join(dir, "shop.rules"), []byte(rules), 0o644)

	cfg := &daemon.Config{Store: "memory:", Tenants: []daemon.TenantConfig{
		{Name: "shop", Rules: dir, Tokens: []string{"shop-token-0123456789"}},
	}}
	if err := cfg.Resolve(nil); err != nil {
		fmt.Println(err)
		return
	}
	d, err := daemon.New(context.Background(), cfg, daemon.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	d.Start()
	defer d.Stop()
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()

	call := func(method, path, body string) string {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer shop-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		var b strings.Builder
		fmt.Fprintf(&b, "%d ", resp.StatusCode)
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return strings.TrimSpace(b.String())
	}
	fmt.Println(call("POST", "/v1/events", `{"id": "e1", "type": "order.created", "at": "2026-11-22T10:00:00Z",
		"record": {"type": "order", "id": "O1", "data": {"number": "1001", "total": 150}}}`))
	for range 100 {
		if strings.Contains(call("GET", "/v1/log?kind=action", ""), "notify") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	log := call("GET", "/v1/log?kind=action", "")
	fmt.Println(strings.Contains(log, `"action":"notify","action_id":"e1/order/O1/welcome/0","args":{"user":"sales","text":"Order 1001"}`))
	// Output:
	// 202 {"accepted":1,"new":1,"repeated":[]}
	// true
}
