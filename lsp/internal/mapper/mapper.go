// Package mapper converts positions between the byte offsets the Automat
// front end uses and the 0-based line and UTF-16 code unit positions the
// Language Server Protocol requires. It is the language server's only
// place where that conversion happens: a [Mapper] belongs to one version
// of one document, and its conversions return errors instead of panicking
// or clamping silently, so a stale position is noticed, not misplaced.
package mapper

import (
	"errors"
	"fmt"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/token"
)

// ErrStale reports a span or position that does not fit the document
// version the Mapper was made for.
var ErrStale = errors.New("position outside the document")

// Mapper converts positions of one document version. A Mapper is
// immutable and safe for concurrent use.
type Mapper struct {
	URI  protocol.DocumentURI
	File *token.File
}

// New returns a Mapper for the file f, published under uri.
func New(uri protocol.DocumentURI, f *token.File) *Mapper {
	return &Mapper{URI: uri, File: f}
}

// Position converts a byte offset to an LSP position.
func (m *Mapper) Position(p token.Pos) (protocol.Position, error) {
	if p < 0 || int(p) > len(m.File.Src) {
		return protocol.Position{}, fmt.Errorf("offset %d of %d: %w", p, len(m.File.Src), ErrStale)
	}
	l, c := m.File.UTF16(p)
	return protocol.Position{Line: uint32(l), Character: uint32(c)}, nil
}

// Range converts a span to an LSP range.
func (m *Mapper) Range(sp token.Span) (protocol.Range, error) {
	if !sp.IsValid() {
		return protocol.Range{}, fmt.Errorf("span %d..%d: %w", sp.Start, sp.End, ErrStale)
	}
	start, err := m.Position(sp.Start)
	if err != nil {
		return protocol.Range{}, err
	}
	end, err := m.Position(sp.End)
	if err != nil {
		return protocol.Range{}, err
	}
	return protocol.Range{Start: start, End: end}, nil
}

// Location converts a span to an LSP location in this document.
func (m *Mapper) Location(sp token.Span) (protocol.Location, error) {
	r, err := m.Range(sp)
	return protocol.Location{URI: m.URI, Range: r}, err
}

// Offset converts an LSP position to a byte offset. A character past the
// end of its line means the line's end (clients send that); the position
// just after the last line means the end of the text.
func (m *Mapper) Offset(p protocol.Position) (token.Pos, error) {
	if int(p.Line) == m.File.LineCount() && p.Character == 0 {
		return token.Pos(len(m.File.Src)), nil
	}
	off, err := m.File.OffsetUTF16(int(p.Line), int(p.Character))
	if err != nil {
		return token.NoPos, fmt.Errorf("line %d, character %d: %w", p.Line, p.Character, ErrStale)
	}
	return off, nil
}

// Span converts an LSP range to a byte span.
func (m *Mapper) Span(r protocol.Range) (token.Span, error) {
	start, err := m.Offset(r.Start)
	if err != nil {
		return token.Span{}, err
	}
	end, err := m.Offset(r.End)
	if err != nil {
		return token.Span{}, err
	}
	if end < start {
		return token.Span{}, fmt.Errorf("range ends before it starts: %w", ErrStale)
	}
	return token.Span{Start: start, End: end}, nil
}
