package vm

import (
	"fmt"
	"regexp"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// This file defines Program, a bytecode program made ready to run: its
// constants as values, its sets hashed, its regexps compiled and its rule
// index turned into lookup tables.

// Program is a loaded, immutable bytecode program; any number of
// [Machine]s may run it at once.
type Program struct {
	// Bytecode is the program as compiled; do not modify it.
	Bytecode *bytecode.Program

	code                []bytecode.Instr
	consts              []Value
	sets                []set
	regexps             []*regexp.Regexp
	events              map[string]*event
	width               []int            // the number of slots of each record type
	conds, subjects     []int32          // each rule\'s condition entry and subject type
	atoms               map[string]int64 // the constant strings, numbered from 1
	scaled              []scaledNum      // number constants at every finer scale, by constant
	maxStack, maxLocals int
}

// linearSetMax is the size up to which a set of numbers is searched
// linearly rather than hashed; below it comparing a few values beats
// hashing one. Sets of enum values and strings are bit sets of value
// indices and atoms, whatever their size.
const linearSetMax = 6

// set is a constant set of an `in` test.
type set struct {
	kind   bytecode.Kind
	linear []Value                    // small sets of any kind
	strs   map[string]struct{}        // strings; undeclared enum values
	nums   map[value.Decimal]struct{} // numbers, normalised
	bits   []uint64                   // declared enum values by index; strings by atom
}

// event is a loaded [bytecode.Event].
type event struct {
	record int32
	rules  []int32
	discs  []disc
}

// disc is a loaded [bytecode.Disc]: the buckets of rules by the value of
// the field at path.
type disc struct {
	path  []uint16
	kind  bytecode.Kind
	enums [][]int32                 // by enum index
	strs  map[string][]int32        // by string (or undeclared enum text)
	nums  map[value.Decimal][]int32 // by normalised number
}

// Load validates p and prepares it to run. It fails on an invalid program
// or a regexp that does not compile.
func Load(p *bytecode.Program) (*Program, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	lp := &Program{
		Bytecode:  p,
		code:      p.Code,
		consts:    make([]Value, len(p.Consts)),
		sets:      make([]set, len(p.Sets)),
		regexps:   make([]*regexp.Regexp, len(p.Regexps)),
		events:    make(map[string]*event, len(p.Events)),
		maxStack:  p.MaxStack,
		maxLocals: p.MaxLocals,
	}
	lp.atoms = make(map[string]int64)
	for i, c := range p.Consts {
		lp.consts[i] = constValue(c)
		if c.Kind == bytecode.String {
			a, ok := lp.atoms[c.Str]
			if !ok {
				a = int64(len(lp.atoms) + 1)
				lp.atoms[c.Str] = a
			}
			lp.consts[i].n = a
		}
	}
	for _, r := range p.Rules {
		lp.conds = append(lp.conds, r.Cond)
		lp.subjects = append(lp.subjects, r.Subject)
	}
	lp.scaled = make([]scaledNum, len(p.Consts))
	for i, c := range p.Consts {
		if c.Kind == bytecode.Number {
			lp.scaled[i] = scaleNum(c.Num.Coef(), c.Num.Scale())
		}
	}
	lp.width = make([]int, len(p.Records))
	for i := range p.Records {
		lp.width[i] = len(p.Records[i].Fields)
	}
	for i, s := range p.Sets {
		lp.sets[i] = lp.makeSet(s)
	}
	for i, src := range p.Regexps {
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, fmt.Errorf("regexp %d: %w", i, err)
		}
		lp.regexps[i] = re
	}
	for i := range p.Events {
		e := &p.Events[i]
		le := &event{record: e.Record, rules: e.Rules}
		for _, d := range e.Discs {
			le.discs = append(le.discs, lp.makeDisc(d))
		}
		lp.events[e.Name] = le
	}
	return lp, nil
}

func constValue(c bytecode.Const) Value {
	switch c.Kind {
	case bytecode.Bool:
		return Bool(c.Int != 0)
	case bytecode.Number:
		return Number(c.Num)
	case bytecode.String:
		return String(c.Str)
	case bytecode.Enum:
		return EnumValue(c.Str, int(c.Int))
	case bytecode.Time, bytecode.Duration:
		return Value{k: c.Kind, n: c.Int}
	}
	return Null
}

func (lp *Program) makeSet(s bytecode.Set) set {
	out := set{kind: s.Kind}
	if s.Kind == bytecode.Number && len(s.Elems) <= linearSetMax {
		for _, k := range s.Elems {
			out.linear = append(out.linear, lp.consts[k])
		}
		return out
	}
	for _, k := range s.Elems {
		v := lp.consts[k]
		switch {
		case s.Kind == bytecode.Enum && v.n >= 0, s.Kind == bytecode.String && v.n > 0:
			for int(v.n/64) >= len(out.bits) {
				out.bits = append(out.bits, 0)
			}
			out.bits[v.n/64] |= 1 << (v.n % 64)
			if s.Kind == bytecode.String {
				// Strings made at run time have no atom: keep the text too.
				if out.strs == nil {
					out.strs = make(map[string]struct{})
				}
				out.strs[v.s] = struct{}{}
			}
		case s.Kind == bytecode.Number:
			if out.nums == nil {
				out.nums = make(map[value.Decimal]struct{})
			}
			out.nums[v.Decimal().Normalize()] = struct{}{}
		default:
			if out.strs == nil {
				out.strs = make(map[string]struct{})
			}
			out.strs[v.s] = struct{}{}
		}
	}
	return out
}

func (lp *Program) makeDisc(d bytecode.Disc) disc {
	out := disc{path: d.Path, kind: d.Kind}
	for i, k := range d.Keys {
		v := lp.consts[k]
		rules := d.Buckets[i]
		switch {
		case d.Kind == bytecode.Enum && v.n >= 0:
			for int(v.n) >= len(out.enums) {
				out.enums = append(out.enums, nil)
			}
			out.enums[v.n] = rules
		case d.Kind == bytecode.Number:
			if out.nums == nil {
				out.nums = make(map[value.Decimal][]int32)
			}
			out.nums[v.Decimal().Normalize()] = rules
		default:
			if out.strs == nil {
				out.strs = make(map[string][]int32)
			}
			out.strs[v.s] = rules
		}
	}
	return out
}

// scaledNum holds a number constant's coefficient at each scale from its
// own up to value.MaxScale, so that comparing it with a value of a finer
// scale (123.45 against 100) is one integer comparison; ok has bit s set
// when the scale-s coefficient fits in 64 bits.
type scaledNum struct {
	v  [len(pow10)]int64
	ok uint32
}

func scaleNum(coef int64, scale int) scaledNum {
	var sn scaledNum
	for s := scale; s < len(pow10); s++ {
		if v, ok := scaleUp(coef, uint8(s-scale)); ok {
			sn.v[s] = v
			sn.ok |= 1 << s
		}
	}
	return sn
}

// Intern returns the string s as a value. When s equals one of the
// program's constant strings the value carries that constant's number (its
// atom), so that comparing it with constants is an integer comparison;
// runtime/record interns every string it decodes.
func (p *Program) Intern(s string) Value {
	return Value{k: bytecode.String, s: s, n: p.atoms[s]}
}

// bit reports whether s is a bit set that decides x: an enum set and a
// declared value, or a string set and an interned string; and if so
// whether x is in it.
func (s *set) bit(x *Value) (in, decided bool) {
	if x.k != s.kind || x.n <= 0 && (x.k != bytecode.Enum || x.n < 0) || s.kind != bytecode.Enum && s.kind != bytecode.String {
		return false, false
	}
	w := x.n >> 6
	return int(w) < len(s.bits) && s.bits[w]&(1<<(x.n&63)) != 0, true
}

// contains reports whether x is in s; x is not null.
func (s *set) contains(x *Value) bool {
	if s.linear != nil {
		for i := range s.linear {
			if equalKind(s.kind, x, &s.linear[i]) {
				return true
			}
		}
		return false
	}
	switch {
	case s.kind == bytecode.Enum && x.k == bytecode.Enum && x.n >= 0,
		s.kind == bytecode.String && x.k == bytecode.String && x.n > 0:
		w := x.n / 64
		return int(w) < len(s.bits) && s.bits[w]&(1<<(x.n%64)) != 0
	case s.kind == bytecode.Enum, s.kind == bytecode.String:
		_, ok := s.strs[x.s]
		return ok
	case s.kind == bytecode.Number:
		_, ok := s.nums[x.Decimal().Normalize()]
		return ok
	}
	_, ok := s.strs[x.s]
	return ok
}

// bucket returns the rules filed under x, the value at d's path.
func (d *disc) bucket(x *Value) []int32 {
	switch {
	case x.k == bytecode.Null:
		return nil
	case d.kind == bytecode.Enum && x.n >= 0:
		if int(x.n) < len(d.enums) {
			return d.enums[x.n]
		}
		return nil
	case d.kind == bytecode.Number:
		return d.nums[x.Decimal().Normalize()]
	}
	return d.strs[x.s]
}
