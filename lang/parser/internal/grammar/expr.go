package grammar

// This file defines the expression parser: precedence climbing over
// participle's PeekingLexer, plugged into the grammar through the
// participle.Parseable interface of [Expr]. It follows SPEC §1.3:
//
//	Expr    = Or .
//	Or      = And { "or" And } .
//	And     = Unary { "and" Unary } .
//	Unary   = "not" Unary | Cmp .
//	Cmp     = Sum [ CmpOp Sum | [ "not" ] ( "in" | "contains" | "matches" ) Sum
//	              | [ "not" ] "starts" "with" Sum | "is" [ "not" ] ( "empty" | "null" ) ] .
//	Sum     = Term { ( "+" | "-" ) Term } .
//	Term    = Primary { ( "*" | "/" ) Primary } .
//	Primary = Literal | "-" Number | Path [ Args ] | List | "(" Expr ")"
//	        | ( "any" | "all" | "none" | "count" ) "(" Ident "in" Path [ "where" Expr ] ")" .
//
// As with the rest of the grammar there is no backtracking: once a token
// has been consumed, what must follow it must be there, and the error
// names the token where it is not.

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parse implements participle.Parseable. It returns participle.NextMatch
// when the next token cannot start an expression, and an
// *participle.UnexpectedTokenError at the first token that does not fit.
func (e *Expr) Parse(lex *lexer.PeekingLexer) error {
	if !startsExpr(lex.Peek()) {
		return participle.NextMatch
	}
	x, err := (&exprParser{lex}).or()
	if err != nil {
		return err
	}
	*e = *x
	return nil
}

// Parse implements participle.Parseable for a call statement.
func (c *Call) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != Ident {
		return participle.NextMatch
	}
	p := &exprParser{lex}
	fun, err := p.path()
	if err != nil {
		return err
	}
	if !isPunct(lex.Peek(), "(") {
		return p.fail()
	}
	args, err := p.args()
	if err != nil {
		return err
	}
	c.Fun, c.Args = fun, args
	return nil
}

// binExpr and primExpr hold a node and its one child in one allocation.
type (
	binExpr struct {
		e Expr
		b Binary
	}
	primExpr struct {
		e Expr
		p Primary
	}
)

func binary(x *Expr, not *Tok, op Tok, y *Expr) *Expr {
	be := &binExpr{b: Binary{X: x, Not: not, Op: op, Y: y}}
	be.e.Binary = &be.b
	return &be.e
}

type exprParser struct {
	lex *lexer.PeekingLexer
}

func (p *exprParser) fail() error {
	return &participle.UnexpectedTokenError{Unexpected: *p.lex.Peek()}
}

func isKw(t *Tok, word string) bool { return t.Type == Keyword && t.Value == word }

func isPunct(t *Tok, op string) bool { return t.Type == Punct && t.Value == op }

// startsExpr reports whether t can begin an expression.
func startsExpr(t *Tok) bool {
	switch t.Type {
	case Ident, String, Number, Duration, BadNumber:
		return true
	case Punct:
		return t.Value == "(" || t.Value == "[" || t.Value == "-"
	case Keyword:
		switch t.Value {
		case "not", "true", "false", "null", "now", "any", "all", "none", "count":
			return true
		}
	}
	return false
}

func (p *exprParser) expect(op string) (Tok, error) {
	t := p.lex.Peek()
	if !isPunct(t, op) {
		return Tok{}, p.fail()
	}
	return *p.lex.Next(), nil
}

func (p *exprParser) or() (*Expr, error) {
	x, err := p.and()
	for err == nil && isKw(p.lex.Peek(), "or") {
		op := *p.lex.Next()
		var y *Expr
		if y, err = p.and(); err == nil {
			x = binary(x, nil, op, y)
		}
	}
	return x, err
}

func (p *exprParser) and() (*Expr, error) {
	x, err := p.unary()
	for err == nil && isKw(p.lex.Peek(), "and") {
		op := *p.lex.Next()
		var y *Expr
		if y, err = p.unary(); err == nil {
			x = binary(x, nil, op, y)
		}
	}
	return x, err
}

func (p *exprParser) unary() (*Expr, error) {
	if t := p.lex.Peek(); isKw(t, "not") {
		not := *p.lex.Next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Expr{Unary: &Unary{Not: not, X: x}}, nil
	}
	return p.cmp()
}

func isSymbol(t *Tok) bool {
	if t.Type != Punct {
		return false
	}
	switch t.Value {
	case "=", "!=", ">", ">=", "<", "<=":
		return true
	}
	return false
}

func (p *exprParser) cmp() (*Expr, error) {
	x, err := p.sum()
	if err != nil {
		return nil, err
	}
	t := p.lex.Peek()
	if isKw(t, "is") {
		is := &Is{X: x, Is: *p.lex.Next()}
		if isKw(p.lex.Peek(), "not") {
			not := *p.lex.Next()
			is.Not = &not
		}
		if w := p.lex.Peek(); !isKw(w, "empty") && !isKw(w, "null") {
			return nil, p.fail()
		}
		is.What = *p.lex.Next()
		return &Expr{Is: is}, nil
	}
	b := Binary{X: x}
	if isKw(t, "not") {
		not := *p.lex.Next()
		b.Not = &not
		t = p.lex.Peek()
	}
	switch {
	case isSymbol(t), isKw(t, "in"), isKw(t, "contains"), isKw(t, "matches"):
		b.Op = *p.lex.Next()
	case isKw(t, "starts"):
		b.Op = *p.lex.Next()
		if !isKw(p.lex.Peek(), "with") {
			return nil, p.fail()
		}
		p.lex.Next()
	default:
		if b.Not != nil {
			return nil, p.fail()
		}
		return x, nil
	}
	if b.Y, err = p.sum(); err != nil {
		return nil, err
	}
	return binary(b.X, b.Not, b.Op, b.Y), nil
}

func (p *exprParser) sum() (*Expr, error) {
	x, err := p.term()
	for err == nil && (isPunct(p.lex.Peek(), "+") || isPunct(p.lex.Peek(), "-")) {
		op := *p.lex.Next()
		var y *Expr
		if y, err = p.term(); err == nil {
			x = binary(x, nil, op, y)
		}
	}
	return x, err
}

func (p *exprParser) term() (*Expr, error) {
	x, err := p.primary()
	for err == nil && (isPunct(p.lex.Peek(), "*") || isPunct(p.lex.Peek(), "/")) {
		op := *p.lex.Next()
		var y *Expr
		if y, err = p.primary(); err == nil {
			x = binary(x, nil, op, y)
		}
	}
	return x, err
}

func (p *exprParser) primary() (*Expr, error) {
	t := p.lex.Peek()
	pe := new(primExpr)
	pe.e.Primary = &pe.p
	prim := &pe.p
	switch t.Type {
	case Ident:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		prim.Path = path
		if isPunct(p.lex.Peek(), "(") {
			if prim.Args, err = p.args(); err != nil {
				return nil, err
			}
		}
	case String, Number, Duration, BadNumber:
		lit := *p.lex.Next()
		prim.Lit = &lit
	case Keyword:
		switch t.Value {
		case "true", "false", "null", "now":
			lit := *p.lex.Next()
			prim.Lit = &lit
		case "any", "all", "none", "count":
			q, err := p.quant()
			if err != nil {
				return nil, err
			}
			prim.Quant = q
		default:
			return nil, p.fail()
		}
	case Punct:
		switch t.Value {
		case "-":
			minus := *p.lex.Next()
			if p.lex.Peek().Type != Number {
				return nil, p.fail()
			}
			num := *p.lex.Next()
			prim.Minus, prim.Num = &minus, &num
		case "(":
			paren := &Paren{Lparen: *p.lex.Next()}
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			paren.X = x
			if paren.Rparen, err = p.expect(")"); err != nil {
				return nil, err
			}
			prim.Paren = paren
		case "[":
			list, err := p.list()
			if err != nil {
				return nil, err
			}
			prim.List = list
		default:
			return nil, p.fail()
		}
	default:
		return nil, p.fail()
	}
	return &pe.e, nil
}

// operand parses a whole expression where one is required.
func (p *exprParser) operand() (*Expr, error) {
	if !startsExpr(p.lex.Peek()) {
		return nil, p.fail()
	}
	return p.or()
}

func (p *exprParser) path() (*Path, error) {
	first := *p.lex.Next()
	path := &Path{Tokens: make([]Tok, 1, 5)}
	path.Tokens[0] = first
	for isPunct(p.lex.Peek(), ".") {
		path.Tokens = append(path.Tokens, *p.lex.Next())
		t := p.lex.Peek()
		if t.Type != Ident {
			return nil, p.fail()
		}
		path.Tokens = append(path.Tokens, *p.lex.Next())
	}
	return path, nil
}

// args parses `( [ Arg { , Arg } ] )`, an Arg being `Expr [ : Expr ]`.
func (p *exprParser) args() (*Args, error) {
	a := &Args{Lparen: *p.lex.Next()}
	if !isPunct(p.lex.Peek(), ")") {
		for {
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			arg := &Arg{X: x}
			if isPunct(p.lex.Peek(), ":") {
				colon := *p.lex.Next()
				arg.Colon = &colon
				if arg.Value, err = p.operand(); err != nil {
					return nil, err
				}
			}
			a.Args = append(a.Args, arg)
			if !isPunct(p.lex.Peek(), ",") {
				break
			}
			p.lex.Next()
		}
	}
	var err error
	a.Rparen, err = p.expect(")")
	return a, err
}

func (p *exprParser) list() (*List, error) {
	l := &List{Lbrack: *p.lex.Next()}
	if !isPunct(p.lex.Peek(), "]") {
		for {
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			l.Elems = append(l.Elems, x)
			if !isPunct(p.lex.Peek(), ",") {
				break
			}
			p.lex.Next()
		}
	}
	var err error
	l.Rbrack, err = p.expect("]")
	return l, err
}

func (p *exprParser) quant() (*Quant, error) {
	q := &Quant{Kind: *p.lex.Next()}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	if p.lex.Peek().Type != Ident {
		return nil, p.fail()
	}
	q.Var = *p.lex.Next()
	if !isKw(p.lex.Peek(), "in") {
		return nil, p.fail()
	}
	p.lex.Next()
	if p.lex.Peek().Type != Ident {
		return nil, p.fail()
	}
	var err error
	if q.In, err = p.path(); err != nil {
		return nil, err
	}
	if isKw(p.lex.Peek(), "where") {
		where := *p.lex.Next()
		q.Where = &where
		if q.Cond, err = p.operand(); err != nil {
			return nil, err
		}
	}
	q.Rparen, err = p.expect(")")
	return q, err
}
