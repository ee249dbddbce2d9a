package lsp

// This file defines go to definition, references and document
// highlights, all read from the compiler's side tables
// (Package.ObjectAt, Package.References).

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/token"
)

// location converts an occurrence to an LSP location. Objects of the
// embedded standard schema have no file a client can open.
func location(f *token.File, sp token.Span) (protocol.Location, bool) {
	if f == nil || f.Name == compiler.StdName {
		return protocol.Location{}, false
	}
	loc, err := fileMapper(f).Location(sp)
	return loc, err == nil
}

func (s *server) Definition(ctx context.Context, p *protocol.DefinitionParams) ([]protocol.Location, error) {
	out := []protocol.Location{}
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return out, err
	}
	ref, ok := at.object()
	if !ok {
		return out, nil
	}
	if loc, ok := location(ref.Obj.File, ref.Obj.Span); ok {
		out = append(out, loc)
	}
	return out, nil
}

// TypeDefinition goes to the record or enum of the value under the
// cursor.
func (s *server) TypeDefinition(ctx context.Context, p *protocol.TypeDefinitionParams) ([]protocol.Location, error) {
	out := []protocol.Location{}
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return out, err
	}
	ref, ok := at.object()
	if !ok || ref.Obj.Type == nil {
		return out, nil
	}
	if o := at.snap.Pkg.Schema.Object(namedType(ref.Obj.Type)); o != nil {
		if loc, ok := location(o.File, o.Span); ok {
			out = append(out, loc)
		}
	}
	return out, nil
}

func (s *server) References(ctx context.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
	out := []protocol.Location{}
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return out, err
	}
	ref, ok := at.object()
	if !ok {
		return out, nil
	}
	for _, r := range at.snap.Pkg.References(ref.Obj) {
		if r.Def && !p.Context.IncludeDeclaration {
			continue
		}
		if loc, ok := location(r.File, r.Span); ok {
			out = append(out, loc)
		}
	}
	return out, nil
}

// DocumentHighlight marks the occurrences of the object under the cursor
// in its document: the declaration as a write, uses as reads.
func (s *server) DocumentHighlight(ctx context.Context, p *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	out := []protocol.DocumentHighlight{}
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return out, err
	}
	ref, ok := at.object()
	if !ok {
		return out, nil
	}
	m := at.doc.Mapper()
	for _, r := range at.snap.Pkg.References(ref.Obj) {
		if r.File != at.file.Tok {
			continue
		}
		rg, err := m.Range(r.Span)
		if err != nil {
			continue
		}
		kind := protocol.DocumentHighlightKindRead
		if r.Def {
			kind = protocol.DocumentHighlightKindWrite
		}
		out = append(out, protocol.DocumentHighlight{Range: rg, Kind: kind})
	}
	return out, nil
}

// namedType returns the record or enum a type names, through optional
// and list types.
func namedType(t types.Type) types.Type {
	for {
		switch u := t.(type) {
		case *types.Optional:
			t = u.Elem
		case *types.List:
			t = u.Elem
		default:
			return t
		}
	}
}
