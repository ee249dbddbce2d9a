package compiler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

const shop = `ruleset "eshop"
statuses order {
  "Nová"     -> new_confirmed
  "Vyřízena" -> completed
}
const limit = 1000

rule "zásilka doručena"
on shipment.status_changed
when shipment.status = delivered and order.total > limit
do
  let code = generate_code(pattern: "PK-###")
  set_status(status: "Vyřízena")
  sms(to: order.buyer.phone, text: "Kód {code}, objednávka {order.number}")

rule "stav"
when order.status = "Vyřízena" and any(i in order.items where i.ean starts with "590")
do log(text: "x")
`

func check(t *testing.T, src string) (*compiler.Package, diag.List) {
	t.Helper()
	var all diag.List
	pkg, diags := compiler.Check([]compiler.Source{{Name: "shop.rules", Src: []byte(src)}}, compiler.Config{Error: func(d diag.Diagnostic) { all = append(all, d) }})
	if pkg == nil {
		t.Fatal("nil package")
	}
	return pkg, diags
}

// at returns the offset of the n-th (1-based) occurrence of sub, plus
// delta.
func at(src, sub string, n, delta int) token.Pos {
	off := -1
	for i := 0; i < n; i++ {
		j := strings.Index(src[off+1:], sub)
		if j < 0 {
			panic("no " + sub)
		}
		off += 1 + j
	}
	return token.Pos(off + delta)
}

func TestPackage(t *testing.T) {
	pkg, diags := check(t, shop)
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if pkg.Name != "eshop" || len(pkg.Rules) != 2 || len(pkg.Consts) != 1 {
		t.Fatalf("name %q, %d rules, %d consts", pkg.Name, len(pkg.Rules), len(pkg.Consts))
	}
	r := pkg.Rules[0]
	if r.ID != "zásilka doručena" || r.Subject.Name != "shipment" || len(r.Triggers) != 1 || r.Triggers[0].Event != "shipment.status_changed" {
		t.Errorf("rule 0: id %q subject %v triggers %+v", r.ID, r.Subject, r.Triggers)
	}
	if got := pkg.Rules[1].Subject.Name; got != "order" {
		t.Errorf("rule 1 subject %s, want order (root of the first path)", got)
	}
	st := pkg.Schema.Enum("order_status")
	if st == nil || strings.Join(st.Values, ",") != "Nová,Vyřízena" || st.PhaseOf("Vyřízena") != "completed" {
		t.Fatalf("order_status = %+v", st)
	}
	order := pkg.Schema.Record("order")
	if f := order.Field("status"); f == nil || f.Type != types.Type(st) {
		t.Errorf("order.status has type %v, want order_status", f)
	}
	if a := pkg.Schema.Action("generate_code"); a == nil || !types.Is(a.Result, types.String) {
		t.Errorf("generate_code = %+v", a)
	}
}

func TestObjectAtAndReferences(t *testing.T) {
	pkg, _ := check(t, shop)
	for _, tc := range []struct {
		name      string
		pos       token.Pos
		kind      compiler.ObjectKind
		obj, typ  string
		def       bool
		wantRefs  int
		wantInStd bool
	}{
		{"status field", at(shop, "shipment.status =", 1, 10), compiler.FieldObject, "status", "shipment_status", false, 0, true},
		{"implicit order", at(shop, "order.total", 1, 1), compiler.FieldObject, "order", "order", false, 0, true},
		{"subject order", at(shop, "order.status =", 1, 0), compiler.RecordObject, "order", "order", false, 0, true},
		{"enum value", at(shop, "delivered", 1, 3), compiler.EnumValueObject, "delivered", "shipment_status", false, 0, true},
		{"const use", at(shop, "> limit", 1, 3), compiler.ConstObject, "limit", "number", false, 2, false},
		{"const def", at(shop, "limit =", 1, 0), compiler.ConstObject, "limit", "number", true, 2, false},
		{"status in string", at(shop, `"Vyřízena")`, 1, 2), compiler.StatusObject, "Vyřízena", "order_status", false, 3, false},
		{"status def", at(shop, `"Vyřízena"`, 1, 1), compiler.StatusObject, "Vyřízena", "order_status", true, 3, false},
		{"let in interpolation", at(shop, "{code}", 1, 2), compiler.LetObject, "code", "string", false, 2, false},
		{"quantifier var", at(shop, "i.ean", 1, 0), compiler.VarObject, "i", "item", false, 2, false},
		{"action", at(shop, "sms(", 1, 1), compiler.ActionObject, "sms", "", false, 0, true},
		{"param", at(shop, "text:", 2, 1), compiler.ParamObject, "text", "string", false, 0, true},
		{"phase", at(shop, "completed", 1, 2), compiler.PhaseObject, "completed", "phase", false, 0, true},
		{"event", at(shop, "status_changed", 1, 3), compiler.EventObject, "shipment.status_changed", "shipment", false, 1, false},
		{"rule name", at(shop, `"stav"`, 1, 2), compiler.RuleObject, "stav", "order", true, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, ok := pkg.ObjectAt("shop.rules", tc.pos)
			if !ok {
				t.Fatalf("nothing at %d", tc.pos)
			}
			o := ref.Obj
			typ := ""
			if o.Type != nil {
				typ = o.Type.String()
			}
			if o.Kind != tc.kind || o.Name != tc.obj || typ != tc.typ || ref.Def != tc.def {
				t.Errorf("got %s %q: %s (def %v), want %s %q: %s (def %v)", o.Kind, o.Name, typ, ref.Def, tc.kind, tc.obj, tc.typ, tc.def)
			}
			inStd := o.File != nil && o.File.Name == compiler.StdName
			if inStd != tc.wantInStd {
				t.Errorf("declared in std: %v, want %v", inStd, tc.wantInStd)
			}
			if tc.wantRefs > 0 {
				if n := len(pkg.References(o)); n != tc.wantRefs {
					t.Errorf("%d references, want %d: %+v", n, tc.wantRefs, pkg.References(o))
				}
			}
		})
	}
}

func TestNamesAt(t *testing.T) {
	pkg, _ := check(t, shop)
	names := func(pos token.Pos) string {
		var out []string
		for _, o := range pkg.NamesAt("shop.rules", pos) {
			out = append(out, o.Kind.String()+" "+o.Name)
		}
		return strings.Join(out, ", ")
	}
	if got, want := names(at(shop, "sms(", 1, 0)), "let code, record shipment, field order, const limit"; got != want {
		t.Errorf("in the body: %s\nwant %s", got, want)
	}
	if got, want := names(at(shop, "i.ean", 1, 0)), "variable i, record order, field buyer, field recipient, field payer, const limit"; got != want {
		t.Errorf("in a quantifier: %s\nwant %s", got, want)
	}
	if got, want := names(at(shop, "const", 1, 0)), "const limit"; got != want {
		t.Errorf("outside rules: %s\nwant %s", got, want)
	}
}

func TestTypesAndPaths(t *testing.T) {
	pkg, _ := check(t, shop)
	var seen int
	for _, f := range pkg.Files {
		for n := range ast.Preorder(f) {
			p, ok := n.(*ast.PathExpr)
			if !ok || p.String() != "order.total" {
				continue
			}
			seen++
			if got := pkg.Info.Types[p]; got == nil || got.String() != "money" {
				t.Errorf("order.total has type %v", got)
			}
			res := pkg.Info.Paths[p]
			if res == nil || res.Base != compiler.Subject || len(res.Fields) != 2 || res.Fields[0].Name != "order" || res.Fields[1].Name != "total" {
				t.Errorf("order.total in a shipment rule resolves to %+v, want subject.order.total", res)
			}
		}
	}
	if seen != 1 {
		t.Fatalf("found %d order.total paths", seen)
	}
}

func TestCalls(t *testing.T) {
	pkg, _ := check(t, shop)
	n := 0
	for call, bound := range pkg.Info.Calls {
		if bound.Action.Name != "sms" {
			continue
		}
		n++
		if len(bound.Args) != 2 || bound.Args[0] != call.Args[0].Value || bound.Args[1] != call.Args[1].Value {
			t.Errorf("sms arguments bound as %v", bound.Args)
		}
	}
	if n != 1 {
		t.Errorf("%d sms calls bound, want 1", n)
	}
}

func TestStopAtFirstError(t *testing.T) {
	src := "when ordr.total > 1 do log(text: \"a\")\nwhen ordr.total > 2 do log(text: \"b\")\n"
	_, diags := compiler.Check([]compiler.Source{{Name: "a.rules", Src: []byte(src)}}, compiler.Config{})
	if len(diags) != 1 {
		t.Errorf("with a nil Error, got %d diagnostics, want the first only: %v", len(diags), diags)
	}
	n := 0
	_, diags = compiler.Check([]compiler.Source{{Name: "a.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) { n++ }, MaxErrors: 1})
	if len(diags) != 1 || n != 1 {
		t.Errorf("MaxErrors 1: %d diagnostics, %d reported", len(diags), n)
	}
}

func TestDisableLints(t *testing.T) {
	src := "const unused = 1\nwhen order.total > 5 and order.total < 3 do log(text: \"x\")\n"
	_, diags := compiler.Check([]compiler.Source{{Name: "a.rules", Src: []byte(src)}}, compiler.Config{
		Error: func(diag.Diagnostic) {}, DisableLints: []diag.Code{diag.AlwaysFalse},
	})
	if len(diags) != 1 || diags[0].Code != diag.UnusedDeclaration {
		t.Errorf("got %v, want only UnusedDeclaration", diags)
	}
}

func TestTrace(t *testing.T) {
	var passes []string
	compiler.Check([]compiler.Source{{Name: "a.rules", Src: []byte(shop)}}, compiler.Config{
		Error: func(diag.Diagnostic) {}, Trace: func(name string, _ time.Duration) { passes = append(passes, name) },
	})
	if got, want := strings.Join(passes, " "), strings.Join(compiler.PassNames(), " "); got != want {
		t.Errorf("passes %q, want %q", got, want)
	}
}

func TestImporter(t *testing.T) {
	main := "import \"lib\"\nwhen order.total > limit do log(text: \"x\")\n"
	var asked string
	_, diags := compiler.Check([]compiler.Source{{Name: "dir/main.rules", Src: []byte(main)}}, compiler.Config{
		Error: func(diag.Diagnostic) {},
		Import: func(path string) ([]compiler.Source, error) {
			asked = path
			return []compiler.Source{{Name: "dir/lib/consts.rules", Src: []byte("const limit = 5\n")}}, nil
		},
	})
	if asked != "dir/lib" || len(diags) != 0 {
		t.Errorf("importer asked for %q; diagnostics %v", asked, diags)
	}
}

func TestParseFileHook(t *testing.T) {
	src := []byte("when order.total > 1 do log(text: \"x\")\n")
	first, _ := compiler.Check([]compiler.Source{{Name: "a.rules", Src: src}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	calls := 0
	second, diags := compiler.Check([]compiler.Source{{Name: "a.rules", Src: src}}, compiler.Config{
		Error: func(diag.Diagnostic) {},
		ParseFile: func(name string, b []byte) (*ast.File, diag.List) {
			calls++
			return first.Files[0], nil // a cached tree
		},
	})
	if calls != 1 || len(diags) != 0 || second.Files[0] != first.Files[0] || len(second.Rules) != 1 {
		t.Errorf("cached tree: %d calls, %v, %d rules", calls, diags, len(second.Rules))
	}
}

func ExampleCheck() {
	src := `statuses order { "Nová" -> new_confirmed  "Vyřízena" -> completed }
when order.status = "Vyrizena" do log(text: "hotovo")
`
	_, diags := compiler.Check([]compiler.Source{{Name: "shop.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	for _, d := range diags {
		fmt.Println(d)
		fmt.Println("fix:", d.Suggestion)
	}
	// Output:
	// shop.rules:2:21: error: unknown status "Vyrizena" of order; did you mean "Vyřízena"? [UnknownStatus]
	// fix: "Vyřízena"
}

func ExamplePackage_ObjectAt() {
	src := `when shipment.status = delivered do log(text: "{shipment.tracking_number}")`
	pkg, _ := compiler.Check([]compiler.Source{{Name: "shop.rules", Src: []byte(src)}}, compiler.Config{Error: func(diag.Diagnostic) {}})
	ref, _ := pkg.ObjectAt("shop.rules", token.Pos(strings.Index(src, "status")))
	fmt.Printf("%s %s: %s (%s)\n", ref.Obj.Kind, ref.Obj.Name, ref.Obj.Type, ref.Obj.Doc)
	// Output:
	// field status: shipment_status (Carrier status)
}
