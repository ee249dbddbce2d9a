package action_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/automat-rules/automat/runtime/action"
	"github.com/automat-rules/automat/runtime/store"
)

// A daemon builds the connectors once from the config file's section,
// then performs queued actions and files each result by its class.
func ExampleSet_Perform() {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("received", r.Method, r.URL.Path, "key", r.Header.Get("Idempotency-Key"))
	}))
	defer receiver.Close()

	cfg, err := action.ParseConfig([]byte(`
webhook:
  secret_env: WEBHOOK_SECRET
  allow_hosts: [127.0.0.1]
  timeout: 5s
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := action.New(cfg, action.Options{
		Env: func(name string) (string, bool) { return "example-secret", name == "WEBHOOK_SECRET" },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := set.Perform(context.Background(), &action.Request{
		Action: &store.Action{
			ID:     "a-42",
			Name:   "webhook",
			Record: store.Ref{Type: "order", ID: "O-1"},
			Args:   json.RawMessage(`{"url": "` + receiver.URL + `/hooks/orders"}`),
		},
		Record: json.RawMessage(`{"number": "2024-1", "status": "Nová"}`),
	})
	switch res.Class {
	case action.OK:
		fmt.Println("done:", string(res.Output))
	case action.Transient:
		fmt.Println("retry after", max(res.RetryAfter, time.Minute), res.Err)
	case action.Permanent:
		fmt.Println("failed:", res.Err)
	case action.Unknown:
		fmt.Println("unknown, left to a person:", res.Err)
	}
	// Output:
	// received POST /hooks/orders key a-42
	// done: {"status":200}
}

func ExampleSign() {
	// What a receiver computes to verify X-Automat-Signature.
	fmt.Println(action.Sign([]byte("key"), "1", []byte("{}")))
	// Output: sha256=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224
}
