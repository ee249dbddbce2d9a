package mapper

import (
	"errors"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/token"
)

func TestRoundTrip(t *testing.T) {
	// "ř" is 2 bytes and 1 UTF-16 unit, "😀" 4 bytes and 2 units.
	src := "ab\nřx😀y\n\n"
	m := New("file:///a.rules", token.NewFile("a.rules", []byte(src)))
	tests := []struct {
		off  token.Pos
		line uint32
		char uint32
	}{
		{0, 0, 0}, {2, 0, 2}, {3, 1, 0}, {5, 1, 1}, {6, 1, 2}, {10, 1, 4}, {11, 1, 5}, {12, 2, 0}, {13, 3, 0},
	}
	for _, tt := range tests {
		p, err := m.Position(tt.off)
		if err != nil || p != (protocol.Position{Line: tt.line, Character: tt.char}) {
			t.Errorf("Position(%d) = %+v, %v; want %d:%d", tt.off, p, err, tt.line, tt.char)
		}
		off, err := m.Offset(protocol.Position{Line: tt.line, Character: tt.char})
		if err != nil || off != tt.off {
			t.Errorf("Offset(%d:%d) = %d, %v; want %d", tt.line, tt.char, off, err, tt.off)
		}
	}
}

func TestErrors(t *testing.T) {
	m := New("file:///a.rules", token.NewFile("a.rules", []byte("ab\ncd\n")))
	if _, err := m.Position(99); !errors.Is(err, ErrStale) {
		t.Errorf("Position past the end: %v", err)
	}
	if _, err := m.Range(token.Span{Start: 2, End: 1}); !errors.Is(err, ErrStale) {
		t.Errorf("backwards span: %v", err)
	}
	if _, err := m.Offset(protocol.Position{Line: 7}); !errors.Is(err, ErrStale) {
		t.Errorf("line past the end: %v", err)
	}
	if _, err := m.Span(protocol.Range{Start: protocol.Position{Line: 1}, End: protocol.Position{Line: 0}}); !errors.Is(err, ErrStale) {
		t.Errorf("backwards range: %v", err)
	}
	// A character past the end of its line means the line's end.
	if off, err := m.Offset(protocol.Position{Line: 0, Character: 40}); err != nil || off != 2 {
		t.Errorf("past the line's end: %d, %v", off, err)
	}
}
