package parser

// This file defines the entry points and the recovery machinery: the
// token pre-pass, the split into declaration chunks and statements, and
// the run of one participle parser over one unit of tokens.

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser/internal/grammar"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// parsers are built once, on first use; they are never modified after
// that and are safe for concurrent use.
var parsers = sync.OnceValue(func() *grammar.Parsers {
	ps, err := grammar.Build()
	if err != nil {
		panic(fmt.Sprintf("parser: the grammar does not build: %v", err))
	}
	return ps
})

// ParseFile parses the source of one rules file. It always returns a
// non-nil *ast.File: declarations that could not be parsed appear as
// *ast.BadDecl, statements as *ast.BadStmt, and every problem is in the
// returned list, sorted by position.
func ParseFile(filename string, src []byte) (*ast.File, diag.List) {
	return parseFile(filename, src, true)
}

// parseFile is ParseFile; parallel false keeps a large file on one
// goroutine (for tests that compare both ways).
func parseFile(filename string, src []byte, parallel bool) (*ast.File, diag.List) {
	p := newParser(filename, src)
	p.parallel = parallel
	return p.parseFile()
}

func (p *parser) parseFile() (*ast.File, diag.List) {
	f := &ast.File{Tok: p.file, Comments: p.comments}
	for _, d := range p.decls(p.chunks()) {
		if rs, ok := d.(*ast.RulesetDecl); ok {
			if f.Ruleset == nil && len(f.Decls) == 0 {
				f.Ruleset = rs
				continue
			}
			p.errorf(rs.Span(), diag.BadSyntax, `"ruleset" must be the first declaration of the file, and come once`)
			d = &ast.BadDecl{From: rs.Ruleset, To: rs.Span().End, Keyword: "ruleset"}
		}
		f.Decls = append(f.Decls, d)
	}
	p.diags.RemoveDuplicates()
	return f, p.diags
}

// parallelChunks is the number of declarations from which a file is
// parsed on all processors: below it, starting goroutines costs more than
// it saves.
const parallelChunks = 256

// batchSize is the number of chunks parsed together: one participle
// lexer is built for the batch (for the whole-rule fast path), and a
// worker takes a batch at a time.
const batchSize = 64

// decls parses every chunk. Chunks are independent, so a large file is
// parsed in batches on all processors; each worker reports into its own
// list, and the lists are joined in source order.
func (p *parser) decls(chunks []chunk) []ast.Decl {
	out := make([]ast.Decl, len(chunks))
	batches := (len(chunks) + batchSize - 1) / batchSize
	run := func(w *parser, b int) {
		cs := chunks[b*batchSize : min((b+1)*batchSize, len(chunks))]
		w.prepareFastPath(cs)
		for i, c := range cs {
			out[b*batchSize+i] = w.decl(c)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(chunks)/(parallelChunks/4))
	if !p.parallel || len(chunks) < parallelChunks || workers < 2 {
		for b := range batches {
			run(p, b)
		}
		return out
	}
	diags := make([]diag.List, batches)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := *p // shares the tokens, which no one writes any more
			for {
				b := int(next.Add(1) - 1)
				if b >= batches {
					return
				}
				w.diags = nil
				run(&w, b)
				diags[b] = w.diags
			}
		})
	}
	wg.Wait()
	for _, l := range diags {
		p.diags = append(p.diags, l...)
	}
	return out
}

// ParseExpr parses a single expression, as written after `when`. It is
// meant for tests and tools; the result is a *ast.BadExpr when the text
// is not an expression.
func ParseExpr(filename string, src []byte) (ast.Expr, diag.List) {
	p := newParser(filename, src)
	n := len(p.toks)
	end := token.Pos(len(src))
	if n > 0 {
		end = p.toks[n-1].Span.End
	}
	var x ast.Expr = &ast.BadExpr{From: 0, To: end}
	u := p.newUnit(0, n, unitExpr)
	if g, ok := parseUnit(p, u, parsers().Expr); ok {
		x = p.expr(g)
	}
	p.diags.RemoveDuplicates()
	return x, p.diags
}

// parser holds the state of one ParseFile call.
type parser struct {
	file      *token.File
	comments  []*ast.Comment
	toks      []scanner.Token // significant tokens after the pre-pass, without EOF
	bad       []token.Pos     // starts of BadString/BadNumber tokens, in order
	diags     diag.List
	parallel  bool // large files may be parsed on all processors
	slowRules bool // skip the whole-rule fast path (tests compare both)
	// lex holds the tokens of the batch of chunks being parsed, for the
	// whole-rule fast path; nil when there is no fast path.
	lex     *lexer.PeekingLexer
	lexFrom int // index in toks of the lexer's first token
}

func newParser(filename string, src []byte) *parser {
	p := &parser{file: token.NewFile(filename, src)}
	p.prepass(scanner.Scan(string(src)))
	return p
}

func tokType(k scanner.Kind) lexer.TokenType {
	switch k {
	case scanner.Ident:
		return grammar.Ident
	case scanner.Keyword:
		return grammar.Keyword
	case scanner.String, scanner.BadString:
		return grammar.String
	case scanner.Number:
		return grammar.Number
	case scanner.Duration:
		return grammar.Duration
	case scanner.Punct:
		return grammar.Punct
	case scanner.BadNumber:
		return grammar.BadNumber
	}
	return grammar.Invalid
}

func (p *parser) report(d diag.Diagnostic) {
	d.File = p.file
	for i := range d.Related {
		d.Related[i].File = p.file
	}
	p.diags = append(p.diags, d)
}

func (p *parser) errorf(s token.Span, code diag.Code, format string, args ...any) {
	p.report(diag.Diagnostic{Span: s, Severity: diag.Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// ---------------------------------------------------------------------------
// Units

// unitKind says which grammar a unit of tokens is parsed with, and so
// what the messages about it say.
type unitKind uint8

const (
	unitRuleset unitKind = iota
	unitImport
	unitConst
	unitRule // a rule header, up to and including `do`
	unitStmt
	unitRecord // record or extend
	unitEnum
	unitStatuses
	unitAction
	unitExpr
)

// unit is a run of tokens parsed on its own: a declaration, a rule
// header or one statement.
type unit struct {
	kind unitKind
	from int // index into p.toks
	to   int // exclusive
	rule string
}

func (p *parser) newUnit(from, to int, k unitKind) *unit {
	return &unit{kind: k, from: from, to: to}
}

func (u *unit) len() int { return u.to - u.from }

// span covers the unit's tokens.
func (p *parser) unitSpan(u *unit) token.Span {
	if u.len() == 0 {
		return token.Span{Start: 0, End: 0}
	}
	return token.Span{Start: p.toks[u.from].Span.Start, End: p.toks[u.to-1].Span.End}
}

// parseUnit runs participle parser g over the unit's tokens. It reports
// an unbalanced bracket or a syntax error as one diagnostic and returns
// false; tokens left after a complete production are reported but the
// result is kept.
func parseUnit[G any](p *parser, u *unit, g *participle.Parser[G]) (*G, bool) {
	if u.len() == 0 {
		return nil, false
	}
	if !p.hasBadString(u) && !p.checkBrackets(u) {
		return nil, false
	}
	peek, err := lexer.Upgrade(&replay{toks: p.toks[u.from:u.to]})
	if err != nil {
		p.errorf(p.unitSpan(u), diag.BadSyntax, "cannot read the tokens: %v", err)
		return nil, false
	}
	v, err := g.ParseFromLexer(peek, participle.AllowTrailing(true))
	if err != nil {
		p.syntaxError(u, err)
		return nil, false
	}
	if next := peek.Peek(); !next.EOF() {
		i := p.indexAt(u, token.Pos(next.Pos.Offset))
		p.trailing(u, i)
	}
	return v, true
}

// indexAt returns the index in p.toks of the unit's token starting at
// off, or u.to for the end of the unit.
func (p *parser) indexAt(u *unit, off token.Pos) int {
	lo, hi := u.from, u.to
	for lo < hi {
		m := (lo + hi) / 2
		if p.toks[m].Span.Start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// syntaxError turns a participle error into one diagnostic.
func (p *parser) syntaxError(u *unit, err error) {
	var perr participle.Error
	if !errors.As(err, &perr) {
		p.errorf(p.unitSpan(u), diag.BadSyntax, "cannot parse this: %v", err)
		return
	}
	i := p.indexAt(u, token.Pos(perr.Position().Offset))
	if p.causedByBadToken(u, i) {
		return
	}
	p.report(p.explain(u, i))
}

// causedByBadToken reports whether a problem already reported for a
// malformed string or number in the unit, at or before token i, explains
// the syntax error there.
func (p *parser) causedByBadToken(u *unit, i int) bool {
	if u.len() == 0 {
		return false
	}
	from := p.toks[u.from].Span.Start
	limit := p.toks[u.to-1].Span.End
	if i < u.to {
		limit = p.toks[i].Span.Start
	}
	for _, b := range p.bad {
		if b >= from && b <= limit {
			return true
		}
	}
	return false
}

// hasBadString reports whether the unit holds an unterminated string,
// which hides the brackets after it on its line; the syntax error it
// causes is not reported (the string already is).
func (p *parser) hasBadString(u *unit) bool {
	for _, t := range p.toks[u.from:u.to] {
		if t.Kind == scanner.BadString {
			return true
		}
	}
	return false
}

// replay is the lexer participle reads a unit from: it hands out the
// unit's tokens as participle tokens, whose Offset is the byte offset in
// the file (Line and Column stay zero: positions come from offsets only),
// then an EOF token at the end of the unit's last token.
type replay struct {
	toks []scanner.Token
	i    int
}

func (r *replay) Next() (lexer.Token, error) {
	if r.i >= len(r.toks) {
		end := 0
		if n := len(r.toks); n > 0 {
			end = int(r.toks[n-1].Span.End)
		}
		return lexer.Token{Type: lexer.EOF, Pos: lexer.Position{Offset: end}}, nil
	}
	t := r.toks[r.i]
	r.i++
	return lexer.Token{Type: tokType(t.Kind), Value: t.Text, Pos: lexer.Position{Offset: int(t.Span.Start)}}, nil
}

// prepareFastPath builds one participle lexer over the tokens of a batch
// of chunks and records where each chunk starts in it. (One lexer per
// rule costs an allocation per rule; one per file copies a slice of
// hundreds of thousands of tokens as it grows.)
func (p *parser) prepareFastPath(chunks []chunk) {
	p.lex = nil
	if p.slowRules || len(chunks) == 0 {
		return
	}
	from, to := chunks[0].from, chunks[len(chunks)-1].to
	lex, err := lexer.Upgrade(&replay{toks: p.toks[from:to]})
	if err != nil {
		return
	}
	p.lex, p.lexFrom = lex, from
	walk := *lex
	for i := range chunks {
		for walk.Cursor() < chunks[i].from-from {
			walk.Next()
		}
		chunks[i].at = walk.MakeCheckpoint()
	}
}
