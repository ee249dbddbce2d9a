package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/store"
)

// This file reads events in the JSON form of SPEC §3, and the clock lines
// of dry runs.

// Limits on an event's envelope; the daemon bounds the body as a whole.
const (
	maxIDLen   = 200
	maxTypeLen = 100
)

// Input is one line of an events file or one event of an HTTP request:
// an event, or (Clock set) a clock line that advances simulated time.
type Input struct {
	Tenant string // "" when the event names none
	Event  *store.Event
	Clock  time.Time
}

// envelope is the JSON shape of an event; fields are checked by hand so
// that errors name them.
type envelope struct {
	Tenant *string          `json:"tenant"`
	ID     *json.RawMessage `json:"id"`
	Type   *string          `json:"type"`
	At     *string          `json:"at"`
	Record *envelopeRecord  `json:"record"`
}

type envelopeRecord struct {
	Type *string         `json:"type"`
	ID   json.RawMessage `json:"id"`
	Data json.RawMessage `json:"data"`
}

// FieldError is an error in an event, naming the field ("record.data.total").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ParseInput reads one event or clock line. Unknown envelope fields are
// errors (a misspelt "recrod" must not pass silently); the record's data
// is only checked to be a JSON object here — [Engine.Validate] checks it
// against the schema.
func ParseInput(data []byte) (Input, error) {
	if in, ok := scanWhole(data); ok {
		return in, nil
	}
	return parseInput(data)
}

// parseInput is ParseInput with encoding/json, whose errors name the
// problem; scanInput handles the common case, well-formed events, faster.
func parseInput(data []byte) (Input, error) {
	if !utf8.Valid(data) {
		return Input{}, fieldErr("", "the event is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return Input{}, jsonError(err)
	}
	if dec.More() {
		return Input{}, fieldErr("", "extra data after the event")
	}
	return env.input()
}

// input checks the envelope's fields and builds the Input.
func (env *envelope) input() (Input, error) {
	if env.Type == nil {
		return Input{}, fieldErr("type", "missing: want an event name such as \"order.created\"")
	}
	if *env.Type == "clock" {
		if env.At == nil {
			return Input{}, fieldErr("at", "missing: a clock line needs the time to advance to")
		}
		at, err := record.ParseTime(*env.At)
		if err != nil {
			return Input{}, fieldErr("at", "%v", err)
		}
		if env.ID != nil || env.Record != nil {
			return Input{}, fieldErr("", "a clock line has only \"type\" and \"at\"")
		}
		return Input{Clock: at.UTC()}, nil
	}
	in := Input{Event: &store.Event{}}
	ev := in.Event
	if env.Tenant != nil {
		in.Tenant = *env.Tenant
		if in.Tenant == "" {
			return Input{}, fieldErr("tenant", "empty")
		}
	}
	id, err := idText("id", env.ID)
	if err != nil {
		return Input{}, err
	}
	ev.ID = id
	ev.Type = *env.Type
	typ, name, ok := strings.Cut(ev.Type, ".")
	if !ok || typ == "" || name == "" || len(ev.Type) > maxTypeLen {
		return Input{}, fieldErr("type", "%q is not an event name: want <record type>.<event>, such as \"order.created\"", ev.Type)
	}
	if env.At == nil {
		return Input{}, fieldErr("at", "missing: want the time of the event, such as \"2026-11-22T10:00:00Z\"")
	}
	at, err := record.ParseTime(*env.At)
	if err != nil {
		return Input{}, fieldErr("at", "%v", err)
	}
	ev.At = at.UTC()
	if env.Record == nil {
		return Input{}, fieldErr("record", "missing: want {\"type\", \"id\", \"data\"}")
	}
	if env.Record.Type == nil {
		return Input{}, fieldErr("record.type", "missing")
	}
	ev.Record.Type = *env.Record.Type
	if ev.Record.Type != typ {
		return Input{}, fieldErr("record.type", "%q does not match the event type %q", ev.Record.Type, ev.Type)
	}
	if ev.Record.ID, err = idText("record.id", &env.Record.ID); err != nil {
		return Input{}, err
	}
	d := bytes.TrimSpace(env.Record.Data)
	if len(d) == 0 || d[0] != '{' {
		return Input{}, fieldErr("record.data", "want a JSON object with the record's full snapshot")
	}
	ev.Data = d
	return in, nil
}

// idText reads an id given as a JSON string or number.
func idText(field string, raw *json.RawMessage) (string, error) {
	if raw == nil || len(*raw) == 0 || string(*raw) == "null" {
		return "", fieldErr(field, "missing")
	}
	var s string
	if (*raw)[0] == '"' {
		if err := json.Unmarshal(*raw, &s); err != nil {
			return "", fieldErr(field, "%v", err)
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(*raw, &n); err != nil {
			return "", fieldErr(field, "want a string")
		}
		s = n.String()
	}
	switch {
	case s == "":
		return "", fieldErr(field, "empty")
	case len(s) > maxIDLen:
		return "", fieldErr(field, "longer than %d bytes", maxIDLen)
	case strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", fieldErr(field, "contains control characters")
	}
	return s, nil
}

// jsonError turns encoding/json's errors into FieldErrors.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fieldErr(te.Field, "want %s, found a JSON %s", te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fieldErr("", "malformed JSON at byte %d: %v", se.Offset, err)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldErr(strings.Trim(msg, `"`), "unknown field: an event has tenant, id, type, at and record {type, id, data}")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fieldErr("", "empty input: want a JSON object")
	}
	return fieldErr("", "%v", err)
}
