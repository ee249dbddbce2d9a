package bytecode

import (
	"errors"
	"fmt"
)

// This file defines Validate, which checks that a Program is internally
// consistent, so that the VM can run any program that passes without
// indexing out of range.

// Validate checks every cross-table index of p, every operand of every
// instruction, the rules' code ranges and entry points, the rule index,
// and, by following every path through each fragment, that the stack
// never underflows, never exceeds MaxStack and has the same depth wherever
// two paths meet. It returns the first problem found.
func (p *Program) Validate() error {
	v := validator{p: p}
	return v.run()
}

type validator struct {
	p *Program
}

func (v *validator) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid program: "+format, args...)
}

func (v *validator) run() error {
	p := v.p
	if len(p.Locs) != len(p.Code) {
		return v.errorf("%d locations for %d instructions", len(p.Locs), len(p.Code))
	}
	if p.MaxStack < 0 || p.MaxLocals < 0 || p.MaxStack > 1<<16 || p.MaxLocals > 1<<16 {
		return v.errorf("stack %d, locals %d out of range", p.MaxStack, p.MaxLocals)
	}
	for i := range p.Records {
		for j, f := range p.Records[i].Fields {
			if err := v.typ(f.Type); err != nil {
				return v.errorf("record %s field %d: %v", p.Records[i].Name, j, err)
			}
		}
	}
	for i := range p.Enums {
		e := &p.Enums[i]
		if e.Phases != nil && len(e.Phases) != len(e.Values) {
			return v.errorf("enum %s: %d phases for %d values", e.Name, len(e.Phases), len(e.Values))
		}
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Result.Kind != Null {
			if err := v.typ(a.Result); err != nil {
				return v.errorf("action %s result: %v", a.Name, err)
			}
		}
		for _, prm := range a.Params {
			if err := v.typ(prm.Type); err != nil {
				return v.errorf("action %s parameter %s: %v", a.Name, prm.Name, err)
			}
		}
	}
	for i, c := range p.Consts {
		if c.Kind > maxKind || c.Kind == Record || c.Kind == List {
			return v.errorf("constant %d has kind %s", i, c.Kind)
		}
		if c.Kind == Enum && c.Int >= 0 && c.Int > 1<<31 {
			return v.errorf("constant %d: enum index %d out of range", i, c.Int)
		}
	}
	for i, s := range p.Sets {
		for _, k := range s.Elems {
			if int(k) >= len(p.Consts) {
				return v.errorf("set %d: constant %d out of range", i, k)
			}
			if c := p.Consts[k]; c.Kind != s.Kind {
				return v.errorf("set %d of %s holds a %s", i, s.Kind, c.Kind)
			}
		}
	}
	for pc, in := range p.Code {
		if err := v.instr(int32(pc), in); err != nil {
			return v.errorf("pc %d (%s): %v", pc, in.Op, err)
		}
	}
	end := int32(0)
	for i := range p.Rules {
		if err := v.rule(&p.Rules[i], &end); err != nil {
			return v.errorf("rule %d (%s): %v", i, p.Rules[i].Display(), err)
		}
	}
	for i := range p.Events {
		if i > 0 && p.Events[i-1].Name >= p.Events[i].Name {
			return v.errorf("events not sorted at %q", p.Events[i].Name)
		}
		if err := v.event(&p.Events[i]); err != nil {
			return v.errorf("event %s: %v", p.Events[i].Name, err)
		}
	}
	return nil
}

func (v *validator) typ(t Type) error {
	if t.Kind > maxKind || t.Kind == Null {
		return fmt.Errorf("bad kind %d", t.Kind)
	}
	k := t.Kind
	if k == List {
		k = t.Elem
		if k == List || k == Null || k > maxKind {
			return fmt.Errorf("bad list element kind %s", k)
		}
	}
	switch {
	case k == Record && (t.Record < 0 || int(t.Record) >= len(v.p.Records)):
		return fmt.Errorf("record type %d out of range", t.Record)
	case k == Enum && (t.Enum < 0 || int(t.Enum) >= len(v.p.Enums)):
		return fmt.Errorf("enum %d out of range", t.Enum)
	}
	return nil
}

func (v *validator) slot(rec uint32, slot uint16) error {
	if int(rec) >= len(v.p.Records) {
		return fmt.Errorf("record type %d out of range", rec)
	}
	if int(slot) >= len(v.p.Records[rec].Fields) {
		return fmt.Errorf("slot %d out of range for record %s", slot, v.p.Records[rec].Name)
	}
	return nil
}

func (v *validator) local(n int) error {
	if n >= v.p.MaxLocals {
		return fmt.Errorf("local %d out of range (max %d)", n, v.p.MaxLocals)
	}
	return nil
}

func (v *validator) konst(k uint32) error {
	if int(k) >= len(v.p.Consts) {
		return fmt.Errorf("constant %d out of range", k)
	}
	return nil
}

func (v *validator) instr(pc int32, in Instr) error {
	p := v.p
	if in.Op > OpMax || in.Op == opNoOperand {
		return errors.New("illegal opcode")
	}
	if in.Op.IsJump() && (in.C < 0 || int(in.C) >= len(p.Code)) {
		return fmt.Errorf("jump target %d out of range", in.C)
	}
	switch in.Op {
	case OpConst:
		return v.konst(in.B)
	case OpField, OpSubjField:
		return v.slot(in.B, in.A)
	case OpLocal, OpSetLocal, OpIncLocal:
		return v.local(int(in.A))
	case OpLocalField:
		if err := v.local(int(in.A)); err != nil {
			return err
		}
		if in.B > 1<<16-1 {
			return fmt.Errorf("slot %d out of range", in.B)
		}
		return v.slot(uint32(in.C), uint16(in.B))
	case OpIterInit, OpIterNext:
		return v.local(int(in.A) + 2)
	case OpPred, OpTest, OpTestField, OpFind, OpFindNot, OpTestPath, OpFindField, OpFindNotField:
		if in.Op == OpTestField {
			// The subject's type is checked per rule; here only the form.
			if int(in.A) >= 1<<16 {
				return errors.New("slot out of range")
			}
		}
		return v.pred(in.Flag, in.B)
	case OpIfStr, OpIfNum:
		if err := v.konst(in.B); err != nil {
			return err
		}
		want := String
		if in.Op == OpIfNum {
			want = Number
		}
		if k := p.Consts[in.B].Kind; k != want {
			return fmt.Errorf("constant %d is a %s, not a %s", in.B, k, want)
		}
		if in.Flag&^RelAll != 0 {
			return fmt.Errorf("bad relation mask %#x", in.Flag)
		}
	case OpIfEnum:
		if in.Flag&^RelAll != 0 {
			return fmt.Errorf("bad relation mask %#x", in.Flag)
		}
	case OpCmp:
		if pr := in.Flag.Pred(); pr > maxPred || pr == PredMatches || !pr.HasOperand() {
			return fmt.Errorf("predicate %s needs a constant operand", pr)
		}
	}
	return nil
}

func (v *validator) pred(f Flag, b uint32) error {
	switch pr := f.Pred(); {
	case pr > maxPred:
		return fmt.Errorf("bad predicate %d", pr)
	case pr == PredIn:
		if int(b) >= len(v.p.Sets) {
			return fmt.Errorf("set %d out of range", b)
		}
	case pr == PredMatches:
		if int(b) >= len(v.p.Regexps) {
			return fmt.Errorf("regexp %d out of range", b)
		}
	case pr.HasOperand():
		return v.konst(b)
	}
	return nil
}

func (v *validator) rule(r *Rule, end *int32) error {
	p := v.p
	if r.Subject < 0 || int(r.Subject) >= len(p.Records) {
		return fmt.Errorf("subject %d out of range", r.Subject)
	}
	if r.Code[0] < *end || r.Code[1] < r.Code[0] || int(r.Code[1]) > len(p.Code) {
		return fmt.Errorf("code range [%d, %d) out of order", r.Code[0], r.Code[1])
	}
	*end = r.Code[1]
	if r.Lets < 0 || r.Lets > p.MaxLocals {
		return fmt.Errorf("%d lets out of range", r.Lets)
	}
	// Every jump stays inside the rule, and subject field reads use the
	// subject's layout.
	for pc := r.Code[0]; pc < r.Code[1]; pc++ {
		in := p.Code[pc]
		if in.Op.IsJump() && (in.C < r.Code[0] || in.C >= r.Code[1]) {
			return fmt.Errorf("pc %d jumps out of the rule to %d", pc, in.C)
		}
		switch in.Op {
		case OpIfEnum:
			if err := v.slot(uint32(r.Subject), in.A); err != nil {
				return fmt.Errorf("pc %d: %v", pc, err)
			}
			if t := p.Records[r.Subject].Fields[in.A].Type; t.Kind != Enum || int(in.B) >= len(p.Enums[t.Enum].Values) {
				return fmt.Errorf("pc %d: value %d is not one of the field's enum", pc, in.B)
			}
		case OpIfStr, OpIfNum:
			if err := v.slot(uint32(r.Subject), in.A); err != nil {
				return fmt.Errorf("pc %d: %v", pc, err)
			}
		case OpTestPath, OpFindField, OpFindNotField:
			if err := v.slot(uint32(r.Subject), in.A); err != nil {
				return fmt.Errorf("pc %d: %v", pc, err)
			}
			t := p.Records[r.Subject].Fields[in.A].Type
			want := Record
			if in.Op != OpTestPath {
				if t.Kind != List {
					return fmt.Errorf("pc %d: %s searches a %s", pc, in.Op, t.Kind)
				}
				want = t.Elem
			}
			switch {
			case in.Op != OpTestPath && in.D == NoSlot:
			case (t.Kind == want || t.Elem == want) && want == Record:
				if err := v.slot(uint32(t.Record), in.D); err != nil {
					return fmt.Errorf("pc %d: %v", pc, err)
				}
			default:
				return fmt.Errorf("pc %d: %s reads a field of a %s", pc, in.Op, want)
			}
		}
		if in.Op == OpTestField || in.Op == OpSubjField {
			if err := v.slot(uint32(r.Subject), in.A); err != nil {
				return fmt.Errorf("pc %d: %v", pc, err)
			}
		}
	}
	entry := func(what string, pc int32, cond bool) error {
		if pc < r.Code[0] || pc >= r.Code[1] {
			return fmt.Errorf("%s entry %d outside the rule's code", what, pc)
		}
		if err := v.fragment(pc, r.Code[1], cond); err != nil {
			return fmt.Errorf("%s at %d: %v", what, pc, err)
		}
		return nil
	}
	if err := entry("condition", r.Cond, true); err != nil {
		return err
	}
	if r.Freq > OncePer {
		return fmt.Errorf("bad frequency %d", r.Freq)
	}
	if r.Freq == OncePer {
		if err := entry("once per", r.Per, false); err != nil {
			return err
		}
	}
	for i, c := range r.Clauses {
		if err := entry(fmt.Sprintf("clause %d", i), c.PC, false); err != nil {
			return err
		}
	}
	for i, s := range r.Body {
		switch s.Kind {
		case StmtCall, StmtLet:
			if s.Action < 0 || int(s.Action) >= len(p.Actions) {
				return fmt.Errorf("statement %d: action %d out of range", i, s.Action)
			}
			if s.Kind == StmtLet && (s.Let < 0 || int(s.Let) >= r.Lets) {
				return fmt.Errorf("statement %d: let local %d out of range", i, s.Let)
			}
			for _, a := range s.Args {
				if a.Param < -1 || int(a.Param) >= len(p.Actions[s.Action].Params) {
					return fmt.Errorf("statement %d: parameter %d out of range", i, a.Param)
				}
				if err := entry(fmt.Sprintf("statement %d argument %s", i, a.Name), a.PC, false); err != nil {
					return err
				}
			}
		case StmtWait:
		case StmtWaitUntil:
			if err := entry(fmt.Sprintf("statement %d", i), s.Cond, true); err != nil {
				return err
			}
		default:
			return fmt.Errorf("statement %d: bad kind %d", i, s.Kind)
		}
	}
	return nil
}

// fragment checks the fragment at entry against MaxStack.
func (v *validator) fragment(entry, end int32, cond bool) error {
	d, err := StackDepth(v.p.Code, entry, end, cond)
	if err != nil {
		return err
	}
	if d > v.p.MaxStack {
		return fmt.Errorf("needs a stack of %d, more than the maximum %d", d, v.p.MaxStack)
	}
	return nil
}

// StackDepth follows every path through the fragment of code starting at
// entry (whose instructions lie before end) and returns the largest stack
// depth it reaches. cond says whether the fragment is a condition (ends in
// OpRetTrue/OpRetFalse with an empty stack) or a value (ends in OpReturn
// with one value). It fails when a path underflows the stack, runs past
// end, returns with the wrong depth, or meets another path at a different
// depth.
func StackDepth(code []Instr, entry, end int32, cond bool) (int, error) {
	if end > int32(len(code)) {
		end = int32(len(code))
	}
	depth := make(map[int32]int)
	work := []int32{entry}
	depth[entry] = 0
	maxDepth := 0
	for len(work) > 0 {
		pc := work[len(work)-1]
		work = work[:len(work)-1]
		d := depth[pc]
		for {
			if pc < 0 || pc >= end {
				return 0, fmt.Errorf("runs off its code at %d", pc)
			}
			in := code[pc]
			if d < StackPops(in) {
				return 0, fmt.Errorf("pc %d (%s) underflows the stack", pc, in.Op)
			}
			d += StackEffect(in)
			maxDepth = max(maxDepth, d)
			if in.Op.IsReturn() {
				switch {
				case in.Op == OpReturn && (cond || d != 0):
					return 0, fmt.Errorf("pc %d returns a value with %d left on the stack", pc, d)
				case in.Op != OpReturn && (!cond || d != 0):
					return 0, fmt.Errorf("pc %d ends a condition with %d on the stack", pc, d)
				}
				break
			}
			if in.Op.IsJump() {
				if old, seen := depth[in.C]; seen {
					if old != d {
						return 0, fmt.Errorf("stack depth %d and %d meet at pc %d", old, d, in.C)
					}
				} else {
					depth[in.C] = d
					work = append(work, in.C)
				}
				if in.Op == OpJump {
					break
				}
			}
			pc++
			if old, seen := depth[pc]; seen {
				if old != d {
					return 0, fmt.Errorf("stack depth %d and %d meet at pc %d", old, d, pc)
				}
				break
			}
			depth[pc] = d
		}
	}
	return maxDepth, nil
}

func (v *validator) event(e *Event) error {
	p := v.p
	if e.Record < 0 || int(e.Record) >= len(p.Records) {
		return fmt.Errorf("record %d out of range", e.Record)
	}
	rules := func(rs []int32) error {
		for i, r := range rs {
			if r < 0 || int(r) >= len(p.Rules) {
				return fmt.Errorf("rule %d out of range", r)
			}
			if i > 0 && rs[i-1] >= r {
				return errors.New("rules not ascending")
			}
			if p.Rules[r].Subject != e.Record {
				return fmt.Errorf("rule %d has another subject", r)
			}
		}
		return nil
	}
	if err := rules(e.Rules); err != nil {
		return err
	}
	for i, d := range e.Discs {
		if len(d.Path) == 0 || len(d.Keys) != len(d.Buckets) {
			return fmt.Errorf("discrimination %d malformed", i)
		}
		rec := e.Record
		for j, s := range d.Path {
			if err := v.slot(uint32(rec), s); err != nil {
				return fmt.Errorf("discrimination %d: %v", i, err)
			}
			t := p.Records[rec].Fields[s].Type
			if j < len(d.Path)-1 {
				if t.Kind != Record {
					return fmt.Errorf("discrimination %d: path goes through a %s", i, t.Kind)
				}
				rec = t.Record
			} else if t.Kind != d.Kind {
				return fmt.Errorf("discrimination %d: %s field keyed as %s", i, t.Kind, d.Kind)
			}
		}
		if d.Kind != Enum && d.Kind != String && d.Kind != Number {
			return fmt.Errorf("discrimination %d on a %s", i, d.Kind)
		}
		for j, k := range d.Keys {
			if err := v.konst(k); err != nil {
				return fmt.Errorf("discrimination %d: %v", i, err)
			}
			if p.Consts[k].Kind != d.Kind {
				return fmt.Errorf("discrimination %d: key %d is a %s", i, j, p.Consts[k].Kind)
			}
			if err := rules(d.Buckets[j]); err != nil {
				return fmt.Errorf("discrimination %d: %v", i, err)
			}
		}
	}
	return nil
}
