package lsp

// This file defines completion. It reads the tokens of the declaration
// before the cursor rather than the syntax tree, because the rule being
// typed rarely parses, and it takes names and types from the newest
// finished check rather than waiting for one: a keystroke is answered at
// once, in an unfinished rule at the end of a file as in a broken rule
// between two good ones.

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

func (s *server) Completion(ctx context.Context, p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	d := s.viewOf(ctx).Doc(p.TextDocument.URI)
	if d == nil {
		return list, nil
	}
	m := d.Mapper()
	pos, err := m.Offset(p.Position)
	if err != nil {
		return list, nil
	}
	snap := s.cache.Latest(d.Folder())
	if snap == nil { // nothing checked yet: the first request waits once
		if snap, err = s.cache.Snapshot(ctx, s.viewOf(ctx), d.Folder()); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	snippets := s.snippets
	s.mu.Unlock()
	for _, c := range complete(snap.Pkg, d.Text, pos, snippets) {
		item := c.item
		r, err := m.Range(c.replace)
		if err != nil {
			continue
		}
		text := item.InsertText
		if text == "" {
			text = item.Label
		}
		item.TextEdit = &protocol.TextEdit{Range: r, NewText: text}
		item.InsertText = ""
		list.Items = append(list.Items, item)
	}
	return list, nil
}

// candidate is a completion item and the span of text it replaces.
type candidate struct {
	item    protocol.CompletionItem
	replace token.Span
}

// Sort groups: what the context asks for first, then names, then
// keywords.
const (
	sortContext = "0"
	sortName    = "1"
	sortKeyword = "2"
	sortDecl    = "3"
)

// completer computes the candidates at one cursor position.
type completer struct {
	pkg      *compiler.Package
	text     []byte
	pos      token.Pos
	snippets bool

	toks []scanner.Token // the declaration's tokens before the cursor, without comments and the word being typed
	word token.Span      // the word being typed, replaced by a candidate

	// What the declaration's tokens say (see scope).
	decl    string        // the declaration's first keyword
	subject *types.Record // the rule's subject, if it can be told
	lets    []typedName
	vars    []typedName // quantifier variables around the cursor, innermost last

	out  []candidate
	seen map[string]bool
}

type typedName struct {
	name string
	typ  types.Type
}

// complete returns the candidates for the cursor at pos in text.
func complete(pkg *compiler.Package, text []byte, pos token.Pos, snippets bool) []candidate {
	c := &completer{pkg: pkg, text: text, pos: pos, snippets: snippets, seen: map[string]bool{}}
	c.word = token.Span{Start: pos, End: pos}
	start := declStart(text, int(pos))
	toks := scanner.Scan(string(text[start:pos]))
	toks = toks[:len(toks)-1] // EOF
	code := make([]scanner.Token, 0, len(toks))
	for _, t := range toks {
		t.Span.Start += token.Pos(start)
		t.Span.End += token.Pos(start)
		if t.Kind == scanner.Comment {
			if t.Span.End == pos {
				return nil // in a comment
			}
			continue
		}
		code = append(code, t)
	}
	if n := len(code); n > 0 && code[n-1].Span.End == pos {
		switch last := code[n-1]; last.Kind {
		case scanner.Ident, scanner.Keyword:
			c.word = last.Span
			code = code[:n-1]
		case scanner.BadString:
			c.toks = code[:n-1]
			c.scope()
			c.inString(last)
			return c.out
		case scanner.Number, scanner.Duration, scanner.BadNumber, scanner.String:
			return nil // a literal being typed, or the cursor right after one
		}
	}
	c.toks = code
	c.scope()
	c.context()
	return c.out
}

// declStart returns the offset of the line where the declaration holding
// pos begins: the last line up to pos that starts with a declaration
// keyword, extended back over the `rule` and `on` lines of a rule's
// header. Completion context never reaches further back, so its cost
// does not grow with the file. Strings never span lines, so a line start
// is a token boundary.
func declStart(text []byte, pos int) int {
	lineStart := func(i int) int { // start of the line holding offset i
		for i > 0 && text[i-1] != '\n' {
			i--
		}
		return i
	}
	first := func(ls int) string { // the line's first word
		i := ls
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
		j := i
		for j < len(text) && text[j] >= 'a' && text[j] <= 'z' {
			j++
		}
		if j == i || j < len(text) && !strings.ContainsRune(" \t\r\n\"", rune(text[j])) {
			return ""
		}
		return string(text[i:j])
	}
	ls := lineStart(pos)
	for !declKeywords[first(ls)] {
		if ls == 0 {
			return 0
		}
		ls = lineStart(ls - 1)
	}
	// A rule's header: `rule "name"` and `on ...` lines above its `when`.
	for w := first(ls); (w == "when" || w == "on") && ls > 0; {
		prev := lineStart(ls - 1)
		pw := first(prev)
		if pw != "on" && pw != "rule" {
			break
		}
		ls, w = prev, pw
	}
	return ls
}

// declKeywords start a declaration (or a rule's clause that may start
// one).
var declKeywords = map[string]bool{
	"rule": true, "when": true, "on": true, "record": true, "extend": true, "enum": true,
	"statuses": true, "action": true, "const": true, "import": true, "ruleset": true,
}

// scope reads what the declaration's tokens declare: the rule's subject,
// its lets, and the quantifier variables open at the cursor.
func (c *completer) scope() {
	toks := c.toks
	if len(toks) == 0 {
		return
	}
	if toks[0].Kind == scanner.Keyword {
		c.decl = toks[0].Text
	}
	type open struct {
		depth int
		v     typedName
	}
	var quants []open
	depth := 0
	clause := ""
	for i, t := range toks {
		switch t.Text {
		case "(", "[":
			depth++
			if t.Text == "(" && i > 0 && isQuant(toks[i-1]) && i+2 < len(toks) && toks[i+1].Kind == scanner.Ident && toks[i+2].Text == "in" {
				path := pathAt(toks, i+3)
				quants = append(quants, open{depth, typedName{toks[i+1].Text, elemType(c.resolve(path))}})
				c.vars = append(c.vars, quants[len(quants)-1].v)
			}
		case ")", "]":
			for len(quants) > 0 && quants[len(quants)-1].depth == depth {
				quants = quants[:len(quants)-1]
				c.vars = c.vars[:len(c.vars)-1]
			}
			depth--
		}
		if t.Kind != scanner.Keyword || depth != 0 {
			continue
		}
		switch t.Text {
		case "on", "when", "do":
			clause = t.Text
		}
		switch {
		case t.Text == "on" && c.subject == nil:
			if i+1 < len(toks) && toks[i+1].Kind == scanner.Ident {
				c.subject = c.pkg.Schema.Record(toks[i+1].Text)
			}
		case t.Text == "when" && c.subject == nil:
			if i+1 < len(toks) && toks[i+1].Kind == scanner.Ident {
				c.subject = c.pkg.Schema.Record(toks[i+1].Text)
			}
		case t.Text == "let" && clause == "do":
			if i+3 < len(toks) && toks[i+1].Kind == scanner.Ident && toks[i+2].Text == "=" {
				name := toks[i+3].Text
				if i+5 < len(toks) && toks[i+4].Text == "." {
					name += "." + toks[i+5].Text
				}
				var t types.Type
				if a := c.pkg.Schema.Action(name); a != nil {
					t = a.Result
				}
				c.lets = append(c.lets, typedName{toks[i+1].Text, t})
			}
		}
	}
}

func isQuant(t scanner.Token) bool {
	switch t.Text {
	case "any", "all", "none", "count":
		return t.Kind == scanner.Keyword
	}
	return false
}

// pathAt returns the dotted path starting at toks[i].
func pathAt(toks []scanner.Token, i int) []string {
	var parts []string
	for i < len(toks) && toks[i].Kind == scanner.Ident {
		parts = append(parts, toks[i].Text)
		if i+2 < len(toks) && toks[i+1].Text == "." {
			i += 2
			continue
		}
		break
	}
	return parts
}

// pathBefore returns the dotted path ending at the end of toks.
func pathBefore(toks []scanner.Token) []string {
	var parts []string
	i := len(toks) - 1
	for i >= 0 && toks[i].Kind == scanner.Ident {
		parts = append([]string{toks[i].Text}, parts...)
		if i > 1 && toks[i-1].Text == "." {
			i -= 2
			continue
		}
		break
	}
	return parts
}

func elemType(t types.Type) types.Type {
	if l, ok := types.Unwrap(t).(*types.List); ok {
		return l.Elem
	}
	return nil
}

// roots returns the names a path may start with at the cursor, innermost
// first, with their types: quantifier variables, lets, the subject, the
// subject's to-one references, the consts.
func (c *completer) roots() []typedName {
	var out []typedName
	for i := len(c.vars) - 1; i >= 0; i-- {
		out = append(out, c.vars[i])
	}
	for i := len(c.lets) - 1; i >= 0; i-- {
		out = append(out, c.lets[i])
	}
	if c.subject != nil {
		out = append(out, typedName{c.subject.Name, c.subject})
		for _, f := range c.subject.Fields {
			if _, ok := types.Unwrap(f.Type).(*types.Record); ok {
				out = append(out, typedName{f.Name, f.Type})
			}
		}
	}
	for _, k := range c.pkg.Consts {
		out = append(out, typedName{k.Name, k.Type})
	}
	return out
}

// resolve returns the type of a dotted path, or nil.
func (c *completer) resolve(parts []string) types.Type {
	if len(parts) == 0 {
		return nil
	}
	var t types.Type
	for _, r := range c.roots() {
		if r.name == parts[0] {
			t = r.typ
			break
		}
	}
	if t == nil {
		if r := c.pkg.Schema.Record(parts[0]); r != nil {
			t = r
		}
	}
	for _, name := range parts[1:] {
		r, ok := types.Unwrap(t).(*types.Record)
		if !ok {
			return nil
		}
		f := r.Field(name)
		if f == nil {
			return nil
		}
		t = f.Type
	}
	return t
}

// add records a candidate unless one with the same label exists.
func (c *completer) add(item protocol.CompletionItem, group string) {
	if c.seen[item.Label] {
		return
	}
	c.seen[item.Label] = true
	if item.SortText == "" {
		item.SortText = group + item.Label
	} else {
		item.SortText = group + item.SortText
	}
	c.out = append(c.out, candidate{item: item, replace: c.word})
}

func (c *completer) keywords(group string, kws ...string) {
	for _, kw := range kws {
		c.add(protocol.CompletionItem{Label: kw, Kind: protocol.CompletionItemKindKeyword}, group)
	}
}

// context dispatches on the tokens before the cursor.
func (c *completer) context() {
	toks := c.toks
	n := len(toks)
	if n == 0 {
		c.declarations(sortContext)
		return
	}
	last := toks[n-1]
	switch c.decl {
	case "record", "extend", "action":
		c.inTypes()
		return
	case "statuses":
		switch {
		case last.Text == "statuses":
			c.records(sortContext)
		case last.Text == "->":
			c.enumValues(c.pkg.Schema.Enum("phase"), sortContext)
		}
		return
	case "enum", "ruleset", "import":
		return
	case "const":
		if last.Text == "=" || last.Kind == scanner.Punct {
			c.expressionStart()
		}
		return
	}
	// A rule.
	clause, at := c.clause()
	if clause == "on" {
		c.inTriggers(at)
		return
	}
	if n >= 3 && clause == "do" && last.Text == "=" && toks[n-2].Kind == scanner.Ident && toks[n-3].Text == "let" {
		c.actions("", true)
		return
	}
	if open := innermostOpen(toks); open >= 0 && toks[open].Text == "(" && open > 0 && !isQuant(toks[open-1]) {
		if c.inCall(open) {
			return
		}
	} else if clause == "do" && c.atStatementStart() {
		c.statementStart()
		return
	}
	c.inExpression(clause)
}

// clause returns the rule clause the cursor is in ("on", "when", "do",
// or "" before any) and the index of its keyword.
func (c *completer) clause() (string, int) {
	depth := 0
	for i := len(c.toks) - 1; i >= 0; i-- {
		t := c.toks[i]
		switch t.Text {
		case ")", "]":
			depth++
		case "(", "[":
			depth--
		}
		if depth <= 0 && t.Kind == scanner.Keyword {
			switch t.Text {
			case "on", "when", "do":
				return t.Text, i
			}
		}
	}
	return "", -1
}

// innermostOpen returns the index of the innermost unclosed ( or [, or -1.
func innermostOpen(toks []scanner.Token) int {
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Text {
		case ")", "]":
			depth++
		case "(", "[":
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// declarations offers the keywords that start a declaration, and a rule
// template.
func (c *completer) declarations(group string) {
	if c.snippets {
		c.add(protocol.CompletionItem{
			Label: "rule", Kind: protocol.CompletionItemKindSnippet, Detail: "a named rule",
			InsertText:       "rule \"${1:name}\"\nwhen ${2:condition}\ndo\n  $0",
			InsertTextFormat: protocol.InsertTextFormatSnippet,
		}, group)
	}
	c.keywords(group, "rule", "on", "when", "const", "statuses", "enum", "record", "extend", "action", "import", "ruleset")
}

// inTypes completes inside record, extend and action declarations.
func (c *completer) inTypes() {
	n := len(c.toks)
	last := c.toks[n-1]
	switch {
	case n == 1 && (last.Text == "extend"):
		c.records(sortContext)
	case last.Text == ":" || last.Text == "->" || last.Text == "<":
		for _, b := range []string{"string", "number", "money", "bool", "time", "duration"} {
			c.add(protocol.CompletionItem{Label: b, Kind: protocol.CompletionItemKindTypeParameter, Detail: "basic type"}, sortContext)
		}
		c.add(protocol.CompletionItem{Label: "list", Kind: protocol.CompletionItemKindTypeParameter, Detail: "list<T>"}, sortContext)
		c.records(sortName)
		for _, e := range c.pkg.Schema.Enums {
			c.add(protocol.CompletionItem{Label: e.Name, Kind: protocol.CompletionItemKindEnum, Detail: "enum"}, sortName)
		}
	}
}

func (c *completer) records(group string) {
	for _, r := range c.pkg.Schema.Records {
		c.add(protocol.CompletionItem{Label: r.Name, Kind: protocol.CompletionItemKindStruct, Detail: "record", Documentation: docOf(r.Doc)}, group)
	}
}

// inTriggers completes the `on` clause: event names, `schedule`, then
// `when`.
func (c *completer) inTriggers(at int) {
	toks := c.toks
	last := toks[len(toks)-1]
	switch {
	case last.Text == "." && len(toks) >= 2 && toks[len(toks)-2].Kind == scanner.Ident:
		rec := toks[len(toks)-2].Text
		for _, ev := range c.pkg.Schema.Events(rec) {
			c.add(protocol.CompletionItem{Label: ev, Kind: protocol.CompletionItemKindEvent, Detail: rec + "." + ev, Documentation: docOf(eventDoc(c.pkg, rec+"."+ev))}, sortContext)
		}
	case len(toks)-1 == at || last.Text == ",":
		for _, r := range c.pkg.Schema.Records {
			for _, ev := range c.pkg.Schema.Events(r.Name) {
				name := r.Name + "." + ev
				c.add(protocol.CompletionItem{Label: name, Kind: protocol.CompletionItemKindEvent, Documentation: docOf(eventDoc(c.pkg, name))}, sortContext)
			}
		}
		c.keywords(sortKeyword, "schedule")
	case last.Text == "schedule":
		for _, spec := range []string{`"@every 15m"`, `"@hourly"`, `"@daily"`, `"*/15 * * * *"`} {
			c.add(protocol.CompletionItem{Label: spec, Kind: protocol.CompletionItemKindValue, Detail: "cron spec"}, sortContext)
		}
	default:
		c.keywords(sortContext, "when")
	}
}

func eventDoc(pkg *compiler.Package, name string) string {
	if o := pkg.Schema.Event(name); o != nil {
		return o.Doc
	}
	return ""
}

// atStatementStart reports whether a statement of the `do` block may
// start at the cursor: after `do`, a call's `)`, a wait's duration.
func (c *completer) atStatementStart() bool {
	last := c.toks[len(c.toks)-1]
	switch {
	case last.Text == "do" && last.Kind == scanner.Keyword:
		return true
	case last.Text == ")" || last.Kind == scanner.Duration:
		return true
	}
	return false
}

// statementStart offers the actions, `let`, `wait`, and the keywords
// that start the next declaration.
func (c *completer) statementStart() {
	c.actions("", false)
	c.keywords(sortKeyword, "let", "wait")
	c.declarations(sortDecl)
}

// actions offers the actions whose name starts with prefix (a connector
// such as "shoptet."), with a snippet for their required parameters.
// resultFirst sorts actions with a result first (after `let x =`).
func (c *completer) actions(prefix string, resultFirst bool) {
	for _, a := range c.pkg.Schema.Actions {
		if !strings.HasPrefix(a.Name, prefix) {
			continue
		}
		name := strings.TrimPrefix(a.Name, prefix)
		item := protocol.CompletionItem{
			Label:         name,
			Kind:          protocol.CompletionItemKindFunction,
			Detail:        signature(a),
			Documentation: docOf(a.Doc),
			InsertText:    name + "(",
		}
		if c.snippets {
			item.InsertText = name + "(" + c.paramSnippet(a) + ")$0"
			item.InsertTextFormat = protocol.InsertTextFormatSnippet
		}
		group := sortContext
		if resultFirst && a.Result == nil {
			group = sortName
		}
		c.add(item, group)
	}
}

// paramSnippet writes the required parameters as `name: ${n:name}`, an
// enum parameter as a choice of its values.
func (c *completer) paramSnippet(a *compiler.Action) string {
	var b strings.Builder
	n := 0
	for _, p := range a.Params {
		if types.IsOptional(p.Type) {
			continue // optional parameters are left out
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		fmt.Fprintf(&b, "%s: ", p.Name)
		if e, ok := types.Unwrap(p.Type).(*types.Enum); ok && len(e.Values) > 0 && len(e.Values) <= 30 {
			fmt.Fprintf(&b, "${%d|", n)
			for i, v := range e.Values {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(snippetChoice(valueText(e, v)))
			}
			b.WriteString("|}")
			continue
		}
		if types.IsText(p.Type) {
			fmt.Fprintf(&b, "\"${%d:%s}\"", n, p.Name)
			continue
		}
		fmt.Fprintf(&b, "${%d:%s}", n, p.Name)
	}
	return b.String()
}

// snippetChoice escapes a value for a snippet choice.
func snippetChoice(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`, `|`, `\|`, `$`, `\$`, `}`, `\}`).Replace(s)
}

// valueText is how a value of e is written: statuses always as strings
// (they hold spaces and diacritics), enum values bare.
func valueText(e *types.Enum, v string) string {
	if e.IsStatuses() || !isIdent(v) {
		return quote(v)
	}
	return v
}

func signature(a *compiler.Action) string {
	var b strings.Builder
	b.WriteString(a.Name + "(")
	for i, p := range a.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %s", p.Name, p.Type)
	}
	b.WriteString(")")
	if a.Result != nil {
		b.WriteString(" -> " + a.Result.String())
	}
	return b.String()
}

// inCall completes inside the parentheses of an action call opened at
// toks[open]: parameter names not given yet, the values of an enum
// parameter after its `:`. It reports false when the cursor is in an
// ordinary expression of an argument.
func (c *completer) inCall(open int) bool {
	toks := c.toks
	a := c.pkg.Schema.Action(strings.Join(pathBefore(toks[:open]), "."))
	if a == nil {
		return false
	}
	n := len(toks)
	last := toks[n-1]
	if last.Text == "(" || last.Text == "," {
		given := map[string]bool{}
		depth := 0
		for i := open + 1; i < n; i++ {
			switch toks[i].Text {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			case ":":
				if depth == 0 && toks[i-1].Kind == scanner.Ident {
					given[toks[i-1].Text] = true
				}
			}
		}
		for i, p := range a.Params {
			if given[p.Name] {
				continue
			}
			c.add(protocol.CompletionItem{
				Label: p.Name + ":", Kind: protocol.CompletionItemKindProperty, Detail: p.Type.String(),
				InsertText: p.Name + ": ", SortText: fmt.Sprintf("%02d", i),
			}, sortContext)
		}
		return true
	}
	if last.Text == ":" && n >= 2 && toks[n-2].Kind == scanner.Ident && (toks[n-3].Text == "(" || toks[n-3].Text == ",") {
		if p := a.Param(toks[n-2].Text); p != nil {
			if e, ok := types.Unwrap(p.Type).(*types.Enum); ok {
				c.enumValues(e, sortContext)
			}
		}
		c.expressionStart()
		return true
	}
	return false
}

// inExpression completes inside a condition or an argument.
func (c *completer) inExpression(clause string) {
	toks := c.toks
	n := len(toks)
	last := toks[n-1]
	switch {
	case last.Text == ".":
		parts := pathBefore(toks[:n-1])
		if len(parts) == 1 && clause == "do" && c.resolve(parts) == nil {
			c.actions(parts[0]+".", false) // a connector's actions
			return
		}
		c.fields(parts)
		return
	case last.Kind == scanner.Punct && (last.Text == "=" || last.Text == "!="):
		if n >= 2 {
			c.valuesOf(c.resolve(pathBefore(toks[:n-1])))
		}
		c.expressionStart()
		return
	case (last.Text == "[" || last.Text == ",") && listSubject(toks) != nil:
		c.valuesOf(c.resolve(listSubject(toks)))
		c.expressionStart()
		return
	case last.Text == "is":
		c.keywords(sortContext, "not", "empty", "null")
		return
	case last.Text == "not" && n >= 2 && toks[n-2].Text == "is":
		c.keywords(sortContext, "empty", "null")
		return
	case last.Text == "starts":
		c.keywords(sortContext, "with")
		return
	case last.Text == "not" && n >= 2 && endsOperand(toks[n-2]):
		c.keywords(sortContext, "in", "contains", "starts", "matches")
		return
	case last.Text == "wait":
		c.keywords(sortContext, "until")
		return
	case last.Text == "once" && last.Kind == scanner.Keyword:
		c.keywords(sortContext, "per", "do")
		return
	case last.Text == "always" && last.Kind == scanner.Keyword:
		c.keywords(sortContext, "do")
		return
	case last.Text == "let" || last.Text == "matches" || isQuant(last) || last.Text == "(" && n >= 2 && isQuant(toks[n-2]):
		return // a new name, a regexp, or a quantifier's `(`
	case endsOperand(last):
		c.operators(clause)
		return
	}
	c.expressionStart()
}

// endsOperand reports whether t can end an operand, so that an operator
// may follow.
func endsOperand(t scanner.Token) bool {
	switch t.Kind {
	case scanner.Ident, scanner.Number, scanner.String, scanner.Duration:
		return true
	case scanner.Keyword:
		switch t.Text {
		case "true", "false", "null", "now", "empty":
			return true
		}
	case scanner.Punct:
		return t.Text == ")" || t.Text == "]"
	}
	return false
}

// operators offers what may follow an operand.
func (c *completer) operators(clause string) {
	c.keywords(sortContext, "and", "or", "in", "not", "contains", "starts", "matches", "is")
	switch clause {
	case "when":
		c.keywords(sortContext, "do", "once", "always")
	}
	for _, t := range c.toks {
		if t.Text == "until" {
			c.keywords(sortContext, "max")
			break
		}
	}
}

// listSubject is the path before `[not] in [` when the cursor is in that
// list, else nil.
func listSubject(toks []scanner.Token) []string {
	i := innermostOpen(toks)
	if i < 1 || toks[i].Text != "[" || toks[i-1].Text != "in" {
		return nil
	}
	j := i - 1
	if j > 0 && toks[j-1].Text == "not" {
		j--
	}
	return pathBefore(toks[:j])
}

// expressionStart offers what an operand may start with.
func (c *completer) expressionStart() {
	for _, r := range c.roots() {
		kind := protocol.CompletionItemKindVariable
		if _, ok := types.Unwrap(r.typ).(*types.Record); ok {
			kind = protocol.CompletionItemKindStruct
		}
		detail := ""
		if r.typ != nil {
			detail = r.typ.String()
		}
		c.add(protocol.CompletionItem{Label: r.name, Kind: kind, Detail: detail}, sortName)
	}
	if c.subject == nil {
		c.records(sortName)
	}
	for _, q := range []string{"any", "all", "none", "count"} {
		item := protocol.CompletionItem{Label: q, Kind: protocol.CompletionItemKindKeyword, Detail: q + "(x in list where condition)"}
		if c.snippets {
			item.InsertText = q + "(${1:i} in ${2:list} where $0)"
			item.InsertTextFormat = protocol.InsertTextFormatSnippet
		}
		c.add(item, sortKeyword)
	}
	c.keywords(sortKeyword, "not", "true", "false", "null", "now")
}

// fields offers the fields of the record a path leads to.
func (c *completer) fields(parts []string) {
	r, ok := types.Unwrap(c.resolve(parts)).(*types.Record)
	if !ok {
		return
	}
	for i, f := range r.Fields {
		c.add(protocol.CompletionItem{
			Label:         f.Name,
			Kind:          protocol.CompletionItemKindField,
			Detail:        f.Type.String(),
			Documentation: docOf(f.Doc),
			SortText:      fmt.Sprintf("%04d", i), // declaration order
		}, sortContext)
	}
}

// valuesOf offers the values a value of type t may take.
func (c *completer) valuesOf(t types.Type) {
	switch t := types.Unwrap(t).(type) {
	case *types.Enum:
		c.enumValues(t, sortContext)
	case *types.Basic:
		if types.Is(t, types.Bool) {
			c.keywords(sortContext, "true", "false")
		}
	}
}

// enumValues offers the values of an enum (bare) or of statuses (quoted).
func (c *completer) enumValues(e *types.Enum, group string) {
	if e == nil {
		return
	}
	typed := ""
	if c.word.End > c.word.Start {
		typed = string(c.text[c.word.Start:c.word.End])
	}
	for i, v := range e.Values {
		text := valueText(e, v)
		item := protocol.CompletionItem{Label: text, Kind: protocol.CompletionItemKindEnumMember, Detail: e.Name, SortText: fmt.Sprintf("%04d", i)}
		if ph := e.PhaseOf(v); ph != "" {
			item.Detail = e.Name + " → " + ph
		}
		if typed != "" && text != v {
			item.FilterText = v // typed without the quote
		}
		c.add(item, group)
	}
}

// inString completes inside the string being typed (tok, not closed
// before the cursor): names and fields in an open `{`, else the values
// of an enum the string is compared with.
func (c *completer) inString(tok scanner.Token) {
	text := tok.Text
	open := -1
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '{':
			if i+1 < len(text) && text[i+1] == '{' {
				i++
				continue
			}
			open = i
		case '}':
			if open >= 0 {
				open = -1
			} else if i+1 < len(text) && text[i+1] == '}' {
				i++
			}
		}
	}
	if open >= 0 {
		inner := text[open+1:]
		dot := strings.LastIndex(inner, ".")
		c.word = token.Span{Start: tok.Span.Start + token.Pos(open+1+dot+1), End: c.pos}
		if dot < 0 {
			for _, r := range c.roots() {
				c.add(protocol.CompletionItem{Label: r.name, Kind: protocol.CompletionItemKindVariable, Detail: typeName(r.typ)}, sortContext)
			}
			return
		}
		c.fields(strings.Split(inner[:dot], "."))
		return
	}
	// A value written as a string: replace from the opening quote, and
	// the closing quote the editor may have added after the cursor.
	toks := c.toks
	n := len(toks)
	var t types.Type
	switch {
	case n >= 2 && toks[n-1].Kind == scanner.Punct && (toks[n-1].Text == "=" || toks[n-1].Text == "!="):
		t = c.resolve(pathBefore(toks[:n-1]))
	case n >= 1 && (toks[n-1].Text == "[" || toks[n-1].Text == ",") && listSubject(toks) != nil:
		t = c.resolve(listSubject(toks))
	case n >= 3 && toks[n-1].Text == ":":
		if open := innermostOpen(toks); open > 0 {
			if a := c.pkg.Schema.Action(strings.Join(pathBefore(toks[:open]), ".")); a != nil {
				if p := a.Param(toks[n-2].Text); p != nil {
					t = p.Type
				}
			}
		}
	}
	e, ok := types.Unwrap(t).(*types.Enum)
	if !ok {
		return
	}
	end := c.pos
	if int(end) < len(c.text) && c.text[end] == '"' {
		end++
	}
	c.word = token.Span{Start: tok.Span.Start, End: end}
	for i, v := range e.Values {
		item := protocol.CompletionItem{Label: quote(v), FilterText: quote(v), Kind: protocol.CompletionItemKindEnumMember, Detail: e.Name, SortText: fmt.Sprintf("%04d", i)}
		if ph := e.PhaseOf(v); ph != "" {
			item.Detail = e.Name + " → " + ph
		}
		c.add(item, sortContext)
	}
}

func typeName(t types.Type) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// docOf wraps a doc string for a completion item, or returns nil.
func docOf(doc string) any {
	if doc == "" {
		return nil
	}
	return protocol.MarkupContent{Kind: protocol.Markdown, Value: doc}
}
