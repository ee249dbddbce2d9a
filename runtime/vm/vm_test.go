package vm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/vm"
)

// header declares the statuses the tests use.
const header = `ruleset "test"
statuses order {
  "Nová" -> new_confirmed
  "processing" -> processing
  "W trakcie realizacji" -> processing
  "Vyřízena" -> completed
  "Stornována" -> cancelled
}
`

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a compiled ruleset ready to run.
type fixture struct {
	pkg    *compiler.Package
	prog   *vm.Program
	m      *vm.Machine
	schema *record.Schema
}

// compile checks and compiles src; errors fail the test, and so does a
// ruleset the checker rejects (the text is part of the test).
func compile(tb testing.TB, src string) *fixture {
	tb.Helper()
	f, err := tryCompile(src)
	if err != nil {
		tb.Fatalf("%v\nsource:\n%s", err, src)
	}
	return f
}

func tryCompile(src string) (*fixture, error) {
	pkg, diags := compiler.Check([]compiler.Source{{Name: "test.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	if diags.HasErrors() {
		return nil, diags
	}
	bp, err := codegen.Compile(pkg)
	if err != nil {
		return nil, err
	}
	p, err := vm.Load(bp)
	if err != nil {
		return nil, err
	}
	return &fixture{pkg: pkg, prog: p, m: vm.New(p), schema: record.NewSchema(p)}, nil
}

func (f *fixture) order(tb testing.TB, data string) *vm.Record {
	tb.Helper()
	r, err := f.schema.DecodeNamed("order", []byte(data))
	if err != nil {
		tb.Fatalf("decoding %s: %v", data, err)
	}
	return r
}

// rule returns a rule with the given condition on orders.
func rule(cond string) string {
	return header + "rule \"r\"\nwhen " + cond + "\ndo log(text: \"x\")\n"
}

// baseOrder is a complete order; tests patch fields into it.
const baseOrder = `{
  "id": "1", "number": "2026-0042", "status": "processing", "channel": "shoptet",
  "source": "web", "total": "150.00", "currency": "CZK", "paid": "unpaid",
  "payment_method": "cod", "notes": "", "warehouse": "main", "delivery_country": "CZ",
  "buyer": {"name": "Jan Novák", "email": "jan@example.cz", "phone": null},
  "recipient": {"name": "Jan Novák"},
  "items": [
    {"name": "Buty sportowe", "code": "B1", "ean": "5901234567890", "quantity": 2, "price": "49.95", "stock": 3},
    {"name": "Butelka wody", "code": "W1", "quantity": 1, "price": "50.10", "stock": 0}
  ],
  "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-22T10:00:00Z"
}`

// patch returns baseOrder with the top-level fields of the JSON object
// extra replaced (a crude merge, enough for tests).
func patch(extra string) string {
	extra = strings.TrimSpace(extra)
	if extra == "" || extra == "{}" {
		return baseOrder
	}
	// Later duplicate keys win in the decoder.
	return strings.TrimSuffix(strings.TrimSpace(baseOrder), "}") + ", " + strings.TrimPrefix(extra, "{")
}

// TestSemantics pins the meaning of conditions (SPEC §1.4), each checked
// on the VM and on the reference evaluator.
func TestSemantics(t *testing.T) {
	tests := []struct {
		name, cond, data string
		want             bool
	}{
		{"eq enum", `order.status = "processing"`, `{}`, true},
		{"eq enum other", `order.status = "Nová"`, `{}`, false},
		{"ne enum", `order.status != "Nová"`, `{}`, true},
		{"bare enum value", `order.paid = unpaid`, `{}`, true},
		{"money exact", `order.total = 150`, `{}`, true},
		{"money 0.1+0.2", `order.total + 0.2 = 0.3`, `{"total": 0.1}`, true},
		{"money 0.4-0.1", `order.total - 0.1 = 0.3`, `{"total": "0.4"}`, true},
		{"gt", `order.total > 100`, `{}`, true},
		{"ge boundary", `order.total >= 150.00`, `{}`, true},
		{"lt boundary", `order.total < 150`, `{}`, false},
		{"constant on the left", `100 < order.total`, `{}`, true},
		{"C1", `order.status = "processing" or (order.paid = unpaid and order.total > 100)`, `{"status": "Nová"}`, true},
		{"C1 false", `order.status = "processing" or (order.paid = unpaid and order.total > 100)`, `{"status": "Nová", "paid": "paid"}`, false},
		{"contains folded", `any(i in order.items where i.name contains "but")`, `{}`, true},
		{"contains Czech", `order.buyer.name contains "NOVÁK"`, `{}`, true},
		{"contains NFD data", `order.buyer.name contains "novák"`, `{"buyer": {"name": "Jan Nova\u0301k"}}`, true},
		{"not contains", `order.buyer.name not contains "x"`, `{}`, true},
		{"starts with", `order.number starts with "2026-"`, `{}`, true},
		{"not starts with", `order.number not starts with "2026-"`, `{}`, false},
		{"in", `order.payment_method in ["cod", "transfer"]`, `{}`, true},
		{"not in", `order.payment_method not in ["cod", "transfer"]`, `{}`, false},
		{"in long list", `order.channel in ["a", "b", "c", "d", "e", "f", "g", "h", "shoptet"]`, `{}`, true},
		{"in long list miss", `order.channel in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]`, `{}`, false},
		{"in numbers", `order.total in [1, 150.0, 3]`, `{}`, true},
		{"in enum set", `order.status in ["Nová", "processing"]`, `{}`, true},
		{"matches", `order.number matches "^[0-9]+-"`, `{}`, true},
		{"not matches", `order.number not matches "^[0-9]+-"`, `{}`, false},
		{"null eq", `order.notes = "x"`, `{"notes": null}`, false},
		{"null ne", `order.notes != "x"`, `{"notes": null}`, true},
		{"null lt", `order.total < 1000`, `{"total": null}`, false},
		{"null ge", `order.total >= 0`, `{"total": null}`, false},
		{"null arithmetic", `order.total + 1 > 0`, `{"total": null}`, false},
		{"null contains", `order.notes contains "x"`, `{"notes": null}`, false},
		{"null not contains", `order.notes not contains "x"`, `{"notes": null}`, true},
		{"null in", `order.notes in ["x"]`, `{"notes": null}`, false},
		{"null not in", `order.notes not in ["x"]`, `{"notes": null}`, true},
		{"is null", `order.notes is null`, `{"notes": null}`, true},
		{"is null absent", `order.notes is null`, `{"notes": "a"}`, false},
		{"is null empty", `order.notes is null`, `{}`, false},
		{"is empty", `order.notes is empty`, `{}`, true},
		{"is empty null", `order.notes is empty`, `{"notes": null}`, false},
		{"is not null empty", `order.notes is not null`, `{}`, true},
		{"is not empty empty", `order.notes is not empty`, `{}`, false},
		{"is not empty null", `order.notes is not empty`, `{"notes": null}`, false},
		{"is not empty value", `order.notes is not empty`, `{"notes": "x"}`, true},
		{"path through null", `order.payer.email is null`, `{"payer": null}`, true},
		{"path through null eq", `order.payer.email = "a"`, `{"payer": null}`, false},
		{"list is empty", `order.items is empty`, `{"items": []}`, true},
		{"list null is empty", `order.items is empty`, `{"items": null}`, false},
		{"any", `any(i in order.items where i.stock <= 0)`, `{}`, true},
		{"all", `all(i in order.items where i.stock > 0)`, `{}`, false},
		{"all empty", `all(i in order.items where i.stock > 0)`, `{"items": []}`, true},
		{"none", `none(i in order.items where i.price > 100)`, `{}`, true},
		{"count", `count(i in order.items where i.stock <= 0) > 0`, `{}`, true},
		{"count all", `count(i in order.items) = 2`, `{}`, true},
		{"quantifier arithmetic", `any(i in order.items where i.price * i.quantity = 99.90)`, `{}`, true},
		{"null ean starts", `any(i in order.items where i.ean starts with "590")`, `{}`, true},
		{"nested quantifiers", `any(i in order.items where any(j in order.items where j.price > i.price))`, `{}`, true},
		{"now", `order.created_at < now - 1d`, `{}`, true},
		{"now false", `order.created_at < now - 3d`, `{}`, false},
		{"time diff", `order.updated_at - order.created_at >= 2d`, `{}`, true},
		{"not group", `not (order.payment_method = "cod" and order.delivery_country != "CZ")`, `{}`, true},
		{"not not", `not not (order.total > 1)`, `{}`, true},
		{"or short circuit", `order.total > 1 or order.total / 0 > 1`, `{}`, true},
		{"and short circuit", `order.total < 1 and order.total / 0 > 1`, `{}`, false},
		{"division", `order.total / 4 = 37.5`, `{}`, true},
		{"string vs enum", `order.status = order.channel`, `{"channel": "processing"}`, true},
		{"undeclared status", `order.status != "Nová"`, `{"status": "Reklamace"}`, true},
		{"undeclared status in", `order.status in ["Nová", "processing"]`, `{"status": "Reklamace"}`, false},
		{"phase derived", `order.phase = completed`, `{"status": "Vyřízena"}`, true},
		{"constant true", `order.total < 0 or 1 < 2`, `{}`, true},
		{"constant false", `order.total > 1 and 2 < 1`, `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := compile(t, rule(tt.cond))
			rec := f.order(t, patch(tt.data))
			got, err := f.m.Cond(context.Background(), 0, &vm.Env{Subject: rec, Now: now})
			if err != nil {
				t.Fatalf("VM: %v", err)
			}
			if got != tt.want {
				t.Errorf("VM: %s = %v, want %v", tt.cond, got, tt.want)
			}
			ref, err := newRef(f.pkg, rec, now).truth(f.pkg.Rules[0].Decl.Cond)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if ref != tt.want {
				t.Errorf("reference: %s = %v, want %v", tt.cond, ref, tt.want)
			}
			// Every clause's value agrees with the reference too.
			checkClauses(t, f, rec)
		})
	}
}

// checkClauses compares each clause fragment with the reference.
func checkClauses(t *testing.T, f *fixture, rec *vm.Record) {
	t.Helper()
	r := &f.prog.Bytecode.Rules[0]
	for i, c := range r.Clauses {
		got, err := f.m.Eval(context.Background(), 0, c.PC, &vm.Env{Subject: rec, Now: now})
		leaf := codegen.Clauses(f.pkg.Rules[0].Decl.Cond)[i]
		want, rerr := newRef(f.pkg, rec, now).eval(leaf)
		if (err != nil) != (rerr != nil) {
			t.Errorf("clause %q: VM error %v, reference error %v", c.Text, err, rerr)
			continue
		}
		if err == nil && !got.Equal(want) {
			t.Errorf("clause %q = %v, reference %v", c.Text, got, want)
		}
	}
}

func TestRuntimeErrors(t *testing.T) {
	f := compile(t, rule(`order.total / (order.total - 150) > 1`))
	rec := f.order(t, baseOrder)
	_, err := f.m.Cond(context.Background(), 0, &vm.Env{Subject: rec, Now: now})
	var e *vm.Error
	if !errors.As(err, &e) || !errors.Is(err, value.ErrDivByZero) {
		t.Fatalf("err = %v, want a *vm.Error for division by zero", err)
	}
	if e.Rule != "r" || e.File != "test.rules" || e.Loc.Line != 10 {
		t.Errorf("error location = %+v", e)
	}
	if got := err.Error(); !strings.HasPrefix(got, `test.rules:10:`) || !strings.Contains(got, `rule "r": division by zero`) {
		t.Errorf("Error() = %q", got)
	}
}

func TestBudgetAndCancel(t *testing.T) {
	f := compile(t, rule(`count(i in order.items where any(j in order.items where j.price > i.price)) > 100000`))
	var items []string
	for i := range 300 {
		items = append(items, fmt.Sprintf(`{"name": "n%d", "price": %d}`, i, i))
	}
	rec := f.order(t, patch(`{"items": [`+strings.Join(items, ",")+`]}`))
	env := &vm.Env{Subject: rec, Now: now}
	f.m.MaxSteps = 10000
	if _, err := f.m.Cond(context.Background(), 0, env); !errors.Is(err, vm.ErrBudget) {
		t.Errorf("small budget: err = %v, want ErrBudget", err)
	}
	f.m.MaxSteps = vm.DefaultMaxSteps
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.m.Cond(ctx, 0, env); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
	if ok, err := f.m.Cond(context.Background(), 0, env); err != nil || ok {
		t.Errorf("full budget: %v, %v", ok, err)
	}
}

func TestArgs(t *testing.T) {
	src := header + `
rule "notify"
when order.total > 1
do
  let code = generate_code(pattern: "PK-####")
  sms(to: order.buyer.phone, text: "Order {order.number} ({order.total} CZK, {order.status}) code {code}")
  email(to: order.buyer.email, template: "t")
  wait 2d
  wait until order.paid = paid max 3d
`
	f := compile(t, src)
	rec := f.order(t, baseOrder)
	r := &f.prog.Bytecode.Rules[0]
	if len(r.Body) != 5 || r.Lets != 1 {
		t.Fatalf("body = %+v", r.Body)
	}
	env := &vm.Env{Subject: rec, Now: now, Lets: []vm.Value{vm.String("PK-0042")}}
	sms := r.Body[1]
	to, err := f.m.Eval(context.Background(), 0, sms.Args[0].PC, env)
	if err != nil || !to.IsNull() {
		t.Errorf("sms to = %v, %v; want null (no phone)", to, err)
	}
	text, err := f.m.Eval(context.Background(), 0, sms.Args[1].PC, env)
	if want := "Order 2026-0042 (150.00 CZK, processing) code PK-0042"; err != nil || text.Str() != want {
		t.Errorf("sms text = %v, %v; want %q", text, err, want)
	}
	if r.Body[3].Wait != int64(48*time.Hour) || r.Body[4].Wait != int64(72*time.Hour) {
		t.Errorf("waits = %d, %d", r.Body[3].Wait, r.Body[4].Wait)
	}
	ok, err := f.m.Test(context.Background(), 0, r.Body[4].Cond, env)
	if err != nil || ok {
		t.Errorf("wait until = %v, %v; want false (unpaid)", ok, err)
	}
}

func TestOncePer(t *testing.T) {
	f := compile(t, header+`rule "r" when order.total > 1 once per order.status do log(text: "x")`)
	r := &f.prog.Bytecode.Rules[0]
	v, err := f.m.Eval(context.Background(), 0, r.Per, &vm.Env{Subject: f.order(t, baseOrder), Now: now})
	if err != nil || v.Str() != "processing" {
		t.Errorf("per = %v, %v", v, err)
	}
}

func TestMatchIndex(t *testing.T) {
	src := header + `
rule "a" on order.created when order.status = "Nová" do log(text: "a")
rule "b" when order.status in ["Nová", "processing"] and order.total > 100 do log(text: "b")
rule "c" when order.total > 100 do log(text: "c")
rule "d" on order.status_changed when order.status = "processing" and order.channel = "x" do log(text: "d")
rule "e" when order.channel = "shoptet" and order.paid = unpaid do log(text: "e")
rule "f" on schedule "@daily" when order.total > 0 do log(text: "f")
rule "g" when order.buyer.name = "Jan Novák" do log(text: "g")
`
	f := compile(t, src)
	rec := f.order(t, baseOrder) // processing, unpaid, shoptet, 150
	env := &vm.Env{Subject: rec, Now: now}
	tests := []struct {
		events     []string
		candidates []int32
		match      []int32
	}{
		{[]string{"order.created"}, []int32{1, 2, 4, 6}, []int32{1, 2, 4, 6}},
		{[]string{"order.updated", "order.status_changed"}, []int32{1, 2, 3, 4, 6}, []int32{1, 2, 4, 6}},
		{[]string{"order.refunded"}, []int32{1, 2, 4, 6}, []int32{1, 2, 4, 6}}, // unknown event: rules without on
		{[]string{"shipment.created"}, nil, nil},
	}
	for _, tt := range tests {
		got := append([]int32(nil), f.m.Candidates(tt.events, rec)...)
		if fmt.Sprint(got) != fmt.Sprint(tt.candidates) {
			t.Errorf("Candidates(%v) = %v, want %v", tt.events, got, tt.candidates)
		}
		m, err := f.m.Match(context.Background(), tt.events, env, nil)
		if err != nil || fmt.Sprint(m) != fmt.Sprint(tt.match) {
			t.Errorf("Match(%v) = %v, %v; want %v", tt.events, m, err, tt.match)
		}
	}
	// Rule a is filed under "Nová": only a Nová order makes it a candidate.
	nova := f.order(t, patch(`{"status": "Nová"}`))
	if got := fmt.Sprint(f.m.Candidates([]string{"order.created"}, nova)); got != "[0 1 2 4 6]" {
		t.Errorf("Candidates for a Nová order = %s", got)
	}
}

// TestMatchAgreesWithoutIndex checks, for a ruleset with many rules, that
// the index selects exactly the rules whose conditions hold.
func TestMatchAgreesWithoutIndex(t *testing.T) {
	var b strings.Builder
	b.WriteString(header)
	statuses := []string{"Nová", "processing", "W trakcie realizacji", "Vyřízena", "Stornována"}
	channels := []string{"shoptet", "allegro", "amazon"}
	for i := range 300 {
		fmt.Fprintf(&b, "rule \"r%d\" when order.status = %q and order.total > %d and order.channel in [%q, %q] do log(text: \"x\")\n",
			i, statuses[i%5], i, channels[i%3], channels[(i+1)%3])
	}
	f := compile(t, b.String())
	for _, st := range append(statuses, "Reklamace") {
		for _, ch := range channels {
			rec := f.order(t, patch(fmt.Sprintf(`{"status": %q, "channel": %q, "total": "120"}`, st, ch)))
			env := &vm.Env{Subject: rec, Now: now}
			got, err := f.m.Match(context.Background(), []string{"order.updated"}, env, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []int32
			for i := range f.prog.Bytecode.Rules {
				ok, err := f.m.Cond(context.Background(), i, env)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					want = append(want, int32(i))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s/%s: Match = %v, all rules = %v", st, ch, got, want)
			}
		}
	}
}

// TestNoAllocs guards the zero-allocation evaluation of conditions.
func TestNoAllocs(t *testing.T) {
	conds := []string{
		`order.status = "processing" or (order.paid = unpaid and order.total > 100)`,
		`order.payment_method in ["cod", "transfer"] and order.delivery_country != "PL" and any(i in order.items where i.name contains "wody")`,
		`order.status in ["Nová", "processing"] and order.total >= 100 and order.total <= 5000 and order.buyer.email is not empty
		 and order.notes is empty and order.source in ["web", "mobile"] and any(i in order.items where i.ean starts with "590")
		 and order.warehouse = "main" and not (order.payment_method = "cod" and order.delivery_country != "CZ")
		 and count(i in order.items where i.price * i.quantity > 50) > 0 and order.created_at < now - 1d
		 and order.number matches "^2026"`,
	}
	for _, c := range conds {
		f := compile(t, rule(c))
		env := &vm.Env{Subject: f.order(t, baseOrder), Now: now}
		ctx := context.Background()
		if ok, err := f.m.Cond(ctx, 0, env); !ok || err != nil {
			t.Fatalf("%s = %v, %v; want true", c, ok, err)
		}
		events := []string{"order.updated"}
		out := make([]int32, 0, 4)
		allocs := testing.AllocsPerRun(200, func() {
			f.m.Cond(ctx, 0, env)
			out, _ = f.m.Match(ctx, events, env, out[:0])
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per evaluation, want 0", c, allocs)
		}
	}
}
