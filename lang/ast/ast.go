// Package ast declares the syntax tree of Automat rules files, the
// contract between the parser (lang/parser) and everything after it: the
// formatter, the compiler and the language server.
//
// Every node knows its exact source range as a byte [token.Span] into its
// [File]; lines and columns come from the file's [token.File] when asked
// for. The tree is never changed after parsing: types and resolved names
// live in the compiler's side tables. Syntax errors appear as [BadDecl],
// [BadStmt] and [BadExpr] nodes spanning the text that could not be parsed,
// so a file with mistakes still has a tree for everything else.
package ast

import (
	"time"

	"github.com/automat-rules/automat/lang/token"
)

// Node is any syntax tree node.
type Node interface {
	Span() token.Span
}

// Expr is an expression node; only this package can add kinds.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement of a rule's `do` block.
type Stmt interface {
	Node
	stmtNode()
}

// Decl is a top-level declaration.
type Decl interface {
	Node
	declNode()
}

// File is one parsed rules file.
type File struct {
	Tok      *token.File
	Ruleset  *RulesetDecl // the optional `ruleset "name"` header, or nil
	Decls    []Decl
	Comments []*Comment // every comment of the file, in source order
}

// Span covers the whole file.
func (f *File) Span() token.Span {
	return token.Span{Start: 0, End: token.Pos(len(f.Tok.Src))}
}

// Comment is a `#` or `//` comment; Text includes the marker.
type Comment struct {
	Pos  token.Pos
	Text string
}

// Span covers the comment's text.
func (c *Comment) Span() token.Span {
	return token.Span{Start: c.Pos, End: c.Pos + token.Pos(len(c.Text))}
}

// ---------------------------------------------------------------------------
// Declarations

// RulesetDecl is the `ruleset "name"` header.
type RulesetDecl struct {
	Ruleset token.Pos // the keyword
	Name    *StringLit
}

// ImportDecl is `import "path"`: another file or folder of the ruleset.
type ImportDecl struct {
	Import token.Pos
	Path   *StringLit
}

// ConstDecl is `const Name = Value`.
type ConstDecl struct {
	Const token.Pos
	Name  *Ident
	Value Expr
}

// RuleDecl is a rule, in the long or the one-line form. Rule and On are
// [token.NoPos] when the keyword is absent.
type RuleDecl struct {
	Rule     token.Pos
	Name     *StringLit // nil for an unnamed rule
	On       token.Pos
	Triggers []*Trigger
	When     token.Pos
	Cond     Expr
	Freq     *Frequency // nil means the default, always
	Do       token.Pos
	Body     []Stmt
}

// Trigger is one entry of a rule's `on` list: an event path such as
// `order.status_changed`, or `schedule "cron spec"`.
type Trigger struct {
	Event    *PathExpr  // set for an event trigger
	Schedule token.Pos  // the keyword, for a schedule trigger
	Spec     *StringLit // the cron spec, for a schedule trigger
}

// FreqKind is a rule's frequency.
type FreqKind uint8

// Frequencies.
const (
	Always FreqKind = iota
	Once
)

// Frequency is `always`, `once` or `once per Expr`.
type Frequency struct {
	Pos  token.Pos // the keyword
	Kind FreqKind
	Per  Expr // for `once per`, else nil
}

// RecordDecl is `record Name { fields }`; ExtendDecl has the same shape.
type RecordDecl struct {
	Record token.Pos
	Name   *Ident
	Lbrace token.Pos
	Fields []*Field
	Rbrace token.Pos
}

// ExtendDecl is `extend Name { fields }`, adding fields to a record.
type ExtendDecl struct {
	Extend token.Pos
	Name   *Ident
	Lbrace token.Pos
	Fields []*Field
	Rbrace token.Pos
}

// Field is `name: Type "doc"`.
type Field struct {
	Name *Ident
	Type *TypeExpr
	Doc  *StringLit // nil when absent
}

// TypeExpr is a type: a name (`string`, `money`, `party`, ...), or
// `list<Elem>`, optionally followed by `?` (may be null).
type TypeExpr struct {
	Name     *Ident    // the type's name; "list" for a list
	Elem     *TypeExpr // element type of a list, else nil
	Rangle   token.Pos // the closing `>` of a list, else NoPos
	Optional token.Pos // the `?`, or NoPos
}

// EnumDecl is `enum Name { a, b, c }`.
type EnumDecl struct {
	Enum   token.Pos
	Name   *Ident
	Lbrace token.Pos
	Values []*Ident
	Rbrace token.Pos
}

// StatusesDecl is `statuses Type { "user status" -> phase ... }`.
type StatusesDecl struct {
	Statuses token.Pos
	Type     *Ident
	Lbrace   token.Pos
	Entries  []*StatusEntry
	Rbrace   token.Pos
}

// StatusEntry is `"user status" -> phase`.
type StatusEntry struct {
	Status *StringLit
	Arrow  token.Pos
	Phase  *Ident
}

// ActionDecl is `action name(params) -> Result "doc"`.
type ActionDecl struct {
	Action token.Pos
	Name   *PathExpr // one or two parts: notify, shoptet.set_order_status
	Params []*Param
	Rparen token.Pos
	Result *TypeExpr  // nil when the action returns nothing
	Doc    *StringLit // nil when absent
}

// Param is one `name: Type` of an action declaration.
type Param struct {
	Name *Ident
	Type *TypeExpr
}

// BadDecl spans a declaration that could not be parsed. Name holds a
// rule's name when the header parsed, so outlines still show it.
type BadDecl struct {
	From, To token.Pos
	Keyword  string // the first token, such as "rule" or "record"
	Name     *StringLit
}

// ---------------------------------------------------------------------------
// Statements

// CallStmt is an action call run for its effect.
type CallStmt struct {
	Call *CallExpr
}

// LetStmt is `let name = call(...)`.
type LetStmt struct {
	Let  token.Pos
	Name *Ident
	Call *CallExpr
}

// WaitStmt is `wait 2d`.
type WaitStmt struct {
	Wait token.Pos
	Dur  *DurationLit
}

// WaitUntilStmt is `wait until Cond [max Dur]`.
type WaitUntilStmt struct {
	Wait token.Pos
	Cond Expr
	Max  token.Pos    // the keyword, or NoPos
	Dur  *DurationLit // nil without max
}

// BadStmt spans a statement that could not be parsed.
type BadStmt struct {
	From, To token.Pos
}

// ---------------------------------------------------------------------------
// Expressions

// Ident is a name. In expressions names always appear as a *[PathExpr]
// (of one or more parts); an Ident is only ever a part of another node.
type Ident struct {
	Pos  token.Pos
	Name string
}

// PathExpr is a dotted path `a.b.c`; Parts has at least one element.
type PathExpr struct {
	Parts []*Ident
}

// String returns the path as written, "a.b.c".
func (p *PathExpr) String() string {
	n := 0
	for _, id := range p.Parts {
		n += len(id.Name) + 1
	}
	b := make([]byte, 0, n)
	for i, id := range p.Parts {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, id.Name...)
	}
	return string(b)
}

// StringLit is a string literal. Value is the decoded text with
// interpolations left as written (`{order.number}`); Parts splits it into
// literal text and interpolated paths, each with its own span.
type StringLit struct {
	From, To token.Pos // including the quotes
	Raw      string    // the source text, quotes included
	Value    string
	Parts    []*StringPart
}

// StringPart is a piece of a string: literal text (Path nil), or an
// interpolation `{path}` (Path set; the span includes the braces).
type StringPart struct {
	From, To token.Pos
	Text     string // decoded literal text; empty for an interpolation
	Path     *PathExpr
}

// IsPlain reports whether the string has no interpolation.
func (s *StringLit) IsPlain() bool {
	for _, p := range s.Parts {
		if p.Path != nil {
			return false
		}
	}
	return true
}

// NumberLit is an exact decimal literal such as `99.90` or `-5`; Raw keeps
// the digits exactly as written (the sign included) for exact arithmetic.
type NumberLit struct {
	From, To token.Pos
	Raw      string
}

// DurationLit is a duration such as `30s` or `1d12h`; a day is 24 hours
// and a week 7 days.
type DurationLit struct {
	Pos   token.Pos
	Raw   string
	Value time.Duration
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Pos   token.Pos
	Value bool
}

// NullLit is `null`.
type NullLit struct {
	Pos token.Pos
}

// NowLit is `now`, the evaluation time.
type NowLit struct {
	Pos token.Pos
}

// ListExpr is `[a, b, c]`.
type ListExpr struct {
	Lbrack token.Pos
	Elems  []Expr
	Rbrack token.Pos
}

// ParenExpr is `( X )`.
type ParenExpr struct {
	Lparen token.Pos
	X      Expr
	Rparen token.Pos
}

// CallExpr is an action call `name(args)`.
type CallExpr struct {
	Fun    *PathExpr // one or two parts
	Lparen token.Pos
	Args   []*Arg
	Rparen token.Pos
}

// Arg is a call argument, named (`to: x`) or positional (Name nil).
type Arg struct {
	Name  *Ident
	Value Expr
}

// QuantKind is the kind of a quantifier.
type QuantKind uint8

// Quantifiers.
const (
	Any QuantKind = iota
	All
	None
	Count
)

var quantNames = [...]string{Any: "any", All: "all", None: "none", Count: "count"}

func (k QuantKind) String() string { return quantNames[k] }

// QuantExpr is `any(x in path where cond)` and its siblings all, none and
// count. Where is nil when the clause is absent.
type QuantExpr struct {
	Pos    token.Pos // the keyword
	Kind   QuantKind
	Var    *Ident
	In     *PathExpr
	Where  Expr
	Rparen token.Pos
}

// Op is a unary or binary operator.
type Op uint8

// Operators. The negated forms (`not in`, `not contains`, ...) are
// operators of their own so that the formatter gives them back as written.
const (
	OpOr Op = iota
	OpAnd
	OpNot
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpNotIn
	OpContains
	OpNotContains
	OpStartsWith
	OpNotStartsWith
	OpMatches
	OpNotMatches
	OpAdd
	OpSub
	OpMul
	OpDiv
)

var opNames = [...]string{
	OpOr: "or", OpAnd: "and", OpNot: "not", OpEq: "=", OpNe: "!=", OpLt: "<", OpLe: "<=",
	OpGt: ">", OpGe: ">=", OpIn: "in", OpNotIn: "not in", OpContains: "contains",
	OpNotContains: "not contains", OpStartsWith: "starts with", OpNotStartsWith: "not starts with",
	OpMatches: "matches", OpNotMatches: "not matches", OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/",
}

// String returns the operator as written in source.
func (o Op) String() string { return opNames[o] }

// Precedence returns the binding strength of a binary operator: or 1, and
// 2, comparisons 4, + - 5, * / 6 (`not` is 3).
func (o Op) Precedence() int {
	switch o {
	case OpOr:
		return 1
	case OpAnd:
		return 2
	case OpNot:
		return 3
	case OpAdd, OpSub:
		return 5
	case OpMul, OpDiv:
		return 6
	}
	return 4
}

// UnaryExpr is `not X`.
type UnaryExpr struct {
	OpPos token.Pos
	Op    Op
	X     Expr
}

// BinaryExpr is `X op Y` for logic, comparison, membership, text tests
// and arithmetic. For `matches`, Y is a *StringLit.
type BinaryExpr struct {
	X     Expr
	OpPos token.Pos
	Op    Op
	Y     Expr
}

// IsKind says what an [IsExpr] tests.
type IsKind uint8

// Tests of an IsExpr.
const (
	IsEmpty IsKind = iota
	IsNull
)

// IsExpr is `X is [not] empty|null`.
type IsExpr struct {
	X    Expr
	Is   token.Pos
	Not  bool
	What IsKind
	End  token.Pos // just after `empty`/`null`
}

// BadExpr spans an expression that could not be parsed.
type BadExpr struct {
	From, To token.Pos
}

// ---------------------------------------------------------------------------
// Spans

func span(a, b token.Pos) token.Span { return token.Span{Start: a, End: b} }

func kwSpan(p token.Pos, kw string) token.Span { return span(p, p+token.Pos(len(kw))) }

func first(ps ...token.Pos) token.Pos {
	for _, p := range ps {
		if p.IsValid() {
			return p
		}
	}
	return token.NoPos
}

func (d *RulesetDecl) Span() token.Span { return span(d.Ruleset, d.Name.Span().End) }
func (d *ImportDecl) Span() token.Span  { return span(d.Import, d.Path.Span().End) }
func (d *ConstDecl) Span() token.Span   { return span(d.Const, d.Value.Span().End) }

// Span runs from the first keyword to the end of the last statement.
func (d *RuleDecl) Span() token.Span {
	start := first(d.Rule, d.On, d.When)
	end := d.Do + 2
	if n := len(d.Body); n > 0 {
		end = d.Body[n-1].Span().End
	}
	return span(start, end)
}

func (t *Trigger) Span() token.Span {
	if t.Event != nil {
		return t.Event.Span()
	}
	return span(t.Schedule, t.Spec.Span().End)
}

func (f *Frequency) Span() token.Span {
	if f.Per != nil {
		return span(f.Pos, f.Per.Span().End)
	}
	if f.Kind == Once {
		return kwSpan(f.Pos, "once")
	}
	return kwSpan(f.Pos, "always")
}

func (d *RecordDecl) Span() token.Span   { return span(d.Record, d.Rbrace+1) }
func (d *ExtendDecl) Span() token.Span   { return span(d.Extend, d.Rbrace+1) }
func (d *EnumDecl) Span() token.Span     { return span(d.Enum, d.Rbrace+1) }
func (d *StatusesDecl) Span() token.Span { return span(d.Statuses, d.Rbrace+1) }

func (f *Field) Span() token.Span {
	if f.Doc != nil {
		return span(f.Name.Pos, f.Doc.To)
	}
	return span(f.Name.Pos, f.Type.Span().End)
}

func (t *TypeExpr) Span() token.Span {
	end := t.Name.Span().End
	if t.Rangle.IsValid() {
		end = t.Rangle + 1
	}
	if t.Optional.IsValid() {
		end = t.Optional + 1
	}
	return span(t.Name.Pos, end)
}

func (e *StatusEntry) Span() token.Span { return span(e.Status.From, e.Phase.Span().End) }

func (d *ActionDecl) Span() token.Span {
	end := d.Rparen + 1
	if d.Result != nil {
		end = d.Result.Span().End
	}
	if d.Doc != nil {
		end = d.Doc.To
	}
	return span(d.Action, end)
}

func (p *Param) Span() token.Span   { return span(p.Name.Pos, p.Type.Span().End) }
func (d *BadDecl) Span() token.Span { return span(d.From, d.To) }

func (s *CallStmt) Span() token.Span { return s.Call.Span() }
func (s *LetStmt) Span() token.Span  { return span(s.Let, s.Call.Span().End) }
func (s *WaitStmt) Span() token.Span { return span(s.Wait, s.Dur.Span().End) }
func (s *WaitUntilStmt) Span() token.Span {
	if s.Dur != nil {
		return span(s.Wait, s.Dur.Span().End)
	}
	return span(s.Wait, s.Cond.Span().End)
}
func (s *BadStmt) Span() token.Span { return span(s.From, s.To) }

func (x *Ident) Span() token.Span { return span(x.Pos, x.Pos+token.Pos(len(x.Name))) }
func (x *PathExpr) Span() token.Span {
	return span(x.Parts[0].Pos, x.Parts[len(x.Parts)-1].Span().End)
}
func (x *StringLit) Span() token.Span   { return span(x.From, x.To) }
func (x *StringPart) Span() token.Span  { return span(x.From, x.To) }
func (x *NumberLit) Span() token.Span   { return span(x.From, x.To) }
func (x *DurationLit) Span() token.Span { return span(x.Pos, x.Pos+token.Pos(len(x.Raw))) }
func (x *BoolLit) Span() token.Span {
	if x.Value {
		return kwSpan(x.Pos, "true")
	}
	return kwSpan(x.Pos, "false")
}
func (x *NullLit) Span() token.Span   { return kwSpan(x.Pos, "null") }
func (x *NowLit) Span() token.Span    { return kwSpan(x.Pos, "now") }
func (x *ListExpr) Span() token.Span  { return span(x.Lbrack, x.Rbrack+1) }
func (x *ParenExpr) Span() token.Span { return span(x.Lparen, x.Rparen+1) }
func (x *CallExpr) Span() token.Span  { return span(x.Fun.Span().Start, x.Rparen+1) }
func (x *Arg) Span() token.Span {
	if x.Name != nil {
		return span(x.Name.Pos, x.Value.Span().End)
	}
	return x.Value.Span()
}
func (x *QuantExpr) Span() token.Span  { return span(x.Pos, x.Rparen+1) }
func (x *UnaryExpr) Span() token.Span  { return span(x.OpPos, x.X.Span().End) }
func (x *BinaryExpr) Span() token.Span { return span(x.X.Span().Start, x.Y.Span().End) }
func (x *IsExpr) Span() token.Span     { return span(x.X.Span().Start, x.End) }
func (x *BadExpr) Span() token.Span    { return span(x.From, x.To) }

// ---------------------------------------------------------------------------
// Sealing

func (*RulesetDecl) declNode()  {}
func (*ImportDecl) declNode()   {}
func (*ConstDecl) declNode()    {}
func (*RuleDecl) declNode()     {}
func (*RecordDecl) declNode()   {}
func (*ExtendDecl) declNode()   {}
func (*EnumDecl) declNode()     {}
func (*StatusesDecl) declNode() {}
func (*ActionDecl) declNode()   {}
func (*BadDecl) declNode()      {}

func (*CallStmt) stmtNode()      {}
func (*LetStmt) stmtNode()       {}
func (*WaitStmt) stmtNode()      {}
func (*WaitUntilStmt) stmtNode() {}
func (*BadStmt) stmtNode()       {}

func (*PathExpr) exprNode()    {}
func (*StringLit) exprNode()   {}
func (*NumberLit) exprNode()   {}
func (*DurationLit) exprNode() {}
func (*BoolLit) exprNode()     {}
func (*NullLit) exprNode()     {}
func (*NowLit) exprNode()      {}
func (*ListExpr) exprNode()    {}
func (*ParenExpr) exprNode()   {}
func (*CallExpr) exprNode()    {}
func (*QuantExpr) exprNode()   {}
func (*UnaryExpr) exprNode()   {}
func (*BinaryExpr) exprNode()  {}
func (*IsExpr) exprNode()      {}
func (*BadExpr) exprNode()     {}
