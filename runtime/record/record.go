// Package record lays records out in VM slots and decodes them from the
// JSON of events (SPEC §3): each field of a record type is one slot, in
// the order of the compiled schema (bytecode.RecordType), so the VM reads
// a field by index and never by name. An event's `data` is decoded once;
// money is read exactly from JSON numbers or strings, strings are put in
// Unicode NFC (SPEC §1.4) so that `=` compares them byte for byte, enum
// values get their index, and a record's `phase` is derived from its
// `status` where the ruleset maps statuses to phases.
//
// It sits between the engine and the VM: the engine receives JSON, this
// package turns it into a *vm.Record, the VM evaluates rules on it.
package record

import (
	"fmt"
	"strings"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/runtime/vm"
)

// Schema decodes and encodes the records of one program. It is immutable
// and safe for concurrent use.
type Schema struct {
	vp     *vm.Program
	p      *bytecode.Program
	slots  []map[string]int // per record type: field name → slot
	enums  []map[string]int // per enum: value → index
	phases []phaseRule      // per record type
}

// phaseRule derives one slot (phase) from another (status) through a
// statuses enum's phases; status is -1 when the record has none.
type phaseRule struct {
	status, phase int
	statusEnum    int32
	phaseEnum     int32
}

// NewSchema prepares the record types of a loaded program for decoding.
// Decoded strings are interned against the program's constants
// (vm.Program.Intern).
func NewSchema(vp *vm.Program) *Schema {
	p := vp.Bytecode
	s := &Schema{
		vp:     vp,
		p:      p,
		slots:  make([]map[string]int, len(p.Records)),
		enums:  make([]map[string]int, len(p.Enums)),
		phases: make([]phaseRule, len(p.Records)),
	}
	for i, r := range p.Records {
		m := make(map[string]int, len(r.Fields))
		for j, f := range r.Fields {
			m[f.Name] = j
		}
		s.slots[i] = m
		s.phases[i] = s.phaseRuleOf(&r)
	}
	for i, e := range p.Enums {
		m := make(map[string]int, len(e.Values))
		for j, v := range e.Values {
			m[v] = j
		}
		s.enums[i] = m
	}
	return s
}

// phaseRuleOf finds a `status` field of a statuses enum with phases and a
// `phase` field of the enum those phases belong to.
func (s *Schema) phaseRuleOf(r *bytecode.RecordType) phaseRule {
	pr := phaseRule{status: -1, phase: -1}
	for j, f := range r.Fields {
		switch {
		case f.Name == "status" && f.Type.Kind == bytecode.Enum && s.p.Enums[f.Type.Enum].Phases != nil:
			pr.status, pr.statusEnum = j, f.Type.Enum
		case f.Name == "phase" && f.Type.Kind == bytecode.Enum:
			pr.phase, pr.phaseEnum = j, f.Type.Enum
		}
	}
	if pr.status < 0 || pr.phase < 0 {
		return phaseRule{status: -1, phase: -1}
	}
	return pr
}

// Program returns the program whose layouts s uses.
func (s *Schema) Program() *bytecode.Program { return s.p }

// Type returns the index of the record type called name, or -1.
func (s *Schema) Type(name string) int { return s.p.Record(name) }

// Slot returns the slot of the field called name in record type t, or -1.
func (s *Schema) Slot(t int, name string) int {
	if j, ok := s.slots[t][name]; ok {
		return j
	}
	return -1
}

// Enum returns the value of enum e for text: its index, or -1 when the
// ruleset does not declare it.
func (s *Schema) Enum(e int32, text string) vm.Value {
	i, ok := s.enums[e][text]
	if !ok {
		i = -1
	}
	return vm.EnumValue(text, i)
}

// New returns an empty record (every field null) of type t.
func (s *Schema) New(t int) *vm.Record {
	return &vm.Record{Type: int32(t), Slots: make([]vm.Value, len(s.p.Records[t].Fields))}
}

// Derive fills the fields of r that the schema derives from others: a
// record's `phase` from its `status`, when the status is a declared user
// status mapped to a phase. A status the ruleset does not declare leaves
// the phase as the data gave it. Decode calls Derive; call it again after
// changing a record's status.
func (s *Schema) Derive(r *vm.Record) {
	pr := s.phases[r.Type]
	if pr.status < 0 {
		return
	}
	st := r.Slots[pr.status]
	if st.Kind() != bytecode.Enum || st.EnumIndex() < 0 {
		return
	}
	phase := s.p.Enums[pr.statusEnum].Phases[st.EnumIndex()]
	r.Slots[pr.phase] = s.Enum(pr.phaseEnum, phase)
}

// Error is a decoding error: where in the data (a path such as
// "items[2].price") and what is wrong.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// at prefixes the error's path with a field name or index.
func at(err error, elem string) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	switch {
	case e.Path == "":
		e.Path = elem
	case strings.HasPrefix(e.Path, "["):
		e.Path = elem + e.Path
	default:
		e.Path = elem + "." + e.Path
	}
	return e
}
