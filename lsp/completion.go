package lsp

// This file defines completion. It reads the tokens before the cursor
// rather than the syntax tree, because the rule being typed rarely
// parses: after `.` it offers fields, after a comparison the values of the
// field's enum or statuses, at a statement start the actions with snippet
// placeholders, inside `{` of a string the names in scope, elsewhere the
// keywords and names.

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

func (s *server) Completion(_ context.Context, p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return list, nil
	}
	pos, err := toPos(d.tok(), p.Position)
	if err != nil {
		return list, nil
	}
	snap := s.snapshotFor(p.TextDocument.URI)
	c := &completer{snap: snap, file: d.path, pos: pos}
	list.Items = c.complete(string(d.text[declStart(d.text, int(pos)):pos]))
	return list, nil
}

// declStart returns the offset of the line where the declaration holding
// pos begins: the last line before pos that starts with a top-level
// keyword. Completion context never reaches further back, and scanning
// only from there keeps completion fast in long files. Strings never span
// lines, so a line start is always a token boundary.
func declStart(text []byte, pos int) int {
	for i := pos - 1; i >= 0; i-- {
		if text[i] != '\n' || i == pos-1 {
			continue
		}
		rest := text[i+1 : pos]
		for _, kw := range topKeywords {
			if len(rest) > len(kw) && string(rest[:len(kw)]) == kw && (rest[len(kw)] == ' ' || rest[len(kw)] == '\t' || rest[len(kw)] == '\n') {
				return i + 1
			}
		}
	}
	return 0
}

var topKeywords = []string{"rule", "when", "on", "record", "extend", "enum", "statuses", "action", "const", "import", "ruleset"}

type completer struct {
	snap *snapshot
	file string
	pos  token.Pos
}

func (c *completer) complete(before string) []protocol.CompletionItem {
	toks := scanner.Scan(before)
	toks = toks[:len(toks)-1] // EOF
	// Drop comments; a cursor inside a comment gets nothing.
	code := toks[:0:0]
	for _, t := range toks {
		if t.Kind == scanner.Comment {
			if int(t.Span.End) == len(before) {
				return nil
			}
			continue
		}
		code = append(code, t)
	}
	toks = code
	// The word being typed is not context.
	if n := len(toks); n > 0 && int(toks[n-1].Span.End) == len(before) {
		switch toks[n-1].Kind {
		case scanner.Ident, scanner.Keyword:
			toks = toks[:n-1]
		case scanner.BadString:
			return c.inString(toks[n-1].Text)
		}
	}
	n := len(toks)
	last := func(i int) scanner.Token {
		if n-i >= 0 {
			return toks[n-i]
		}
		return scanner.Token{}
	}
	switch {
	case n > 0 && last(1).Text == ".":
		return c.fields(pathBefore(toks[:n-1]))
	case n > 0 && isCompare(last(1)):
		if items := c.values(pathBefore(toks[:n-1])); len(items) > 0 {
			return items
		}
	case n > 0 && (last(1).Text == "[" || last(1).Text == ",") && inList(toks):
		if items := c.values(listSubject(toks)); len(items) > 0 {
			return items
		}
	}
	if atStatementStart(toks) {
		return c.actions()
	}
	return c.general()
}

// pathBefore returns the dotted path ending at the end of toks.
func pathBefore(toks []scanner.Token) []string {
	var parts []string
	i := len(toks) - 1
	for i >= 0 && toks[i].Kind == scanner.Ident {
		parts = append([]string{toks[i].Text}, parts...)
		if i > 0 && toks[i-1].Text == "." {
			i -= 2
			continue
		}
		break
	}
	return parts
}

func isCompare(t scanner.Token) bool {
	switch t.Text {
	case "=", "!=":
		return t.Kind == scanner.Punct
	}
	return false
}

// inList reports whether the tokens end inside `in [ ...`.
func inList(toks []scanner.Token) bool {
	return listOpen(toks) >= 0
}

func listOpen(toks []scanner.Token) int {
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Text {
		case "]":
			depth++
		case "[":
			if depth == 0 {
				if i > 0 && toks[i-1].Text == "in" {
					return i
				}
				return -1
			}
			depth--
		}
	}
	return -1
}

// listSubject is the path before `[not] in [`.
func listSubject(toks []scanner.Token) []string {
	i := listOpen(toks)
	if i < 1 {
		return nil
	}
	j := i - 1 // `in`
	if j > 0 && toks[j-1].Text == "not" {
		j--
	}
	return pathBefore(toks[:j])
}

// atStatementStart reports whether the cursor is where a statement of a
// `do` block may begin.
func atStatementStart(toks []scanner.Token) bool {
	n := len(toks)
	if n == 0 {
		return false
	}
	// Inside an unclosed ( or [ the cursor is in an argument.
	depth := 0
	for i := n - 1; i >= 0; i-- {
		switch toks[i].Text {
		case ")", "]":
			depth++
		case "(", "[":
			if depth == 0 {
				return false
			}
			depth--
		case "do":
			if depth == 0 {
				goto inBody
			}
		case "when", "on", "rule":
			if toks[i].Kind == scanner.Keyword && depth == 0 {
				return false
			}
		}
	}
	return false
inBody:
	last := toks[n-1]
	return last.Text == "do" || last.Text == ")" || last.Kind == scanner.Duration
}

// resolve returns the type of a path from its first name: a name in scope
// at the cursor, else a record of the schema (the subject of a rule whose
// condition is being typed).
func (c *completer) resolve(parts []string) types.Type {
	if len(parts) == 0 {
		return nil
	}
	var t types.Type
	for _, o := range c.snap.pkg.NamesAt(c.file, c.pos) {
		if o.Name == parts[0] {
			t = o.Type
			break
		}
	}
	if t == nil {
		if r := c.snap.pkg.Schema.Record(parts[0]); r != nil {
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

func (c *completer) fields(parts []string) []protocol.CompletionItem {
	r, ok := types.Unwrap(c.resolve(parts)).(*types.Record)
	if !ok {
		return nil
	}
	items := make([]protocol.CompletionItem, 0, len(r.Fields))
	for i, f := range r.Fields {
		items = append(items, protocol.CompletionItem{
			Label:         f.Name,
			Kind:          protocol.CompletionItemKindField,
			Detail:        f.Type.String(),
			Documentation: f.Doc,
			SortText:      fmt.Sprintf("%04d", i), // declaration order
		})
	}
	return items
}

// values offers the values of an enum or statuses field: statuses as
// strings (they may hold spaces and diacritics), enum values bare.
func (c *completer) values(parts []string) []protocol.CompletionItem {
	e, ok := types.Unwrap(c.resolve(parts)).(*types.Enum)
	if !ok {
		return nil
	}
	items := make([]protocol.CompletionItem, 0, len(e.Values))
	for i, v := range e.Values {
		item := protocol.CompletionItem{Label: v, Kind: protocol.CompletionItemKindEnumMember, SortText: fmt.Sprintf("%04d", i)}
		if e.IsStatuses() {
			item.InsertText = quote(v)
			item.Label = quote(v)
			item.FilterText = quote(v)
			if ph := e.PhaseOf(v); ph != "" {
				item.Detail = "→ " + ph
			}
		}
		items = append(items, item)
	}
	return items
}

func (c *completer) actions() []protocol.CompletionItem {
	acts := c.snap.pkg.Schema.Actions
	items := make([]protocol.CompletionItem, 0, len(acts)+2)
	for _, a := range acts {
		var snip strings.Builder
		snip.WriteString(a.Name)
		snip.WriteString("(")
		n := 0
		for _, p := range a.Params {
			if types.IsOptional(p.Type) {
				continue // optional parameters are left out of the snippet
			}
			if n > 0 {
				snip.WriteString(", ")
			}
			n++
			fmt.Fprintf(&snip, "%s: ${%d:%s}", p.Name, n, p.Name)
		}
		snip.WriteString(")$0")
		items = append(items, protocol.CompletionItem{
			Label:            a.Name,
			Kind:             protocol.CompletionItemKindFunction,
			Detail:           signature(a),
			Documentation:    a.Doc,
			InsertText:       snip.String(),
			InsertTextFormat: protocol.InsertTextFormatSnippet,
		})
	}
	for _, kw := range []string{"let", "wait"} {
		items = append(items, protocol.CompletionItem{Label: kw, Kind: protocol.CompletionItemKindKeyword})
	}
	return items
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

// inString completes inside an unclosed `{` of the string being typed.
func (c *completer) inString(text string) []protocol.CompletionItem {
	open := strings.LastIndex(text, "{")
	if open < 0 || strings.LastIndex(text, "}") > open || (open > 0 && text[open-1] == '{') {
		return nil
	}
	inner := text[open+1:]
	if strings.HasSuffix(inner, ".") {
		return c.fields(strings.Split(strings.TrimSuffix(inner, "."), "."))
	}
	if i := strings.LastIndex(inner, "."); i >= 0 {
		return c.fields(strings.Split(inner[:i], "."))
	}
	return c.names()
}

func (c *completer) names() []protocol.CompletionItem {
	var items []protocol.CompletionItem
	seen := map[string]bool{}
	for _, o := range c.snap.pkg.NamesAt(c.file, c.pos) {
		if seen[o.Name] {
			continue
		}
		seen[o.Name] = true
		kind := protocol.CompletionItemKindVariable
		if o.Kind == compiler.ConstObject {
			kind = protocol.CompletionItemKindConstant
		}
		items = append(items, protocol.CompletionItem{Label: o.Name, Kind: kind, Detail: typeString(o)})
	}
	return items
}

func (c *completer) general() []protocol.CompletionItem {
	items := c.names()
	seen := map[string]bool{}
	for _, it := range items {
		seen[it.Label] = true
	}
	for _, r := range c.snap.pkg.Schema.Records {
		if !seen[r.Name] {
			items = append(items, protocol.CompletionItem{Label: r.Name, Kind: protocol.CompletionItemKindStruct, Detail: "record"})
		}
	}
	kws := scanner.Keywords()
	sort.Strings(kws)
	for _, kw := range kws {
		items = append(items, protocol.CompletionItem{Label: kw, Kind: protocol.CompletionItemKindKeyword})
	}
	return items
}
