package vm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/vm"
)

// Example compiles a ruleset, decodes an event's order and finds the
// rules the event triggers.
func Example() {
	src := `
statuses order { "Nová" -> new_confirmed  "Vyřízena" -> completed }
rule "big unpaid" when order.paid = unpaid and order.total > 1000 do log(text: "big {order.number}")
rule "done" on order.status_changed when order.status = "Vyřízena" do log(text: "done")
`
	pkg, diags := compiler.Check([]compiler.Source{{Name: "shop.rules", Src: []byte(src)}}, compiler.Config{})
	if diags.HasErrors() {
		panic(diags)
	}
	bp, err := codegen.Compile(pkg)
	if err != nil {
		panic(err)
	}
	prog, err := vm.Load(bp)
	if err != nil {
		panic(err)
	}
	order, err := record.NewSchema(prog).DecodeNamed("order", []byte(
		`{"number": "2026-0042", "status": "Vyřízena", "paid": "unpaid", "total": "1299.90"}`))
	if err != nil {
		panic(err)
	}
	m := vm.New(prog)
	env := &vm.Env{Subject: order, Now: time.Now()}
	matched, err := m.Match(context.Background(), []string{"order.updated", "order.status_changed"}, env, nil)
	if err != nil {
		panic(err)
	}
	for _, i := range matched {
		r := &bp.Rules[i]
		text, _ := m.Eval(context.Background(), int(i), r.Body[0].Args[0].PC, env)
		fmt.Printf("%s: %s\n", r.Name, text.Str())
	}
	// Output:
	// big unpaid: big 2026-0042
	// done: done
}
