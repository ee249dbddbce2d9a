package value

import (
	"math"
	"strconv"
	"time"
)

// This file defines the duration syntax of the language: `30s`, `15m`,
// `2h`, `3d`, `1w`, and combinations such as `1d12h`.

// Units of a duration literal. A day is 24 hours and a week 7 days: rule
// durations are spans of elapsed time, not calendar arithmetic.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

var durationUnits = [...]struct {
	unit byte
	d    time.Duration
}{{'w', Week}, {'d', Day}, {'h', time.Hour}, {'m', time.Minute}, {'s', time.Second}}

func unitOf(c byte) (time.Duration, bool) {
	for _, u := range durationUnits {
		if u.unit == c {
			return u.d, true
		}
	}
	return 0, false
}

// ParseDuration reads a duration literal: one or more groups of decimal
// digits followed by a unit among s, m, h, d (24h) and w (7d), summed:
// "30s", "1d12h", "90m". There is no sign, no fraction and no space, as in
// the language's source. Errors are [*ParseError]s wrapping [ErrSyntax],
// or [ErrRange] for a total beyond about 292 years.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, &ParseError{Text: s, Err: ErrSyntax}
	}
	var total time.Duration
	for i := 0; i < len(s); {
		j := i
		var n int64
		for j < len(s) && isDigit(s[j]) {
			if n > (math.MaxInt64-9)/10 {
				return 0, &ParseError{Text: s, Err: ErrRange}
			}
			n = n*10 + int64(s[j]-'0')
			j++
		}
		if j == i || j == len(s) {
			return 0, &ParseError{Text: s, Err: ErrSyntax}
		}
		unit, ok := unitOf(s[j])
		if !ok {
			return 0, &ParseError{Text: s, Err: ErrSyntax}
		}
		if n > int64(math.MaxInt64/unit) {
			return 0, &ParseError{Text: s, Err: ErrRange}
		}
		part := time.Duration(n) * unit
		if total > math.MaxInt64-part {
			return 0, &ParseError{Text: s, Err: ErrRange}
		}
		total += part
		i = j + 1
	}
	return total, nil
}

// FormatDuration renders d in the literal syntax with the largest units
// first: 36h → "1d12h", 0 → "0s", -90m → "-1h30m". A part smaller than a
// second (from `time - time` on precise timestamps) is written as a
// fraction of seconds, "1m0.5s", which [ParseDuration] does not read back;
// whole-second durations round-trip.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b []byte
	u := uint64(d)
	if d < 0 {
		b = append(b, '-')
		u = -u
	}
	for _, unit := range durationUnits {
		if n := u / uint64(unit.d); n > 0 {
			b = strconv.AppendUint(b, n, 10)
			b = append(b, unit.unit)
			u -= n * uint64(unit.d)
		}
	}
	if u > 0 {
		// Below a second: rewrite a trailing "Ns" (or nothing) as N.fff s.
		secs := uint64(0)
		if n := len(b); n > 0 && b[n-1] == 's' {
			j := n - 1
			for j > 0 && isDigit(b[j-1]) {
				j--
			}
			secs, _ = strconv.ParseUint(string(b[j:n-1]), 10, 64)
			b = b[:j]
		}
		frac := strconv.FormatUint(1e9+u, 10)[1:] // nine digits: "500000000"
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = strconv.AppendUint(b, secs, 10)
		b = append(b, '.')
		b = append(b, frac...)
		b = append(b, 's')
	}
	return string(b)
}
