package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzScanInputs checks the one-pass reader against encoding/json: what
// it takes, encoding/json reads the same; what it gives up on is read by
// encoding/json as before.
func FuzzScanInputs(f *testing.F) {
	event := `{"id": "e-1", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": 7, "data": {"total": 1.5, "items": [{"name": "Žluťoučký kůň"}]}}}`
	for _, s := range []string{
		event,
		`{"events": [` + event + `, ` + event + `]}`,
		` {"tenant": "t", "id": -1.5e3, "type": "order.paid", "at": "2026-11-22T10:00:00+01:00", "record": {"data": {}, "id": "\u004f-1", "type": "order"}} `,
		`{"id": "e", "id": "f", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "1", "data": {}}}`,
		`{"id": "a\ud800\u0041", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "1", "data": {"n": "\udc00\ud83d\ude00"}}}`,
		`{"id": "e", "Type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "01", "data": {"n": 01}}}`,
		`{"type": "clock", "at": "2026-11-22T10:00:00Z"}`,
		`{"events": []}`, `{"events": null}`, `{"events": [` + event + `], "x": 1}`, `{"x": 1, "events": [` + event + `]}`,
		`{"id": "e", "type": "order.created", "at": "2026-11-22T10:00:00Z", "record": {"type": "order", "id": "1", "data": {}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if in, end, ok := scanInput(data, 0); ok {
			want, err := parseInput(data[:end])
			if err != nil {
				t.Fatalf("scanInput(%q) took what parseInput refuses: %v", data[:end], err)
			}
			if !reflect.DeepEqual(in, want) {
				t.Fatalf("scanInput(%q) = %+v, parseInput = %+v", data[:end], in, want)
			}
		}
		ins, batch, ok := ScanInputs(data)
		if !ok {
			return
		}
		items := []json.RawMessage{data}
		if batch {
			var top map[string]json.RawMessage
			if err := json.Unmarshal(data, &top); err != nil || len(top) != 1 {
				t.Fatalf("ScanInputs(%q) took a batch encoding/json refuses: %v, %v", data, top, err)
			}
			if err := json.Unmarshal(top["events"], &items); err != nil {
				t.Fatalf("ScanInputs(%q) took events encoding/json refuses: %v", data, err)
			}
		} else if !json.Valid(data) {
			t.Fatalf("ScanInputs(%q) took what encoding/json refuses", data)
		}
		if len(items) != len(ins) {
			t.Fatalf("ScanInputs(%q) = %d events, encoding/json reads %d", data, len(ins), len(items))
		}
		for i, item := range items {
			want, err := parseInput(item)
			if err != nil || !reflect.DeepEqual(ins[i], want) {
				t.Fatalf("ScanInputs(%q)[%d] = %+v, parseInput = %+v, %v", data, i, ins[i], want, err)
			}
		}
	})
}
