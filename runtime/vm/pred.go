package vm

import (
	"math"
	"strings"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// This file defines the predicates of OpPred, OpTest, OpTestField and
// OpCmp with the null semantics of SPEC §1.4: a comparison with null is
// false except `!=`, which is true; `in`, `contains`, `starts with` and
// `matches` are false on null; `is null`, `is empty` test absence and
// presence-and-emptiness.

// The hottest predicate and kind combinations, packed as in a Flag
// without its sense bit; each gets its own case in test.
const (
	eqEnum   = bytecode.Flag(bytecode.PredEq) | bytecode.Flag(bytecode.Enum)<<4
	neEnum   = bytecode.Flag(bytecode.PredNe) | bytecode.Flag(bytecode.Enum)<<4
	eqString = bytecode.Flag(bytecode.PredEq) | bytecode.Flag(bytecode.String)<<4
	neString = bytecode.Flag(bytecode.PredNe) | bytecode.Flag(bytecode.String)<<4
	ltNumber = bytecode.Flag(bytecode.PredLt) | bytecode.Flag(bytecode.Number)<<4
	leNumber = bytecode.Flag(bytecode.PredLe) | bytecode.Flag(bytecode.Number)<<4
	gtNumber = bytecode.Flag(bytecode.PredGt) | bytecode.Flag(bytecode.Number)<<4
	geNumber = bytecode.Flag(bytecode.PredGe) | bytecode.Flag(bytecode.Number)<<4
	inEnum   = bytecode.Flag(bytecode.PredIn) | bytecode.Flag(bytecode.Enum)<<4
	inString = bytecode.Flag(bytecode.PredIn) | bytecode.Flag(bytecode.String)<<4
)

// test evaluates the predicate of f on x and the constant operand b.
func (p *Program) test(f bytecode.Flag, x *Value, b uint32) bool {
	switch f &^ 0x80 {
	case eqEnum:
		y := &p.consts[b]
		return x.k == bytecode.Enum && (y.n >= 0 && x.n == y.n || y.n < 0 && x.s == y.s)
	case neEnum:
		y := &p.consts[b]
		return !(x.k == bytecode.Enum && (y.n >= 0 && x.n == y.n || y.n < 0 && x.s == y.s))
	case eqString:
		return x.k != bytecode.Null && eqText(x, &p.consts[b])
	case neString:
		return x.k == bytecode.Null || !eqText(x, &p.consts[b])
	case ltNumber:
		return x.k == bytecode.Number && cmpNum(x, &p.consts[b]) < 0
	case leNumber:
		return x.k == bytecode.Number && cmpNum(x, &p.consts[b]) <= 0
	case gtNumber:
		return x.k == bytecode.Number && cmpNum(x, &p.consts[b]) > 0
	case geNumber:
		return x.k == bytecode.Number && cmpNum(x, &p.consts[b]) >= 0
	}
	switch f.Pred() {
	case bytecode.PredIn:
		return x.k != bytecode.Null && p.sets[b].contains(x)
	case bytecode.PredContains:
		return contains(f.Kind(), x, &p.consts[b])
	case bytecode.PredStarts:
		return (x.k == bytecode.String || x.k == bytecode.Enum) && value.HasPrefixFold(x.s, p.consts[b].s)
	case bytecode.PredMatches:
		return (x.k == bytecode.String || x.k == bytecode.Enum) && p.regexps[b].MatchString(x.s)
	case bytecode.PredIsNull:
		return x.k == bytecode.Null
	case bytecode.PredIsEmpty:
		return isEmpty(x)
	case bytecode.PredIsNotEmpty:
		return x.k != bytecode.Null && !isEmpty(x)
	case bytecode.PredTrue:
		return x.k == bytecode.Bool && x.n != 0
	}
	return cmp(f, x, &p.consts[b])
}

// cmpNum compares two numbers. Equal scales compare coefficients; others
// scale the coarser one up when that fits in 64 bits (the common case:
// 123.45 against the constant 100), and fall back to Decimal.Cmp.
func cmpNum(x, y *Value) int {
	switch {
	case x.scale == y.scale:
		return cmpInt(x.n, y.n)
	case x.scale > y.scale:
		if yn, ok := scaleUp(y.n, x.scale-y.scale); ok {
			return cmpInt(x.n, yn)
		}
	default:
		if xn, ok := scaleUp(x.n, y.scale-x.scale); ok {
			return cmpInt(xn, y.n)
		}
	}
	return x.Decimal().Cmp(y.Decimal())
}

// pow10 holds the powers of ten a scale difference can need.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// maxScaled[k] is the largest magnitude that can be multiplied by 10^k
// without overflow.
var maxScaled = func() (t [len(pow10)]int64) {
	for k, p := range pow10 {
		t[k] = math.MaxInt64 / p
	}
	return t
}()

// scaleUp returns n × 10^k when it fits without overflow.
func scaleUp(n int64, k uint8) (int64, bool) {
	if int(k) >= len(pow10) {
		return 0, false
	}
	if lim := maxScaled[k]; n > lim || n < -lim {
		return 0, false
	}
	return n * pow10[k], true
}

// cmp evaluates the predicate of f on x and the operand y, a value
// computed at run time.
func cmp(f bytecode.Flag, x, y *Value) bool {
	switch f.Pred() {
	case bytecode.PredEq:
		return x.k != bytecode.Null && y.k != bytecode.Null && equal(f.Kind(), x, y)
	case bytecode.PredNe:
		return x.k == bytecode.Null || y.k == bytecode.Null || !equal(f.Kind(), x, y)
	case bytecode.PredLt:
		c, ok := compare(f.Kind(), x, y)
		return ok && c < 0
	case bytecode.PredLe:
		c, ok := compare(f.Kind(), x, y)
		return ok && c <= 0
	case bytecode.PredGt:
		c, ok := compare(f.Kind(), x, y)
		return ok && c > 0
	case bytecode.PredGe:
		c, ok := compare(f.Kind(), x, y)
		return ok && c >= 0
	case bytecode.PredIn:
		// x in the list y: null is in no list, and null elements match
		// nothing.
		if x.k == bytecode.Null {
			return false
		}
		for _, e := range y.Elems() {
			if e.k != bytecode.Null && equal(f.Kind(), x, &e) {
				return true
			}
		}
		return false
	case bytecode.PredContains:
		return y.k != bytecode.Null && contains(f.Kind(), x, y)
	case bytecode.PredStarts:
		return (x.k == bytecode.String || x.k == bytecode.Enum) && y.k != bytecode.Null && value.HasPrefixFold(x.s, y.s)
	}
	return false
}

// equal compares two non-null values of kind k. Enum values of one enum
// (kind Enum) compare by index when both are declared, else by text; kind
// String compares the text of strings and enum values alike.
func equal(k bytecode.Kind, x, y *Value) bool {
	switch k {
	case bytecode.Number:
		if x.scale == y.scale {
			return x.n == y.n && x.k == y.k
		}
		return x.k == y.k && x.Decimal().Cmp(y.Decimal()) == 0
	case bytecode.String:
		return eqText(x, y)
	case bytecode.Enum:
		if x.n >= 0 && y.n >= 0 {
			return x.n == y.n
		}
		return x.s == y.s
	case bytecode.Bool, bytecode.Time, bytecode.Duration:
		return x.k == y.k && x.n == y.n
	}
	return x.Equal(*y)
}

// eqText compares the text of two non-null strings or enum values; two
// interned strings compare by atom.
func eqText(x, y *Value) bool {
	if x.k == bytecode.String && y.k == bytecode.String && x.n != 0 && y.n != 0 {
		return x.n == y.n
	}
	return x.s == y.s
}

// equalKind is equal for values of a set (used by linear sets).
func equalKind(k bytecode.Kind, x, y *Value) bool { return equal(k, x, y) }

// compare orders x and y of kind k; ok is false when either is null or
// the values are not ordered (an undeclared enum value).
func compare(k bytecode.Kind, x, y *Value) (int, bool) {
	if x.k == bytecode.Null || y.k == bytecode.Null || x.k != y.k && k != bytecode.String {
		return 0, false
	}
	switch k {
	case bytecode.Number:
		return x.Decimal().Cmp(y.Decimal()), true
	case bytecode.String:
		return strings.Compare(x.s, y.s), true
	case bytecode.Enum:
		if x.n < 0 || y.n < 0 {
			return 0, false
		}
		return cmpInt(x.n, y.n), true
	case bytecode.Time, bytecode.Duration, bytecode.Bool:
		return cmpInt(x.n, y.n), true
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// contains is `x contains y`: case-folded text containment, or for a list
// x, whether it holds y. False when x is null.
func contains(k bytecode.Kind, x, y *Value) bool {
	switch x.k {
	case bytecode.String, bytecode.Enum:
		return value.ContainsFold(x.s, y.s)
	case bytecode.List:
		ek := y.k
		if k == bytecode.Enum || k == bytecode.String {
			ek = k
		}
		for _, e := range x.Elems() {
			if e.k != bytecode.Null && equal(ek, &e, y) {
				return true
			}
		}
	}
	return false
}

// isEmpty is `x is empty`: present and "" or an empty list.
func isEmpty(x *Value) bool {
	switch x.k {
	case bytecode.String, bytecode.Enum:
		return x.s == ""
	case bytecode.List:
		return len(x.Elems()) == 0
	}
	return false
}
