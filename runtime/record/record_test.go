package record

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/vm"
)

func typ(k bytecode.Kind) bytecode.Type { return bytecode.Type{Kind: k, Record: -1, Enum: -1} }

// testSchema lays out an order with every field kind, a party and an
// item.
func testSchema(tb testing.TB) *Schema {
	p, err := vm.Load(testProgram())
	if err != nil {
		tb.Fatal(err)
	}
	return NewSchema(p)
}

func testProgram() *bytecode.Program {
	return &bytecode.Program{
		Records: []bytecode.RecordType{
			{Name: "order", Fields: []bytecode.Field{
				{Name: "number", Type: typ(bytecode.String)},
				{Name: "total", Type: typ(bytecode.Number)},
				{Name: "paid", Type: typ(bytecode.Bool)},
				{Name: "status", Type: bytecode.Type{Kind: bytecode.Enum, Record: -1, Enum: 0}},
				{Name: "phase", Type: bytecode.Type{Kind: bytecode.Enum, Record: -1, Enum: 1}},
				{Name: "created_at", Type: typ(bytecode.Time)},
				{Name: "sla", Type: typ(bytecode.Duration)},
				{Name: "buyer", Type: bytecode.Type{Kind: bytecode.Record, Record: 1, Enum: -1}},
				{Name: "items", Type: bytecode.Type{Kind: bytecode.List, Elem: bytecode.Record, Record: 2, Enum: -1}},
				{Name: "tags", Type: bytecode.Type{Kind: bytecode.List, Elem: bytecode.String, Record: -1, Enum: -1}},
			}},
			{Name: "party", Fields: []bytecode.Field{{Name: "email", Type: typ(bytecode.String)}}},
			{Name: "item", Fields: []bytecode.Field{{Name: "name", Type: typ(bytecode.String)}, {Name: "price", Type: typ(bytecode.Number)}}},
		},
		Enums: []bytecode.EnumType{
			{Name: "order_status", Values: []string{"Nová", "Vyřízena"}, Phases: []string{"new_confirmed", "completed"}, Record: "order"},
			{Name: "phase", Values: []string{"new_unconfirmed", "new_confirmed", "processing", "completed", "cancelled"}},
		},
	}
}

func TestDecode(t *testing.T) {
	s := testSchema(t)
	data := `{
	  "number": 1042, "total": 0.1, "paid": true,
	  "status": "Vyr\u030ci\u0301zena",
	  "created_at": "2026-11-22T10:00:00+01:00",
	  "sla": "1d12h",
	  "buyer": {"email": "jan@example.cz", "unknown": [1, {"a": null}]},
	  "items": [{"name": "Buty", "price": "99.90"}, {"name": "Kabát \"zimní\"", "price": 1e2}],
	  "tags": [],
	  "extra": {"deep": [true, false, null, -1.5e3, "x"]}
	}`
	r, err := s.DecodeNamed("order", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) vm.Value { return r.Slots[s.Slot(0, name)] }
	if got := get("number"); got.Str() != "1042" {
		t.Errorf("number = %v", got)
	}
	sum, _ := get("total").Decimal().Add(value.MustParseDecimal("0.2"))
	if sum.String() != "0.3" {
		t.Errorf("total + 0.2 = %s, want 0.3 exactly", sum)
	}
	if !get("paid").Bool() {
		t.Error("paid is not true")
	}
	st := get("status")
	if st.Str() != "Vyřízena" || st.EnumIndex() != 1 {
		t.Errorf("status = %q (index %d), want the NFC text and index 1", st.Str(), st.EnumIndex())
	}
	if ph := get("phase"); ph.Str() != "completed" || ph.EnumIndex() != 3 {
		t.Errorf("phase = %v, want completed derived from the status", ph)
	}
	if ts := get("created_at").Time(); !ts.Equal(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("created_at = %v", ts)
	}
	if d := get("sla").Duration(); d != 36*time.Hour {
		t.Errorf("sla = %v", d)
	}
	if e := get("buyer").Record().Slots[0].Str(); e != "jan@example.cz" {
		t.Errorf("buyer.email = %q", e)
	}
	items := get("items").Elems()
	if len(items) != 2 || items[0].Record().Slots[1].Decimal().String() != "99.90" || items[1].Record().Slots[0].Str() != `Kabát "zimní"` ||
		items[1].Record().Slots[1].Decimal().String() != "100" {
		t.Errorf("items = %v", items)
	}
	if tags := get("tags"); tags.Kind() != bytecode.List || len(tags.Elems()) != 0 {
		t.Errorf("tags = %v, want an empty list (not null)", tags)
	}

	// Encode, then decode again: the same record.
	out := s.Encode(nil, r)
	r2, err := s.Decode(0, out)
	if err != nil {
		t.Fatalf("decoding %s: %v", out, err)
	}
	if !vm.RecordValue(r).Equal(vm.RecordValue(r2)) {
		t.Errorf("round trip changed the record:\n%s\n%s", out, s.Encode(nil, r2))
	}
	if !strings.Contains(string(out), `"total":"0.1"`) || !strings.Contains(string(out), `"price":"99.90"`) {
		t.Errorf("Encode = %s", out)
	}
}

func TestDecodeUndeclaredStatus(t *testing.T) {
	s := testSchema(t)
	r, err := s.Decode(0, []byte(`{"status": "Reklamace", "phase": "processing"}`))
	if err != nil {
		t.Fatal(err)
	}
	if st := r.Slots[3]; st.Str() != "Reklamace" || st.EnumIndex() != -1 {
		t.Errorf("status = %v (index %d)", st, st.EnumIndex())
	}
	if ph := r.Slots[4]; ph.Str() != "processing" {
		t.Errorf("phase = %v, want the data's phase kept", ph)
	}
}

func TestDecodeErrors(t *testing.T) {
	s := testSchema(t)
	tests := []struct{ data, want string }{
		{`[]`, "the record must be a JSON object, not an array"},
		{`{"total": true}`, "total: want a number or a string holding one, found a boolean"},
		{`{"total": "12,50"}`, `total: "12,50" is not an exact decimal: not a decimal number`},
		{`{"total": 0.0000000000000000001}`, "total: \"0.0000000000000000001\" is not an exact decimal: decimal out of range"},
		{`{"items": [{"price": 1}, {"price": {}}]}`, "items[1].price: want a number or a string holding one, found an object"},
		{`{"buyer": "jan"}`, "buyer: want an object, found a string"},
		{`{"created_at": "yesterday"}`, `created_at: "yesterday" is not an RFC 3339 time`},
		{`{"sla": "soon"}`, `sla: "soon" is not a duration`},
		{`{"paid": "yes"}`, "paid: want true or false, found a string"},
		{`{"number": 1 "total": 2}`, "malformed JSON at offset 13: want ',' or '}', found a string"},
		{`{"number": "abc`, "unterminated string"},
		{`{"number": "a\qb"}`, `bad escape \q`},
		{`{"x": [1, 2}`, "want ',' or ']'"},
		{`{} {}`, "extra data after the record: found an object"},
		{`{"x": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, "nested too deeply"},
		{"{\"number\": \"\xff\"}", "invalid UTF-8"},
		{`{"x": 01}`, "malformed number"},
		{`{"x": -012.5}`, "malformed number"},
	}
	for _, tt := range tests {
		_, err := s.Decode(0, []byte(tt.data))
		var de *Error
		if !errors.As(err, &de) {
			t.Errorf("Decode(%s) = %v, want a *record.Error", tt.data, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%s) = %q, want it to contain %q", tt.data, err, tt.want)
		}
	}
	if _, err := s.DecodeNamed("invoice", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), `unknown record type "invoice"`) {
		t.Errorf("DecodeNamed(invoice) = %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"number": "1", "total": "99.90", "items": [{"name": "x"}], "buyer": {"email": null}}`))
	f.Add([]byte(`{"status": "Nová", "tags": ["a\u00e9"], "sla": 90}`))
	s := testSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := s.Decode(0, data)
		if err != nil {
			return
		}
		out := s.Encode(nil, r)
		r2, err := s.Decode(0, out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if !vm.RecordValue(r).Equal(vm.RecordValue(r2)) {
			t.Fatalf("round trip changed %s", out)
		}
	})
}

// TestReadString checks the envelope reader against encoding/json where
// they could differ: escapes, and surrogate halves that make no pair.
func TestReadString(t *testing.T) {
	for _, in := range []string{
		`"plain"`, `"Žluťoučký kůň"`, `"a\"b\\c\/d\n"`, `"\u017dlu\u0165"`,
		`"\ud83d\ude00"`, `"\ud800\u0041"`, `"\udc00\ud83d\ude00"`, `"\ud800"`, `"x\ud800\ud800y"`,
	} {
		got, end, err := ReadString([]byte(in), 0)
		var want string
		if jerr := json.Unmarshal([]byte(in), &want); err != nil || jerr != nil {
			t.Errorf("ReadString(%s): %v; encoding/json: %v", in, err, jerr)
			continue
		}
		if got != want || end != len(in) {
			t.Errorf("ReadString(%s) = %q (end %d), encoding/json %q", in, got, end, want)
		}
	}
	if _, _, err := ReadString([]byte(`"\ud800\u12"`), 0); err == nil {
		t.Error(`ReadString("\ud800\u12") took a bad escape`)
	}
}
