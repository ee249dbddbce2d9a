package token

import (
	"errors"
	"testing"
)

func TestPosition(t *testing.T) {
	src := "ruleset \"x\"\n# Vyřízena → hotovo\nrule \"zażółć\"\n"
	f := NewFile("a.rules", []byte(src))
	tests := []struct {
		off        int
		line, col  int
		u16l, u16c int
	}{
		{0, 1, 1, 0, 0},
		{12, 2, 1, 1, 0},
		{len("ruleset \"x\"\n# Vyř"), 2, 6, 1, 5},           // after ř (2 bytes, 1 rune, 1 unit)
		{len("ruleset \"x\"\n# Vyřízena → "), 2, 14, 1, 13}, // → is 3 bytes, 1 unit
		{len("ruleset \"x\"\n# Vyřízena → hotovo\nrule \"zażółć"), 3, 13, 2, 12},
		{len(src), 4, 1, 3, 0},
		{len(src) + 10, 4, 1, 3, 0}, // clamped
	}
	for _, tt := range tests {
		p := f.Position(Pos(tt.off))
		if p.Line != tt.line || p.Column != tt.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tt.off, p.Line, p.Column, tt.line, tt.col)
		}
		l, c := f.UTF16(Pos(tt.off))
		if l != tt.u16l || c != tt.u16c {
			t.Errorf("UTF16(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.u16l, tt.u16c)
		}
	}
}

func TestUTF16RoundTrip(t *testing.T) {
	// An emoji outside the BMP takes two UTF-16 units; Czech and Polish
	// letters one each.
	src := "a😀ř\nżółw 😀 x\n"
	f := NewFile("", []byte(src))
	for off := 0; off <= len(src); off++ {
		if off < len(src) && (src[off]&0xC0) == 0x80 {
			continue // not a rune boundary
		}
		l, c := f.UTF16(Pos(off))
		back, err := f.OffsetUTF16(l, c)
		if err != nil || int(back) != off {
			t.Errorf("offset %d -> %d:%d -> %d, %v", off, l, c, back, err)
		}
	}
	if l, c := f.UTF16(Pos(len("a😀"))); l != 0 || c != 3 {
		t.Errorf("after emoji: %d:%d, want 0:3", l, c)
	}
	// A column past the end of a line clamps to the line end.
	if p, err := f.OffsetUTF16(0, 99); err != nil || int(p) != len("a😀ř") {
		t.Errorf("clamp: %d, %v", p, err)
	}
	if _, err := f.OffsetUTF16(7, 0); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("line out of range: %v", err)
	}
}

func TestSpan(t *testing.T) {
	s := Span{Start: 3, End: 7}
	if !s.Contains(3) || !s.Contains(7) || s.Contains(8) {
		t.Error("Contains")
	}
	if got := s.Cover(Span{Start: 1, End: 4}); got != (Span{1, 7}) {
		t.Errorf("Cover = %v", got)
	}
	if got := s.Cover(Span{Start: NoPos, End: NoPos}); got != s {
		t.Errorf("Cover(invalid) = %v", got)
	}
}
