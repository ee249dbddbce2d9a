package vm

import (
	"strings"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// This file defines the predicates of OpPred, OpTest, OpTestField and
// OpCmp with the null semantics of SPEC §1.4: a comparison with null is
// false except `!=`, which is true; `in`, `contains`, `starts with` and
// `matches` are false on null; `is null`, `is empty` test absence and
// presence-and-emptiness.

// pred evaluates the predicate of f on x and the constant operand b.
func (m *Machine) pred(f bytecode.Flag, x *Value, b uint32) bool {
	switch f.Pred() {
	case bytecode.PredEq:
		return x.k != bytecode.Null && equal(f.Kind(), x, &m.p.consts[b])
	case bytecode.PredNe:
		return x.k == bytecode.Null || !equal(f.Kind(), x, &m.p.consts[b])
	case bytecode.PredLt:
		c, ok := compare(f.Kind(), x, &m.p.consts[b])
		return ok && c < 0
	case bytecode.PredLe:
		c, ok := compare(f.Kind(), x, &m.p.consts[b])
		return ok && c <= 0
	case bytecode.PredGt:
		c, ok := compare(f.Kind(), x, &m.p.consts[b])
		return ok && c > 0
	case bytecode.PredGe:
		c, ok := compare(f.Kind(), x, &m.p.consts[b])
		return ok && c >= 0
	case bytecode.PredIn:
		return x.k != bytecode.Null && m.p.sets[b].contains(x)
	case bytecode.PredContains:
		return contains(f.Kind(), x, &m.p.consts[b])
	case bytecode.PredStarts:
		return (x.k == bytecode.String || x.k == bytecode.Enum) && value.HasPrefixFold(x.s, m.p.consts[b].s)
	case bytecode.PredMatches:
		return (x.k == bytecode.String || x.k == bytecode.Enum) && m.p.regexps[b].MatchString(x.s)
	case bytecode.PredIsNull:
		return x.k == bytecode.Null
	case bytecode.PredIsEmpty:
		return isEmpty(x)
	case bytecode.PredIsNotEmpty:
		return x.k != bytecode.Null && !isEmpty(x)
	case bytecode.PredTrue:
		return x.k == bytecode.Bool && x.n != 0
	}
	return false
}

// cmp evaluates the predicate of f on x and the operand y, a value
// computed at run time.
func (m *Machine) cmp(f bytecode.Flag, x, y *Value) bool {
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
		return x.s == y.s
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
