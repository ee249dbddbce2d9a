package engine

import (
	"bytes"
	"encoding/json"

	"github.com/automat-rules/automat/runtime/record"
)

// This file reads well-formed events in one pass over the text, with
// record's strict JSON syntax: the daemon takes thousands of events a
// second, and encoding/json went over each event five times (checking,
// splitting the batch, decoding the envelope) — 60% of its intake CPU.
//
// The fast reader only fills the envelope; envelope.input checks it as
// for ParseInput. Anything it does not take as is — a syntax error, an
// unknown, duplicate or null field, a number where a string goes — makes
// it give up, and the caller reads the text with encoding/json, whose
// errors name the problem. So whatever the fast reader returns is what
// parseInput would (FuzzScanInputs).

// ScanInputs reads a request body of one event or {"events": [...]} in
// one pass. ok is false when it cannot: the caller reads the body as
// before, for the errors.
func ScanInputs(body []byte) (ins []Input, batch, ok bool) {
	p := record.SkipSpace(body, 0)
	if p < len(body) && body[p] == '{' {
		key, _, err := record.ReadString(body, record.SkipSpace(body, p+1))
		batch = err == nil && key == "events"
	}
	if !batch {
		in, ok := scanWhole(body)
		return []Input{in}, false, ok
	}
	// A batch is {"events": [...]} and nothing else.
	p, ok = scanObject(body, p, func(key string, p int) (int, bool) {
		if key != "events" || ins != nil {
			return p, false
		}
		return scanArray(body, p, func(p int) (int, bool) {
			in, p, ok := scanInput(body, p)
			ins = append(ins, in)
			return p, ok
		})
	})
	return ins, true, ok && len(ins) > 0 && record.SkipSpace(body, p) == len(body)
}

// scanWhole reads data that is one event and nothing else.
func scanWhole(data []byte) (Input, bool) {
	in, end, ok := scanInput(data, 0)
	return in, ok && record.SkipSpace(data, end) == len(data)
}

// expect skips white space and the byte c, reporting whether it is there.
func expect(data []byte, p int, c byte) (int, bool) {
	p = record.SkipSpace(data, p)
	if p >= len(data) || data[p] != c {
		return p, false
	}
	return p + 1, true
}

// scanInput reads the event object at data[p] and returns it and the
// position after it; ok is false when it cannot (see above).
func scanInput(data []byte, p int) (in Input, end int, ok bool) {
	var env envelope
	p, ok = scanObject(data, p, func(key string, p int) (int, bool) {
		switch key {
		case "tenant":
			return scanString(data, p, &env.Tenant)
		case "type":
			return scanString(data, p, &env.Type)
		case "at":
			return scanString(data, p, &env.At)
		case "id":
			if env.ID != nil {
				return p, false
			}
			env.ID = new(json.RawMessage)
			return scanID(data, p, env.ID)
		case "record":
			if env.Record != nil {
				return p, false
			}
			env.Record = new(envelopeRecord)
			return scanRecord(data, p, env.Record)
		}
		return p, false
	})
	if !ok {
		return Input{}, p, false
	}
	in, err := env.input()
	return in, p, err == nil
}

// scanRecord reads the envelope's record {type, id, data}.
func scanRecord(data []byte, p int, r *envelopeRecord) (int, bool) {
	return scanObject(data, p, func(key string, p int) (int, bool) {
		switch key {
		case "type":
			return scanString(data, p, &r.Type)
		case "id":
			return scanID(data, p, &r.ID)
		case "data":
			if r.Data != nil {
				return p, false
			}
			p = record.SkipSpace(data, p)
			end, err := record.SkipValue(data, p)
			if err != nil || data[p] != '{' {
				return end, false
			}
			r.Data = bytes.Clone(data[p:end]) // the caller's buffer may be reused
			return end, true
		}
		return p, false
	})
}

// scanObject reads the JSON object at data[p] (after white space),
// calling field with each key and the position of its value; field
// returns the position after the value.
func scanObject(data []byte, p int, field func(key string, p int) (int, bool)) (int, bool) {
	return scanList(data, p, '{', '}', func(p int) (int, bool) {
		key, p, err := record.ReadString(data, p)
		if err != nil {
			return p, false
		}
		p, ok := expect(data, p, ':')
		if !ok {
			return p, false
		}
		return field(key, p)
	})
}

// scanArray reads the JSON array at data[p] (after white space), calling
// elem with the position of each element; elem returns the position
// after it.
func scanArray(data []byte, p int, elem func(p int) (int, bool)) (int, bool) {
	return scanList(data, p, '[', ']', elem)
}

// scanList reads the items between open and close, separated by commas.
func scanList(data []byte, p int, open, close byte, item func(p int) (int, bool)) (int, bool) {
	p, ok := expect(data, p, open)
	if !ok {
		return p, false
	}
	if q := record.SkipSpace(data, p); q < len(data) && data[q] == close {
		return q + 1, true
	}
	for {
		if p, ok = item(p); !ok {
			return p, false
		}
		p = record.SkipSpace(data, p)
		switch {
		case p < len(data) && data[p] == ',':
			p++
		case p < len(data) && data[p] == close:
			return p + 1, true
		default:
			return p, false
		}
	}
}

// scanString reads a JSON string into *s, which must be unset (a field
// given twice is left to encoding/json).
func scanString(data []byte, p int, s **string) (int, bool) {
	if *s != nil {
		return p, false
	}
	v, p, err := record.ReadString(data, p)
	*s = &v
	return p, err == nil
}

// scanID reads an id, a JSON string or number, as raw JSON into *raw,
// which must be unset.
func scanID(data []byte, p int, raw *json.RawMessage) (int, bool) {
	if *raw != nil {
		return p, false
	}
	p = record.SkipSpace(data, p)
	if p >= len(data) || data[p] != '"' && data[p] != '-' && (data[p] < '0' || data[p] > '9') {
		return p, false
	}
	end, err := record.SkipValue(data, p)
	*raw = data[p:end]
	return end, err == nil
}
