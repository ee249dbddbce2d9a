package parser

import (
	"bytes"
	"fmt"
	"testing"
)

// generateRules writes n realistic, multi-line rules (named, with
// triggers, and/or conditions, lists, quantifiers, interpolated strings,
// let, wait and wait until) after a statuses block.
func generateRules(n int) []byte {
	var b bytes.Buffer
	b.WriteString("ruleset \"bench\"\n\nstatuses order {\n  \"Nová\" -> new_confirmed\n  \"W trakcie realizacji\" -> processing\n  \"Vyřízena\" -> completed\n}\n\n")
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `# Balíkobot: parcel %d waits at the pickup point
rule "pickup ready %d"
on shipment.status_changed
when shipment.status = ready_for_pickup and shipment.carrier in ["zasilkovna", "ppl", "dpd"]
once
do
  email(to: order.buyer.email, template: "pickup_ready_%d")
  sms(to: order.buyer.phone, text: "Zásilka {shipment.tracking_number} čeká na {shipment.pickup_point}.")

`, i, i, i)
		case 1:
			fmt.Fprintf(&b, `rule "needs attention %d"
on order.created, order.updated
when order.channel in ["allegro", "shoptet"]
 and (order.status = "W trakcie realizacji" or (order.paid = unpaid and order.total > %d.50))
 and not order.notes contains "test"
do
  notify(user: "sales", text: "Order {order.number} needs attention")

`, i, i%1000)
		case 2:
			fmt.Fprintf(&b, `rule "pickup code %d"
on order.status_changed
when order.status = "Vyřízena" and any(item in order.items where item.ean starts with "590" and item.stock <= 0)
once per order.status
do
  let code = generate_code(pattern: "PK-######")
  sms(to: order.buyer.phone, text: "Your pickup code is {code}")
  wait 2d
  wait until order.phase = completed max 3d
  notify(user: order.responsible, text: "Order {order.number} not picked up for 2 days")

`, i)
		default:
			fmt.Fprintf(&b, "when order.total * 1.21 >= %d and order.created_at < now - 1d12h do set_status(status: \"Vyřízena\")\n\n", i)
		}
	}
	return b.Bytes()
}

func TestGeneratedRulesParse(t *testing.T) {
	src := generateRules(40)
	f, diags := ParseFile("gen.rules", src)
	if len(diags) > 0 {
		t.Fatalf("generated rules have errors: %v", diags)
	}
	if got := len(f.Decls); got != 41 {
		t.Fatalf("%d declarations, want 41", got)
	}
	checkSpans(t, f)
}

// BenchmarkParse10kRules parses a generated ruleset of 10,000 rules.
func BenchmarkParse10kRules(b *testing.B) {
	src := generateRules(10000)
	lines := bytes.Count(src, []byte("\n"))
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, diags := ParseFile("bench.rules", src); len(diags) > 0 {
			b.Fatal(diags)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// TestParallelSameAsSequential parses a large file with mistakes both on
// all processors and on one goroutine: trees and diagnostics must agree.
func TestParallelSameAsSequential(t *testing.T) {
	src := generateRules(1200)
	src = bytes.Replace(src, []byte(`and order.total > 7`), []byte(`and order.total => 7`), -1)
	src = bytes.Replace(src, []byte(`"pickup code 10"`), []byte(`"pickup code 10`), 1)
	src = append(src, "rule \"napůl\" when order."...)
	seqF, seqD := parseFile("p.rules", src, false)
	parF, parD := parseFile("p.rules", src, true)
	if len(seqD) < 3 {
		t.Fatalf("want several diagnostics, got %v", seqD)
	}
	var a, b bytes.Buffer
	for _, d := range seqD {
		fmt.Fprintln(&a, render(d))
	}
	for _, d := range parD {
		fmt.Fprintln(&b, render(d))
	}
	if a.String() != b.String() {
		t.Fatalf("diagnostics differ:\n%s\nparallel:\n%s", a.String(), b.String())
	}
	if dumpNode(t, seqF.Tok, seqF) != dumpNode(t, parF.Tok, parF) {
		t.Fatal("trees differ between the sequential and the parallel parse")
	}
}
