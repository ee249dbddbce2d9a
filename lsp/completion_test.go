package lsp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// schemaSrc gives the completion tests statuses, a const and a record.
const schemaSrc = `statuses order {
  "Nová" -> new_confirmed
  "Vyřízena" -> completed
}
const vip = 1000
`

func checkSchema(t testing.TB) *compiler.Package {
	pkg, _ := compiler.Check([]compiler.Source{{Name: "/w/schema.rules", Src: []byte(schemaSrc)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	return pkg
}

// TestCompleteContexts runs the completer on source with the cursor at
// "|": want lists labels that must be offered, "!label" ones that must
// not; an empty want means no candidates at all.
func TestCompleteContexts(t *testing.T) {
	pkg := checkSchema(t)
	tests := []struct {
		name, src string
		want      []string
	}{
		{"empty file", "|", []string{"rule", "when", "statuses", "const", "!order"}},
		{"top level word", "ru|", []string{"rule", "record"}},
		{"trigger", "on |", []string{"order.created", "shipment.status_changed", "product.stock_changed", "schedule", "!when"}},
		{"event", "on order.|", []string{"created", "paid", "!stock_changed", "!total"}},
		{"after triggers", "on order.created |", []string{"when"}},
		{"schedule", "on schedule |", []string{`"@daily"`}},
		{"subject", "when |", []string{"order", "shipment", "product", "any", "not", "vip"}},
		{"fields", "when order.|", []string{"total", "status", "buyer", "!email"}},
		{"nested fields", "when order.buyer.|", []string{"email", "phone", "!total"}},
		{"partial field", "when order.bu|", []string{"buyer", "total"}},
		{"statuses", "when order.status = |", []string{`"Nová"`, `"Vyřízena"`, "order", "vip"}},
		{"statuses !=", "when order.status != |", []string{`"Nová"`}},
		{"enum", "when order.paid = |", []string{"paid", "unpaid", "partially_paid", `!"Nová"`}},
		{"bool", "record r { f: bool }\nwhen r.f = |", []string{"true", "false"}},
		{"status in string", "when order.status = \"Vy|", []string{`"Vyřízena"`, `"Nová"`}},
		{"in list", "when order.paid in [paid, |", []string{"unpaid", "partially_paid"}},
		{"not in list", "when order.status not in [|", []string{`"Nová"`}},
		{"operators", "when order.total > 5 |", []string{"and", "or", "do", "once", "always", "is", "!order"}},
		{"is", "when order.notes is |", []string{"empty", "null", "not"}},
		{"is not", "when order.notes is not |", []string{"empty", "null", "!not"}},
		{"not after operand", "when order.channel not |", []string{"in", "contains", "starts", "matches"}},
		{"starts", "when order.channel starts |", []string{"with"}},
		{"once", "when order.total > 5 once |", []string{"per", "do"}},
		{"quantifier var", "when any(i in order.items where i.|", []string{"ean", "price", "!total"}},
		{"quantifier scope", "when any(i in order.items where |", []string{"i", "order"}},
		{"quantifier closed", "when any(i in order.items where i.price > 1) and |", []string{"order", "!i"}},
		{"statement start", "when order.total > 1 do\n  |", []string{"email", "set_status", "shoptet.set_order_status", "let", "wait", "rule", "!order"}},
		{"after a call", "when order.total > 1 do\n  log(text: \"x\")\n  |", []string{"email", "let"}},
		{"after a wait", "when order.total > 1 do\n  wait 2d\n  |", []string{"email"}},
		{"wait", "when order.total > 1 do\n  wait |", []string{"until"}},
		{"let call", "when order.total > 1 do\n  let c = |", []string{"generate_code", "email"}},
		{"let name", "when order.total > 1 do\n  let c = |", []string{"!order"}},
		{"params", "when order.total > 1 do\n  email(|", []string{"to:", "template:", "subject:"}},
		{"params left", "when order.total > 1 do\n  email(to: order.buyer.email, |", []string{"template:", "!to:"}},
		{"enum param", "when order.total > 1 do\n  set_status(status: |", []string{`"Nová"`, `"Vyřízena"`}},
		{"enum param string", "when order.total > 1 do\n  set_status(status: \"N|", []string{`"Nová"`}},
		{"argument path", "when order.total > 1 do\n  sms(to: order.buyer.|", []string{"phone", "email"}},
		{"connector", "when order.total > 1 do\n  shoptet.|", []string{"set_order_status", "!email"}},
		{"interpolation", "when order.total > 1 do\n  log(text: \"a {|", []string{"order", "buyer", "vip"}},
		{"interpolation field", "when order.total > 1 do\n  log(text: \"a {order.bu|", []string{"buyer", "number"}},
		{"interpolation let", "when order.total > 1 do\n  let k = generate_code(pattern: \"#\")\n  log(text: \"{|", []string{"k", "order"}},
		{"let not yet", "when order.total > 1 do\n  log(text: \"{|\")\n  let k = generate_code(pattern: \"#\")", []string{"!k"}},
		{"literal braces", "when order.total > 1 do\n  log(text: \"{{|", nil},
		{"closed interpolation", "when order.total > 1 do\n  log(text: \"{order.number} |", nil},
		{"comment", "# when order.|", nil},
		{"number", "when order.total > 10|", nil},
		{"shipment subject", "on shipment.created\nwhen shipment.status = delivered and |", []string{"shipment", "order", "!product"}},
		{"subject reference", "on shipment.created\nwhen order.|", []string{"total", "buyer"}},
		{"record field type", "record r {\n  f: |", []string{"string", "money", "list", "order", "payment_state"}},
		{"extend", "extend |", []string{"order", "party"}},
		{"phase", "statuses order {\n  \"X\" -> |", []string{"processing", "cancelled"}},
		{"action param type", "action a(x: |", []string{"string", "duration"}},
		{"unfinished rule before a good one", "when order.|\n\nrule \"b\"\nwhen order.total > 1 do log(text: \"x\")\n", []string{"total"}},
		{"broken rule between good ones", "rule \"a\"\nwhen order.total > 1 do log(text: \"x\")\n\nrule \"b\"\non order.created\nwhen order.paid = |\n\nrule \"c\"\nwhen order.total > 1 do log(text: \"x\")\n", []string{"paid", "unpaid"}},
		{"header on lines above", "rule \"b\"\non shipment.created\nwhen |", []string{"shipment", "order", "!product"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := strings.Index(tt.src, "|")
			text := tt.src[:i] + tt.src[i+1:]
			got := complete(pkg, []byte(text), token.Pos(i), true)
			var labels []string
			for _, c := range got {
				labels = append(labels, c.item.Label)
				if c.replace.Start > c.replace.End || c.replace.End > token.Pos(len(text)) {
					t.Errorf("%q replaces %v", c.item.Label, c.replace)
				}
			}
			if tt.want == nil && len(got) > 0 {
				t.Errorf("offers %q, want nothing", labels)
			}
			for _, w := range tt.want {
				if l, not := strings.CutPrefix(w, "!"); not {
					if slices.Contains(labels, l) {
						t.Errorf("offers %q, which it must not", l)
					}
				} else if !slices.Contains(labels, w) {
					t.Errorf("lacks %q; offers %q", w, labels)
				}
			}
		})
	}
}

// The replaced text: the word being typed, or a string value from its
// opening quote through the closing quote the editor added.
func TestCompleteReplaceRange(t *testing.T) {
	pkg := checkSchema(t)
	text := "when order.status = \"Vy\" do log(text: \"x\")\n"
	pos := strings.Index(text, "Vy") + 2
	for _, c := range complete(pkg, []byte(text), token.Pos(pos), true) {
		if c.item.Label == `"Vyřízena"` {
			if got := text[c.replace.Start:c.replace.End]; got != `"Vy"` {
				t.Errorf("replaces %q, want the whole string", got)
			}
			return
		}
	}
	t.Error("no status offered")
}

// FuzzComplete: completion never panics and replaces only text of the
// document, at any position of any text.
func FuzzComplete(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range files {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			f.Add(string(file.Data), uint(len(file.Data)/2))
		}
	}
	if b, err := os.ReadFile("../compiler/schema/std.rules"); err == nil {
		f.Add(string(b), uint(100))
	}
	pkg := checkSchema(f)
	f.Fuzz(func(t *testing.T, text string, at uint) {
		pos := token.Pos(at % uint(len(text)+1))
		var got []candidate
		done := make(chan bool)
		go func() { got = complete(pkg, []byte(text), pos, true); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("HANG %q at %d", text, pos)
		}
		for _, c := range got {
			if c.replace.Start < 0 || c.replace.Start > c.replace.End || c.replace.End > token.Pos(len(text)) {
				t.Fatalf("%q replaces %v of %d bytes", c.item.Label, c.replace, len(text))
			}
		}
	})
}
