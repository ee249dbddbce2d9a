package parser

// This file defines how a file is cut into declaration chunks and a rule
// body into statements, and how each chunk becomes one declaration.

import (
	"bytes"
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser/internal/grammar"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// chunk is a run of tokens holding one top-level declaration (or junk
// before the first one).
type chunk struct {
	from, to int // indexes into p.toks
	// at is the position of its batch's lexer (p.lex) at the chunk's
	// first token, for the whole-rule fast path.
	at lexer.Checkpoint
}

// declKeywords start a declaration wherever they appear: none of them can
// occur inside another declaration.
var declKeywords = map[string]bool{
	"ruleset": true, "import": true, "const": true, "record": true, "extend": true,
	"enum": true, "statuses": true, "action": true, "rule": true,
}

// chunks splits the tokens at the keywords that start a declaration.
// `on` and `when` start a new rule, except while the current chunk is a
// rule header still waiting for them (`rule "x" on ... when ...`).
func (p *parser) chunks() []chunk {
	var out []chunk
	start := 0
	// State of the current chunk when it is a rule.
	inRule, seenOn, seenWhen := false, false, false
	for i, t := range p.toks {
		split := false
		if t.Kind == scanner.Keyword {
			switch {
			case declKeywords[t.Text]:
				// `import statuses.rules`: a keyword as a file name or after
				// a dot on the same line does not start a declaration; on a
				// later line it does, so a path left dangling while the
				// user types (`when order.buyer.`) keeps the next rule whole.
				split = i == 0 || !(isKw(p.toks[i-1], "import", "ruleset") ||
					isPunct(p.toks[i-1], ".") && !p.newlineBetween(p.toks[i-1], t))
			case t.Text == "on":
				split = !inRule || seenOn || seenWhen
			case t.Text == "when":
				split = !inRule || seenWhen
			}
		}
		if split && i > start {
			out = append(out, chunk{from: start, to: i})
			start = i
		}
		if split || i == start {
			inRule = t.Kind == scanner.Keyword && (t.Text == "rule" || t.Text == "on" || t.Text == "when")
			seenOn, seenWhen = t.Text == "on", t.Text == "when"
			continue
		}
		if inRule && t.Kind == scanner.Keyword {
			switch t.Text {
			case "on":
				seenOn = true
			case "when":
				seenWhen = true
			}
		}
	}
	if start < len(p.toks) {
		out = append(out, chunk{from: start, to: len(p.toks)})
	}
	return out
}

// decl parses one chunk. It returns a *ast.BadDecl when the chunk does not
// parse, and reports why.
func (p *parser) decl(c chunk) ast.Decl {
	first := p.toks[c.from]
	bad := &ast.BadDecl{From: first.Span.Start, To: p.toks[c.to-1].Span.End}
	if first.Kind == scanner.Keyword {
		bad.Keyword = first.Text
	}
	ps := parsers()
	switch {
	case first.Kind != scanner.Keyword:
		p.junk(c)
		return bad
	case first.Text == "rule" || first.Text == "on" || first.Text == "when":
		return p.rule(c, bad)
	case first.Text == "ruleset":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitRuleset), ps.Ruleset); ok {
			return &ast.RulesetDecl{Ruleset: pos(g.Ruleset), Name: p.str(g.Name)}
		}
	case first.Text == "import":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitImport), ps.Import); ok {
			return &ast.ImportDecl{Import: pos(g.Import), Path: p.str(g.Path)}
		}
	case first.Text == "const":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitConst), ps.Const); ok {
			return &ast.ConstDecl{Const: pos(g.Const), Name: ident(g.Name), Value: p.expr(g.Value)}
		}
	case first.Text == "record" || first.Text == "extend":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitRecord), ps.Record); ok {
			return p.record(g)
		}
	case first.Text == "enum":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitEnum), ps.Enum); ok {
			return p.enum(g)
		}
	case first.Text == "statuses":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitStatuses), ps.Statuses); ok {
			return p.statuses(g)
		}
	case first.Text == "action":
		if g, ok := parseUnit(p, p.newUnit(c.from, c.to, unitAction), ps.Action); ok {
			return p.action(g)
		}
	default:
		p.junk(c)
	}
	return bad
}

// junk reports a chunk that does not start with a declaration keyword.
func (p *parser) junk(c chunk) {
	t := p.toks[c.from]
	span := token.Span{Start: t.Span.Start, End: p.toks[c.to-1].Span.End}
	if t.Kind == scanner.Keyword && t.Text == "do" {
		p.errorf(t.Span, diag.BadSyntax, `"do" without a rule: start the rule with "when" and a condition`)
		return
	}
	if t.Kind == scanner.Ident && (t.Text == "if" || t.Text == "If" || t.Text == "IF") {
		p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadSyntax,
			Message: `rules start with "when": write when CONDITION do ACTIONS`, Suggestion: "when"})
		return
	}
	p.errorf(span, diag.BadSyntax, "unexpected %s: expected a declaration (rule, when, on, record, extend, enum, statuses, action, const, import)", describe(t))
}

// rule parses a rule chunk: the header up to `do` as one unit, then each
// statement of the body as a unit of its own, so that a broken statement
// becomes a *ast.BadStmt and the rest of the rule survives.
func (p *parser) rule(c chunk, bad *ast.BadDecl) ast.Decl {
	name := ""
	if c.to-c.from > 1 && p.toks[c.from].Text == "rule" && p.toks[c.from+1].Kind == scanner.String {
		bad.Name = p.strQuiet(p.toks[c.from+1])
		name = bad.Name.Value
	}
	if rd := p.wholeRule(c); rd != nil {
		return rd
	}
	do := -1
	for i := c.from; i < c.to; i++ {
		if t := p.toks[i]; t.Kind == scanner.Keyword && t.Text == "do" {
			do = i
			break
		}
	}
	hdrEnd := c.to
	if do >= 0 {
		hdrEnd = do + 1
	}
	hu := p.newUnit(c.from, hdrEnd, unitRule)
	hu.rule = name
	g, ok := parseUnit(p, hu, parsers().Header)
	var rd *ast.RuleDecl
	if ok {
		rd = p.ruleHeader(g)
	}
	if do >= 0 {
		body := p.body(do+1, c.to, name)
		if len(body) == 0 {
			p.errorf(p.toks[do].Span, diag.BadSyntax, `expected a statement after "do" in %s: an action call, "let" or "wait"`, ruleRef(name))
		}
		if rd != nil {
			rd.Body = body
		}
	}
	if rd == nil {
		return bad
	}
	return rd
}

// body splits the tokens of a rule body into statements and parses each.
// A statement starts at `let` or `wait`, and at a name that directly
// follows a complete operand outside brackets (`... ) sms(`, `wait 2d
// notify(`), since two operands in a row cannot belong to one statement.
func (p *parser) body(from, to int, rule string) []ast.Stmt {
	var out []ast.Stmt
	start, depth := from, 0
	flush := func(end int) {
		if end > start {
			out = append(out, p.stmt(start, end, rule))
		}
		start = end
	}
	for i := from; i < to; i++ {
		t := p.toks[i]
		switch {
		case t.Kind == scanner.Keyword && (t.Text == "let" || t.Text == "wait"):
			flush(i)
			depth = 0
		case t.Kind == scanner.Ident && i > start && endsOperand(p.toks[i-1]) && (depth == 0 || p.callAtLineStart(i, to)) &&
			!(p.toks[i-1].Kind == scanner.Number && isKw(p.toks[i-2], "wait")): // wait 2 days
			flush(i)
			depth = 0
		case t.Kind == scanner.Punct:
			switch t.Text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth > 0 {
					depth--
				}
			}
		}
	}
	flush(to)
	return out
}

// endsOperand reports whether t can be the last token of an operand, so
// that a name right after it starts something new.
func endsOperand(t scanner.Token) bool {
	switch t.Kind {
	case scanner.Ident, scanner.String, scanner.BadString, scanner.Number, scanner.Duration, scanner.BadNumber:
		return true
	case scanner.Punct:
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	case scanner.Keyword:
		switch t.Text {
		case "true", "false", "null", "now", "empty":
			return true
		}
	}
	return false
}

func (p *parser) stmt(from, to int, rule string) ast.Stmt {
	u := p.newUnit(from, to, unitStmt)
	u.rule = rule
	bad := &ast.BadStmt{From: p.toks[from].Span.Start, To: p.toks[to-1].Span.End}
	g, ok := parseUnit(p, u, parsers().Stmt)
	if !ok {
		return bad
	}
	if s := p.statement(g); s != nil {
		return s
	}
	return bad
}

func ruleRef(name string) string {
	if name == "" {
		return "this rule"
	}
	return "rule " + quote(name)
}

// callAtLineStart reports whether token i begins its line and starts a
// call (`name(` or `a.b(`): inside an unclosed bracket, that is where the
// next statement begins (`email(to: x` forgot its ")").
func (p *parser) callAtLineStart(i, to int) bool {
	t := p.toks[i]
	if i > 0 && p.line(p.toks[i-1].Span.End) == p.line(t.Span.Start) {
		return false
	}
	j := i + 1
	if j+1 < to && isPunct(p.toks[j], ".") && p.toks[j+1].Kind == scanner.Ident {
		j += 2
	}
	return j < to && isPunct(p.toks[j], "(")
}

// line returns the 1-based line of offset off.
func (p *parser) line(off token.Pos) int { return p.file.Position(off).Line }

// wholeRule parses a rule chunk in one go, the fast path for a rule
// without mistakes; it returns nil, reporting nothing, when the chunk
// does not parse, and the caller recovers statement by statement.
func (p *parser) wholeRule(c chunk) *ast.RuleDecl {
	if p.lex == nil {
		return nil
	}
	// Read from a copy of the batch's lexer set to the chunk. The rule must end
	// exactly where the chunk does (no statement can begin with the
	// keyword that starts the next chunk).
	lex := *p.lex
	lex.LoadCheckpoint(c.at)
	g, err := parsers().Rule.ParseFromLexer(&lex, participle.AllowTrailing(true))
	if err != nil || p.lexFrom+lex.Cursor() != c.to {
		return nil
	}
	return p.fastRule(g)
}

func (p *parser) fastRule(g *grammar.Rule) *ast.RuleDecl {
	rd := p.ruleHeader(g.Header)
	for _, s := range g.Body {
		if st := p.statement(s); st != nil {
			rd.Body = append(rd.Body, st)
		} else {
			rd.Body = append(rd.Body, p.badStmt(s))
		}
	}
	return rd
}

// badStmt spans a statement that parsed but holds a malformed duration
// (the only statement conversion refuses, already reported).
func (p *parser) badStmt(g *grammar.Stmt) ast.Stmt {
	toks := g.Wait.Tokens
	first, last := toks[0], toks[len(toks)-1]
	return &ast.BadStmt{From: pos(first), To: tokSpan(last).End}
}

// newlineBetween reports whether a line break separates tokens a and b.
func (p *parser) newlineBetween(a, b scanner.Token) bool {
	return bytes.IndexByte(p.file.Src[a.Span.End:b.Span.Start], '\n') >= 0
}
