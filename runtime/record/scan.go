package record

// This file lets other packages read JSON that is not a record (the
// envelope of an event) with the decoder's strict syntax checks, in one
// pass: they walk the text themselves and take values by position.

// SkipValue checks the syntax of the JSON value that starts at data[pos]
// (after white space) and returns the position after it.
func SkipValue(data []byte, pos int) (int, error) {
	d := decoder{data: data, pos: pos}
	err := d.skip(0)
	return d.pos, err
}

// ReadString reads the JSON string that starts at data[pos] (after white
// space): it returns the text unescaped and not normalized, as
// encoding/json does, and the position after it.
func ReadString(data []byte, pos int) (string, int, error) {
	d := decoder{data: data, pos: pos}
	d.skipSpace()
	if d.peek() != '"' {
		return "", d.pos, d.syntax("want a string, found " + d.describe())
	}
	raw, err := d.rawString()
	return string(raw), d.pos, err
}

// SkipSpace returns the position of the first byte at or after pos that
// is not JSON white space.
func SkipSpace(data []byte, pos int) int {
	d := decoder{data: data, pos: pos}
	d.skipSpace()
	return d.pos
}
