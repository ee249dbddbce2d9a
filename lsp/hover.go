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
		return nil, nil
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
