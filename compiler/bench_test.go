package compiler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/lang/diag"
)

// generateRuleset makes a ruleset of files × rulesPerFile rules in the
// style of real shops: statuses, consts, order and shipment rules with
// quantifiers, interpolations, lets, waits and schedules.
func generateRuleset(files, rulesPerFile int) []Source {
	statuses := []string{"Nová", "Čeká na platbu", "Zaplacená", "Balí se", "Připraveno k odběru", "Odeslaná", "Vyřízena", "Stornována", "W trakcie realizacji", "Zrealizowane"}
	phases := []string{"new_unconfirmed", "new_confirmed", "processing", "processing", "processing", "processing", "completed", "cancelled", "processing", "completed"}
	var srcs []Source
	n := 0
	for f := 0; f < files; f++ {
		var b strings.Builder
		if f == 0 {
			b.WriteString("ruleset \"bench\"\nstatuses order {\n")
			for i, s := range statuses {
				fmt.Fprintf(&b, "  %q -> %s\n", s, phases[i])
			}
			b.WriteString("}\nconst kanaly = [\"allegro\", \"shoptet\", \"amazon\"]\nconst limit = 1000\n")
			b.WriteString("action erp.export(order_number: string, amount: money) \"export to ERP\"\n")
		}
		for r := 0; r < rulesPerFile; r++ {
			s := statuses[n%len(statuses)]
			switch n % 4 {
			case 0:
				fmt.Fprintf(&b, `
rule "objednávka %d"
on order.status_changed
when order.status = %q and order.total > %d and order.channel in kanaly
 and any(i in order.items where i.ean starts with "590" and i.stock <= 0)
do
  email(to: order.buyer.email, template: "t%d")
  notify(user: "sklad", text: "Objednávka {order.number} ({order.total} {order.currency}) čeká")
`, n, s, 100+n%900, n)
			case 1:
				fmt.Fprintf(&b, `
rule "zásilka %d"
on shipment.status_changed
when shipment.status = ready_for_pickup and order.paid = unpaid and order.buyer.phone is not null
once per shipment.status
do
  let code = generate_code(pattern: "PK-######")
  sms(to: order.buyer.phone, text: "Zásilka {shipment.tracking_number} čeká na {shipment.pickup_point}, kód {code}")
  wait 2d
  notify(user: order.responsible, text: "Nevyzvednuto: {order.number}")
`, n)
			case 2:
				fmt.Fprintf(&b, `
rule "plán %d"
on schedule "*/15 * * * *"
when order.paid = unpaid and order.created_at < now - 3d and order.total >= limit
once
do erp.export(order_number: order.number, amount: order.total * 1.21)
`, n)
			default:
				fmt.Fprintf(&b, `
rule "stav %d"
when order.status in [%q, "Nová"] and (order.notes is empty or order.notes contains "spěchá")
 and count(i in order.items where i.quantity > 1) < %d
do
  comment(text: "Stav {order.status}, fáze {order.phase}")
  log(text: "pravidlo %d")
`, n, s, 2+n%5, n)
			}
			n++
		}
		srcs = append(srcs, Source{Name: fmt.Sprintf("bench/f%02d.rules", f), Src: []byte(b.String())})
	}
	return srcs
}

// BenchmarkCheck10kRules50Files is the full check (parse, schema, types,
// lints) of a generated ruleset of 10,000 rules in 50 files, as run by
// `rulec check` in a pre-commit hook. Reported in docs/performance.md.
func BenchmarkCheck10kRules50Files(b *testing.B) {
	srcs := generateRuleset(50, 200)
	bytes := 0
	for _, s := range srcs {
		bytes += len(s.Src)
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	var parse, rest time.Duration
	trace := func(pass string, d time.Duration) {
		if pass == "parse" {
			parse += d
		} else {
			rest += d
		}
	}
	for b.Loop() {
		_, list := Check(srcs, Config{Error: func(diag.Diagnostic) {}, Trace: trace})
		if len(list) != 0 {
			b.Fatalf("generated ruleset has diagnostics: %v", list[0])
		}
	}
	// The split between the parser (lang/parser) and the checker proper.
	b.ReportMetric(float64(parse.Milliseconds())/float64(b.N), "parse-ms/op")
	b.ReportMetric(float64(rest.Milliseconds())/float64(b.N), "check-ms/op")
}

// TestGeneratedRulesetClean keeps the benchmark's input honest: a small
// instance of it must check clean.
func TestGeneratedRulesetClean(t *testing.T) {
	_, diags := checkAll(generateRuleset(2, 8), Config{})
	for _, d := range diags {
		t.Errorf("%s", render(d))
	}
}
