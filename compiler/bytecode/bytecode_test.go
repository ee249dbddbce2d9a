package bytecode

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/value"
)

func TestOpcodeNames(t *testing.T) {
	seen := make(map[string]Opcode)
	for op := Opcode(0); op <= OpMax; op++ {
		if op == opNoOperand {
			if got := op.String(); !strings.HasPrefix(got, "illegal op") {
				t.Errorf("sentinel prints %q", got)
			}
			continue
		}
		name := op.String()
		if name == "" || strings.HasPrefix(name, "illegal") {
			t.Errorf("opcode %d has no name", op)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("opcodes %d and %d are both %q", prev, op, name)
		}
		seen[name] = op
		if op < opNoOperand && op.HasOperand() || op > opNoOperand && !op.HasOperand() {
			t.Errorf("%s: HasOperand wrong", op)
		}
		if int(op) >= len(stackIO) {
			t.Errorf("%s has no stack effect", op)
		}
	}
	if got := Opcode(OpMax + 1).String(); !strings.HasPrefix(got, "illegal op (") {
		t.Errorf("OpMax+1 prints %q", got)
	}
	if got := Opcode(255).String(); got != "illegal op (255)" {
		t.Errorf("255 prints %q", got)
	}
	for p := Pred(0); p <= maxPred; p++ {
		if strings.HasPrefix(p.String(), "pred(") {
			t.Errorf("predicate %d has no name", p)
		}
	}
	for k := Kind(0); k <= maxKind; k++ {
		if strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
}

func TestFlag(t *testing.T) {
	for p := Pred(0); p <= maxPred; p++ {
		for k := Kind(0); k <= List; k++ {
			for _, s := range []bool{false, true} {
				f := MakeFlag(p, k, s)
				if f.Pred() != p || f.Kind() != k || f.Sense() != s {
					t.Fatalf("MakeFlag(%s, %s, %v) round-trips to %s, %s, %v", p, k, s, f.Pred(), f.Kind(), f.Sense())
				}
			}
		}
	}
}

func TestStackEffect(t *testing.T) {
	tests := []struct {
		in   Instr
		want int
	}{
		{Instr{Op: OpConst}, 1},
		{Instr{Op: OpAdd}, -1},
		{Instr{Op: OpInterp, A: 3}, -2},
		{Instr{Op: OpMakeList, A: 0}, 1},
		{Instr{Op: OpTestField}, 0},
		{Instr{Op: OpTest}, -1},
		{Instr{Op: OpReturn}, -1},
	}
	for _, tt := range tests {
		if got := StackEffect(tt.in); got != tt.want {
			t.Errorf("StackEffect(%s) = %d, want %d", tt.in.Op, got, tt.want)
		}
	}
}

// sample builds a small valid program by hand: one order rule
//
//	when order.status = "new" or order.total > 100 do log(text: "{order.total}")
func sample() *Program {
	p := &Program{
		Ruleset: "sample",
		Files:   []string{"a.rules"},
		Records: []RecordType{{Name: "order", Fields: []Field{
			{Name: "status", Type: Type{Kind: Enum, Record: -1, Enum: 0}},
			{Name: "total", Type: Type{Kind: Number, Record: -1, Enum: -1}},
		}}},
		Enums:   []EnumType{{Name: "order_status", Values: []string{"new", "done"}, Phases: []string{"new_confirmed", "completed"}, Record: "order"}},
		Actions: []Action{{Name: "log", Params: []Param{{Name: "text", Type: Type{Kind: String, Record: -1, Enum: -1}}}}},
		Consts: []Const{
			{Kind: Enum, Str: "new", Int: 0},
			{Kind: Number, Num: value.MustParseDecimal("100")},
			{Kind: String, Str: "total "},
		},
		Sets:    []Set{{Kind: Enum, Elems: []uint32{0}}},
		Regexps: []string{"^N"},
		Code: []Instr{
			{Op: OpTestField, Flag: MakeFlag(PredEq, Enum, true), A: 0, B: 0, C: 3},
			{Op: OpTestField, Flag: MakeFlag(PredGt, Number, false), A: 1, B: 1, C: 4},
			{Op: OpNop},
			{Op: OpRetTrue},
			{Op: OpRetFalse},
			{Op: OpConst, B: 2},
			{Op: OpSubjField, A: 1, B: 0},
			{Op: OpInterp, A: 2},
			{Op: OpReturn},
		},
		Rules: []Rule{{
			Name: "r", ID: "r", Subject: 0, Freq: Once, Cond: 0, Per: -1,
			Clauses: []Clause{{Text: `order.status = "new"`, PC: 5}},
			Body:    []Stmt{{Kind: StmtCall, Action: 0, Args: []Arg{{Param: 0, Name: "text", PC: 5}}, Let: -1, Cond: -1}},
			Code:    [2]int32{0, 9},
			Loc:     Loc{File: 0, Start: 0, End: 40, Line: 1, Col: 1},
		}},
		Events: []Event{
			{Name: "order.*", Record: 0, Discs: []Disc{{Path: []uint16{0}, Kind: Enum, Keys: []uint32{0}, Buckets: [][]int32{{0}}}}},
			{Name: "order.created", Record: 0, Rules: []int32{0}},
		},
		MaxStack:  2,
		MaxLocals: 0,
	}
	p.Locs = make([]Loc, len(p.Code))
	return p
}

func TestValidate(t *testing.T) {
	if err := sample().Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	tests := []struct {
		name   string
		break_ func(p *Program)
		want   string
	}{
		{"locs", func(p *Program) { p.Locs = p.Locs[1:] }, "locations"},
		{"const", func(p *Program) { p.Code[5].B = 9 }, "constant 9 out of range"},
		{"jump", func(p *Program) { p.Code[0].C = 99 }, "jump target 99"},
		{"slot", func(p *Program) { p.Code[6].A = 7 }, "slot 7 out of range"},
		{"opcode", func(p *Program) { p.Code[2].Op = 200 }, "illegal opcode"},
		{"stack", func(p *Program) { p.MaxStack = 1 }, "maximum"},
		{"underflow", func(p *Program) { p.Code[5] = Instr{Op: OpNop} }, "underflows"},
		{"falls off", func(p *Program) { p.Code[4] = Instr{Op: OpNop}; p.Code[8] = Instr{Op: OpNop} }, ""},
		{"rule subject", func(p *Program) { p.Rules[0].Subject = 3 }, "subject 3"},
		{"action", func(p *Program) { p.Rules[0].Body[0].Action = 2 }, "action 2"},
		{"event order", func(p *Program) { p.Events[0], p.Events[1] = p.Events[1], p.Events[0] }, "not sorted"},
		{"disc key", func(p *Program) { p.Events[0].Discs[0].Keys[0] = 1 }, "key 0 is a number"},
		{"set", func(p *Program) { p.Sets[0].Elems[0] = 1 }, "holds a number"},
		{"enum type", func(p *Program) { p.Records[0].Fields[0].Type.Enum = 4 }, "enum 4"},
		{"pred", func(p *Program) { p.Code[0].Flag = MakeFlag(PredIn, Enum, true); p.Code[0].B = 3 }, "set 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sample()
			tt.break_(p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate accepted a broken program")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEncodeDecode(t *testing.T) {
	p := sample()
	data := Encode(p)
	q, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if again := Encode(q); !bytes.Equal(again, data) {
		t.Fatal("Encode(Decode(Encode(p))) differs from Encode(p)")
	}
	var a, b strings.Builder
	p.Disassemble(&a)
	q.Disassemble(&b)
	if a.String() != b.String() {
		t.Errorf("disassembly differs after a round trip:\n%s\n---\n%s", a.String(), b.String())
	}
	h, err := ReadHeader(data)
	if err != nil || h.Version != Version || h.SchemaHash != SchemaHash(p) {
		t.Errorf("ReadHeader = %+v, %v", h, err)
	}
}

func TestDecodeRefuses(t *testing.T) {
	good := Encode(sample())
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotArtifact, "not an Automat"},
		{"foreign", []byte("PK\x03\x04 a zip file, not ours"), ErrNotArtifact, "not an Automat"},
		{"rules source", []byte("ruleset \"x\"\nwhen order.total > 1 do log(text: \"x\")\n"), ErrNotArtifact, ""},
		{"version", mutate(func(b []byte) []byte { b[8] = 9; return b }), ErrVersion, "version 9"},
		{"flags", mutate(func(b []byte) []byte { b[10] = 1; return b }), ErrCorrupt, "flags"},
		{"truncated", good[:len(good)-10], ErrCorrupt, "payload length"},
		{"header only", good[:30], ErrCorrupt, "truncated"},
		{"flipped bit", mutate(func(b []byte) []byte { b[len(b)/2] ^= 1; return b }), ErrCorrupt, "checksum"},
		{"appended", append(append([]byte(nil), good...), 0), ErrCorrupt, "payload length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode = %v, %v; want %v", p, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

// TestDecodeInconsistent re-signs an artifact whose program is invalid:
// the checksum passes, validation refuses it.
func TestDecodeInconsistent(t *testing.T) {
	p := sample()
	p.Code[5].B = 42
	_, err := Decode(Encode(p))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "constant 42 out of range") {
		t.Fatalf("Decode = %v", err)
	}
}

func TestDisassemble(t *testing.T) {
	var b strings.Builder
	if err := sample().Disassemble(&b); err != nil {
		t.Fatal(err)
	}
	want := `ruleset "sample": 1 rules, 9 instructions, 3 constants, 1 sets, 1 regexps, max stack 2, max locals 0

rule 0 "r" (id "r") subject order, once
  do 0: log(text)
  cond:
       0  testfield status enum = "new" jt 3
       1  testfield total number > 100 jf 4
       2  nop
       3  rettrue
       4  retfalse
  clause 0 ` + "`order.status = \"new\"`" + `:
  stmt 0 log text:
       5  const "total "
       6  subjfield total
       7  interp 2
       8  return

index:
  order.*: rules []; by status: "new"→[0]
  order.created: rules [0]
`
	if got := b.String(); got != want {
		t.Errorf("Disassemble:\n%s\nwant:\n%s", got, want)
	}
	if got := sample().Compact(0, 3); got != `testfield status enum = "new" jt 3; testfield total number > 100 jf 4; nop` {
		t.Errorf("Compact = %q", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(sample()))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid program: %v", err)
		}
	})
}

// sign wraps a payload in a header with a matching schema hash and
// checksum, so that fuzzing reaches the payload decoder and validation.
func sign(payload []byte) []byte {
	r := reader{b: payload}
	r.schema(new(Program))
	schemaLen := len(payload) - len(r.b)
	hash := sha256.Sum256(payload[:schemaLen])
	out := append([]byte(Magic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint16(out[8:], Version)
	out = append(out, hash[:]...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(payload)))
	out = append(out, payload...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

func FuzzDecodePayload(f *testing.F) {
	good := Encode(sample())
	f.Add(good[headerSize : len(good)-checksumSize])
	f.Fuzz(func(t *testing.T, payload []byte) {
		p, err := Decode(sign(payload))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid program: %v", err)
		}
		var b strings.Builder
		if err := p.Disassemble(&b); err != nil {
			t.Fatal(err)
		}
	})
}
