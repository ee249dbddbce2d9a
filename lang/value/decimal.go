// Package value defines the scalar values of the Automat rule language that
// need more care than a Go built-in type: the exact decimal [Decimal] used
// for `number` and `money`, and the duration syntax of `30s`, `1d12h`
// ([ParseDuration], [FormatDuration]).
//
// It sits at the bottom of the pipeline next to lang/token: the compiler
// folds constants with it, the code generator stores decimals in the
// bytecode constant pool, the record decoder reads JSON numbers and strings
// into it, and the VM does its arithmetic and comparisons with it. Nothing
// here allocates on the success path of an arithmetic operation, so the VM
// can evaluate a condition without touching the heap.
package value

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
)

// This file defines Decimal, its arithmetic and its text form.

// MaxScale is the largest number of fractional digits a [Decimal] holds.
const MaxScale = 18

// DivScale is the number of fractional digits a quotient is rounded to
// (half to even) when the division is not exact; see [Decimal.Div].
const DivScale = 10

// Errors returned by decimal parsing and arithmetic. They are sentinels so
// that the VM can report them without allocating; parsing wraps them with
// the offending text.
var (
	// ErrOverflow: the result's integer part does not fit in the
	// coefficient (about 19 significant digits).
	ErrOverflow = errors.New("decimal overflow")
	// ErrDivByZero: division by zero.
	ErrDivByZero = errors.New("division by zero")
	// ErrSyntax: the text is not a decimal number.
	ErrSyntax = errors.New("not a decimal number")
	// ErrRange: the text is a number that a Decimal cannot hold exactly
	// (more than 18 fractional digits, or more than about 19 significant
	// digits).
	ErrRange = errors.New("decimal out of range")
)

// Decimal is an exact decimal number: coef × 10^-scale, where coef is a
// signed 64-bit integer in ±(2^63-1) (about 19 significant digits) and
// scale is 0..[MaxScale] fractional digits. The zero value is 0.
//
// Decimals keep the scale they were written with: "99.90" has scale 2 and
// prints as "99.90", and is equal ([Decimal.Cmp], [Decimal.Equal]) to
// "99.9". Decimal is a small comparable value; as a map key use
// [Decimal.Normalize] so that equal numbers collide.
//
// Addition, subtraction and comparison are always exact, and so is
// multiplication unless the exact product needs more than 18 fractional
// digits or more than 63 bits, in which case it is rounded half to even
// to the most fractional digits that fit. Division is exact when the
// quotient has at most [DivScale] fractional digits and otherwise rounded
// half to even to DivScale. An operation whose integer part does not fit
// returns [ErrOverflow]. Binary floating point is never involved:
// 0.1 + 0.2 = 0.3.
type Decimal struct {
	coef  int64
	scale uint8
}

// pow10 holds 10^0 … 10^18, every power of ten that fits in an int64.
var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
}

// New returns coef × 10^-scale. It panics if scale is outside 0..MaxScale
// or coef is math.MinInt64 (whose negation does not fit); both are
// programming errors, not data errors.
func New(coef int64, scale int) Decimal {
	if scale < 0 || scale > MaxScale || coef == math.MinInt64 {
		panic("value.New: decimal out of range")
	}
	return Decimal{coef: coef, scale: uint8(scale)}
}

// FromInt returns the integer n as a Decimal of scale 0. math.MinInt64 is
// clamped to -(2^63-1).
func FromInt(n int64) Decimal {
	if n == math.MinInt64 {
		n++
	}
	return Decimal{coef: n}
}

// Coef returns the coefficient: d = Coef × 10^-Scale.
func (d Decimal) Coef() int64 { return d.coef }

// Scale returns the number of fractional digits d was written with.
func (d Decimal) Scale() int { return int(d.scale) }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.coef < 0:
		return -1
	case d.coef > 0:
		return 1
	}
	return 0
}

// IsZero reports whether d is zero, whatever its scale.
func (d Decimal) IsZero() bool { return d.coef == 0 }

// Neg returns -d, with the same scale.
func (d Decimal) Neg() Decimal { return Decimal{coef: -d.coef, scale: d.scale} }

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	if d.coef < 0 {
		return d.Neg()
	}
	return d
}

// Normalize returns d with trailing fractional zeros removed, so that equal
// numbers have equal representations ("99.90" → "99.9", "5.00" → "5").
func (d Decimal) Normalize() Decimal {
	for d.scale > 0 && d.coef%10 == 0 {
		d.coef /= 10
		d.scale--
	}
	return d
}

// Round returns d rounded half to even to places fractional digits (0 ≤
// places); a d with fewer places is returned unchanged.
func (d Decimal) Round(places int) Decimal {
	if places < 0 {
		places = 0
	}
	if int(d.scale) <= places {
		return d
	}
	drop := int(d.scale) - places
	neg := d.coef < 0
	m := abs64(d.coef)
	q, r := m/pow10[drop], m%pow10[drop]
	half := pow10[drop] / 2
	if r > half || r == half && q&1 == 1 {
		q++
	}
	c, _ := signed(q, neg)
	return Decimal{coef: c, scale: uint8(places)}
}

// Int64 returns d as an integer when it is one.
func (d Decimal) Int64() (int64, bool) {
	n := d.Normalize()
	if n.scale != 0 {
		return 0, false
	}
	return n.coef, true
}

// Float64 returns the nearest float64. It is for display and statistics
// only; the language never computes with it.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

func abs64(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// signed returns ±m as an int64 if it fits in ±(2^63-1).
func signed(m uint64, neg bool) (int64, bool) {
	if m > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(m), true
	}
	return int64(m), true
}

// scaleUp multiplies x by 10^k (k ≤ MaxScale), reporting overflow.
func scaleUp(x int64, k uint8) (int64, bool) {
	if k == 0 || x == 0 {
		return x, true
	}
	hi, lo := bits.Mul64(abs64(x), pow10[k])
	if hi != 0 {
		return 0, false
	}
	return signed(lo, x < 0)
}

// Add returns d + e, exactly, at the larger of the two scales.
func (d Decimal) Add(e Decimal) (Decimal, error) {
	x, y, s, ok := align(d, e)
	if !ok {
		return Decimal{}, ErrOverflow
	}
	z := x + y
	// Overflow iff x and y have the same sign and z's sign differs; the
	// result must also stay clear of MinInt64.
	if (x >= 0) == (y >= 0) && (z >= 0) != (x >= 0) || z == math.MinInt64 {
		return Decimal{}, ErrOverflow
	}
	return Decimal{coef: z, scale: s}, nil
}

// Sub returns d - e, exactly, at the larger of the two scales.
func (d Decimal) Sub(e Decimal) (Decimal, error) { return d.Add(e.Neg()) }

// align brings d and e to the larger of their scales.
func align(d, e Decimal) (x, y int64, s uint8, ok bool) {
	switch {
	case d.scale == e.scale:
		return d.coef, e.coef, d.scale, true
	case d.scale < e.scale:
		x, ok = scaleUp(d.coef, e.scale-d.scale)
		return x, e.coef, e.scale, ok
	default:
		y, ok = scaleUp(e.coef, d.scale-e.scale)
		return d.coef, y, d.scale, ok
	}
}

// Mul returns d × e at scale d.Scale()+e.Scale() when that is exact and
// fits; otherwise the product is rounded half to even to the most
// fractional digits that fit (at most MaxScale). ErrOverflow means the
// integer part does not fit.
func (d Decimal) Mul(e Decimal) (Decimal, error) {
	neg := (d.coef < 0) != (e.coef < 0)
	hi, lo := bits.Mul64(abs64(d.coef), abs64(e.coef))
	scale := int(d.scale) + int(e.scale)
	if hi == 0 && lo <= math.MaxInt64 && scale <= MaxScale {
		c, _ := signed(lo, neg)
		return Decimal{coef: c, scale: uint8(scale)}, nil
	}
	return round128(hi, lo, scale, neg)
}

// round128 reduces the 128-bit magnitude (hi, lo) at the given scale to a
// Decimal: first by dropping trailing zeros, then by rounding half to even
// one digit at a time until it fits in 63 bits with scale ≤ MaxScale.
func round128(hi, lo uint64, scale int, neg bool) (Decimal, error) {
	var last uint64 // the last digit dropped
	sticky := false // whether any earlier dropped digit was non-zero
	for hi != 0 || lo > math.MaxInt64 || scale > MaxScale {
		if scale == 0 {
			return Decimal{}, ErrOverflow
		}
		if last != 0 {
			sticky = true
		}
		qhi := hi / 10
		var r uint64
		lo, r = bits.Div64(hi%10, lo, 10)
		hi = qhi
		last = r
		scale--
	}
	if last > 5 || last == 5 && (sticky || lo&1 == 1) {
		lo++
		if lo > math.MaxInt64 {
			// Carrying into a new digit: 9999…9 + 1. Drop one more digit,
			// which is a zero, so no further rounding is needed.
			if scale == 0 {
				return Decimal{}, ErrOverflow
			}
			lo /= 10
			scale--
		}
	}
	c, _ := signed(lo, neg)
	return Decimal{coef: c, scale: uint8(scale)}, nil
}

// Div returns d / e. The quotient is computed to max(d.Scale(),
// e.Scale(), DivScale) fractional digits, rounded half to even, and then
// stripped of trailing zeros down to max(d.Scale(), e.Scale()): 10 / 4 =
// 2.5, 99.90 / 2 = 49.95, 100.00 / 4 = 25.00, 1 / 3 = 0.3333333333. When
// the quotient is too large to hold that many fractional digits, it keeps
// as many as fit. Division by zero returns [ErrDivByZero].
func (d Decimal) Div(e Decimal) (Decimal, error) {
	if e.coef == 0 {
		return Decimal{}, ErrDivByZero
	}
	neg := (d.coef < 0) != (e.coef < 0)
	a, b := abs64(d.coef), abs64(e.coef)
	minScale := max(int(d.scale), int(e.scale))
	target := max(minScale, DivScale)
	// d/e = (a/b) × 10^(e.scale-d.scale). Long division: the integer
	// quotient a/b has scale base, and each further digit adds one; base ≤
	// d.scale ≤ target ≤ MaxScale.
	base := int(d.scale) - int(e.scale)
	q, r := a/b, a%b
	for scale := base; scale < target; scale++ {
		hi, lo := bits.Mul64(r, 10)
		digit, rem := bits.Div64(hi, lo, b)
		qh, ql := bits.Mul64(q, 10)
		ql, carry := bits.Add64(ql, digit, 0)
		if qh != 0 || carry != 0 || ql > math.MaxInt64 {
			// No room for this digit: stop here and round.
			if scale < 0 {
				return Decimal{}, ErrOverflow
			}
			return roundQuot(q, r, b, scale, minScale, neg)
		}
		q, r = ql, rem
	}
	return roundQuot(q, r, b, target, minScale, neg)
}

// roundQuot rounds the quotient q (remainder r of divisor b) half to even
// at scale, then strips trailing zeros down to minScale.
func roundQuot(q, r, b uint64, scale, minScale int, neg bool) (Decimal, error) {
	twice := r << 1 // r < b ≤ 2^63, so no overflow
	if twice > b || twice == b && q&1 == 1 {
		q++
		if q > math.MaxInt64 {
			if scale == 0 {
				return Decimal{}, ErrOverflow
			}
			q /= 10
			scale--
		}
	}
	for scale > minScale && q%10 == 0 {
		q /= 10
		scale--
	}
	c, _ := signed(q, neg)
	return Decimal{coef: c, scale: uint8(scale)}, nil
}

// Cmp compares d and e numerically and returns -1, 0 or +1; scale does
// not matter (99.90 equals 99.9). It never overflows.
func (d Decimal) Cmp(e Decimal) int {
	if d.scale == e.scale {
		return cmp64(d.coef, e.coef)
	}
	ds, es := d.Sign(), e.Sign()
	if ds != es {
		return cmp64(int64(ds), int64(es))
	}
	if ds == 0 {
		return 0
	}
	// Same non-zero sign: compare magnitudes at a common scale in 128 bits.
	var ahi, alo, bhi, blo uint64
	if d.scale < e.scale {
		ahi, alo = bits.Mul64(abs64(d.coef), pow10[e.scale-d.scale])
		blo = abs64(e.coef)
	} else {
		alo = abs64(d.coef)
		bhi, blo = bits.Mul64(abs64(e.coef), pow10[d.scale-e.scale])
	}
	c := 0
	switch {
	case ahi != bhi:
		c = cmpU(ahi, bhi)
	default:
		c = cmpU(alo, blo)
	}
	return c * ds
}

// Equal reports whether d and e are the same number (Cmp == 0).
func (d Decimal) Equal(e Decimal) bool { return d.Cmp(e) == 0 }

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String returns d in plain decimal notation with exactly Scale()
// fractional digits: "99.90", "-5", "0.05". It is the canonical text that
// [ParseDecimal] reads back to the same Decimal.
func (d Decimal) String() string {
	var buf [24]byte
	return string(d.Append(buf[:0]))
}

// Append appends d's String form to dst and returns the extended slice; it
// does not allocate when dst has room for 22 bytes.
func (d Decimal) Append(dst []byte) []byte {
	var digits [20]byte
	i := len(digits)
	m := abs64(d.coef)
	for m > 0 {
		i--
		digits[i] = byte('0' + m%10)
		m /= 10
	}
	n := len(digits) - i // number of significant digits
	if d.coef < 0 {
		dst = append(dst, '-')
	}
	s := int(d.scale)
	if n <= s {
		dst = append(dst, '0')
		if s > 0 {
			dst = append(dst, '.')
			for range s - n {
				dst = append(dst, '0')
			}
		}
		return append(dst, digits[i:]...)
	}
	dst = append(dst, digits[i:len(digits)-s]...)
	if s > 0 {
		dst = append(dst, '.')
		dst = append(dst, digits[len(digits)-s:]...)
	}
	return dst
}

// ParseDecimal reads a decimal number: an optional sign, digits, an
// optional fraction and an optional exponent, i.e. the syntax of JSON
// numbers plus a leading "+" and leading zeros: "99.90", "-5", "1e3",
// "2.5E-2". The result keeps the written scale ("99.90" has scale 2; an
// exponent shifts it, "1.50e1" is "15.0"). Text that is not a number
// yields [ErrSyntax]; a number a Decimal cannot hold exactly yields
// [ErrRange]. Both are wrapped in a [*ParseError].
func ParseDecimal(s string) (Decimal, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return Decimal{}, &ParseError{Text: s, Err: err}
	}
	return d, nil
}

// ParseDecimalBytes is [ParseDecimal] for a byte slice; it does not
// allocate unless it fails.
func ParseDecimalBytes(b []byte) (Decimal, error) {
	d, err := parseDecimal(b)
	if err != nil {
		return Decimal{}, &ParseError{Text: string(b), Err: err}
	}
	return d, nil
}

// ParseError is the error of [ParseDecimal] and [ParseDuration]: the
// text that failed and why ([ErrSyntax], [ErrRange]).
type ParseError struct {
	Text string
	Err  error
}

func (e *ParseError) Error() string {
	const max = 40
	t := e.Text
	if len(t) > max {
		t = t[:max] + "…"
	}
	return strconv.Quote(t) + ": " + e.Err.Error()
}

// Unwrap returns the cause, so errors.Is(err, ErrSyntax) works.
func (e *ParseError) Unwrap() error { return e.Err }

func parseDecimal[T string | []byte](s T) (Decimal, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var coef uint64
	var zeros int // fractional zeros read but not yet added to coef
	scale := 0
	intDigits := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		var ok bool
		if coef, ok = pushDigit(coef, s[i]); !ok {
			return Decimal{}, ErrRange
		}
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			fracDigits++
			if s[i] == '0' {
				zeros++
				continue
			}
			// Materialise the pending zeros, then the digit.
			for ; zeros > 0; zeros-- {
				var ok bool
				if coef, ok = pushDigit(coef, '0'); !ok {
					return Decimal{}, ErrRange
				}
				scale++
			}
			var ok bool
			if coef, ok = pushDigit(coef, s[i]); !ok {
				return Decimal{}, ErrRange
			}
			scale++
		}
		if fracDigits == 0 {
			return Decimal{}, ErrSyntax
		}
	}
	if intDigits == 0 {
		return Decimal{}, ErrSyntax
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			if exp < 10000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return Decimal{}, ErrSyntax
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return Decimal{}, ErrSyntax
	}
	// The written scale counts the trailing zeros too ("99.90" is 2), as
	// long as they fit; beyond MaxScale they are dropped, which is exact.
	written := fracDigits - exp
	scale -= exp
	for ; zeros > 0 && scale < min(written, MaxScale); zeros-- {
		c, ok := pushDigit(coef, '0')
		if !ok {
			break // dropping a trailing zero is exact
		}
		coef = c
		scale++
	}
	for scale < 0 {
		// A positive exponent beyond the fraction: 1e3, 1.5e2.
		if coef == 0 {
			scale = 0
			break
		}
		var ok bool
		if coef, ok = pushDigit(coef, '0'); !ok {
			return Decimal{}, ErrRange
		}
		scale++
	}
	for scale > MaxScale && coef%10 == 0 {
		coef /= 10
		scale--
	}
	if scale > MaxScale {
		if coef == 0 {
			scale = MaxScale
		} else {
			return Decimal{}, ErrRange
		}
	}
	c, ok := signed(coef, neg)
	if !ok {
		return Decimal{}, ErrRange
	}
	return Decimal{coef: c, scale: uint8(scale)}, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// pushDigit returns coef*10 + digit, reporting whether it fits in 63 bits.
func pushDigit(coef uint64, digit byte) (uint64, bool) {
	if coef > (math.MaxInt64-9)/10 {
		hi, lo := bits.Mul64(coef, 10)
		lo, carry := bits.Add64(lo, uint64(digit-'0'), 0)
		if hi != 0 || carry != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		return lo, true
	}
	return coef*10 + uint64(digit-'0'), true
}

// MustParseDecimal is [ParseDecimal] for constants in tests and tables; it
// panics on error.
func MustParseDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// MarshalText implements encoding.TextMarshaler with [Decimal.String], so
// encoding/json writes a Decimal as a string ("99.90"), exactly.
func (d Decimal) MarshalText() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseDecimal].
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimalBytes(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalJSON reads a JSON number (99.9) or a JSON string ("99.90")
// exactly, never through float64. JSON null leaves d unchanged.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	return d.UnmarshalText(b)
}
