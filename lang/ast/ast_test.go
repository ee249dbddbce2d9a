package ast

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/lang/token"
)

// everyKind builds a tree holding one node of every kind. Positions are
// consecutive small offsets so spans are valid; they do not match any
// real source text.
func everyKind() *File {
	p := token.Pos(0)
	next := func() token.Pos { p += 2; return p }
	id := func(name string) *Ident { return &Ident{Pos: next(), Name: name} }
	path := func(names ...string) *PathExpr {
		x := &PathExpr{}
		for _, n := range names {
			x.Parts = append(x.Parts, id(n))
		}
		return x
	}
	str := func(v string) *StringLit {
		from := next()
		s := &StringLit{From: from, To: from + token.Pos(len(v)+2), Raw: `"` + v + `"`, Value: v}
		s.Parts = []*StringPart{{From: from + 1, To: from + 1 + token.Pos(len(v)), Text: v}}
		p = s.To
		return s
	}
	dur := func(raw string, v time.Duration) *DurationLit {
		d := &DurationLit{Pos: next(), Raw: raw, Value: v}
		p += token.Pos(len(raw))
		return d
	}
	typ := func(name string) *TypeExpr {
		return &TypeExpr{Name: id(name), Rangle: token.NoPos, Optional: token.NoPos}
	}

	interp := &StringLit{From: next(), Raw: `"n {order.number}"`, Value: "n {order.number}"}
	interp.Parts = []*StringPart{{From: interp.From + 1, To: interp.From + 3, Text: "n "}}
	ip := &StringPart{From: interp.From + 3}
	p = ip.From
	ip.Path = path("order", "number")
	ip.To = p + 1
	interp.Parts = append(interp.Parts, ip)
	interp.To = ip.To + 1
	p = interp.To

	call := &CallExpr{Fun: path("email"), Lparen: next()}
	call.Args = []*Arg{{Name: id("to"), Value: path("order", "buyer", "email")}, {Value: interp}}
	call.Rparen = next()

	num := &NumberLit{From: next(), Raw: "-5"}
	num.To = num.From + 2
	cond := &BinaryExpr{X: &UnaryExpr{OpPos: next(), Op: OpNot, X: &IsExpr{X: path("order", "notes"), Is: next(), Not: true, What: IsEmpty, End: next()}}, OpPos: next(), Op: OpAnd}
	cond.Y = &BinaryExpr{
		X:     &ParenExpr{Lparen: next(), X: &BinaryExpr{X: path("order", "total"), OpPos: next(), Op: OpGt, Y: num}, Rparen: next()},
		OpPos: next(), Op: OpOr,
		Y: &QuantExpr{Pos: next(), Kind: Count, Var: id("i"), In: path("order", "items"),
			Where:  &BinaryExpr{X: &ListExpr{Lbrack: next(), Elems: []Expr{&BoolLit{Pos: next(), Value: true}, &NullLit{Pos: next()}, &NowLit{Pos: next()}, &BadExpr{From: next(), To: next()}}, Rbrack: next()}, OpPos: next(), Op: OpIn, Y: path("x")},
			Rparen: next()},
	}
	listType := &TypeExpr{Name: id("list"), Elem: typ("string"), Rangle: next(), Optional: next()}

	f := &File{
		Tok:     token.NewFile("every.rules", []byte(strings.Repeat(" ", 400))),
		Ruleset: &RulesetDecl{Ruleset: next(), Name: str("demo")},
	}
	f.Decls = []Decl{
		&ImportDecl{Import: next(), Path: str("shared")},
		&ConstDecl{Const: next(), Name: id("limit"), Value: &NumberLit{From: next(), To: p + 3, Raw: "100"}},
		&RuleDecl{Rule: next(), Name: str("r"), On: next(),
			Triggers: []*Trigger{{Event: path("order", "created")}, {Schedule: next(), Spec: str("@daily")}},
			When:     next(), Cond: cond,
			Freq: &Frequency{Pos: next(), Kind: Once, Per: path("order", "status")},
			Do:   next(),
			Body: []Stmt{
				&CallStmt{Call: call},
				&LetStmt{Let: next(), Name: id("code"), Call: &CallExpr{Fun: path("generate_code"), Lparen: next(), Rparen: next()}},
				&WaitStmt{Wait: next(), Dur: dur("2d", 48*time.Hour)},
				&WaitUntilStmt{Wait: next(), Cond: path("order", "paid"), Max: next(), Dur: dur("3d", 72*time.Hour)},
				&BadStmt{From: next(), To: next()},
			}},
		&RecordDecl{Record: next(), Name: id("party"), Lbrace: next(), Fields: []*Field{{Name: id("name"), Type: typ("string"), Doc: str("Name")}}, Rbrace: next()},
		&ExtendDecl{Extend: next(), Name: id("order"), Lbrace: next(), Fields: []*Field{{Name: id("tags"), Type: listType}}, Rbrace: next()},
		&EnumDecl{Enum: next(), Name: id("color"), Lbrace: next(), Values: []*Ident{id("red"), id("blue")}, Rbrace: next()},
		&StatusesDecl{Statuses: next(), Type: id("order"), Lbrace: next(), Entries: []*StatusEntry{{Status: str("Nová"), Arrow: next(), Phase: id("new_confirmed")}}, Rbrace: next()},
		&ActionDecl{Action: next(), Name: path("shoptet", "set_order_status"), Params: []*Param{{Name: id("status"), Type: typ("string")}}, Rparen: next(), Result: typ("string"), Doc: str("Sets it")},
		&BadDecl{From: next(), To: next(), Keyword: "rule", Name: str("broken")},
	}
	f.Comments = []*Comment{{Pos: next(), Text: "# c"}}
	return f
}

// allNodeTypes lists every concrete node type of the package; the test
// fails when a new one is added to ast.go but not here.
var allNodeTypes = []Node{
	(*File)(nil), (*Comment)(nil), (*RulesetDecl)(nil), (*ImportDecl)(nil), (*ConstDecl)(nil),
	(*RuleDecl)(nil), (*Trigger)(nil), (*Frequency)(nil), (*RecordDecl)(nil), (*ExtendDecl)(nil),
	(*Field)(nil), (*TypeExpr)(nil), (*EnumDecl)(nil), (*StatusesDecl)(nil), (*StatusEntry)(nil),
	(*ActionDecl)(nil), (*Param)(nil), (*BadDecl)(nil), (*CallStmt)(nil), (*LetStmt)(nil),
	(*WaitStmt)(nil), (*WaitUntilStmt)(nil), (*BadStmt)(nil), (*Ident)(nil), (*PathExpr)(nil),
	(*StringLit)(nil), (*StringPart)(nil), (*NumberLit)(nil), (*DurationLit)(nil), (*BoolLit)(nil),
	(*NullLit)(nil), (*NowLit)(nil), (*ListExpr)(nil), (*ParenExpr)(nil), (*CallExpr)(nil),
	(*Arg)(nil), (*QuantExpr)(nil), (*UnaryExpr)(nil), (*BinaryExpr)(nil), (*IsExpr)(nil),
	(*BadExpr)(nil),
}

func typeNames(ns []Node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, reflect.TypeOf(n).Elem().Name())
	}
	sort.Strings(out)
	return out
}

func TestInspectVisitsEveryKind(t *testing.T) {
	f := everyKind()
	seen := map[string]bool{}
	depth, maxDepth := 0, 0
	Inspect(f, func(n Node) bool {
		if n == nil {
			depth--
			return false
		}
		depth++
		maxDepth = max(maxDepth, depth)
		seen[reflect.TypeOf(n).Elem().Name()] = true
		return true
	})
	if depth != 0 {
		t.Errorf("Inspect: %d calls with a node but unbalanced f(nil) calls (depth %d at the end)", maxDepth, depth)
	}
	for _, name := range typeNames(allNodeTypes) {
		if name == "Comment" {
			continue // comments are in File.Comments, not children
		}
		if !seen[name] {
			t.Errorf("Inspect never visited a %s", name)
		}
	}
	// Every type declared in the package with a Span method is listed.
	if got, want := len(allNodeTypes), 41; got != want {
		t.Errorf("allNodeTypes has %d entries, want %d: update the list when adding a node", got, want)
	}
}

func TestPreorderStops(t *testing.T) {
	n := 0
	for range Preorder(everyKind()) {
		n++
		if n == 5 {
			break
		}
	}
	if n != 5 {
		t.Fatalf("Preorder yielded %d nodes before the break, want 5", n)
	}
}

func TestDumpEveryKind(t *testing.T) {
	var b strings.Builder
	if err := Dump(&b, nil, everyKind()); err != nil {
		t.Fatal(err)
	}
	want := `File
  Ruleset: RulesetDecl
    Name: StringLit "demo"
  Decls[0]: ImportDecl
    Path: StringLit "shared"
  Decls[1]: ConstDecl
    Name: Ident limit
    Value: NumberLit 100
  Decls[2]: RuleDecl
    Name: StringLit "r"
    Triggers[0]: Trigger
      Event: PathExpr order.created
    Triggers[1]: Trigger schedule
      Spec: StringLit "@daily"
    Cond: BinaryExpr "and"
      X: UnaryExpr not
        X: IsExpr is not empty
          X: PathExpr order.notes
      Y: BinaryExpr "or"
        X: ParenExpr
          X: BinaryExpr ">"
            X: PathExpr order.total
            Y: NumberLit -5
        Y: QuantExpr count
          Var: Ident i
          In: PathExpr order.items
          Where: BinaryExpr "in"
            X: ListExpr
              Elems[0]: BoolLit true
              Elems[1]: NullLit
              Elems[2]: NowLit
              Elems[3]: BadExpr
            Y: PathExpr x
    Freq: Frequency once
      Per: PathExpr order.status
    Body[0]: CallStmt
      Call: CallExpr email
        Args[0]: Arg to
          Value: PathExpr order.buyer.email
        Args[1]: Arg
          Value: StringLit "n {order.number}"
            Parts[0]: Text "n "
            Parts[1]: Interp
              Path: PathExpr order.number
    Body[1]: LetStmt
      Name: Ident code
      Call: CallExpr generate_code
    Body[2]: WaitStmt
      Dur: DurationLit 2d (48h0m0s)
    Body[3]: WaitUntilStmt
      Cond: PathExpr order.paid
      Dur: DurationLit 3d (72h0m0s)
    Body[4]: BadStmt
  Decls[3]: RecordDecl
    Name: Ident party
    Fields[0]: Field
      Name: Ident name
      Type: TypeExpr string
      Doc: StringLit "Name"
  Decls[4]: ExtendDecl
    Name: Ident order
    Fields[0]: Field
      Name: Ident tags
      Type: TypeExpr list<string>?
        Elem: TypeExpr string
  Decls[5]: EnumDecl
    Name: Ident color
    Values[0]: Ident red
    Values[1]: Ident blue
  Decls[6]: StatusesDecl
    Type: Ident order
    Entries[0]: StatusEntry
      Status: StringLit "Nová"
      Phase: Ident new_confirmed
  Decls[7]: ActionDecl
    Name: PathExpr shoptet.set_order_status
    Params[0]: Param
      Name: Ident status
      Type: TypeExpr string
    Result: TypeExpr string
    Doc: StringLit "Sets it"
  Decls[8]: BadDecl "rule"
    Name: StringLit "broken"
  Comments[0]: Comment "# c"
`
	if got := b.String(); got != want {
		t.Errorf("Dump without positions:\n%s\nwant:\n%s", got, want)
	}
}

func TestDumpPositions(t *testing.T) {
	src := "when a.b = 1 do x()\n"
	fl := token.NewFile("p.rules", []byte(src))
	rd := &RuleDecl{Rule: token.NoPos, On: token.NoPos, When: 0,
		Cond: &BinaryExpr{X: &PathExpr{Parts: []*Ident{{Pos: 5, Name: "a"}, {Pos: 7, Name: "b"}}}, OpPos: 9, Op: OpEq, Y: &NumberLit{From: 11, To: 12, Raw: "1"}},
		Do:   13,
		Body: []Stmt{&CallStmt{Call: &CallExpr{Fun: &PathExpr{Parts: []*Ident{{Pos: 16, Name: "x"}}}, Lparen: 17, Rparen: 18}}},
	}
	var b strings.Builder
	if err := Dump(&b, fl, rd); err != nil {
		t.Fatal(err)
	}
	want := `RuleDecl rule=- on=- when=1:1 do=1:14 @1:1-1:20
  Cond: BinaryExpr "=" @1:6-1:13
    X: PathExpr a.b [a@1:6 b@1:8] @1:6-1:9
    Y: NumberLit 1 @1:12-1:13
  Body[0]: CallStmt @1:17-1:20
    Call: CallExpr x @1:17-1:20
`
	if got := b.String(); got != want {
		t.Errorf("Dump with positions:\n%s\nwant:\n%s", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestDumpReportsWriteError(t *testing.T) {
	if err := Dump(failWriter{}, nil, everyKind()); err == nil {
		t.Fatal("Dump into a failing writer returned nil")
	}
}
