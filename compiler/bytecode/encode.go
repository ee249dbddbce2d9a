package bytecode

// This file defines the artifact format written by `rulec build` and
// loaded by `automatd`, and its encoder and decoder.
//
// # Artifact format, version 1
//
// All fixed-size integers are little endian.
//
//	offset  size  field
//	     0     8  magic "AUTOMATB"
//	     8     2  format version (uint16), [Version]; bumped on any change
//	    10     2  flags (uint16), 0; reserved
//	    12    32  schema hash: SHA-256 of the encoded schema section below
//	    44     8  payload length n (uint64)
//	    52     n  payload: the schema section, then the program section
//	  52+n    32  checksum: SHA-256 of bytes [0, 52+n)
//
// Nothing may follow the checksum. Inside the payload, "uv" is an unsigned
// varint (encoding/binary.AppendUvarint), "sv" a signed varint, a string is
// uv length + UTF-8 bytes, a list is uv count + elements, a bool one byte
// 0/1, a decimal sv coefficient + one byte scale, and a Type is: byte
// kind, bool optional, byte element kind, sv record, sv enum.
//
// Schema section:
//
//	records  list of {name string, fields list of {name string, type Type}}
//	enums    list of {name string, values list of string,
//	                  phases list of string, record string}
//	actions  list of {name string, params list of {name string, type Type},
//	                  result Type}
//
// Program section:
//
//	ruleset   string
//	files     list of string
//	consts    list of {byte kind, decimal num, string str, sv int}
//	sets      list of {byte kind, elems list of uv}
//	regexps   list of string
//	code      list of {byte op, byte flag, uv A, uv D, uv B, sv C}
//	locs      list of loc (as many as code); a loc is
//	          {sv file, sv start, sv end, sv line, sv col}
//	rules     list of {name string, id string, sv subject,
//	                   triggers list of {event string, schedule string},
//	                   byte freq, sv cond, sv per,
//	                   clauses list of {text string, loc, sv pc},
//	                   body list of {byte kind, sv action,
//	                                 args list of {sv param, name string, sv pc},
//	                                 sv let, sv wait, sv cond, loc},
//	                   uv lets, sv code start, sv code end, loc}
//	events    list of {name string, sv record, rules list of sv,
//	                   discs list of {path list of uv, byte kind,
//	                                  keys list of uv,
//	                                  buckets list of (list of sv)}}
//	maxstack  uv
//	maxlocals uv
//
// [Decode] checks the magic, the version, the flags, the lengths, the
// checksum and the schema hash before it decodes anything, and
// [Program.Validate]s the result.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/automat-rules/automat/lang/value"
)

// Magic starts every artifact.
const Magic = "AUTOMATB"

// Version is the artifact format version this package reads and writes.
const Version = 2

const (
	headerSize   = 8 + 2 + 2 + 32 + 8
	checksumSize = sha256.Size
)

// Errors of [Decode]; each is wrapped with details.
var (
	// ErrNotArtifact: the data does not start with [Magic].
	ErrNotArtifact = errors.New("not an Automat bytecode artifact")
	// ErrVersion: the artifact has another format version.
	ErrVersion = errors.New("unsupported artifact version")
	// ErrCorrupt: the length, checksum, schema hash or content is wrong.
	ErrCorrupt = errors.New("corrupt artifact")
)

// Encode serialises p in the artifact format.
func Encode(p *Program) []byte {
	var schema, prog writer
	schema.schema(p)
	prog.program(p)
	hash := sha256.Sum256(schema.b)

	out := make([]byte, 0, headerSize+len(schema.b)+len(prog.b)+checksumSize)
	out = append(out, Magic...)
	out = binary.LittleEndian.AppendUint16(out, Version)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = append(out, hash[:]...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(schema.b)+len(prog.b)))
	out = append(out, schema.b...)
	out = append(out, prog.b...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

// SchemaHash returns the SHA-256 of p's encoded schema section: two
// programs with the same hash have the same record layouts, enums and
// actions, so snapshots decoded for one are valid for the other.
func SchemaHash(p *Program) [32]byte {
	var w writer
	w.schema(p)
	return sha256.Sum256(w.b)
}

// Header is what [ReadHeader] reports about an artifact without decoding
// it.
type Header struct {
	Version    uint16
	SchemaHash [32]byte
	Checksum   [32]byte
}

// ReadHeader checks data's magic, version, length and checksum and
// returns its header.
func ReadHeader(data []byte) (Header, error) {
	var h Header
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		return h, ErrNotArtifact
	}
	if len(data) < headerSize+checksumSize {
		return h, fmt.Errorf("%w: truncated header (%d bytes)", ErrCorrupt, len(data))
	}
	h.Version = binary.LittleEndian.Uint16(data[8:])
	if h.Version != Version {
		return h, fmt.Errorf("%w %d (this build reads version %d; rebuild the ruleset with this rulec)", ErrVersion, h.Version, Version)
	}
	if flags := binary.LittleEndian.Uint16(data[10:]); flags != 0 {
		return h, fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, flags)
	}
	copy(h.SchemaHash[:], data[12:44])
	n := binary.LittleEndian.Uint64(data[44:])
	if n != uint64(len(data)-headerSize-checksumSize) {
		return h, fmt.Errorf("%w: payload length %d, but %d bytes follow the header", ErrCorrupt, n, len(data)-headerSize)
	}
	body := data[:len(data)-checksumSize]
	sum := sha256.Sum256(body)
	if !bytes.Equal(sum[:], data[len(body):]) {
		return h, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	copy(h.Checksum[:], data[len(body):])
	return h, nil
}

// Decode reads an artifact written by [Encode]. A foreign file, another
// format version, a damaged or truncated file and an inconsistent program
// are refused with an error wrapping [ErrNotArtifact], [ErrVersion] or
// [ErrCorrupt].
func Decode(data []byte) (*Program, error) {
	h, err := ReadHeader(data)
	if err != nil {
		return nil, err
	}
	r := reader{b: data[headerSize : len(data)-checksumSize]}
	p := new(Program)
	start := len(r.b)
	r.schema(p)
	if r.err == nil {
		schemaLen := start - len(r.b)
		if sha256.Sum256(data[headerSize:headerSize+schemaLen]) != h.SchemaHash {
			return nil, fmt.Errorf("%w: schema hash mismatch", ErrCorrupt)
		}
	}
	r.program(p)
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes left over", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, r.err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return p, nil
}

// ---------------------------------------------------------------------------
// Writer

type writer struct{ b []byte }

func (w *writer) uv(x uint64)   { w.b = binary.AppendUvarint(w.b, x) }
func (w *writer) sv(x int64)    { w.b = binary.AppendVarint(w.b, x) }
func (w *writer) byte1(x uint8) { w.b = append(w.b, x) }
func (w *writer) str(s string)  { w.uv(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) list(n int)    { w.uv(uint64(n)) }
func (w *writer) loc(l Loc) {
	w.sv(int64(l.File))
	w.sv(int64(l.Start))
	w.sv(int64(l.End))
	w.sv(int64(l.Line))
	w.sv(int64(l.Col))
}
func (w *writer) strs(s []string) {
	w.list(len(s))
	for _, x := range s {
		w.str(x)
	}
}

func (w *writer) boolean(b bool) {
	if b {
		w.byte1(1)
	} else {
		w.byte1(0)
	}
}

func (w *writer) typ(t Type) {
	w.byte1(uint8(t.Kind))
	w.boolean(t.Optional)
	w.byte1(uint8(t.Elem))
	w.sv(int64(t.Record))
	w.sv(int64(t.Enum))
}

func (w *writer) schema(p *Program) {
	w.list(len(p.Records))
	for _, r := range p.Records {
		w.str(r.Name)
		w.list(len(r.Fields))
		for _, f := range r.Fields {
			w.str(f.Name)
			w.typ(f.Type)
		}
	}
	w.list(len(p.Enums))
	for _, e := range p.Enums {
		w.str(e.Name)
		w.strs(e.Values)
		w.strs(e.Phases)
		w.str(e.Record)
	}
	w.list(len(p.Actions))
	for _, a := range p.Actions {
		w.str(a.Name)
		w.list(len(a.Params))
		for _, prm := range a.Params {
			w.str(prm.Name)
			w.typ(prm.Type)
		}
		w.typ(a.Result)
	}
}

func (w *writer) program(p *Program) {
	w.str(p.Ruleset)
	w.strs(p.Files)
	w.list(len(p.Consts))
	for _, c := range p.Consts {
		w.byte1(uint8(c.Kind))
		w.sv(c.Num.Coef())
		w.byte1(uint8(c.Num.Scale()))
		w.str(c.Str)
		w.sv(c.Int)
	}
	w.list(len(p.Sets))
	for _, s := range p.Sets {
		w.byte1(uint8(s.Kind))
		w.list(len(s.Elems))
		for _, e := range s.Elems {
			w.uv(uint64(e))
		}
	}
	w.strs(p.Regexps)
	w.list(len(p.Code))
	for _, in := range p.Code {
		w.byte1(uint8(in.Op))
		w.byte1(uint8(in.Flag))
		w.uv(uint64(in.A))
		w.uv(uint64(in.D))
		w.uv(uint64(in.B))
		w.sv(int64(in.C))
	}
	w.list(len(p.Locs))
	for _, l := range p.Locs {
		w.loc(l)
	}
	w.list(len(p.Rules))
	for i := range p.Rules {
		r := &p.Rules[i]
		w.str(r.Name)
		w.str(r.ID)
		w.sv(int64(r.Subject))
		w.list(len(r.Triggers))
		for _, t := range r.Triggers {
			w.str(t.Event)
			w.str(t.Schedule)
		}
		w.byte1(uint8(r.Freq))
		w.sv(int64(r.Cond))
		w.sv(int64(r.Per))
		w.list(len(r.Clauses))
		for _, c := range r.Clauses {
			w.str(c.Text)
			w.loc(c.Loc)
			w.sv(int64(c.PC))
		}
		w.list(len(r.Body))
		for _, s := range r.Body {
			w.byte1(uint8(s.Kind))
			w.sv(int64(s.Action))
			w.list(len(s.Args))
			for _, a := range s.Args {
				w.sv(int64(a.Param))
				w.str(a.Name)
				w.sv(int64(a.PC))
			}
			w.sv(int64(s.Let))
			w.sv(s.Wait)
			w.sv(int64(s.Cond))
			w.loc(s.Loc)
		}
		w.uv(uint64(r.Lets))
		w.sv(int64(r.Code[0]))
		w.sv(int64(r.Code[1]))
		w.loc(r.Loc)
	}
	w.list(len(p.Events))
	for _, e := range p.Events {
		w.str(e.Name)
		w.sv(int64(e.Record))
		w.int32s(e.Rules)
		w.list(len(e.Discs))
		for _, d := range e.Discs {
			w.list(len(d.Path))
			for _, s := range d.Path {
				w.uv(uint64(s))
			}
			w.byte1(uint8(d.Kind))
			w.list(len(d.Keys))
			for _, k := range d.Keys {
				w.uv(uint64(k))
			}
			w.list(len(d.Buckets))
			for _, b := range d.Buckets {
				w.int32s(b)
			}
		}
	}
	w.uv(uint64(p.MaxStack))
	w.uv(uint64(p.MaxLocals))
}

func (w *writer) int32s(xs []int32) {
	w.list(len(xs))
	for _, x := range xs {
		w.sv(int64(x))
	}
}

// ---------------------------------------------------------------------------
// Reader

// reader decodes the payload; the first error sticks and every later read
// returns zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) uv() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad unsigned varint")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) sv() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) i32() int32 {
	x := r.sv()
	if x < math.MinInt32 || x > math.MaxInt32 {
		r.fail("integer %d out of range", x)
		return 0
	}
	return int32(x)
}

func (r *reader) u32() uint32 {
	x := r.uv()
	if x > math.MaxUint32 {
		r.fail("integer %d out of range", x)
		return 0
	}
	return uint32(x)
}

func (r *reader) u16() uint16 {
	x := r.uv()
	if x > math.MaxUint16 {
		r.fail("integer %d out of range", x)
		return 0
	}
	return uint16(x)
}

func (r *reader) byte1() uint8 {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("unexpected end of data")
		return 0
	}
	x := r.b[0]
	r.b = r.b[1:]
	return x
}

func (r *reader) boolean() bool {
	switch r.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad boolean")
	return false
}

// list reads a count of elements each at least min bytes long, refusing
// counts the remaining data cannot hold (so a corrupt count cannot make
// the decoder allocate gigabytes).
func (r *reader) list(min int) int {
	n := r.uv()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)/max(min, 1)) {
		r.fail("count %d exceeds the data", n)
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.list(1)
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) strs() []string {
	n := r.list(1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *reader) loc() Loc {
	return Loc{File: r.i32(), Start: r.i32(), End: r.i32(), Line: r.i32(), Col: r.i32()}
}

func (r *reader) typ() Type {
	return Type{Kind: Kind(r.byte1()), Optional: r.boolean(), Elem: Kind(r.byte1()), Record: r.i32(), Enum: r.i32()}
}

func (r *reader) int32s() []int32 {
	n := r.list(1)
	if n == 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = r.i32()
	}
	return out
}

func (r *reader) schema(p *Program) {
	p.Records = make([]RecordType, r.list(2))
	for i := range p.Records {
		rt := &p.Records[i]
		rt.Name = r.str()
		rt.Fields = make([]Field, r.list(6))
		for j := range rt.Fields {
			rt.Fields[j] = Field{Name: r.str(), Type: r.typ()}
		}
	}
	p.Enums = make([]EnumType, r.list(4))
	for i := range p.Enums {
		p.Enums[i] = EnumType{Name: r.str(), Values: r.strs(), Phases: r.strs(), Record: r.str()}
	}
	p.Actions = make([]Action, r.list(7))
	for i := range p.Actions {
		a := &p.Actions[i]
		a.Name = r.str()
		a.Params = make([]Param, r.list(6))
		for j := range a.Params {
			a.Params[j] = Param{Name: r.str(), Type: r.typ()}
		}
		a.Result = r.typ()
	}
}

func (r *reader) program(p *Program) {
	p.Ruleset = r.str()
	p.Files = r.strs()
	p.Consts = make([]Const, r.list(5))
	for i := range p.Consts {
		c := &p.Consts[i]
		c.Kind = Kind(r.byte1())
		coef, scale := r.sv(), r.byte1()
		if coef == math.MinInt64 || scale > value.MaxScale {
			r.fail("constant %d: decimal out of range", i)
			return
		}
		c.Num = value.New(coef, int(scale))
		c.Str = r.str()
		c.Int = r.sv()
	}
	p.Sets = make([]Set, r.list(2))
	for i := range p.Sets {
		s := &p.Sets[i]
		s.Kind = Kind(r.byte1())
		s.Elems = make([]uint32, r.list(1))
		for j := range s.Elems {
			s.Elems[j] = r.u32()
		}
	}
	p.Regexps = r.strs()
	p.Code = make([]Instr, r.list(6))
	for i := range p.Code {
		p.Code[i] = Instr{Op: Opcode(r.byte1()), Flag: Flag(r.byte1()), A: r.u16(), D: r.u16(), B: r.u32(), C: r.i32()}
	}
	p.Locs = make([]Loc, r.list(5))
	for i := range p.Locs {
		p.Locs[i] = r.loc()
	}
	p.Rules = make([]Rule, r.list(16))
	for i := range p.Rules {
		rl := &p.Rules[i]
		rl.Name = r.str()
		rl.ID = r.str()
		rl.Subject = r.i32()
		if n := r.list(2); n > 0 {
			rl.Triggers = make([]Trigger, n)
			for j := range rl.Triggers {
				rl.Triggers[j] = Trigger{Event: r.str(), Schedule: r.str()}
			}
		}
		rl.Freq = Freq(r.byte1())
		rl.Cond = r.i32()
		rl.Per = r.i32()
		if n := r.list(5); n > 0 {
			rl.Clauses = make([]Clause, n)
			for j := range rl.Clauses {
				rl.Clauses[j] = Clause{Text: r.str(), Loc: r.loc(), PC: r.i32()}
			}
		}
		if n := r.list(9); n > 0 {
			rl.Body = make([]Stmt, n)
			for j := range rl.Body {
				s := &rl.Body[j]
				s.Kind = StmtKind(r.byte1())
				s.Action = r.i32()
				if m := r.list(3); m > 0 {
					s.Args = make([]Arg, m)
					for k := range s.Args {
						s.Args[k] = Arg{Param: r.i32(), Name: r.str(), PC: r.i32()}
					}
				}
				s.Let = r.i32()
				s.Wait = r.sv()
				s.Cond = r.i32()
				s.Loc = r.loc()
			}
		}
		rl.Lets = int(r.u16())
		rl.Code = [2]int32{r.i32(), r.i32()}
		rl.Loc = r.loc()
	}
	p.Events = make([]Event, r.list(4))
	for i := range p.Events {
		e := &p.Events[i]
		e.Name = r.str()
		e.Record = r.i32()
		e.Rules = r.int32s()
		if n := r.list(4); n > 0 {
			e.Discs = make([]Disc, n)
			for j := range e.Discs {
				d := &e.Discs[j]
				d.Path = make([]uint16, r.list(1))
				for k := range d.Path {
					d.Path[k] = r.u16()
				}
				d.Kind = Kind(r.byte1())
				d.Keys = make([]uint32, r.list(1))
				for k := range d.Keys {
					d.Keys[k] = r.u32()
				}
				d.Buckets = make([][]int32, r.list(1))
				for k := range d.Buckets {
					d.Buckets[k] = r.int32s()
				}
			}
		}
	}
	p.MaxStack = int(r.u16())
	p.MaxLocals = int(r.u16())
}
