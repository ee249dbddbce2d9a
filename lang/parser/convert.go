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
	x := &ast.PathExpr{Parts: make([]*ast.Ident, 0, len(g.Parts))}
	for _, t := range g.Tokens {
		if t.Type == grammar.Ident {
			x.Parts = append(x.Parts, ident(t))
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
	x := p.and(g.X)
	for _, t := range g.Rest {
		x = &ast.BinaryExpr{X: x, OpPos: pos(t.Op), Op: ast.OpOr, Y: p.and(t.Y)}
	}
	return x
}

func (p *parser) and(g *grammar.And) ast.Expr {
	x := p.unary(g.X)
	for _, t := range g.Rest {
		x = &ast.BinaryExpr{X: x, OpPos: pos(t.Op), Op: ast.OpAnd, Y: p.unary(t.Y)}
	}
	return x
}

func (p *parser) unary(g *grammar.Unary) ast.Expr {
	if g.Not != nil {
		return &ast.UnaryExpr{OpPos: pos(*g.Not), Op: ast.OpNot, X: p.unary(g.X)}
	}
	return p.cmp(g.Cmp)
}

var symOps = map[string]ast.Op{"=": ast.OpEq, "!=": ast.OpNe, ">": ast.OpGt, ">=": ast.OpGe, "<": ast.OpLt, "<=": ast.OpLe}

// negated gives the operator a `not` before a comparison symbol means, for
// the diagnostic's fix; ordering under null is not the plain inverse, so
// the fix wraps it in not (...).
var negated = map[string]ast.Op{"=": ast.OpNe, "!=": ast.OpEq, ">": ast.OpLe, ">=": ast.OpLt, "<": ast.OpGe, "<=": ast.OpGt}

func (p *parser) cmp(g *grammar.Cmp) ast.Expr {
	x := p.sum(g.X)
	o := g.Op
	if o == nil {
		return x
	}
	if o.Is != nil {
		is := &ast.IsExpr{X: x, Is: pos(*o.Is), Not: o.IsNot != nil, End: pos(*o.What) + token.Pos(len(o.What.Value))}
		if o.What.Value == "null" {
			is.What = ast.IsNull
		}
		return is
	}
	y := p.sum(o.Y)
	b := &ast.BinaryExpr{X: x, Y: y}
	not := o.Not != nil
	switch {
	case o.Sym != nil:
		b.OpPos, b.Op = pos(*o.Sym), symOps[o.Sym.Value]
		if not {
			b.OpPos, b.Op = pos(*o.Not), negated[o.Sym.Value]
			span := token.Span{Start: pos(*o.Not), End: pos(*o.Sym) + token.Pos(len(o.Sym.Value))}
			switch o.Sym.Value {
			case "=", "!=":
				p.report(diag.Diagnostic{Span: span, Severity: diag.Error, Code: diag.BadSyntax,
					Message: `"not" cannot stand before "` + o.Sym.Value + `": write "` + b.Op.String() + `"`, Suggestion: b.Op.String()})
			default:
				p.errorf(span, diag.BadSyntax, `"not" cannot stand before %q: negate the whole comparison, as in not (a %s b)`, o.Sym.Value, o.Sym.Value)
			}
		}
	case o.Starts != nil:
		b.OpPos, b.Op = pos(*o.Starts), ast.OpStartsWith
		if not {
			b.OpPos, b.Op = pos(*o.Not), ast.OpNotStartsWith
		}
	default:
		b.OpPos = pos(*o.Word)
		switch o.Word.Value {
		case "in":
			b.Op = ast.OpIn
		case "contains":
			b.Op = ast.OpContains
		case "matches":
			b.Op = ast.OpMatches
			if _, ok := y.(*ast.StringLit); !ok {
				p.errorf(y.Span(), diag.BadSyntax, `expected a regular expression string after "matches", as in matches "^PK-[0-9]+$"`)
			}
		}
		if not {
			b.OpPos = pos(*o.Not)
			b.Op = map[ast.Op]ast.Op{ast.OpIn: ast.OpNotIn, ast.OpContains: ast.OpNotContains, ast.OpMatches: ast.OpNotMatches}[b.Op]
		}
	}
	return b
}

func (p *parser) sum(g *grammar.Sum) ast.Expr {
	x := p.term(g.X)
	for _, t := range g.Rest {
		op := ast.OpAdd
		if t.Op.Value == "-" {
			op = ast.OpSub
		}
		x = &ast.BinaryExpr{X: x, OpPos: pos(t.Op), Op: op, Y: p.term(t.Y)}
	}
	return x
}

func (p *parser) term(g *grammar.Term) ast.Expr {
	x := p.primary(g.X)
	for _, t := range g.Rest {
		op := ast.OpMul
		if t.Op.Value == "/" {
			op = ast.OpDiv
		}
		x = &ast.BinaryExpr{X: x, OpPos: pos(t.Op), Op: op, Y: p.primary(t.Y)}
	}
	return x
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
