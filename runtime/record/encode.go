package record

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/vm"
)

// This file defines Encode, the inverse of Decode: a record as a JSON
// object that Decode reads back to an equal record.

// Encode appends r as a JSON object to dst: every non-null field by name,
// numbers as decimal strings ("99.90", exact, scale kept), times in RFC
// 3339, durations as "1d12h", enum values as their text.
func (s *Schema) Encode(dst []byte, r *vm.Record) []byte {
	rt := &s.p.Records[r.Type]
	dst = append(dst, '{')
	first := true
	for i, v := range r.Slots {
		if v.IsNull() {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, rt.Fields[i].Name)
		dst = append(dst, ':')
		dst = s.AppendValue(dst, v)
	}
	return append(dst, '}')
}

// AppendValue appends v as JSON, as [Schema.Encode] writes field values.
func (s *Schema) AppendValue(dst []byte, v vm.Value) []byte {
	switch v.Kind() {
	case bytecode.Null:
		return append(dst, "null"...)
	case bytecode.Bool:
		return strconv.AppendBool(dst, v.Bool())
	case bytecode.Number:
		dst = append(dst, '"')
		dst = v.Decimal().Append(dst)
		return append(dst, '"')
	case bytecode.String, bytecode.Enum:
		return AppendString(dst, v.Str())
	case bytecode.Time:
		dst = append(dst, '"')
		dst = v.Time().AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	case bytecode.Duration:
		return AppendString(dst, value.FormatDuration(v.Duration()))
	case bytecode.Record:
		return s.Encode(dst, v.Record())
	case bytecode.List:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = s.AppendValue(dst, e)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// AppendString appends s as a JSON string.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
