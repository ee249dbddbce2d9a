// Package types defines the types of the Automat rule language: the basic
// types (string, number, money, bool, time, duration, null), enums (which
// include a record's user statuses and the fixed order phases), records,
// lists and optional types.
//
// The checker (package compiler) builds one [Record] and [Enum] per
// declaration of the standard schema and the ruleset, and records the type
// of every expression in its Info side table; the code generator reads the
// record layouts ([Record.Fields], in declaration order) and enum values
// from here. Types are compared with [Identical]; records and enums are
// nominal (one pointer per declaration).
package types

import "strings"

// Type is a type of the rule language.
type Type interface {
	// String renders the type as it is written in source: "money",
	// "list<item>", "party?".
	String() string
	typ()
}

// BasicKind identifies a [Basic] type.
type BasicKind uint8

// Basic kinds. Invalid is the type of an expression that already has an
// error reported; every operation accepts it silently, so one mistake is
// reported once.
const (
	Invalid BasicKind = iota
	String
	Number
	Money
	Bool
	Time
	Duration
	Null // the type of the literal `null`
)

// Basic is a predeclared type; compare with ==, or use the [Typ] values.
type Basic struct {
	Kind BasicKind
	name string
}

func (b *Basic) String() string { return b.name }
func (*Basic) typ()             {}

// Typ holds the one instance of each basic type, indexed by kind.
var Typ = [...]*Basic{
	Invalid:  {Invalid, "invalid"},
	String:   {String, "string"},
	Number:   {Number, "number"},
	Money:    {Money, "money"},
	Bool:     {Bool, "bool"},
	Time:     {Time, "time"},
	Duration: {Duration, "duration"},
	Null:     {Null, "null"},
}

// Basic types by name, as written in type expressions (null has no name).
func BasicByName(name string) (*Basic, bool) {
	switch name {
	case "string":
		return Typ[String], true
	case "number":
		return Typ[Number], true
	case "money":
		return Typ[Money], true
	case "bool":
		return Typ[Bool], true
	case "time":
		return Typ[Time], true
	case "duration":
		return Typ[Duration], true
	}
	return nil, false
}

// Enum is a closed set of named values. It is either an `enum` declaration
// (order.paid's `payment_state`, shipment's `shipment_status`, `phase`), or
// the statuses of a record (`statuses order { "Nová" -> new_confirmed }`
// declares the values of `order_status`), in which case Phases holds the
// phase of each value, in the same order as Values.
type Enum struct {
	Name   string
	Values []string
	// Phases is nil for a plain enum. For a statuses enum it has one
	// phase value (a value of the `phase` enum) per entry of Values.
	Phases []string
	// Record is the record whose statuses these are, for a statuses enum.
	Record string
}

func (e *Enum) String() string { return e.Name }
func (*Enum) typ()             {}

// IsStatuses reports whether e holds a record's user statuses.
func (e *Enum) IsStatuses() bool { return e.Record != "" }

// Index returns the position of value in e.Values, or -1.
func (e *Enum) Index(value string) int {
	for i, v := range e.Values {
		if v == value {
			return i
		}
	}
	return -1
}

// PhaseOf returns the phase of a status value of a statuses enum, or "".
func (e *Enum) PhaseOf(value string) string {
	if i := e.Index(value); i >= 0 && i < len(e.Phases) {
		return e.Phases[i]
	}
	return ""
}

// Record is a record type: the fields of its `record` declaration followed
// by those of each `extend`, in source order. Field indices are stable for
// one checked ruleset and are what the VM's record layout uses.
type Record struct {
	Name   string
	Fields []*Field
	Doc    string
}

func (r *Record) String() string { return r.Name }
func (*Record) typ()             {}

// Field returns the field called name, or nil.
func (r *Record) Field(name string) *Field {
	for _, f := range r.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Field is one field of a [Record]. Index is its position in
// Record.Fields.
type Field struct {
	Name  string
	Type  Type
	Doc   string
	Index int
}

// List is `list<Elem>`.
type List struct {
	Elem Type
}

func (l *List) String() string { return "list<" + l.Elem.String() + ">" }
func (*List) typ()             {}

// Optional is `Elem?`: a value that may be null. Elem is never itself
// Optional or Null.
type Optional struct {
	Elem Type
}

func (o *Optional) String() string { return o.Elem.String() + "?" }
func (*Optional) typ()             {}

// NewOptional returns t?, or t itself when t is already optional, null or
// invalid.
func NewOptional(t Type) Type {
	switch t := t.(type) {
	case *Optional:
		return t
	case *Basic:
		if t.Kind == Null || t.Kind == Invalid {
			return t
		}
	}
	return &Optional{Elem: t}
}

// Unwrap returns the element type of an optional type, or t itself.
func Unwrap(t Type) Type {
	if o, ok := t.(*Optional); ok {
		return o.Elem
	}
	return t
}

// IsOptional reports whether t may be null (an optional type or null).
func IsOptional(t Type) bool {
	switch t := t.(type) {
	case *Optional:
		return true
	case *Basic:
		return t.Kind == Null
	}
	return false
}

// Is reports whether t, optional or not, is the basic type of kind k.
func Is(t Type, k BasicKind) bool {
	b, ok := Unwrap(t).(*Basic)
	return ok && b.Kind == k
}

// IsInvalid reports whether t is nil or the invalid type.
func IsInvalid(t Type) bool { return t == nil || Is(t, Invalid) }

// IsNumeric reports whether t (optional or not) is number or money.
func IsNumeric(t Type) bool { return Is(t, Number) || Is(t, Money) }

// IsText reports whether t (optional or not) is a string or an enum,
// whose values are text.
func IsText(t Type) bool {
	if Is(t, String) {
		return true
	}
	_, ok := Unwrap(t).(*Enum)
	return ok
}

// Identical reports whether t and u are the same type.
func Identical(t, u Type) bool {
	switch t := t.(type) {
	case *Basic, *Enum, *Record:
		return t == u
	case *List:
		l, ok := u.(*List)
		return ok && Identical(t.Elem, l.Elem)
	case *Optional:
		o, ok := u.(*Optional)
		return ok && Identical(t.Elem, o.Elem)
	}
	return false
}

// Describe renders t for a message with an article, "a money value",
// "an enum payment_state", "a list<item>", "an optional party".
func Describe(t Type) string {
	if o, ok := t.(*Optional); ok {
		return "an optional " + strings.TrimPrefix(strings.TrimPrefix(Describe(o.Elem), "a "), "an ")
	}
	switch t := t.(type) {
	case *Basic:
		switch t.Kind {
		case Null:
			return "null"
		case Invalid:
			return "an invalid value"
		case Money, Number, Time, Duration, Bool:
			return "a " + t.name + " value"
		}
		return "a " + t.name
	case *Enum:
		if t.IsStatuses() {
			return "a status of " + t.Record
		}
		return "a value of " + t.Name
	case *Record:
		return "a record " + t.Name
	case *List:
		return "a " + t.String()
	}
	return "a value"
}
