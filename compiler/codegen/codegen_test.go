package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/lang/diag"
)

const header = `statuses order {
  "Nová" -> new_confirmed
  "processing" -> processing
}
`

func build(t *testing.T, src string) *bytecode.Program {
	t.Helper()
	pkg, diags := compiler.Check([]compiler.Source{{Name: "t.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	if diags.HasErrors() {
		t.Fatalf("check: %v", diags)
	}
	p, err := codegen.Compile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// condCode compiles `when cond` and returns the compact disassembly of
// its condition fragment.
func condCode(t *testing.T, cond string) string {
	p := build(t, header+"rule \"r\" on order.updated when "+cond+" do log(text: \"x\")\n")
	for _, f := range p.Fragments(0) {
		if f.Label == "cond" {
			return p.Compact(f.Start, f.End)
		}
	}
	t.Fatal("no condition fragment")
	return ""
}

func TestConditionCode(t *testing.T) {
	tests := []struct{ name, cond, want string }{
		{"field eq const", `order.status = "processing"`,
			`ifenum status !=|null "processing" 2; rettrue; retfalse`},
		{"C1", `order.status = "processing" or (order.paid = unpaid and order.total > 100)`,
			`ifenum status = "processing" 3; ifenum paid !=|null "unpaid" 4; ifnum total <=|null 100 4; rettrue; retfalse`},
		{"constant left is mirrored", `100 < order.total`,
			`ifnum total <=|null 100 2; rettrue; retfalse`},
		{"not in", `order.channel not in ["a", "b"]`,
			`testfield channel string in {"a" "b"} jt 2; rettrue; retfalse`},
		{"contains folds the constant", `order.buyer.name contains "Novák"`,
			`testpath buyer.name string contains "NOVÁK" jf 2; rettrue; retfalse`},
		{"string ne", `order.channel != "amazon"`,
			`ifstr channel = "amazon" 2; rettrue; retfalse`},
		{"number eq", `order.total = 99.90`,
			`ifnum total !=|null 99.90 2; rettrue; retfalse`},
		{"is not empty", `order.notes is not empty`,
			`testfield notes isnotempty jf 2; rettrue; retfalse`},
		{"constant condition", `1 < 2`,
			`rettrue; retfalse`},
		{"constant false conjunct", `order.total > 1 and 2 < 1`,
			`ifnum total <=|null 1 3; jump 3; rettrue; retfalse`},
		{"in empty list", `order.channel in []`,
			`jump 2; rettrue; retfalse`},
		{"any with one test", `any(i in order.items where i.name contains "but")`,
			`findnotfield items[].name string contains "BUT" want true 2; rettrue; retfalse`},
		{"all with one test", `all(i in order.items where i.stock > 0)`,
			`findfield items[].stock number > 0 want false 2; rettrue; retfalse`},
		{"none negated", `none(i in order.items where not (i.ean is null))`,
			`findfield items[].ean isnull want false 2; rettrue; retfalse`},
		{"path of three steps", `order.payer.name contains "a" or any(s in order.shipments where s.order.total > 1)`,
			`testpath payer.name string contains "A" jt 8; subjfield shipments; iterinit 0; iternext 0 9; localfield 2 shipment.order; field order.total; test number > 1 jt 8; jump 3; rettrue; retfalse`},
		{"any loop", `any(i in order.items where i.price * i.quantity > 100)`,
			`subjfield items; iterinit 0; iternext 0 9; localfield 2 item.price; localfield 2 item.quantity; mul; test number > 100 jt 8; jump 2; rettrue; retfalse`},
		{"arithmetic", `order.total * 2 >= 100`,
			`subjfield total; const 2; mul; test number >= 100 jf 5; rettrue; retfalse`},
		{"two values", `order.status = order.channel`,
			`subjfield status; subjfield channel; cmp string =; jumpiffalse 5; rettrue; retfalse`},
		{"any with two tests", `any(i in order.items where i.code = "A" or i.name contains "b")`,
			`subjfield items; iterinit 0; iternext 0 9; localfield 2 item.code; test string = "A" jt 8; localfield 2 item.name; test string contains "B" jt 8; jump 2; rettrue; retfalse`},
		{"matches", `order.number matches "^2026"`,
			`testfield number string matches /^2026/ jf 2; rettrue; retfalse`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := condCode(t, tt.cond); got != tt.want {
				t.Errorf("%s\n got: %s\nwant: %s", tt.cond, got, tt.want)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	p := build(t, header+`
rule "a" on order.created when order.status = "Nová" and order.total > 1 do log(text: "a")
rule "b" when order.channel in ["x", "y"] do log(text: "b")
rule "c" when order.total > 1 do log(text: "c")
rule "d" on schedule "@daily" when order.total > 1 do log(text: "d")
`)
	var b strings.Builder
	for _, e := range p.Events {
		if strings.HasPrefix(e.Name, "order.") {
			b.WriteString(e.Name)
			b.WriteString(": ")
			b.WriteString(strings.TrimSpace(eventString(p, &e)))
			b.WriteString("\n")
		}
	}
	want := `order.*: [2] channel "x"→[1] "y"→[1]
order.created: [2] status "Nová"→[0]; channel "x"→[1] "y"→[1]
order.paid: [2] channel "x"→[1] "y"→[1]
order.phase_changed: [2] channel "x"→[1] "y"→[1]
order.status_changed: [2] channel "x"→[1] "y"→[1]
order.updated: [2] channel "x"→[1] "y"→[1]
`
	if got := b.String(); got != want {
		t.Errorf("index:\n%s\nwant:\n%s", got, want)
	}
}

func eventString(p *bytecode.Program, e *bytecode.Event) string {
	s := fmt.Sprint(e.Rules)
	for i, d := range e.Discs {
		if i > 0 {
			s += ";"
		}
		s += " " + p.Records[e.Record].Fields[d.Path[len(d.Path)-1]].Name
		for k, key := range d.Keys {
			s += fmt.Sprintf(" %s→%v", p.Consts[key], d.Buckets[k])
		}
	}
	return s
}

func TestArtifactRoundTrip(t *testing.T) {
	p := build(t, header+`
rule "r" on order.created when any(i in order.items where i.price > 10) and order.status in ["Nová"]
do
  let c = generate_code(pattern: "X-##")
  sms(to: order.buyer.phone, text: "{c} {order.total}")
  wait 1d
`)
	q, err := bytecode.Decode(bytecode.Encode(p))
	if err != nil {
		t.Fatal(err)
	}
	var a, b strings.Builder
	p.Disassemble(&a)
	q.Disassemble(&b)
	if a.String() != b.String() {
		t.Errorf("disassembly changed in the artifact round trip")
	}
}
