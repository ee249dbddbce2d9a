// Package format prints Automat rules files in their one canonical layout,
// the output of `rulec fmt` and of the language server's formatting. It
// is the last stage of the front end: it reads a syntax tree from
// lang/parser and gives text back, keeping every comment. [Source] parses
// and formats; [File] formats a tree already parsed.
//
// The layout (docs/format.md shows examples):
//
//   - The `ruleset` header comes first. Declarations are separated by
//     exactly one blank line. Elsewhere a blank line the user wrote is
//     kept (at most one) between comments, between the statements of a
//     rule body, and between the entries of a `record`, `extend` or
//     `statuses` block; blank lines inside a rule's header (`rule` ... `do`)
//     are removed.
//   - A rule is `rule "name"` / `on a, b` / `when condition [frequency]` /
//     `do` / its statements, each indented by two spaces. A rule written on
//     one line (`when x do y`, `rule "n" when x do y`) stays on one line
//     while it fits in 100 columns and holds no comment.
//   - A chain of `and` (or of `or`) is broken before each operator when it
//     was written over several lines or does not fit in 100 columns. The
//     continuation lines are indented by one space more than the line that
//     starts the chain (`when a` / ` and b`, as in the SPEC); a group in
//     parentheses that must be broken is broken the same way, one space
//     deeper. `wait until` conditions follow the same rule.
//   - A call with two or more arguments that was written over several
//     lines, or does not fit, puts one argument per line, aligned after
//     the opening parenthesis.
//   - In `record`/`extend` the types and doc strings line up, and in
//     `statuses` the arrows line up, within each run of entries not
//     separated by a blank line (columns count characters, so Czech and
//     Polish text lines up). An `enum`, an `action`, a `const` and an
//     `import` are one line each.
//   - One space around binary operators and after commas and colons, none
//     inside brackets. Parentheses are kept exactly as written, so the tree
//     never changes; strings, numbers and durations are printed exactly as
//     written (their Raw text). Line ends are "\n"; the file ends with one.
//   - A comment on a line of its own stays on a line of its own, indented
//     like the code that follows it; a comment at the end of a line stays
//     at the end of that line. A comment inside something printed on one
//     line (a call's argument list, a list) moves to its own line just
//     before that line. An indented comment right after a rule's last
//     statement stays in the rule body; one in the first column belongs to
//     what follows.
//
// Formatting is idempotent and never changes the tree (modulo positions)
// or drops a comment: the golden tests and FuzzFormat check all three.
package format

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser"
	"github.com/automat-rules/automat/lang/token"
)

// maxWidth is the line length, in characters, beyond which conditions and
// calls are broken.
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

// File formats a parsed file. Declarations, statements and expressions
// that did not parse (Bad nodes) are copied verbatim, with the comments
// inside them.
func File(f *ast.File) []byte {
	p := &printer{tf: f.Tok, src: f.Tok.Src, comments: f.Comments, lastEnd: token.NoPos}
	if d := f.Ruleset; d != nil {
		p.unit(d.Span(), "", "ruleset "+d.Name.Raw, true)
	}
	eof := token.Pos(len(p.src) + 1)
	for i, d := range f.Decls {
		p.sep = i > 0 || f.Ruleset != nil
		next := eof
		if i+1 < len(f.Decls) {
			next = f.Decls[i+1].Span().Start
		}
		p.decl(d, next)
	}
	p.sep = f.Ruleset != nil || len(f.Decls) > 0
	p.flush(eof, "", true)
	return p.bytes()
}

// printer builds the output line by line. Everything printed goes through
// [printer.unit]: one output line standing for a source span, with the
// comments before and inside that span printed first.
type printer struct {
	tf       *token.File
	src      []byte
	comments []*ast.Comment
	ci       int          // next comment to print
	bad      []token.Span // Bad nodes seen so far: copied verbatim with their comments

	out     []string        // finished lines
	cur     strings.Builder // the line in progress
	open    bool            // cur holds a line
	sep     bool            // the next own line gets a blank line before it
	lastEnd token.Pos       // source end of the last thing printed
}

func (p *printer) line(pos token.Pos) int { return p.tf.Position(pos).Line }

// multiLine reports whether sp covers more than one source line.
func (p *printer) multiLine(sp token.Span) bool {
	return sp.End > sp.Start && p.line(sp.Start) != p.line(sp.End-1)
}

func (p *printer) inBad(pos token.Pos) bool {
	for _, sp := range p.bad {
		if sp.Start <= pos && pos < sp.End {
			return true
		}
	}
	return false
}

// blankBetween reports whether the source has an empty line between a
// and b.
func (p *printer) blankBetween(a, b token.Pos) bool {
	if !a.IsValid() || a >= b || int(b) > len(p.src) {
		return false
	}
	lines := bytes.Split(p.src[a:b], []byte("\n"))
	if len(lines) < 3 {
		return false
	}
	for _, l := range lines[1 : len(lines)-1] {
		if len(bytes.TrimSpace(l)) == 0 {
			return true
		}
	}
	return false
}

// emit starts a new output line, after a blank line when asked for (or
// when a declaration separator is due).
func (p *printer) emit(indent, text string, blank bool) {
	p.finish()
	if (blank || p.sep) && len(p.out) > 0 && p.out[len(p.out)-1] != "" {
		p.out = append(p.out, "")
	}
	p.sep = false
	p.cur.WriteString(indent)
	p.cur.WriteString(text)
	p.open = true
}

func (p *printer) finish() {
	if p.open {
		p.out = append(p.out, strings.TrimRight(p.cur.String(), " \t"))
		p.cur.Reset()
		p.open = false
	}
}

func (p *printer) bytes() []byte {
	p.finish()
	for len(p.out) > 0 && p.out[len(p.out)-1] == "" {
		p.out = p.out[:len(p.out)-1]
	}
	if len(p.out) == 0 {
		return nil
	}
	return []byte(strings.Join(p.out, "\n") + "\n")
}

// trailing reports whether comment c sits at the end of the source line of
// the last thing printed.
func (p *printer) trailing(c *ast.Comment) bool {
	return p.open && p.lastEnd.IsValid() && c.Pos >= p.lastEnd && p.line(c.Pos) == p.line(p.lastEnd)
}

// flush prints the comments before pos: at the end of the current line
// when they were at the end of its source line, else on lines of their
// own at indent (after a blank line the user wrote, when keepBlank).
func (p *printer) flush(pos token.Pos, indent string, keepBlank bool) {
	for p.ci < len(p.comments) && p.comments[p.ci].Pos < pos {
		c := p.comments[p.ci]
		p.ci++
		if p.inBad(c.Pos) {
			continue
		}
		if p.trailing(c) {
			p.cur.WriteString(" " + commentText(c))
		} else {
			p.emit(indent, commentText(c), keepBlank && p.blankBetween(p.lastEnd, c.Pos))
		}
		p.lastEnd = c.Span().End
	}
}

// unit prints one output line, text, standing for the source span sp:
// first the comments before sp, then those inside it (on lines of their
// own, since text is one line), then text.
func (p *printer) unit(sp token.Span, indent, text string, keepBlank bool) {
	p.flush(sp.Start, indent, keepBlank)
	blank := keepBlank && p.blankBetween(p.lastEnd, sp.Start)
	for p.ci < len(p.comments) && p.comments[p.ci].Pos < sp.End {
		c := p.comments[p.ci]
		p.ci++
		if p.inBad(c.Pos) {
			continue
		}
		p.emit(indent, commentText(c), blank)
		blank = false
	}
	p.emit(indent, text, blank)
	p.lastEnd = sp.End
}

// commentText is a comment as printed: without trailing white space (a
// comment at the very end of a CRLF file keeps its "\r").
func commentText(c *ast.Comment) string { return strings.TrimRightFunc(c.Text, unicode.IsSpace) }

func width(s string) int { return utf8.RuneCountInString(s) }

func span(start, end token.Pos) token.Span { return token.Span{Start: start, End: end} }

// verbatim is the source text of a Bad node. The comments inside it are
// part of that text, so they are not printed again: the text is always
// taken before the line holding it is printed.
func (p *printer) verbatim(sp token.Span) string {
	p.bad = append(p.bad, sp)
	return string(p.src[sp.Start:sp.End])
}

// decl prints a declaration; next is where the following one starts.
func (p *printer) decl(d ast.Decl, next token.Pos) {
	switch d := d.(type) {
	case *ast.RuleDecl:
		p.rule(d, next)
	case *ast.ImportDecl:
		p.unit(d.Span(), "", "import "+d.Path.Raw, true)
	case *ast.ConstDecl:
		p.unit(d.Span(), "", "const "+d.Name.Name+" = "+p.expr(d.Value), true)
	case *ast.RecordDecl:
		p.fields(span(d.Record, d.Lbrace+1), "record "+d.Name.Name+" {", d.Fields, d.Rbrace)
	case *ast.ExtendDecl:
		p.fields(span(d.Extend, d.Lbrace+1), "extend "+d.Name.Name+" {", d.Fields, d.Rbrace)
	case *ast.EnumDecl:
		names := make([]string, len(d.Values))
		for i, v := range d.Values {
			names[i] = v.Name
		}
		s := "enum " + d.Name.Name + " {}"
		if len(names) > 0 {
			s = "enum " + d.Name.Name + " { " + strings.Join(names, ", ") + " }"
		}
		p.unit(d.Span(), "", s, true)
	case *ast.StatusesDecl:
		p.statuses(d)
	case *ast.ActionDecl:
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
		p.unit(d.Span(), "", s, true)
	case *ast.BadDecl:
		p.unit(d.Span(), "", p.verbatim(d.Span()), true)
	}
}

// groups splits n entries into runs not separated by a blank line in the
// source; it returns, for each entry, the index of its run.
func (p *printer) groups(spans []token.Span) []int {
	g := make([]int, len(spans))
	for i := 1; i < len(spans); i++ {
		g[i] = g[i-1]
		if p.blankBetween(spans[i-1].End, spans[i].Start) {
			g[i]++
		}
	}
	return g
}

// fields prints a record or extend block, aligning types and doc strings.
func (p *printer) fields(head token.Span, headText string, fields []*ast.Field, rbrace token.Pos) {
	p.unit(head, "", headText, true)
	spans := make([]token.Span, len(fields))
	for i, f := range fields {
		spans[i] = f.Span()
	}
	g := p.groups(spans)
	nameW, typeW := map[int]int{}, map[int]int{}
	for i, f := range fields {
		nameW[g[i]] = max(nameW[g[i]], width(f.Name.Name))
		if f.Doc != nil {
			typeW[g[i]] = max(typeW[g[i]], width(typeString(f.Type)))
		}
	}
	for i, f := range fields {
		ty := typeString(f.Type)
		s := f.Name.Name + ":" + strings.Repeat(" ", nameW[g[i]]-width(f.Name.Name)+1) + ty
		if f.Doc != nil {
			s += strings.Repeat(" ", typeW[g[i]]-width(ty)+1) + f.Doc.Raw
		}
		p.unit(spans[i], "  ", s, i > 0)
	}
	p.closeBrace(rbrace)
}

// statuses prints a statuses block, aligning the arrows.
func (p *printer) statuses(d *ast.StatusesDecl) {
	p.unit(span(d.Statuses, d.Lbrace+1), "", "statuses "+d.Type.Name+" {", true)
	spans := make([]token.Span, len(d.Entries))
	for i, e := range d.Entries {
		spans[i] = e.Span()
	}
	g := p.groups(spans)
	w := map[int]int{}
	for i, e := range d.Entries {
		w[g[i]] = max(w[g[i]], width(e.Status.Raw))
	}
	for i, e := range d.Entries {
		s := e.Status.Raw + strings.Repeat(" ", w[g[i]]-width(e.Status.Raw)) + " -> " + e.Phase.Name
		p.unit(spans[i], "  ", s, i > 0)
	}
	p.closeBrace(d.Rbrace)
}

// closeBrace prints the comments before a block's `}` inside the block,
// then the brace.
func (p *printer) closeBrace(rbrace token.Pos) {
	p.flush(rbrace, "  ", true)
	p.unit(span(rbrace, rbrace+1), "", "}", false)
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

// rule prints a rule; next is where the following declaration starts.
func (p *printer) rule(r *ast.RuleDecl, next token.Pos) {
	sp := r.Span()
	if !p.multiLine(sp) && !p.commentsIn(sp) {
		if s := p.oneLine(r); width(s) <= maxWidth {
			p.unit(sp, "", s, true)
			return
		}
	}
	first := true // the first line of the rule keeps a blank line after a comment
	if r.Rule.IsValid() {
		s, end := "rule", r.Rule+4
		if r.Name != nil {
			s, end = "rule "+r.Name.Raw, r.Name.To
		}
		p.unit(span(r.Rule, end), "", s, first)
		first = false
	}
	if r.On.IsValid() {
		end := r.On + 2
		if n := len(r.Triggers); n > 0 {
			end = r.Triggers[n-1].Span().End
		}
		p.unit(span(r.On, end), "", "on "+p.triggers(r), first)
		first = false
	}
	freq, freqEnd := p.freq(r.Freq), token.NoPos
	if r.Freq != nil {
		freqEnd = r.Freq.Span().End
	}
	p.cond(r.Cond, "", " ", "when ", r.When, freq, freqEnd, first)
	p.unit(span(r.Do, r.Do+2), "", "do", false)
	for i, s := range r.Body {
		p.stmt(s, i > 0)
	}
	// Indented comments right after the last statement belong to the body.
	for p.ci < len(p.comments) && p.comments[p.ci].Pos < next {
		c := p.comments[p.ci]
		switch {
		case p.inBad(c.Pos):
		case p.trailing(c):
			p.cur.WriteString(" " + commentText(c))
		case p.tf.Position(c.Pos).Column > 1 && !p.blankBetween(p.lastEnd, c.Pos):
			p.emit("  ", commentText(c), false)
		default:
			return
		}
		p.ci++
		p.lastEnd = c.Span().End
	}
}

func (p *printer) commentsIn(sp token.Span) bool {
	for _, c := range p.comments[p.ci:] {
		if c.Pos >= sp.End {
			break
		}
		if c.Pos >= sp.Start {
			return true
		}
	}
	return false
}

// oneLine is the rule on a single line.
func (p *printer) oneLine(r *ast.RuleDecl) string {
	var parts []string
	if r.Rule.IsValid() {
		parts = append(parts, "rule")
		if r.Name != nil {
			parts = append(parts, r.Name.Raw)
		}
	}
	if r.On.IsValid() {
		parts = append(parts, "on "+p.triggers(r))
	}
	parts = append(parts, "when "+p.expr(r.Cond)+p.freq(r.Freq), "do")
	for _, s := range r.Body {
		parts = append(parts, p.stmtText(s))
	}
	return strings.Join(parts, " ")
}

func (p *printer) triggers(r *ast.RuleDecl) string {
	trig := make([]string, len(r.Triggers))
	for i, t := range r.Triggers {
		if t.Event != nil {
			trig[i] = t.Event.String()
		} else {
			trig[i] = "schedule " + t.Spec.Raw
		}
	}
	return strings.Join(trig, ", ")
}

func (p *printer) freq(f *ast.Frequency) string {
	switch {
	case f == nil:
		return ""
	case f.Kind == ast.Always:
		return " always"
	case f.Per != nil:
		return " once per " + p.expr(f.Per)
	}
	return " once"
}

// cond prints lead + x + tail starting on a line indented by in; when x is
// an and/or chain to be broken, its continuation lines are indented by
// cont, and groups nested inside it by one space more. leadPos is where
// the lead keyword (or x) starts in the source, tailEnd where the tail
// ends (NoPos without a tail).
func (p *printer) cond(x ast.Expr, in, cont, lead string, leadPos token.Pos, tail string, tailEnd token.Pos, keepBlank bool) {
	sp := span(leadPos, max(x.Span().End, tailEnd))
	one := lead + p.expr(x) + tail
	broken := p.multiLine(x.Span()) || width(in+one) > maxWidth
	if !broken {
		p.unit(sp, in, one, keepBlank)
		return
	}
	if ops, xs := chain(x); len(xs) > 1 {
		p.cond(xs[0], in, cont+" ", lead, leadPos, "", token.NoPos, keepBlank)
		for i, op := range ops {
			y := xs[i+1]
			t, te := "", token.NoPos
			if i == len(ops)-1 {
				t, te = tail, tailEnd
			}
			p.cond(y, cont, cont+" ", op.String()+" ", y.Span().Start, t, te, false)
		}
		return
	}
	// A group: break the chain inside the parentheses.
	pre, g := "", x
	if u, ok := x.(*ast.UnaryExpr); ok && u.Op == ast.OpNot {
		pre, g = "not ", u.X
	}
	if pe, ok := g.(*ast.ParenExpr); ok {
		if _, xs := chain(pe.X); len(xs) > 1 {
			p.cond(pe.X, in, cont, lead+pre+"(", leadPos, ")"+tail, max(pe.Rparen+1, tailEnd), keepBlank)
			return
		}
	}
	p.unit(sp, in, one, keepBlank)
}

// chain flattens the top-level or-chain of x, or its and-chain; a single
// operand means x is not a chain.
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

// stmt prints a statement of a rule body.
func (p *printer) stmt(s ast.Stmt, keepBlank bool) {
	const in = "  "
	switch s := s.(type) {
	case *ast.CallStmt:
		p.call(s.Call, in, "", s.Span().Start, keepBlank)
	case *ast.LetStmt:
		p.call(s.Call, in, "let "+s.Name.Name+" = ", s.Let, keepBlank)
	case *ast.WaitUntilStmt:
		tail, tailEnd := "", token.NoPos
		if s.Dur != nil {
			tail, tailEnd = " max "+s.Dur.Raw, s.Dur.Span().End
		}
		p.cond(s.Cond, in, in+" ", "wait until ", s.Wait, tail, tailEnd, keepBlank)
	default:
		p.unit(s.Span(), in, p.stmtText(s), keepBlank)
	}
}

// call prints lead + c, one argument per line when c has several and was
// written over several lines or does not fit.
func (p *printer) call(c *ast.CallExpr, in, lead string, leadPos token.Pos, keepBlank bool) {
	one := lead + p.expr(c)
	if len(c.Args) < 2 || (!p.multiLine(c.Span()) && width(in+one) <= maxWidth) {
		p.unit(span(leadPos, c.Rparen+1), in, one, keepBlank)
		return
	}
	head := lead + c.Fun.String() + "("
	argIn := in + strings.Repeat(" ", width(head))
	last := len(c.Args) - 1
	for i, a := range c.Args {
		var b strings.Builder
		p.argTo(&b, a)
		sp := a.Span()
		if i < last {
			b.WriteByte(',')
		} else {
			b.WriteByte(')')
			sp.End = c.Rparen + 1
		}
		if i == 0 {
			p.unit(span(leadPos, sp.End), in, head+b.String(), keepBlank)
		} else {
			p.unit(sp, argIn, b.String(), false)
		}
	}
}

// stmtText is a statement on one line.
func (p *printer) stmtText(s ast.Stmt) string {
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
		return p.verbatim(s.Span())
	}
	return ""
}

// expr prints an expression on one line.
func (p *printer) expr(x ast.Expr) string {
	var b strings.Builder
	p.exprTo(&b, x)
	return b.String()
}

func (p *printer) argTo(b *strings.Builder, a *ast.Arg) {
	if a.Name != nil {
		b.WriteString(a.Name.Name + ": ")
	}
	p.exprTo(b, a.Value)
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
			p.argTo(b, a)
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
		b.WriteString(p.verbatim(x.Span()))
	}
}
