package parser

// This file converts the participle grammar structs of a unit that parsed
// into lang/ast nodes with exact spans. Positions come from the byte
// offsets of the captured tokens only.

import (
	"errors"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser/internal/grammar"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lang/value"
)

func pos(t grammar.Tok) token.Pos { return token.Pos(t.Pos.Offset) }

func optPos(t *grammar.Tok) token.Pos {
	if t == nil {
		return token.NoPos
	}
	return pos(*t)
}

func tokSpan(t grammar.Tok) token.Span {
	return token.Span{Start: pos(t), End: pos(t) + token.Pos(len(t.Value))}
}

func ident(t grammar.Tok) *ast.Ident { return &ast.Ident{Pos: pos(t), Name: t.Value} }

func (p *parser) path(g *grammar.Path) *ast.PathExpr {
	n := (len(g.Tokens) + 1) / 2
	ids := make([]ast.Ident, 0, n) // one allocation for all the parts
	x := &ast.PathExpr{Parts: make([]*ast.Ident, 0, n)}
	for _, t := range g.Tokens {
		if t.Type == grammar.Ident {
			ids = append(ids, ast.Ident{Pos: pos(t), Name: t.Value})
			x.Parts = append(x.Parts, &ids[len(ids)-1])
		}
	}
	return x
}

func (p *parser) ruleHeader(g *grammar.RuleHeader) *ast.RuleDecl {
	rd := &ast.RuleDecl{Rule: optPos(g.Rule), On: optPos(g.On), When: pos(g.When), Do: pos(g.Do)}
	if g.Name != nil {
		rd.Name = p.str(*g.Name)
	}
	for _, t := range g.Triggers {
		if t.Event != nil {
			rd.Triggers = append(rd.Triggers, &ast.Trigger{Event: p.path(t.Event), Schedule: token.NoPos})
		} else {
			rd.Triggers = append(rd.Triggers, &ast.Trigger{Schedule: pos(*t.Schedule), Spec: p.str(*t.Spec)})
		}
	}
	rd.Cond = p.expr(g.Cond)
	if f := g.Freq; f != nil {
		switch {
		case f.Always != nil:
			rd.Freq = &ast.Frequency{Pos: pos(*f.Always), Kind: ast.Always}
		default:
			rd.Freq = &ast.Frequency{Pos: pos(*f.Once), Kind: ast.Once}
			if f.PerX != nil {
				rd.Freq.Per = p.expr(f.PerX)
			}
		}
	}
	return rd
}

// statement converts a parsed statement; it returns nil when the
// statement holds a malformed duration (already reported).
func (p *parser) statement(g *grammar.Stmt) ast.Stmt {
	switch {
	case g.Let != nil:
		return &ast.LetStmt{Let: pos(g.Let.Let), Name: ident(g.Let.Name), Call: p.call(g.Let.Call.Fun, g.Let.Call.Args)}
	case g.Wait != nil:
		w := g.Wait
		if w.Until == nil {
			d := p.duration(*w.Dur)
			if d == nil {
				return nil
			}
			return &ast.WaitStmt{Wait: pos(w.Wait), Dur: d}
		}
		s := &ast.WaitUntilStmt{Wait: pos(w.Wait), Cond: p.expr(w.Cond), Max: optPos(w.Max)}
		if w.MaxDur != nil {
			if s.Dur = p.duration(*w.MaxDur); s.Dur == nil {
				return nil
			}
		}
		return s
	}
	return &ast.CallStmt{Call: p.call(g.Call.Fun, g.Call.Args)}
}

func (p *parser) call(fun *grammar.Path, args *grammar.Args) *ast.CallExpr {
	c := &ast.CallExpr{Fun: p.path(fun), Lparen: pos(args.Lparen), Rparen: pos(args.Rparen)}
	if n := len(c.Fun.Parts); n > 2 {
		p.errorf(c.Fun.Span(), diag.BadSyntax, "an action name has one or two parts (set_status, shoptet.set_order_status), not %d", n)
	}
	for _, a := range args.Args {
		x := p.expr(a.X)
		if a.Colon == nil {
			c.Args = append(c.Args, &ast.Arg{Value: x})
			continue
		}
		arg := &ast.Arg{Value: p.expr(a.Value)}
		if path, ok := x.(*ast.PathExpr); ok && len(path.Parts) == 1 {
			arg.Name = path.Parts[0]
		} else {
			p.errorf(x.Span(), diag.BadSyntax, `an argument's name is a single word before ":", as in to: order.buyer.email`)
		}
		c.Args = append(c.Args, arg)
	}
	return c
}

// duration converts a Duration token; a BadNumber token (reported by the
// pre-pass) gives nil.
func (p *parser) duration(t grammar.Tok) *ast.DurationLit {
	if t.Type != grammar.Duration {
		return nil
	}
	v, err := value.ParseDuration(t.Value)
	if err != nil {
		msg := "malformed duration " + quote(t.Value)
		if errors.Is(err, value.ErrRange) {
			msg = "duration " + quote(t.Value) + " is too long: the longest is about 292 years"
		}
		p.errorf(tokSpan(t), diag.BadNumber, "%s", msg)
	}
	return &ast.DurationLit{Pos: pos(t), Raw: t.Value, Value: v}
}

func (p *parser) record(g *grammar.Record) ast.Decl {
	var fields []*ast.Field
	for _, f := range g.Fields {
		fd := &ast.Field{Name: ident(f.Name), Type: p.typ(f.Type)}
		if f.Doc != nil {
			fd.Doc = p.str(*f.Doc)
		}
		fields = append(fields, fd)
	}
	if g.Keyword.Value == "extend" {
		return &ast.ExtendDecl{Extend: pos(g.Keyword), Name: ident(g.Name), Lbrace: pos(g.Lbrace), Fields: fields, Rbrace: pos(g.Rbrace)}
	}
	return &ast.RecordDecl{Record: pos(g.Keyword), Name: ident(g.Name), Lbrace: pos(g.Lbrace), Fields: fields, Rbrace: pos(g.Rbrace)}
}

func (p *parser) typ(g *grammar.Type) *ast.TypeExpr {
	t := &ast.TypeExpr{Name: ident(g.Name), Rangle: optPos(g.Rangle), Optional: optPos(g.Optional)}
	if g.Elem != nil {
		t.Elem = p.typ(g.Elem)
		if g.Name.Value != "list" {
			p.errorf(token.Span{Start: pos(g.Name), End: pos(*g.Rangle) + 1}, diag.BadSyntax,
				"only list takes an element type in <...>: write list<%s>", g.Elem.Name.Value)
		}
	}
	return t
}

func (p *parser) enum(g *grammar.Enum) ast.Decl {
	e := &ast.EnumDecl{Enum: pos(g.Enum), Name: ident(g.Name), Lbrace: pos(g.Lbrace), Rbrace: pos(g.Rbrace)}
	for _, t := range g.Tokens {
		if t.Type == grammar.Ident && pos(t) > e.Lbrace {
			e.Values = append(e.Values, ident(t))
		}
	}
	return e
}

func (p *parser) statuses(g *grammar.Statuses) ast.Decl {
	s := &ast.StatusesDecl{Statuses: pos(g.Statuses), Type: ident(g.Type), Lbrace: pos(g.Lbrace), Rbrace: pos(g.Rbrace)}
	for _, e := range g.Entries {
		s.Entries = append(s.Entries, &ast.StatusEntry{Status: p.str(e.Status), Arrow: pos(e.Arrow), Phase: ident(e.Phase)})
	}
	return s
}

func (p *parser) action(g *grammar.Action) ast.Decl {
	a := &ast.ActionDecl{Action: pos(g.Action), Name: p.path(g.Name), Rparen: pos(g.Rparen)}
	if n := len(a.Name.Parts); n > 2 {
		p.errorf(a.Name.Span(), diag.BadSyntax, "an action name has one or two parts (set_status, shoptet.set_order_status), not %d", n)
	}
	for _, pm := range g.Params {
		a.Params = append(a.Params, &ast.Param{Name: ident(pm.Name), Type: p.typ(pm.Type)})
	}
	if g.Result != nil {
		a.Result = p.typ(g.Result)
	}
	if g.Doc != nil {
		a.Doc = p.str(*g.Doc)
	}
	return a
}

// ---------------------------------------------------------------------------
// Expressions

func (p *parser) expr(g *grammar.Expr) ast.Expr {
	switch {
	case g.Binary != nil:
		return p.binary(g.Binary)
	case g.Unary != nil:
		return &ast.UnaryExpr{OpPos: pos(g.Unary.Not), Op: ast.OpNot, X: p.expr(g.Unary.X)}
	case g.Is != nil:
		is := &ast.IsExpr{X: p.expr(g.Is.X), Is: pos(g.Is.Is), Not: g.Is.Not != nil, End: tokSpan(g.Is.What).End}
		if g.Is.What.Value == "null" {
			is.What = ast.IsNull
		}
		return is
	}
	return p.primary(g.Primary)
}

var binOps = map[string]ast.Op{
	"or": ast.OpOr, "and": ast.OpAnd, "=": ast.OpEq, "!=": ast.OpNe, ">": ast.OpGt, ">=": ast.OpGe,
	"<": ast.OpLt, "<=": ast.OpLe, "in": ast.OpIn, "contains": ast.OpContains, "starts": ast.OpStartsWith,
	"matches": ast.OpMatches, "+": ast.OpAdd, "-": ast.OpSub, "*": ast.OpMul, "/": ast.OpDiv,
}

// notOps gives the operator of `not in`, `not contains`, `not starts
// with`, `not matches`, and for a misplaced `not` before a symbol the
// operator the diagnostic suggests.
var notOps = map[string]ast.Op{
	"in": ast.OpNotIn, "contains": ast.OpNotContains, "starts": ast.OpNotStartsWith, "matches": ast.OpNotMatches,
	"=": ast.OpNe, "!=": ast.OpEq, ">": ast.OpLe, ">=": ast.OpLt, "<": ast.OpGe, "<=": ast.OpGt,
}

func (p *parser) binary(g *grammar.Binary) ast.Expr {
	b := &ast.BinaryExpr{X: p.expr(g.X), OpPos: pos(g.Op), Op: binOps[g.Op.Value], Y: p.expr(g.Y)}
	if g.Not != nil {
		b.OpPos, b.Op = pos(*g.Not), notOps[g.Op.Value]
		if g.Op.Type == grammar.Punct {
			span := token.Span{Start: pos(*g.Not), End: tokSpan(g.Op).End}
			switch g.Op.Value {
			case "=", "!=":
				p.report(diag.Diagnostic{Span: span, Severity: diag.Error, Code: diag.BadSyntax,
					Message: `"not" cannot stand before "` + g.Op.Value + `": write "` + b.Op.String() + `"`, Suggestion: b.Op.String()})
			default:
				p.errorf(span, diag.BadSyntax, `"not" cannot stand before %q: negate the whole comparison, as in not (a %s b)`, g.Op.Value, g.Op.Value)
			}
		}
	}
	if g.Op.Value == "matches" {
		if _, ok := b.Y.(*ast.StringLit); !ok {
			p.errorf(b.Y.Span(), diag.BadSyntax, `expected a regular expression string after "matches", as in matches "^PK-[0-9]+$"`)
		}
	}
	return b
}

func (p *parser) primary(g *grammar.Primary) ast.Expr {
	switch {
	case g.Quant != nil:
		q := g.Quant
		x := &ast.QuantExpr{Pos: pos(q.Kind), Kind: quantKinds[q.Kind.Value], Var: ident(q.Var), In: p.path(q.In), Rparen: pos(q.Rparen)}
		if q.Cond != nil {
			x.Where = p.expr(q.Cond)
		}
		return x
	case g.Path != nil:
		if g.Args != nil {
			return p.call(g.Path, g.Args)
		}
		return p.path(g.Path)
	case g.List != nil:
		l := &ast.ListExpr{Lbrack: pos(g.List.Lbrack), Rbrack: pos(g.List.Rbrack)}
		for _, e := range g.List.Elems {
			l.Elems = append(l.Elems, p.expr(e))
		}
		return l
	case g.Paren != nil:
		return &ast.ParenExpr{Lparen: pos(g.Paren.Lparen), X: p.expr(g.Paren.X), Rparen: pos(g.Paren.Rparen)}
	case g.Minus != nil:
		return &ast.NumberLit{From: pos(*g.Minus), To: tokSpan(*g.Num).End, Raw: "-" + g.Num.Value}
	}
	t := *g.Lit
	switch t.Type {
	case grammar.String:
		return p.str(t)
	case grammar.Number:
		return &ast.NumberLit{From: pos(t), To: tokSpan(t).End, Raw: t.Value}
	case grammar.Duration:
		return p.duration(t)
	case grammar.BadNumber:
		s := tokSpan(t)
		return &ast.BadExpr{From: s.Start, To: s.End}
	}
	switch t.Value {
	case "true", "false":
		return &ast.BoolLit{Pos: pos(t), Value: t.Value == "true"}
	case "null":
		return &ast.NullLit{Pos: pos(t)}
	}
	return &ast.NowLit{Pos: pos(t)}
}

var quantKinds = map[string]ast.QuantKind{"any": ast.Any, "all": ast.All, "none": ast.None, "count": ast.Count}
