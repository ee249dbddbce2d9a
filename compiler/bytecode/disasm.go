package bytecode

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// This file defines the disassembler: the text `rulec disasm` prints and
// the compact form the code generator's tests compare.

// Fragment is a labelled range of a rule's code: its condition, `once
// per` expression, a clause, an argument or a `wait until` condition.
type Fragment struct {
	Label      string // "cond", "per", "clause 0 `order.total > 100`", "stmt 1 email to"
	Start, End int32  // [Start, End) pcs
}

// Fragments returns the fragments of rule i in code order. Each runs from
// its entry to the next fragment's entry (or the end of the rule's code).
func (p *Program) Fragments(i int) []Fragment {
	r := &p.Rules[i]
	var fs []Fragment
	add := func(label string, pc int32) {
		if pc >= 0 {
			fs = append(fs, Fragment{Label: label, Start: pc})
		}
	}
	add("cond", r.Cond)
	if r.Freq == OncePer {
		add("per", r.Per)
	}
	for j, c := range r.Clauses {
		add(fmt.Sprintf("clause %d `%s`", j, c.Text), c.PC)
	}
	for j, s := range r.Body {
		switch s.Kind {
		case StmtCall, StmtLet:
			for _, a := range s.Args {
				add(fmt.Sprintf("stmt %d %s %s", j, p.Actions[s.Action].Name, a.Name), a.PC)
			}
		case StmtWaitUntil:
			add(fmt.Sprintf("stmt %d wait until", j), s.Cond)
		}
	}
	sort.SliceStable(fs, func(a, b int) bool { return fs[a].Start < fs[b].Start })
	for j := range fs {
		if j+1 < len(fs) {
			fs[j].End = fs[j+1].Start
		} else {
			fs[j].End = r.Code[1]
		}
	}
	return fs
}

// Disassemble writes p rule by rule: each rule's header (name, subject,
// triggers, frequency, body) and its code, one instruction per line with
// its pc, each fragment under its label. This is what `rulec disasm`
// prints.
func (p *Program) Disassemble(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "ruleset %q: %d rules, %d instructions, %d constants, %d sets, %d regexps, max stack %d, max locals %d\n",
		p.Ruleset, len(p.Rules), len(p.Code), len(p.Consts), len(p.Sets), len(p.Regexps), p.MaxStack, p.MaxLocals)
	for i := range p.Rules {
		r := &p.Rules[i]
		subject := "?"
		if int(r.Subject) < len(p.Records) {
			subject = p.Records[r.Subject].Name
		}
		fmt.Fprintf(&b, "\nrule %d %q (id %q) subject %s, %s", i, r.Name, r.ID, subject, r.Freq)
		for j, t := range r.Triggers {
			if j == 0 {
				b.WriteString(", on ")
			} else {
				b.WriteString(", ")
			}
			if t.Event != "" {
				b.WriteString(t.Event)
			} else {
				fmt.Fprintf(&b, "schedule %q", t.Schedule)
			}
		}
		b.WriteString("\n")
		for j, s := range r.Body {
			fmt.Fprintf(&b, "  do %d: %s\n", j, p.stmtString(&s))
		}
		for _, f := range p.Fragments(i) {
			fmt.Fprintf(&b, "  %s:\n", f.Label)
			for pc := f.Start; pc < f.End; pc++ {
				fmt.Fprintf(&b, "    %4d  %s\n", pc, p.InstrString(pc))
			}
		}
	}
	if len(p.Events) > 0 {
		b.WriteString("\nindex:\n")
		for _, e := range p.Events {
			fmt.Fprintf(&b, "  %s: rules %v", e.Name, e.Rules)
			for _, d := range e.Discs {
				fmt.Fprintf(&b, "; by %s:", p.pathString(e.Record, d.Path))
				for k, key := range d.Keys {
					fmt.Fprintf(&b, " %s→%v", p.Consts[key], d.Buckets[k])
				}
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p *Program) stmtString(s *Stmt) string {
	switch s.Kind {
	case StmtCall, StmtLet:
		a := &p.Actions[s.Action]
		names := make([]string, len(s.Args))
		for i, arg := range s.Args {
			names[i] = arg.Name
		}
		call := fmt.Sprintf("%s(%s)", a.Name, strings.Join(names, ", "))
		if s.Kind == StmtLet {
			return fmt.Sprintf("let local %d = %s", s.Let, call)
		}
		return call
	case StmtWait:
		return "wait " + Const{Kind: Duration, Int: s.Wait}.String()
	case StmtWaitUntil:
		if s.Wait != 0 {
			return "wait until … max " + Const{Kind: Duration, Int: s.Wait}.String()
		}
		return "wait until …"
	}
	return s.Kind.String()
}

func (p *Program) pathString(rec int32, path []uint16) string {
	var parts []string
	for _, s := range path {
		if int(rec) >= len(p.Records) || int(s) >= len(p.Records[rec].Fields) {
			parts = append(parts, "?")
			break
		}
		f := p.Records[rec].Fields[s]
		parts = append(parts, f.Name)
		rec = f.Type.Record
	}
	return strings.Join(parts, ".")
}

// Compact renders the instructions [from, to) on one line, separated by
// "; ", as the code generator's tests compare them.
func (p *Program) Compact(from, to int32) string {
	parts := make([]string, 0, to-from)
	for pc := from; pc < to; pc++ {
		parts = append(parts, p.InstrString(pc))
	}
	return strings.Join(parts, "; ")
}

// InstrString renders the instruction at pc: its name and operands, with
// field names, constants and sets spelled out.
func (p *Program) InstrString(pc int32) string {
	in := p.Code[pc]
	name := in.Op.String()
	switch in.Op {
	case OpConst:
		return name + " " + p.constString(in.B)
	case OpField:
		return name + " " + p.fieldName(in.B, in.A, true)
	case OpSubjField:
		return name + " " + p.fieldName(in.B, in.A, false)
	case OpLocal, OpSetLocal, OpIncLocal, OpIterInit, OpInterp, OpMakeList:
		return name + " " + strconv.Itoa(int(in.A))
	case OpLocalField:
		return fmt.Sprintf("%s %d %s", name, in.A, p.fieldName(uint32(in.C), uint16(in.B), true))
	case OpJump, OpJumpIfTrue, OpJumpIfFalse:
		return fmt.Sprintf("%s %d", name, in.C)
	case OpIterNext:
		return fmt.Sprintf("%s %d %d", name, in.A, in.C)
	case OpPred:
		return name + " " + p.predString(in.Flag, in.B)
	case OpCmp:
		return fmt.Sprintf("%s %s %s", name, in.Flag.Kind(), in.Flag.Pred())
	case OpIfEnum, OpIfStr, OpIfNum:
		rec := p.subjectAt(pc)
		operand := p.constString(in.B)
		if in.Op == OpIfEnum {
			operand = fmt.Sprintf("value%d", in.B)
			if int(rec) < len(p.Records) && int(in.A) < len(p.Records[rec].Fields) {
				if t := p.Records[rec].Fields[in.A].Type; t.Kind == Enum && t.Enum >= 0 && int(t.Enum) < len(p.Enums) && int(in.B) < len(p.Enums[t.Enum].Values) {
					operand = fmt.Sprintf("%q", p.Enums[t.Enum].Values[in.B])
				}
			}
		}
		return fmt.Sprintf("%s %s %s %s %d", name, p.fieldName(rec, in.A, false), RelString(in.Flag), operand, in.C)
	case OpTestPath:
		rec := p.subjectAt(pc)
		first := p.fieldName(rec, in.A, false)
		second := fmt.Sprintf("slot%d", in.D)
		if int(rec) < len(p.Records) && int(in.A) < len(p.Records[rec].Fields) {
			second = p.fieldName(uint32(p.Records[rec].Fields[in.A].Type.Record), in.D, false)
		}
		jump := "jf"
		if in.Flag.Sense() {
			jump = "jt"
		}
		return fmt.Sprintf("%s %s.%s %s %s %d", name, first, second, p.predString(in.Flag, in.B), jump, in.C)
	case OpFindField, OpFindNotField:
		rec := p.subjectAt(pc)
		what := p.fieldName(rec, in.A, false)
		if in.D != NoSlot && int(rec) < len(p.Records) && int(in.A) < len(p.Records[rec].Fields) {
			what += "[]." + p.fieldName(uint32(p.Records[rec].Fields[in.A].Type.Record), in.D, false)
		} else {
			what += "[]"
		}
		return fmt.Sprintf("%s %s %s want %v %d", name, what, p.predString(in.Flag, in.B), in.Flag.Sense(), in.C)
	case OpFind, OpFindNot:
		what := "element"
		if in.A != NoSlot {
			what = p.fieldName(p.elemRecordBefore(pc), in.A, true)
		}
		return fmt.Sprintf("%s %s %s want %v %d", name, what, p.predString(in.Flag, in.B), in.Flag.Sense(), in.C)
	case OpTest, OpTestField:
		s := name
		if in.Op == OpTestField {
			s += " " + p.fieldName(p.subjectAt(pc), in.A, false)
		}
		jump := "jf"
		if in.Flag.Sense() {
			jump = "jt"
		}
		return fmt.Sprintf("%s %s %s %d", s, p.predString(in.Flag, in.B), jump, in.C)
	}
	return name
}

// elemRecordBefore returns the element record type of the list that the
// instruction before pc pushes (the list an OpFind searches), or an
// out-of-range index when it cannot tell.
func (p *Program) elemRecordBefore(pc int32) uint32 {
	unknown := uint32(len(p.Records))
	if pc == 0 {
		return unknown
	}
	prev := p.Code[pc-1]
	var rec uint32
	var slot uint16
	switch prev.Op {
	case OpSubjField:
		rec, slot = prev.B, prev.A
	case OpField:
		rec, slot = prev.B, prev.A
	case OpLocalField:
		rec, slot = uint32(prev.C), uint16(prev.B)
	default:
		return unknown
	}
	if int(rec) >= len(p.Records) || int(slot) >= len(p.Records[rec].Fields) {
		return unknown
	}
	t := p.Records[rec].Fields[slot].Type
	if t.Kind != List || t.Elem != Record || t.Record < 0 {
		return unknown
	}
	return uint32(t.Record)
}

// subjectAt returns the subject record type of the rule holding pc.
func (p *Program) subjectAt(pc int32) uint32 {
	if i := p.RuleAt(pc); i >= 0 {
		return uint32(p.Rules[i].Subject)
	}
	return uint32(len(p.Records)) // unknown: fieldName prints a slot number
}

func (p *Program) fieldName(rec uint32, slot uint16, qualified bool) string {
	if int(rec) >= len(p.Records) || int(slot) >= len(p.Records[rec].Fields) {
		return fmt.Sprintf("slot%d", slot)
	}
	if qualified {
		return p.Records[rec].Name + "." + p.Records[rec].Fields[slot].Name
	}
	return p.Records[rec].Fields[slot].Name
}

func (p *Program) constString(k uint32) string {
	if int(k) < len(p.Consts) {
		return p.Consts[k].String()
	}
	return fmt.Sprintf("k%d?", k)
}

func (p *Program) predString(f Flag, b uint32) string {
	pr := f.Pred()
	var s string
	if pr.HasOperand() {
		s = f.Kind().String() + " " + pr.String()
	} else {
		s = pr.String()
	}
	switch {
	case pr == PredIn:
		if int(b) >= len(p.Sets) {
			return s + fmt.Sprintf(" set%d?", b)
		}
		elems := make([]string, len(p.Sets[b].Elems))
		for i, e := range p.Sets[b].Elems {
			elems[i] = p.constString(e)
		}
		return s + " {" + strings.Join(elems, " ") + "}"
	case pr == PredMatches:
		if int(b) < len(p.Regexps) {
			return s + " /" + p.Regexps[b] + "/"
		}
		return s + fmt.Sprintf(" regexp%d?", b)
	case pr.HasOperand():
		return s + " " + p.constString(b)
	}
	return s
}
