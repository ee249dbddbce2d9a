package engine_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/automat-rules/automat/runtime/engine"
)

// FuzzFeed feeds arbitrary lines to a dry run: malformed events must be
// rejected with an error, accepted ones processed, and nothing may panic
// or leave the engine unable to take the next line.
func FuzzFeed(f *testing.F) {
	for _, s := range []string{
		`{"id":"e1","type":"order.created","at":"2026-11-22T10:00:00Z","record":{"type":"order","id":"O-1","data":{"id":"O-1","status":"A","total":"1.5","items":[{"price":1}]}}}`,
		`{"type":"clock","at":"2026-11-30T00:00:00Z"}`,
		`{"id":2,"type":"shipment.updated","at":"2026-11-23T10:00:00+01:00","record":{"type":"shipment","id":3,"data":{"status":"delivered","order":"O-1"}}}`,
		`{"id":"e1","type":"order.created","at":"x","record":{}}`,
		`[]`, `{"type":"clock"}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	rs := ruleset(f, `
statuses order { "A" -> processing  "B" -> completed }
rule "chain" on order.status_changed when order.status = "A" do
  set_status(status: "B")
  wait until order.paid = paid max 1d
  let c = generate_code(pattern: "X-##")
  sms(to: order.buyer.phone, text: "{c} {order.total}")
rule "tick" on schedule "@every 1h" when shipment.status = delivered once per shipment.updated_at do
  set_status(status: "A")
rule "items" when any(i in order.items where i.price / i.quantity > 1) do log(text: "{order.total}")
`)
	f.Fuzz(func(t *testing.T, data []byte) {
		sim, err := engine.NewSim(rs, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, line := range bytes.Split(data, []byte("\n")) {
			in, err := engine.ParseInput(line)
			if err != nil {
				continue
			}
			if err := sim.Feed(ctx, in); err != nil && !strings.Contains(err.Error(), "the clock jumps") {
				t.Fatalf("Feed(%q): %v", line, err)
			}
		}
		good, _ := engine.ParseInput([]byte(`{"id":"last","type":"order.created","at":"2026-11-22T10:00:00Z","record":{"type":"order","id":"Z","data":{}}}`))
		if err := sim.Feed(ctx, good); err != nil && !strings.Contains(err.Error(), "the clock jumps") {
			t.Fatalf("a good event after the input: %v", err)
		}
	})
}
