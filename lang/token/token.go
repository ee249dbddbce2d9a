// Package token defines source positions for Automat rules files: byte
// offsets ([Pos]), half-open ranges ([Span]) and the [File] line table that
// turns an offset into a line and column when one is asked for.
//
// It is the bottom of the front end: the scanner, parser, AST, compiler and
// language server all speak in [Pos] and [Span], and convert to lines and
// columns (Unicode characters for the CLI, UTF-16 code units for the LSP) only
// at their edges.
package token

import (
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"
)

// Pos is a byte offset into a [File]'s source. Offsets start at 0; [NoPos]
// (-1) marks a position that does not exist, such as the `rule` keyword of a
// rule written in the one-line form.
type Pos int

// NoPos is the absent position.
const NoPos Pos = -1

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p >= 0 }

// Span is the half-open byte range [Start, End) of a piece of source.
type Span struct {
	Start, End Pos
}

// IsValid reports whether s denotes a range in a file.
func (s Span) IsValid() bool { return s.Start.IsValid() && s.End >= s.Start }

// Contains reports whether p lies in s; the end offset counts as inside so
// that a cursor just after a token is "in" it, as editors expect.
func (s Span) Contains(p Pos) bool { return s.Start <= p && p <= s.End }

// Cover returns the smallest span holding both s and t; an invalid span is
// ignored.
func (s Span) Cover(t Span) Span {
	switch {
	case !s.IsValid():
		return t
	case !t.IsValid():
		return s
	}
	if t.Start < s.Start {
		s.Start = t.Start
	}
	if t.End > s.End {
		s.End = t.End
	}
	return s
}

// Position is a human-readable location: a file name, the byte offset, and
// the 1-based line and column, where the column counts Unicode characters
// (runes), as the CLI and `rulec check --format json` report them.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// String renders "file:line:col", or "line:col" when there is no file name.
func (p Position) String() string {
	if p.Filename == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// File is one source file: its name, its bytes and the offsets of its line
// starts. The zero value is not usable; call [NewFile].
type File struct {
	Name  string
	Src   []byte
	lines []int // byte offset of each line's first character
}

// NewFile builds the line table of src. The file keeps src; callers must
// not modify it afterwards.
func NewFile(name string, src []byte) *File {
	lines := make([]int, 1, 1+len(src)/32)
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &File{Name: name, Src: src, lines: lines}
}

// LineCount returns the number of lines (a file without a final newline
// still has its last line counted).
func (f *File) LineCount() int { return len(f.lines) }

// clamp keeps p inside the file so that conversions never panic on a
// position from a stale or foreign file.
func (f *File) clamp(p Pos) int {
	switch {
	case p < 0:
		return 0
	case int(p) > len(f.Src):
		return len(f.Src)
	}
	return int(p)
}

// line returns the 0-based line index holding offset off.
func (f *File) line(off int) int {
	return sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
}

// Position converts p to a [Position] with a rune column. Out-of-range
// offsets are clamped to the file.
func (f *File) Position(p Pos) Position {
	off := f.clamp(p)
	l := f.line(off)
	col := utf8.RuneCount(f.Src[f.lines[l]:off]) + 1
	return Position{Filename: f.Name, Offset: off, Line: l + 1, Column: col}
}

// LineStart returns the offset of the first byte of the 1-based line.
func (f *File) LineStart(line int) (Pos, error) {
	if line < 1 || line > len(f.lines) {
		return NoPos, fmt.Errorf("line %d out of range 1..%d", line, len(f.lines))
	}
	return Pos(f.lines[line-1]), nil
}

// ErrOutOfRange is returned by the UTF-16 conversions for a line or column
// outside the file.
var ErrOutOfRange = errors.New("position out of range")

// UTF16 converts p to the 0-based line and 0-based UTF-16 code unit column
// the Language Server Protocol uses. A Czech "ř" is one unit, an emoji two.
func (f *File) UTF16(p Pos) (line, col int) {
	off := f.clamp(p)
	l := f.line(off)
	return l, utf16Len(f.Src[f.lines[l]:off])
}

// OffsetUTF16 converts a 0-based line and UTF-16 column back to a byte
// offset. A column past the end of the line yields the line's end (as LSP
// clients may send); a line past the end of the file is an error, except
// the line just after a final newline.
func (f *File) OffsetUTF16(line, col int) (Pos, error) {
	if line < 0 || col < 0 {
		return NoPos, fmt.Errorf("line %d, column %d: %w", line, col, ErrOutOfRange)
	}
	if line >= len(f.lines) {
		return NoPos, fmt.Errorf("line %d of %d: %w", line, len(f.lines), ErrOutOfRange)
	}
	start := f.lines[line]
	end := len(f.Src)
	if line+1 < len(f.lines) {
		end = f.lines[line+1] - 1 // the newline
	}
	units := 0
	for off := start; off < end; {
		if units >= col {
			return Pos(off), nil
		}
		r, size := utf8.DecodeRune(f.Src[off:end])
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		off += size
	}
	return Pos(end), nil
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}
