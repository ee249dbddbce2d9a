package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"github.com/expr-lang/expr"
	exprvm "github.com/expr-lang/expr/vm"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/vm"
)

// The conditions of issue 4, in each language. The data (orderJSON) makes
// every condition true with every clause evaluated: C1 fails its first
// branch and takes the second, C2 finds "but" in the last item, C3 passes
// all twelve clauses.

const statuses = `
statuses order {
  "new" -> new_confirmed
  "processing" -> processing
  "Nová" -> new_confirmed
  "W trakcie realizacji" -> processing
  "Připraveno k odběru" -> processing
  "Vyřízena" -> completed
  "Stornována" -> cancelled
}
`

var conditions = []struct {
	name, automat, expr, cel string
}{
	{
		name:    "C1",
		automat: `order.status = "processing" or (order.paid = unpaid and order.total > 100)`,
		expr:    `status == "processing" || (paid == "unpaid" && total > 100)`,
		cel:     `status == "processing" || (paid == "unpaid" && total > 100.0)`,
	},
	{
		name:    "C2",
		automat: `order.payment_method in ["cod", "transfer"] and order.delivery_country != "PL" and any(i in order.items where i.name contains "but")`,
		expr:    `payment_method in ["cod", "transfer"] && delivery_country != "PL" && any(items, {lower(.name) contains "but"})`,
		cel:     `payment_method in ["cod", "transfer"] && delivery_country != "PL" && items.exists(i, i.name.lowerAscii().contains("but"))`,
	},
	{
		name: "C3",
		automat: `order.status in ["Nová", "W trakcie realizacji", "Připraveno k odběru"]
  and order.total >= 100 and order.total <= 5000
  and order.buyer.email is not empty
  and order.notes is empty
  and order.source in ["web", "mobile", "marketplace"]
  and any(i in order.items where i.ean starts with "590")
  and order.warehouse = "main"
  and not (order.payment_method = "cod" and order.delivery_country != "CZ")
  and order.currency = "CZK"
  and order.channel != "amazon"`,
		expr: `status in ["Nová", "W trakcie realizacji", "Připraveno k odběru"]
  && total >= 100 && total <= 5000
  && buyer.email != nil && buyer.email != ""
  && notes == ""
  && source in ["web", "mobile", "marketplace"]
  && any(items, {.ean startsWith "590"})
  && warehouse == "main"
  && !(payment_method == "cod" && delivery_country != "CZ")
  && currency == "CZK"
  && channel != "amazon"`,
		cel: `status in ["Nová", "W trakcie realizacji", "Připraveno k odběru"]
  && total >= 100.0 && total <= 5000.0
  && has(buyer.email) && buyer.email != ""
  && notes == ""
  && source in ["web", "mobile", "marketplace"]
  && items.exists(i, i.ean.startsWith("590"))
  && warehouse == "main"
  && !(payment_method == "cod" && delivery_country != "CZ")
  && currency == "CZK"
  && channel != "amazon"`,
	},
}

const orderJSON = `{
  "id": "1", "number": "2026-0042", "status": "W trakcie realizacji",
  "channel": "shoptet", "source": "web", "total": "1234.50", "currency": "CZK",
  "paid": "unpaid", "payment_method": "cod", "notes": "", "warehouse": "main",
  "delivery_country": "CZ",
  "buyer": {"name": "Jan Novák", "email": "jan@example.cz", "phone": "+420777000111"},
  "recipient": {"name": "Jan Novák"},
  "items": [
    {"name": "Kabát zimní", "code": "K1", "ean": "8591234567890", "quantity": 1, "price": "999.00", "stock": 3},
    {"name": "Rukavice", "code": "R1", "ean": "8590000000001", "quantity": 2, "price": "99.90", "stock": 0},
    {"name": "Buty sportowe", "code": "B1", "ean": "5901234567890", "quantity": 1, "price": "35.70", "stock": 5}
  ],
  "created_at": "2026-11-22T10:00:00Z", "updated_at": "2026-11-22T10:00:00Z"
}`

// orderMap is the same order as the peers read it: a map, amounts as
// float64 (neither peer has exact decimals).
func orderMap() map[string]any {
	item := func(name, ean string) map[string]any {
		return map[string]any{"name": name, "ean": ean}
	}
	return map[string]any{
		"status": "W trakcie realizacji", "channel": "shoptet", "source": "web",
		"total": 1234.50, "currency": "CZK", "paid": "unpaid", "payment_method": "cod",
		"notes": "", "warehouse": "main", "delivery_country": "CZ",
		"buyer": map[string]any{"name": "Jan Novák", "email": "jan@example.cz"},
		"items": []any{
			item("Kabát zimní", "8591234567890"),
			item("Rukavice", "8590000000001"),
			item("Buty sportowe", "5901234567890"),
		},
	}
}

// ---------------------------------------------------------------------------
// Automat

// automat compiles src and returns a machine, an environment holding the
// order, and the program.
func automat(tb testing.TB, src string) (*vm.Machine, *vm.Env) {
	tb.Helper()
	pkg, diags := compiler.Check([]compiler.Source{{Name: "bench.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	if diags.HasErrors() {
		tb.Fatalf("check: %v", diags)
	}
	bp, err := codegen.Compile(pkg)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := vm.Load(bp)
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := record.NewSchema(p).DecodeNamed("order", []byte(orderJSON))
	if err != nil {
		tb.Fatal(err)
	}
	return vm.New(p), &vm.Env{Subject: rec, Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}

func conditionRules() string {
	var b strings.Builder
	b.WriteString("ruleset \"bench\"\n" + statuses)
	for _, c := range conditions {
		fmt.Fprintf(&b, "rule %q\nwhen %s\ndo log(text: %q)\n\n", c.name, c.automat, c.name)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Peers

func exprProgram(tb testing.TB, src string) *exprvm.Program {
	p, err := expr.Compile(src, expr.Env(orderMap()), expr.AsBool())
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func celEnv(tb testing.TB) *cel.Env {
	env, err := cel.NewEnv(
		ext.Strings(),
		cel.Variable("status", cel.StringType),
		cel.Variable("channel", cel.StringType),
		cel.Variable("source", cel.StringType),
		cel.Variable("total", cel.DoubleType),
		cel.Variable("currency", cel.StringType),
		cel.Variable("paid", cel.StringType),
		cel.Variable("payment_method", cel.StringType),
		cel.Variable("notes", cel.StringType),
		cel.Variable("warehouse", cel.StringType),
		cel.Variable("delivery_country", cel.StringType),
		cel.Variable("buyer", cel.MapType(cel.StringType, cel.StringType)),
		cel.Variable("items", cel.ListType(cel.MapType(cel.StringType, cel.StringType))),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

func celProgram(tb testing.TB, env *cel.Env, src string) cel.Program {
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		tb.Fatal(iss.Err())
	}
	p, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// celActivation is the order as cel-go reads it, prepared once.
func celActivation(tb testing.TB) cel.Activation {
	m := orderMap()
	m["buyer"] = map[string]string{"name": "Jan Novák", "email": "jan@example.cz"}
	var items []map[string]string
	for _, it := range m["items"].([]any) {
		im := it.(map[string]any)
		items = append(items, map[string]string{"name": im["name"].(string), "ean": im["ean"].(string)})
	}
	m["items"] = items
	act, err := cel.NewActivation(m)
	if err != nil {
		tb.Fatal(err)
	}
	return act
}

// ---------------------------------------------------------------------------
// Hand-written Go: typed structs, the same exact decimal and case folding
// as the VM.

type hwParty struct{ Name, Email string }

type hwItem struct{ Name, EAN string }

type hwOrder struct {
	Status, Channel, Source, Currency, Paid, PaymentMethod string
	Notes, Warehouse, DeliveryCountry                      string
	Total                                                  value.Decimal
	Buyer                                                  hwParty
	Items                                                  []hwItem
}

var hwData = hwOrder{
	Status: "W trakcie realizacji", Channel: "shoptet", Source: "web", Currency: "CZK",
	Paid: "unpaid", PaymentMethod: "cod", Notes: "", Warehouse: "main", DeliveryCountry: "CZ",
	Total: value.MustParseDecimal("1234.50"),
	Buyer: hwParty{Name: "Jan Novák", Email: "jan@example.cz"},
	Items: []hwItem{{"Kabát zimní", "8591234567890"}, {"Rukavice", "8590000000001"}, {"Buty sportowe", "5901234567890"}},
}

var (
	d100  = value.MustParseDecimal("100")
	d5000 = value.MustParseDecimal("5000")
)

func hwC1(o *hwOrder) bool {
	return o.Status == "processing" || (o.Paid == "unpaid" && o.Total.Cmp(d100) > 0)
}

func hwC2(o *hwOrder) bool {
	if !(o.PaymentMethod == "cod" || o.PaymentMethod == "transfer") || o.DeliveryCountry == "PL" {
		return false
	}
	for i := range o.Items {
		if value.ContainsFold(o.Items[i].Name, "BUT") {
			return true
		}
	}
	return false
}

func hwC3(o *hwOrder) bool {
	switch o.Status {
	case "Nová", "W trakcie realizacji", "Připraveno k odběru":
	default:
		return false
	}
	if o.Total.Cmp(d100) < 0 || o.Total.Cmp(d5000) > 0 || o.Buyer.Email == "" || o.Notes != "" {
		return false
	}
	switch o.Source {
	case "web", "mobile", "marketplace":
	default:
		return false
	}
	found := false
	for i := range o.Items {
		if value.HasPrefixFold(o.Items[i].EAN, "590") {
			found = true
			break
		}
	}
	return found && o.Warehouse == "main" && !(o.PaymentMethod == "cod" && o.DeliveryCountry != "CZ") &&
		o.Currency == "CZK" && o.Channel != "amazon"
}

var hwConditions = map[string]func(*hwOrder) bool{"C1": hwC1, "C2": hwC2, "C3": hwC3}

// ---------------------------------------------------------------------------
// C1, C2, C3

// TestConditionsAgree checks that the four implementations agree (all
// true on the benchmark data) before anything is measured.
func TestConditionsAgree(t *testing.T) {
	m, env := automat(t, conditionRules())
	cenv := celEnv(t)
	act := celActivation(t)
	for i, c := range conditions {
		ok, err := m.Cond(context.Background(), i, env)
		if err != nil || !ok {
			t.Errorf("%s: automat = %v, %v", c.name, ok, err)
		}
		out, err := expr.Run(exprProgram(t, c.expr), orderMap())
		if err != nil || out != true {
			t.Errorf("%s: expr = %v, %v", c.name, out, err)
		}
		val, _, err := celProgram(t, cenv, c.cel).Eval(act)
		if err != nil || val.Value() != true {
			t.Errorf("%s: cel = %v, %v", c.name, val, err)
		}
		if !hwConditions[c.name](&hwData) {
			t.Errorf("%s: hand-written Go = false", c.name)
		}
	}
}

func BenchmarkConditions(b *testing.B) {
	ctx := context.Background()
	m, env := automat(b, conditionRules())
	cenv := celEnv(b)
	act := celActivation(b)
	data := orderMap()
	for i, c := range conditions {
		b.Run(c.name+"/vm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := m.Cond(ctx, i, env); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(c.name+"/expr", func(b *testing.B) {
			p := exprProgram(b, c.expr)
			var v exprvm.VM
			b.ReportAllocs()
			for b.Loop() {
				if out, err := v.Run(p, data); out != true || err != nil {
					b.Fatal(out, err)
				}
			}
		})
		b.Run(c.name+"/cel", func(b *testing.B) {
			p := celProgram(b, cenv, c.cel)
			b.ReportAllocs()
			for b.Loop() {
				if out, _, err := p.Eval(act); err != nil || out.Value() != true {
					b.Fatal(out, err)
				}
			}
		})
		b.Run(c.name+"/go", func(b *testing.B) {
			f := hwConditions[c.name]
			o := &hwData
			b.ReportAllocs()
			for b.Loop() {
				if !f(o) {
					b.Fatal("false")
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// N: one event against 10,000 rules that differ in their status and
// amount constants: rule i requires status "S<i mod 20>" and a total above
// 10 × (i div 20). The event's order has status S07 and total 1234.50,
// so 500 rules have its status and 124 of them match.

const nRules, nStatuses = 10000, 20

type nRule struct {
	status string
	min    value.Decimal
}

func nRuleSet() []nRule {
	rs := make([]nRule, nRules)
	for i := range rs {
		rs[i] = nRule{fmt.Sprintf("S%02d", i%nStatuses), value.FromInt(int64(10 * (i / nStatuses)))}
	}
	return rs
}

func nAutomat(tb testing.TB) (*vm.Machine, *vm.Env) {
	var b strings.Builder
	b.WriteString("ruleset \"n\"\nstatuses order {\n")
	for s := range nStatuses {
		fmt.Fprintf(&b, "  \"S%02d\" -> processing\n", s)
	}
	b.WriteString("}\n")
	for i, r := range nRuleSet() {
		fmt.Fprintf(&b, "rule \"r%d\" when order.status = %q and order.total > %s do log(text: \"r%d\")\n", i, r.status, r.min, i)
	}
	m, env := automat(tb, b.String())
	// The event's order: status S07.
	slot := -1
	p := m.Program().Bytecode
	for j, f := range p.Records[env.Subject.Type].Fields {
		if f.Name == "status" {
			slot = j
		}
	}
	st := p.Records[env.Subject.Type].Fields[slot].Type.Enum
	env.Subject.Slots[slot] = vm.EnumValue("S07", p.Enums[st].Index("S07"))
	return m, env
}

const nWant = 124

func TestNAgree(t *testing.T) {
	m, env := nAutomat(t)
	got, err := m.Match(context.Background(), []string{"order.updated"}, env, nil)
	if err != nil || len(got) != nWant {
		t.Fatalf("automat matched %d rules (%v), want %d", len(got), err, nWant)
	}
	n := 0
	for _, r := range nRuleSet() {
		if r.status == "S07" && hwData.Total.Cmp(r.min) > 0 {
			n++
		}
	}
	if n != nWant {
		t.Fatalf("hand-written Go matched %d", n)
	}
}

func BenchmarkN(b *testing.B) {
	ctx := context.Background()
	rules := nRuleSet()
	b.Run("vm", func(b *testing.B) {
		m, env := nAutomat(b)
		events := []string{"order.updated"}
		out := make([]int32, 0, nRules)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			out, err = m.Match(ctx, events, env, out[:0])
			if err != nil || len(out) != nWant {
				b.Fatal(len(out), err)
			}
		}
	})
	b.Run("expr", func(b *testing.B) {
		data := orderMap()
		data["status"] = "S07"
		progs := make([]*exprvm.Program, len(rules))
		for i, r := range rules {
			progs[i] = exprProgram(b, fmt.Sprintf("status == %q && total > %s", r.status, r.min))
		}
		var v exprvm.VM
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, p := range progs {
				if out, err := v.Run(p, data); err != nil {
					b.Fatal(err)
				} else if out == true {
					n++
				}
			}
			if n != nWant {
				b.Fatal(n)
			}
		}
	})
	b.Run("cel", func(b *testing.B) {
		env := celEnv(b)
		m := orderMap()
		m["status"] = "S07"
		delete(m, "buyer")
		delete(m, "items")
		act, err := cel.NewActivation(m)
		if err != nil {
			b.Fatal(err)
		}
		progs := make([]cel.Program, len(rules))
		for i, r := range rules {
			progs[i] = celProgram(b, env, fmt.Sprintf("status == %q && total > %s.0", r.status, r.min))
		}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, p := range progs {
				out, _, err := p.Eval(act)
				if err != nil {
					b.Fatal(err)
				}
				if out.Value() == true {
					n++
				}
			}
			if n != nWant {
				b.Fatal(n)
			}
		}
	})
	b.Run("go", func(b *testing.B) {
		o := hwData
		o.Status = "S07"
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for i := range rules {
				if rules[i].status == o.Status && o.Total.Cmp(rules[i].min) > 0 {
					n++
				}
			}
			if n != nWant {
				b.Fatal(n)
			}
		}
	})
}
