package value

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file defines the case-insensitive text tests of the language,
// `contains` and `starts with` (SPEC §1.4), by Unicode simple case
// folding: "but" matches "Buty" and "BUTELKA", "ř" matches "Ř", the
// Kelvin sign matches "k". The compiler folds the constant side once
// ([Fold]); the VM compares the data side rune by rune, without
// allocating ([ContainsFold], [HasPrefixFold]).

// FoldRune returns the canonical case fold of r: the smallest rune of its
// simple case-folding orbit (unicode.SimpleFold), so that two runes are
// equal under case folding exactly when their FoldRunes are equal. For
// ASCII letters that is the upper case letter.
func FoldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	if r < rune(len(foldTable)) {
		return rune(foldTable[r])
	}
	return orbitMin(r)
}

func orbitMin(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}

// foldTable caches FoldRune for the Latin, Greek and Cyrillic blocks, where
// Czech, Polish and most shop data live. It is computed once and never
// changed.
var foldTable = func() *[0x530]uint16 {
	var t [0x530]uint16
	for r := range t {
		t[r] = uint16(orbitMin(rune(r)))
	}
	return &t
}()

// Fold returns s with every rune replaced by its [FoldRune]: the form of
// the constant operand that the compiler gives [ContainsFold] and
// [HasPrefixFold].
// Invalid UTF-8 bytes are kept as U+FFFD.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(FoldRune(r))
	}
	return b.String()
}

// ContainsFold reports whether s contains needle under Unicode simple case
// folding. An empty needle is contained in every string. It does not
// allocate; a needle folded in advance with [Fold] (as the compiler does
// for constants) saves folding it again at each call.
func ContainsFold(s, needle string) bool {
	if needle == "" {
		return true
	}
	n0 := foldASCII(needle[0])
	if n0 < utf8.RuneSelf && n0 != 'K' && n0 != 'S' {
		// Only K and S have folds outside ASCII (the Kelvin sign, the long
		// s), so for any other ASCII first rune a match can only start at
		// one of its two ASCII spellings; other bytes, including all of a
		// multi-byte rune's, are skipped without decoding.
		lo := n0
		if 'A' <= n0 && n0 <= 'Z' {
			lo = n0 + 'a' - 'A'
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c == n0 || c == lo) && matchFold(s[i:], needle) {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// An ASCII rune folds to ASCII, so it can only start a match of
			// a needle that starts with its fold.
			if foldASCII(c) == n0 && matchFold(s[i:], needle) {
				return true
			}
			i++
			continue
		}
		if matchFold(s[i:], needle) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return false
}

// HasPrefixFold reports whether s starts with prefix under Unicode simple
// case folding. It does not allocate.
func HasPrefixFold(s, prefix string) bool { return matchFold(s, prefix) }

// matchFold reports whether s starts with needle, both folded rune by
// rune (folding is idempotent, so a folded needle costs nothing more).
func matchFold(s, needle string) bool {
	i, j := 0, 0
	for j < len(needle) {
		if i >= len(s) {
			return false
		}
		a, b := s[i], needle[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if foldASCII(a) != foldASCII(b) {
				return false
			}
			i++
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		q, m := utf8.DecodeRuneInString(needle[j:])
		if FoldRune(r) != FoldRune(q) {
			return false
		}
		i += n
		j += m
	}
	return true
}

func foldASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
