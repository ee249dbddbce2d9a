package vm

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// This file defines the values the VM computes with: Value, a small tagged
// struct, and Record, a record (or list) of values in slots.

// Value is one value of the rule language: null, a bool, an exact decimal
// (number or money), a string, an enum value, a time, a duration, a
// record or a list. It is a small struct passed by value; reading it never
// allocates. The zero Value is null.
type Value struct {
	k     bytecode.Kind
	scale uint8  // a number's scale
	n     int64  // bool 0/1; a number's coefficient; an enum's index (-1: undeclared); a string's atom (0: none); time in Unix ns; duration in ns
	s     string // a string's or an enum value's text
	r     *Record
}

// Record is a record value laid out by its type: Slots holds one value per
// field, in the order of the schema's fields (bytecode.RecordType). A list
// value is also held in a Record, with Type -1 and the elements in Slots.
type Record struct {
	Type  int32
	Slots []Value
}

// Null is the null value.
var Null = Value{}

// Bool returns the boolean b.
func Bool(b bool) Value {
	if b {
		return Value{k: bytecode.Bool, n: 1}
	}
	return Value{k: bytecode.Bool}
}

// Number returns the decimal d (a number or money).
func Number(d value.Decimal) Value {
	return Value{k: bytecode.Number, n: d.Coef(), scale: uint8(d.Scale())}
}

// String returns the string s. Strings from data must already be in
// Unicode NFC (runtime/record normalises them); [Program.Intern] makes
// the same value faster to compare with the program's constants.
func String(s string) Value { return Value{k: bytecode.String, s: s} }

// EnumValue returns an enum value: its text and its index among the enum's
// values, or -1 when the ruleset does not declare it.
func EnumValue(text string, index int) Value {
	return Value{k: bytecode.Enum, s: text, n: int64(index)}
}

// Time returns the time t (kept with nanosecond precision, in UTC).
func Time(t time.Time) Value { return Value{k: bytecode.Time, n: t.UnixNano()} }

// Duration returns the duration d.
func Duration(d time.Duration) Value { return Value{k: bytecode.Duration, n: int64(d)} }

// RecordValue returns a record value; a nil r is null.
func RecordValue(r *Record) Value {
	if r == nil {
		return Null
	}
	return Value{k: bytecode.Record, r: r}
}

// List returns a list of the given elements (the slice is kept, not
// copied).
func List(elems []Value) Value {
	return Value{k: bytecode.List, r: &Record{Type: -1, Slots: elems}}
}

// Kind returns the kind of v; null is bytecode.Null.
func (v Value) Kind() bytecode.Kind { return v.k }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.k == bytecode.Null }

// Bool returns a boolean's value (false for anything else).
func (v Value) Bool() bool { return v.k == bytecode.Bool && v.n != 0 }

// Decimal returns a number's value (0 for anything else).
func (v Value) Decimal() value.Decimal {
	if v.k != bytecode.Number {
		return value.Decimal{}
	}
	return value.New(v.n, int(v.scale))
}

// Str returns the text of a string or enum value ("" for anything else).
func (v Value) Str() string { return v.s }

// EnumIndex returns an enum value's index, -1 when undeclared.
func (v Value) EnumIndex() int { return int(v.n) }

// Time returns a time's value (the zero time for anything else).
func (v Value) Time() time.Time {
	if v.k != bytecode.Time {
		return time.Time{}
	}
	return time.Unix(0, v.n).UTC()
}

// Duration returns a duration's value.
func (v Value) Duration() time.Duration {
	if v.k != bytecode.Duration {
		return 0
	}
	return time.Duration(v.n)
}

// Record returns a record value's record, or nil.
func (v Value) Record() *Record {
	if v.k != bytecode.Record {
		return nil
	}
	return v.r
}

// Elems returns a list's elements (nil for anything else).
func (v Value) Elems() []Value {
	if v.k != bytecode.List || v.r == nil {
		return nil
	}
	return v.r.Slots
}

// Equal reports whether v and w are the same value: numbers numerically
// (99.90 equals 99.9), enum values by text, records and lists element by
// element. Null equals null here; the language's `=` never reaches this
// with null.
func (v Value) Equal(w Value) bool {
	if v.k != w.k {
		return false
	}
	switch v.k {
	case bytecode.Null:
		return true
	case bytecode.Number:
		return v.Decimal().Cmp(w.Decimal()) == 0
	case bytecode.String, bytecode.Enum:
		return v.s == w.s
	case bytecode.Record, bytecode.List:
		if v.r == w.r {
			return true
		}
		a, b := v.r.Slots, w.r.Slots
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	}
	return v.n == w.n
}

// AppendText appends v as text, the way string interpolation shows it:
// strings and enum values as they are, numbers in their written scale
// ("99.90"), times in RFC 3339 (UTC), durations as "1d12h", lists as their
// elements separated by ", ", null as nothing.
func (v Value) AppendText(dst []byte) []byte {
	switch v.k {
	case bytecode.Bool:
		return strconv.AppendBool(dst, v.n != 0)
	case bytecode.Number:
		return v.Decimal().Append(dst)
	case bytecode.String, bytecode.Enum:
		return append(dst, v.s...)
	case bytecode.Time:
		return v.Time().AppendFormat(dst, time.RFC3339Nano)
	case bytecode.Duration:
		return append(dst, value.FormatDuration(time.Duration(v.n))...)
	case bytecode.List:
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = e.AppendText(dst)
		}
	case bytecode.Record:
		dst = append(dst, "record"...)
	}
	return dst
}

// String renders v for messages and tests: text as AppendText, strings
// quoted, null as "null".
func (v Value) String() string {
	switch v.k {
	case bytecode.Null:
		return "null"
	case bytecode.String, bytecode.Enum:
		return strconv.Quote(v.s)
	case bytecode.List:
		b := []byte{'['}
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, e.String()...)
		}
		return string(append(b, ']'))
	}
	return string(v.AppendText(nil))
}

// length returns the length of a string in characters or of a list.
func (v *Value) length() int {
	if v.k == bytecode.List {
		return len(v.Elems())
	}
	return utf8.RuneCountInString(v.s)
}
