package lsp

// This file defines hover, and the lookup that hover, definition,
// references and rename share: the object under the cursor in the
// folder checked at the request's View.

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lsp/internal/cache"
)

// position is a request's document, its folder checked at the request's
// View, the parsed file and the byte offset of the request's position.
type position struct {
	doc  *cache.Document
	snap *cache.Snapshot
	file *ast.File
	pos  token.Pos
}

// at resolves a document position. ok is false when the document is not
// open or the position lies outside it; err is set when ctx ended.
func (s *server) at(ctx context.Context, u protocol.DocumentURI, p protocol.Position) (at position, ok bool, err error) {
	v := s.viewOf(ctx)
	d := v.Doc(u)
	if d == nil {
		return at, false, nil
	}
	snap, err := s.cache.Snapshot(ctx, v, d.Folder())
	if err != nil {
		return at, false, err
	}
	f := snap.File(d.Path)
	if f == nil {
		return at, false, nil
	}
	pos, err := d.Mapper().Offset(p)
	if err != nil {
		return at, false, nil
	}
	return position{doc: d, snap: snap, file: f, pos: pos}, true, nil
}

// object returns the object named at the position, and the occurrence.
func (at position) object() (compiler.Ref, bool) {
	ref, found := at.snap.Pkg.ObjectAt(at.file.Tok.Name, at.pos)
	return ref, found && ref.Obj != nil
}

func (s *server) Hover(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return nil, err
	}
	ref, ok := at.object()
	if !ok {
		return keywordHover(at)
	}
	r, err := at.doc.Mapper().Range(ref.Span)
	if err != nil {
		return nil, nil
	}
	return &protocol.Hover{
		Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: describe(at.snap.Pkg, ref.Obj)},
		Range:    &r,
	}, nil
}

// describe renders an object for hover: what it is and its type in a
// code block, then its doc string.
func describe(pkg *compiler.Package, o *compiler.Object) string {
	var b strings.Builder
	b.WriteString("```automat\n")
	switch o.Kind {
	case compiler.FieldObject:
		if o.Parent != nil {
			fmt.Fprintf(&b, "(field) %s.%s: %s", o.Parent.Name, o.Name, typeName(o.Type))
		} else {
			fmt.Fprintf(&b, "(field) %s: %s", o.Name, typeName(o.Type))
		}
	case compiler.StatusObject:
		fmt.Fprintf(&b, "(status) %s of %s", quote(o.Name), typeName(o.Type))
	case compiler.EnumValueObject, compiler.PhaseObject:
		fmt.Fprintf(&b, "(%s) %s of %s", o.Kind, o.Name, typeName(o.Type))
	case compiler.ActionObject:
		if a := pkg.Schema.Action(o.Name); a != nil {
			fmt.Fprintf(&b, "action %s", signature(a))
		} else {
			fmt.Fprintf(&b, "action %s", o.Name)
		}
	case compiler.RuleObject:
		fmt.Fprintf(&b, "rule %s", quote(o.Name))
	case compiler.RecordObject, compiler.EnumObject:
		fmt.Fprintf(&b, "%s %s", o.Kind, o.Name)
	default:
		fmt.Fprintf(&b, "(%s) %s: %s", o.Kind, o.Name, typeName(o.Type))
	}
	b.WriteString("\n```")
	if o.Doc != "" {
		b.WriteString("\n\n")
		b.WriteString(o.Doc)
	}
	if o.Kind == compiler.RuleObject {
		for _, r := range pkg.Rules {
			if r.Obj == o && r.Freq == ast.Once {
				b.WriteString("\n\nA `once` rule: its name is its identity in the once-ledger, so renaming it sends its actions again to records that already had them.")
			}
		}
	}
	if o.File != nil && o.File.Name == compiler.StdName {
		b.WriteString("\n\n*standard schema*")
	}
	return b.String()
}

// keywordDocs explains the keywords whose meaning is not obvious from
// their name (SPEC §1.4, §1.5).
var keywordDocs = map[string]string{
	"once":     "`once`: the actions run at most once per rule and record, ever, across restarts. `once per EXPR`: once per rule, record and value of EXPR.",
	"always":   "`always` (the default): the actions run at every evaluation where the condition holds. On a `schedule` trigger that is every tick.",
	"per":      "`once per EXPR`: at most once per rule, record and value of EXPR, e.g. `once per shipment.status`.",
	"schedule": "`on schedule \"CRON\"`: evaluates the rule for every stored record of its subject type at each tick (robfig/cron syntax, `@every 15m`, `@daily`).",
	"wait":     "`wait 2d`: a durable delay; afterwards the condition is evaluated again and the run stops if it no longer holds. `wait until COND max 3d`: continues as soon as COND holds, or is cancelled when `max` passes.",
	"until":    "`wait until COND max DURATION`: continues as soon as COND holds on a later event or tick; cancelled when `max` passes.",
	"let":      "`let name = action(...)`: runs the action and binds its result for the statements after it.",
	"is":       "`is null`: the value is absent. `is empty`: present and empty (\"\" or an empty list). `is not null`: has a value, even empty. `is not empty`: has a non-empty value.",
	"empty":    "`is empty`: present and empty (\"\" or an empty list); `is not empty`: has a non-empty value. Absent values are `null`, not empty.",
	"null":     "`null` is an absent value: `null = x` is false, `null != x` true, ordering with null false, `contains` on null false.",
	"contains": "`contains`: case-insensitive (Unicode case folding) substring test; false on null.",
	"starts":   "`starts with`: case-insensitive (Unicode case folding) prefix test; false on null.",
	"matches":  "`matches \"RE\"`: a Go RE2 regular expression, checked when the ruleset is compiled.",
	"in":       "`x in [a, b]`: membership; `x not in [...]` is xSale's \"not among\" (true for null).",
	"any":      "`any(x in LIST where COND)`: some element satisfies COND.",
	"all":      "`all(x in LIST where COND)`: every element satisfies COND.",
	"none":     "`none(x in LIST where COND)`: no element satisfies COND.",
	"count":    "`count(x in LIST where COND)`: the number of elements satisfying COND.",
	"now":      "`now` is the evaluation time: `order.created_at < now - 3d`.",
	"not":      "`not` negates a whole condition or group: `not (a or b)` (xSale's negation flag).",
}

// keywordHover explains the keyword under the cursor, if it is one of
// keywordDocs.
func keywordHover(at position) (*protocol.Hover, error) {
	src := at.doc.Text
	start := int(at.pos)
	for start > 0 && isWordByte(src[start-1]) {
		start--
	}
	end := int(at.pos)
	for end < len(src) && isWordByte(src[end]) {
		end++
	}
	doc, ok := keywordDocs[string(src[start:end])]
	if !ok || !inCode(at.file, token.Pos(start)) {
		return nil, nil
	}
	r, err := at.doc.Mapper().Range(token.Span{Start: token.Pos(start), End: token.Pos(end)})
	if err != nil {
		return nil, nil
	}
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: doc}, Range: &r}, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// inCode reports whether pos is outside comments and strings.
func inCode(f *ast.File, pos token.Pos) bool {
	for _, c := range f.Comments {
		if sp := c.Span(); sp.Start <= pos && pos < sp.End {
			return false
		}
	}
	inString := false
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || inString {
			return false
		}
		sp := n.Span()
		if pos < sp.Start || pos >= sp.End {
			return false
		}
		if _, ok := n.(*ast.StringLit); ok {
			inString = true
		}
		return true
	})
	return !inString
}
