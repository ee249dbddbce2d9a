package record

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/vm"
)

// This file defines Decode, a JSON decoder that writes straight into a
// record's slots.
//
// What each field kind accepts:
//
//	string    a JSON string (put in NFC), or a JSON number kept as written
//	          ("id": 1042 is the string "1042")
//	number,   a JSON number or a string holding one ("99.90"), read
//	money     exactly (lang/value.ParseDecimal), never through float64
//	bool      true or false
//	enum      a JSON string (NFC); a value the ruleset does not declare is
//	          kept with index -1 (data is never rejected for it)
//	time      an RFC 3339 string ("2026-11-22T10:00:00Z", fractions and
//	          offsets allowed; "2026-11-22 10:00:00" without an offset is UTC)
//	duration  a duration string ("1d12h") or a JSON number of seconds
//	record    a JSON object
//	list<T>   a JSON array of T
//
// null or a missing field is null. Fields the schema does not know are
// skipped. Anything else is an [*Error] naming the field.

// Decode decodes the JSON object data as a record of type t.
func (s *Schema) Decode(t int, data []byte) (*vm.Record, error) {
	return s.DecodeRefs(t, data, nil)
}

// Resolver returns the record of type t whose id is id, or nil when it is
// not known (the field is then null).
type Resolver func(t int, id string) (*vm.Record, error)

// DecodeRefs is [Schema.Decode] where a record field may also be given as
// a JSON string, the id of another record ("order": "O-1" in a shipment):
// resolve supplies that record. With a nil resolve, such a string is an
// error, as in Decode.
func (s *Schema) DecodeRefs(t int, data []byte, resolve Resolver) (*vm.Record, error) {
	d := decoder{s: s, data: data, resolve: resolve}
	d.skipSpace()
	if d.peek() != '{' {
		return nil, &Error{Msg: "the record must be a JSON object, not " + d.describe()}
	}
	r, err := d.object(t)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, &Error{Msg: fmt.Sprintf("extra data after the record: found %s", d.describe())}
	}
	return r, nil
}

// DecodeNamed is [Schema.Decode] with the record type given by name.
func (s *Schema) DecodeNamed(typ string, data []byte) (*vm.Record, error) {
	t := s.Type(typ)
	if t < 0 {
		return nil, &Error{Msg: fmt.Sprintf("unknown record type %q", typ)}
	}
	return s.Decode(t, data)
}

type decoder struct {
	s     *Schema
	data  []byte
	pos   int
	depth int    // nesting of records and lists being decoded
	buf   []byte // scratch for unescaping strings

	resolve Resolver // for records given by id; nil: not allowed
}

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// describe names what is at the current position, for messages.
func (d *decoder) describe() string {
	switch c := d.peek(); {
	case d.pos >= len(d.data):
		return "the end of the data"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "a number"
	default:
		return fmt.Sprintf("%q at offset %d", c, d.pos)
	}
}

func (d *decoder) syntax(msg string) error {
	return &Error{Msg: fmt.Sprintf("malformed JSON at offset %d: %s", d.pos, msg)}
}

func (d *decoder) expect(c byte) error {
	d.skipSpace()
	if d.peek() != c {
		return d.syntax(fmt.Sprintf("want %q, found %s", c, d.describe()))
	}
	d.pos++
	return nil
}

// object decodes an object of record type t; the current byte is '{'.
func (d *decoder) object(t int) (*vm.Record, error) {
	if d.depth++; d.depth > maxDepth {
		return nil, d.syntax("nested too deeply")
	}
	defer func() { d.depth-- }()
	d.pos++
	rt := &d.s.p.Records[t]
	r := &vm.Record{Type: int32(t), Slots: make([]vm.Value, len(rt.Fields))}
	slots := d.s.slots[t]
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		d.s.Derive(r)
		return r, nil
	}
	for {
		d.skipSpace()
		if d.peek() != '"' {
			return nil, d.syntax("want a field name, found " + d.describe())
		}
		key, err := d.rawString()
		if err != nil {
			return nil, err
		}
		if err := d.expect(':'); err != nil {
			return nil, err
		}
		d.skipSpace()
		slot, ok := slots[string(key)]
		if ok {
			v, err := d.value(rt.Fields[slot].Type)
			if err != nil {
				return nil, at(err, rt.Fields[slot].Name)
			}
			r.Slots[slot] = v
		} else if err := d.skip(0); err != nil {
			return nil, err
		}
		d.skipSpace()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.s.Derive(r)
			return r, nil
		default:
			return nil, d.syntax("want ',' or '}', found " + d.describe())
		}
	}
}

// value decodes one value of type t at the current position.
func (d *decoder) value(t bytecode.Type) (vm.Value, error) {
	if d.peek() == 'n' {
		if err := d.literal("null"); err != nil {
			return vm.Null, err
		}
		return vm.Null, nil
	}
	wrong := func(want string) (vm.Value, error) {
		return vm.Null, &Error{Msg: fmt.Sprintf("want %s, found %s", want, d.describe())}
	}
	switch t.Kind {
	case bytecode.String:
		switch c := d.peek(); {
		case c == '"':
			s, err := d.text()
			return d.s.vp.Intern(s), err
		case c == '-' || '0' <= c && c <= '9':
			num, err := d.number()
			return d.s.vp.Intern(string(num)), err
		}
		return wrong("a string")
	case bytecode.Number:
		var text []byte
		var err error
		switch c := d.peek(); {
		case c == '"':
			text, err = d.rawString()
		case c == '-' || '0' <= c && c <= '9':
			text, err = d.number()
		default:
			return wrong("a number or a string holding one")
		}
		if err != nil {
			return vm.Null, err
		}
		n, err := value.ParseDecimalBytes(text)
		if err != nil {
			return vm.Null, &Error{Msg: fmt.Sprintf("%q is not an exact decimal: %v", text, errCause(err))}
		}
		return vm.Number(n), nil
	case bytecode.Bool:
		switch d.peek() {
		case 't':
			return vm.Bool(true), d.literal("true")
		case 'f':
			return vm.Bool(false), d.literal("false")
		}
		return wrong("true or false")
	case bytecode.Enum:
		if d.peek() != '"' {
			return wrong("a string")
		}
		s, err := d.text()
		if err != nil {
			return vm.Null, err
		}
		return d.s.Enum(t.Enum, s), nil
	case bytecode.Time:
		if d.peek() != '"' {
			return wrong("an RFC 3339 time string")
		}
		raw, err := d.rawString()
		if err != nil {
			return vm.Null, err
		}
		tm, err := ParseTime(string(raw))
		if err != nil {
			return vm.Null, &Error{Msg: err.Error()}
		}
		return vm.Time(tm), nil
	case bytecode.Duration:
		switch c := d.peek(); {
		case c == '"':
			raw, err := d.rawString()
			if err != nil {
				return vm.Null, err
			}
			dur, err := value.ParseDuration(string(raw))
			if err != nil {
				return vm.Null, &Error{Msg: fmt.Sprintf("%q is not a duration such as \"1d12h\"", raw)}
			}
			return vm.Duration(dur), nil
		case c == '-' || '0' <= c && c <= '9':
			num, err := d.number()
			if err != nil {
				return vm.Null, err
			}
			secs, err := value.ParseDecimalBytes(num)
			if err != nil {
				return vm.Null, &Error{Msg: fmt.Sprintf("%s is not a number of seconds", num)}
			}
			ns, err := secs.Mul(value.FromInt(int64(time.Second)))
			n, exact := ns.Int64()
			if err != nil || !exact {
				return vm.Null, &Error{Msg: fmt.Sprintf("%s seconds is not a whole number of nanoseconds in range", num)}
			}
			return vm.Duration(time.Duration(n)), nil
		}
		return wrong("a duration string or a number of seconds")
	case bytecode.Record:
		if d.peek() == '"' && d.resolve != nil {
			id, err := d.text()
			if err != nil {
				return vm.Null, err
			}
			r, err := d.resolve(int(t.Record), id)
			if err != nil {
				return vm.Null, err
			}
			return vm.RecordValue(r), nil
		}
		if d.peek() != '{' {
			return wrong("an object")
		}
		r, err := d.object(int(t.Record))
		if err != nil {
			return vm.Null, err
		}
		return vm.RecordValue(r), nil
	case bytecode.List:
		if d.peek() != '[' {
			return wrong("an array")
		}
		if d.depth++; d.depth > maxDepth {
			return vm.Null, d.syntax("nested too deeply")
		}
		defer func() { d.depth-- }()
		d.pos++
		elem := t.ElemType()
		var elems []vm.Value
		d.skipSpace()
		if d.peek() == ']' {
			d.pos++
			return vm.List(elems), nil
		}
		for i := 0; ; i++ {
			d.skipSpace()
			v, err := d.value(elem)
			if err != nil {
				return vm.Null, at(err, "["+strconv.Itoa(i)+"]")
			}
			elems = append(elems, v)
			d.skipSpace()
			switch d.peek() {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return vm.List(elems), nil
			default:
				return vm.Null, d.syntax("want ',' or ']', found " + d.describe())
			}
		}
	}
	return vm.Null, &Error{Msg: fmt.Sprintf("cannot decode a %s field", t.Kind)}
}

// errCause strips a value.ParseError's quoting of the input, which the
// message already shows.
func errCause(err error) error {
	if pe, ok := err.(*value.ParseError); ok {
		return pe.Err
	}
	return err
}

// ParseTime reads a time as event data writes it: RFC 3339 with optional
// fraction, or "2006-01-02 15:04:05" / "2006-01-02T15:04:05" without an
// offset, taken as UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as \"2026-11-22T10:00:00Z\"", s)
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.syntax("invalid literal")
	}
	d.pos += len(word)
	return nil
}

// number scans a JSON number and returns its text.
func (d *decoder) number() ([]byte, error) {
	start := d.pos
	if d.peek() == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if n := digits(); n == 0 || n > 1 && d.data[d.pos-n] == '0' {
		return nil, d.syntax("malformed number") // JSON has no leading zeros
	}
	if d.peek() == '.' {
		d.pos++
		if digits() == 0 {
			return nil, d.syntax("malformed number")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.syntax("malformed number")
		}
	}
	return d.data[start:d.pos], nil
}

// text decodes a JSON string into a Go string in NFC.
func (d *decoder) text() (string, error) {
	raw, err := d.rawString()
	if err != nil {
		return "", err
	}
	if isASCII(raw) {
		return string(raw), nil
	}
	if norm.NFC.IsNormal(raw) {
		return string(raw), nil
	}
	return norm.NFC.String(string(raw)), nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// rawString decodes the JSON string at the current position ('"') and
// returns its bytes, valid until the next call (they may alias the input
// or the scratch buffer).
func (d *decoder) rawString() ([]byte, error) {
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if !utf8.Valid(s) {
				return nil, d.syntax("invalid UTF-8 in a string")
			}
			return s, nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20:
			return nil, d.syntax("control character in a string")
		}
		d.pos++
	}
	return nil, d.syntax("unterminated string")
}

// escapedString continues rawString from the first backslash.
func (d *decoder) escapedString(start int) ([]byte, error) {
	b := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = b
			if !utf8.Valid(b) {
				return nil, d.syntax("invalid UTF-8 in a string")
			}
			return b, nil
		case c < 0x20:
			return nil, d.syntax("control character in a string")
		case c != '\\':
			b = append(b, c)
			d.pos++
			continue
		}
		d.pos++
		if d.pos >= len(d.data) {
			break
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntax("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one rune; a lone half is U+FFFD, and the
				// escape after it is read on its own (as encoding/json does).
				pair := utf8.RuneError
				if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
					d.pos += 2
					r2, ok := d.hex4()
					if !ok {
						return nil, d.syntax("bad \\u escape")
					}
					if pair = utf16.DecodeRune(r, r2); pair == utf8.RuneError {
						d.pos -= 6
					}
				}
				r = pair
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, d.syntax(fmt.Sprintf("bad escape \\%c", e))
		}
	}
	return nil, d.syntax("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	d.pos += 4
	return r, true
}

// maxDepth bounds the nesting of records, lists and skipped values, so
// hostile input cannot exhaust the stack.
const maxDepth = 256

// skip passes over one JSON value of any kind.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.syntax("nested too deeply")
	}
	d.skipSpace()
	switch c := d.peek(); {
	case c == '"':
		_, err := d.rawString()
		return err
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.pos++
		d.skipSpace()
		if d.peek() == closer {
			d.pos++
			return nil
		}
		for {
			if c == '{' {
				d.skipSpace()
				if d.peek() != '"' {
					return d.syntax("want a field name, found " + d.describe())
				}
				if _, err := d.rawString(); err != nil {
					return err
				}
				if err := d.expect(':'); err != nil {
					return err
				}
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.skipSpace()
			switch d.peek() {
			case ',':
				d.pos++
			case closer:
				d.pos++
				return nil
			default:
				return d.syntax(fmt.Sprintf("want ',' or %q, found %s", closer, d.describe()))
			}
		}
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, err := d.number()
		return err
	}
	return d.syntax("want a value, found " + d.describe())
}

// DecodeValue decodes one JSON value of type t, as a field of that type is
// decoded (the engine keeps `let` values this way between the statements
// of a run that waits).
func (s *Schema) DecodeValue(t bytecode.Type, data []byte) (vm.Value, error) {
	d := decoder{s: s, data: data}
	d.skipSpace()
	v, err := d.value(t)
	if err != nil {
		return vm.Null, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return vm.Null, &Error{Msg: fmt.Sprintf("extra data after the value: found %s", d.describe())}
	}
	return v, nil
}
