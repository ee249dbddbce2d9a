// Package spell suggests the nearest known name for a misspelt one, for
// the "did you mean X?" part of the compiler's diagnostics. Names are
// compared after folding case and diacritics (so "Vyrizena" finds
// "Vyřízena" and "zrealizowane" finds "Zrealizowane"), by edit distance
// with transpositions, and by whole words of snake_case names
// ("send_email" finds "email").
package spell

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Nearest returns the candidate closest to x, or "" when none is close
// enough to be a likely typo. Among equally close candidates the first
// one wins; x itself is never suggested.
func Nearest(x string, candidates []string) string {
	fx := Fold(x)
	max := threshold(len([]rune(fx)))
	best, bestDist := "", max+1
	for _, c := range candidates {
		if c == x || c == "" {
			continue
		}
		fc := Fold(c)
		d := 0
		if fc != fx {
			d = distance(fx, fc, bestDist)
			if d > max && sharesWord(fx, fc) {
				d = max
			}
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// threshold is the largest edit distance still taken for a typo of a name
// of n characters.
func threshold(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 4:
		return 1
	case n <= 8:
		return 2
	}
	return n / 3
}

// sharesWord reports whether one snake_case name is a whole word of the
// other, as "email" is of "send_email", and the word is not trivially
// short.
func sharesWord(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 4 {
		return false
	}
	for _, w := range strings.Split(b, "_") {
		if w == a {
			return true
		}
	}
	return false
}

// folds maps letters that have no Unicode decomposition to their base.
var folds = map[rune]string{
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ø': "o", 'Ø': "o", 'ß': "ss", 'æ': "ae", 'œ': "oe",
}

// Fold lower-cases s, removes diacritics and treats spaces, hyphens and
// underscores alike, so that names typed on a keyboard without Czech or
// Polish letters still match.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '-' || r == ' ':
			b.WriteByte('_')
		default:
			if f, ok := folds[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// distance is the optimal string alignment distance between a and b (a
// transposition of neighbours counts once), giving up early once every
// path is at least limit.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
