// Package format prints Automat rules files in their one canonical layout,
// the output of `rulec fmt` and of the language server's formatting. It
// reads a syntax tree from lang/parser and keeps every comment.
//
// The layout:
//
//   - the `ruleset` header first, then one blank line between
//     declarations; blank lines the user put between comments and
//     declarations collapse to at most one;
//   - a rule is `rule "name"` / `on a, b` / `when condition [frequency]` /
//     `do` / its statements indented by two spaces; a rule written on one
//     line without `rule` or `on` (`when x do y`) stays on one line while it
//     fits in 100 columns;
//   - a condition that was written over several lines, or is longer than
//     100 columns, is broken before each top-level `and` (or `or`), the
//     continuation lines indented by one space, as in the SPEC examples;
//   - in `record`/`extend` the field types line up, in `statuses` the
//     arrows line up; an `enum` is one line;
//   - one space around binary operators and after commas and colons,
//     none inside brackets; parentheses are kept exactly as written (they
//     never change meaning); literals are printed exactly as written;
//   - a comment on its own line stays on its own line, indented like the
//     code after it; a comment at the end of a line stays there.
//
// Formatting is idempotent and never changes the tree (modulo positions):
// the tests and FuzzFormat check both.
package format

import (
	"strings"
	"unicode/utf8"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser"
	"github.com/automat-rules/automat/lang/token"
)

// maxWidth is the line length beyond which conditions are broken.
const maxWidth = 100

// Source parses and formats src. A file with syntax errors is not
// formatted: the diagnostics are returned instead, so that no text the
// parser skipped is lost.
func Source(filename string, src []byte) ([]byte, diag.List) {
	f, diags := parser.ParseFile(filename, src)
	if diags.HasErrors() {
		return nil, diags
	}
	return File(f), nil
}

// File formats a parsed file. Declarations that did not parse are copied
// verbatim.
func File(f *ast.File) []byte {
	p := &printer{tf: f.Tok, src: f.Tok.Src, comments: f.Comments, lastEnd: token.NoPos}
	first := true
	if f.Ruleset != nil {
		p.startLine(f.Ruleset.Ruleset, "")
		p.write("ruleset " + f.Ruleset.Name.Raw)
		p.lastEnd = f.Ruleset.Span().End
		first = false
	}
	for _, d := range f.Decls {
		if !first {
			p.blank = true
		}
		first = false
		p.decl(d)
	}
	p.flushComments(token.Pos(len(p.src)+1), "")
	return p.bytes()
}

type printer struct {
	tf       *token.File
	src      []byte
	comments []*ast.Comment
	ci       int // next comment to print

	lines   []string
	cur     strings.Builder
	started bool      // cur holds a line in progress
	blank   bool      // a blank line is due before the next line
	lastEnd token.Pos // source end of the last node printed
}

func (p *printer) line(pos token.Pos) int { return p.tf.Position(pos).Line }

// finish ends the line in progress.
func (p *printer) finish() {
	if p.started {
		p.lines = append(p.lines, strings.TrimRight(p.cur.String(), " "))
		p.cur.Reset()
		p.started = false
	}
}

func (p *printer) newLine(indent string) {
	p.finish()
	if p.blank && len(p.lines) > 0 {
		p.lines = append(p.lines, "")
	}
	p.blank = false
	p.cur.WriteString(indent)
	p.started = true
}

// flushComments prints the comments before pos: one on the source line
// of the last node printed goes at the end of that line, others on lines
// of their own. A blank line in the source before a comment is kept (as
// one).
func (p *printer) flushComments(pos token.Pos, indent string) {
	for p.ci < len(p.comments) && p.comments[p.ci].Pos < pos {
		c := p.comments[p.ci]
		p.ci++
		if p.started && p.lastEnd.IsValid() && p.line(c.Pos) == p.line(p.lastEnd) && p.lastEnd <= c.Pos {
			p.cur.WriteString(" " + c.Text)
			continue
		}
		if p.blankBetween(p.lastEnd, c.Pos) {
			p.blank = true
		}
		p.newLine(indent)
		p.cur.WriteString(c.Text)
		p.lastEnd = c.Span().End
	}
}

// blankBetween reports whether the source has an empty line between a
// and b.
func (p *printer) blankBetween(a, b token.Pos) bool {
	if !a.IsValid() || a >= b {
		return false
	}
	return p.line(b)-p.line(a) > 1 && strings.Contains(strings.ReplaceAll(string(p.src[a:b]), " ", ""), "\n\n")
}

// startLine begins an output line for a node starting at pos, after the
// comments before it.
func (p *printer) startLine(pos token.Pos, indent string) {
	p.flushComments(pos, indent)
	if p.blankBetween(p.lastEnd, pos) && p.lastEnd.IsValid() && len(p.lines) > 0 && p.lines[len(p.lines)-1] != "" && p.lastWasComment() {
		p.blank = true
	}
	p.newLine(indent)
}

func (p *printer) lastWasComment() bool {
	return p.ci > 0 && p.comments[p.ci-1].Span().End == p.lastEnd
}

func (p *printer) write(s string) {
	p.cur.WriteString(s)
}

func (p *printer) bytes() []byte {
	p.finish()
	for len(p.lines) > 0 && p.lines[len(p.lines)-1] == "" {
		p.lines = p.lines[:len(p.lines)-1]
	}
	if len(p.lines) == 0 {
		return nil
	}
	return []byte(strings.Join(p.lines, "\n") + "\n")
}

func (p *printer) text(sp token.Span) string { return string(p.src[sp.Start:sp.End]) }

func (p *printer) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.RuleDecl:
		p.rule(d)
	case *ast.ImportDecl:
		p.startLine(d.Import, "")
		p.write("import " + d.Path.Raw)
	case *ast.ConstDecl:
		p.startLine(d.Const, "")
		p.write("const " + d.Name.Name + " = " + p.expr(d.Value))
	case *ast.RecordDecl:
		p.startLine(d.Record, "")
		p.write("record " + d.Name.Name + " {")
		p.lastEnd = d.Lbrace + 1
		p.fields(d.Fields, d.Rbrace)
	case *ast.ExtendDecl:
		p.startLine(d.Extend, "")
		p.write("extend " + d.Name.Name + " {")
		p.lastEnd = d.Lbrace + 1
		p.fields(d.Fields, d.Rbrace)
	case *ast.EnumDecl:
		p.startLine(d.Enum, "")
		names := make([]string, len(d.Values))
		for i, v := range d.Values {
			names[i] = v.Name
		}
		p.write("enum " + d.Name.Name + " { " + strings.Join(names, ", ") + " }")
	case *ast.StatusesDecl:
		p.startLine(d.Statuses, "")
		p.write("statuses " + d.Type.Name + " {")
		p.lastEnd = d.Lbrace + 1
		w := 0
		for _, e := range d.Entries {
			w = max(w, utf8.RuneCountInString(e.Status.Raw))
		}
		for _, e := range d.Entries {
			p.startLine(e.Status.From, "  ")
			p.write(e.Status.Raw + strings.Repeat(" ", w-utf8.RuneCountInString(e.Status.Raw)) + " -> " + e.Phase.Name)
			p.lastEnd = e.Span().End
		}
		p.closeBrace(d.Rbrace)
	case *ast.ActionDecl:
		p.startLine(d.Action, "")
		params := make([]string, len(d.Params))
		for i, pr := range d.Params {
			params[i] = pr.Name.Name + ": " + typeString(pr.Type)
		}
		s := "action " + d.Name.String() + "(" + strings.Join(params, ", ") + ")"
		if d.Result != nil {
			s += " -> " + typeString(d.Result)
		}
		if d.Doc != nil {
			s += " " + d.Doc.Raw
		}
		p.write(s)
	case *ast.BadDecl:
		p.startLine(d.From, "")
		p.write(p.text(d.Span()))
	}
	p.lastEnd = d.Span().End
}

func (p *printer) fields(fields []*ast.Field, rbrace token.Pos) {
	w := 0
	for _, f := range fields {
		w = max(w, utf8.RuneCountInString(f.Name.Name))
	}
	for _, f := range fields {
		p.startLine(f.Name.Pos, "  ")
		s := f.Name.Name + ":" + strings.Repeat(" ", w-utf8.RuneCountInString(f.Name.Name)+1) + typeString(f.Type)
		if f.Doc != nil {
			s += " " + f.Doc.Raw
		}
		p.write(s)
		p.lastEnd = f.Span().End
	}
	p.closeBrace(rbrace)
}

func (p *printer) closeBrace(rbrace token.Pos) {
	p.flushComments(rbrace, "  ")
	p.newLine("")
	p.write("}")
}

func typeString(t *ast.TypeExpr) string {
	s := t.Name.Name
	if t.Elem != nil {
		s += "<" + typeString(t.Elem) + ">"
	}
	if t.Optional.IsValid() {
		s += "?"
	}
	return s
}

func (p *printer) rule(r *ast.RuleDecl) {
	oneLine := !r.Rule.IsValid() && !r.On.IsValid() && len(r.Body) == 1 &&
		p.line(r.When) == p.line(r.Span().End)
	if oneLine {
		s := "when " + p.expr(r.Cond) + p.freq(r.Freq) + " do " + p.stmt(r.Body[0])
		if utf8.RuneCountInString(s) <= maxWidth && !p.commentsWithin(r.Span()) {
			p.startLine(r.When, "")
			p.write(s)
			p.lastEnd = r.Span().End
			return
		}
	}
	if r.Rule.IsValid() {
		p.startLine(r.Rule, "")
		p.write("rule")
		if r.Name != nil {
			p.write(" " + r.Name.Raw)
			p.lastEnd = r.Name.To
		} else {
			p.lastEnd = r.Rule + 4
		}
	}
	if r.On.IsValid() {
		p.startLine(r.On, "")
		trig := make([]string, len(r.Triggers))
		for i, t := range r.Triggers {
			if t.Event != nil {
				trig[i] = t.Event.String()
			} else {
				trig[i] = "schedule " + t.Spec.Raw
			}
		}
		p.write("on " + strings.Join(trig, ", "))
		if n := len(r.Triggers); n > 0 {
			p.lastEnd = r.Triggers[n-1].Span().End
		}
	}
	p.condition(r)
	p.startLine(r.Do, "")
	p.write("do")
	p.lastEnd = r.Do + 2
	for _, s := range r.Body {
		p.startLine(s.Span().Start, "  ")
		p.write(p.stmt(s))
		p.lastEnd = s.Span().End
	}
}

func (p *printer) commentsWithin(sp token.Span) bool {
	for _, c := range p.comments[p.ci:] {
		if c.Pos >= sp.Start && c.Pos < sp.End {
			return true
		}
	}
	return false
}

// condition prints `when` and the rule's condition, broken before each
// top-level and/or when it was written over several lines or is too long.
func (p *printer) condition(r *ast.RuleDecl) {
	p.startLine(r.When, "")
	whole := "when " + p.expr(r.Cond) + p.freq(r.Freq)
	multi := p.line(r.Cond.Span().Start) != p.line(r.Cond.Span().End)
	ops, operands := chain(r.Cond)
	if len(operands) < 2 || (!multi && utf8.RuneCountInString(whole) <= maxWidth) {
		p.write(whole)
		p.lastEnd = r.Cond.Span().End
		if r.Freq != nil {
			p.lastEnd = r.Freq.Span().End
		}
		return
	}
	p.write("when " + p.expr(operands[0]))
	p.lastEnd = operands[0].Span().End
	for i, op := range ops {
		x := operands[i+1]
		p.startLine(x.Span().Start, " ")
		p.write(op.String() + " " + p.expr(x))
		p.lastEnd = x.Span().End
	}
	if r.Freq != nil {
		p.write(p.freq(r.Freq))
		p.lastEnd = r.Freq.Span().End
	}
}

// chain flattens the top-level or-chain of x, or else its and-chain.
func chain(x ast.Expr) ([]ast.Op, []ast.Expr) {
	b, ok := x.(*ast.BinaryExpr)
	if !ok || (b.Op != ast.OpOr && b.Op != ast.OpAnd) {
		return nil, []ast.Expr{x}
	}
	var ops []ast.Op
	var xs []ast.Expr
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		if be, ok := e.(*ast.BinaryExpr); ok && be.Op == b.Op {
			walk(be.X)
			ops = append(ops, be.Op)
			walk(be.Y)
			return
		}
		xs = append(xs, e)
	}
	walk(x)
	return ops, xs
}

func (p *printer) freq(f *ast.Frequency) string {
	if f == nil {
		return ""
	}
	switch {
	case f.Kind == ast.Always:
		return " always"
	case f.Per != nil:
		return " once per " + p.expr(f.Per)
	}
	return " once"
}

func (p *printer) stmt(s ast.Stmt) string {
	switch s := s.(type) {
	case *ast.CallStmt:
		return p.expr(s.Call)
	case *ast.LetStmt:
		return "let " + s.Name.Name + " = " + p.expr(s.Call)
	case *ast.WaitStmt:
		return "wait " + s.Dur.Raw
	case *ast.WaitUntilStmt:
		out := "wait until " + p.expr(s.Cond)
		if s.Dur != nil {
			out += " max " + s.Dur.Raw
		}
		return out
	case *ast.BadStmt:
		return p.text(s.Span())
	}
	return ""
}

// expr prints an expression on one line.
func (p *printer) expr(x ast.Expr) string {
	var b strings.Builder
	p.exprTo(&b, x)
	return b.String()
}

func (p *printer) exprTo(b *strings.Builder, x ast.Expr) {
	switch x := x.(type) {
	case *ast.PathExpr:
		b.WriteString(x.String())
	case *ast.StringLit:
		b.WriteString(x.Raw)
	case *ast.NumberLit:
		b.WriteString(x.Raw)
	case *ast.DurationLit:
		b.WriteString(x.Raw)
	case *ast.BoolLit:
		if x.Value {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case *ast.NullLit:
		b.WriteString("null")
	case *ast.NowLit:
		b.WriteString("now")
	case *ast.ListExpr:
		b.WriteByte('[')
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			p.exprTo(b, e)
		}
		b.WriteByte(']')
	case *ast.ParenExpr:
		b.WriteByte('(')
		p.exprTo(b, x.X)
		b.WriteByte(')')
	case *ast.CallExpr:
		b.WriteString(x.Fun.String())
		b.WriteByte('(')
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			if a.Name != nil {
				b.WriteString(a.Name.Name + ": ")
			}
			p.exprTo(b, a.Value)
		}
		b.WriteByte(')')
	case *ast.QuantExpr:
		b.WriteString(x.Kind.String() + "(" + x.Var.Name + " in " + x.In.String())
		if x.Where != nil {
			b.WriteString(" where ")
			p.exprTo(b, x.Where)
		}
		b.WriteByte(')')
	case *ast.UnaryExpr:
		b.WriteString(x.Op.String() + " ")
		p.exprTo(b, x.X)
	case *ast.BinaryExpr:
		p.exprTo(b, x.X)
		b.WriteString(" " + x.Op.String() + " ")
		p.exprTo(b, x.Y)
	case *ast.IsExpr:
		p.exprTo(b, x.X)
		b.WriteString(" is ")
		if x.Not {
			b.WriteString("not ")
		}
		if x.What == ast.IsNull {
			b.WriteString("null")
		} else {
			b.WriteString("empty")
		}
	case *ast.BadExpr:
		b.WriteString(p.text(x.Span()))
	}
}
