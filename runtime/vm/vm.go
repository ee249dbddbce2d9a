// Package vm is Automat's virtual machine: it runs the bytecode the
// compiler emits (compiler/bytecode) over records laid out in slots
// (runtime/record decodes them from JSON), to decide which rules an event
// triggers and to compute their actions' arguments. It is the evaluation
// stage of the pipeline; the engine (runtime/engine) drives it.
//
// A [Program] is loaded once ([Load]) and shared; each goroutine uses its
// own [Machine] ([New]), whose stack and locals are allocated once, so
// evaluating a condition allocates nothing. [Machine.Match] finds, through
// the program's rule index, the rules an event can trigger and evaluates
// only those; [Machine.Test] and [Machine.Eval] run one fragment.
//
// Every run has a step budget ([Machine.MaxSteps]) and honours context
// cancellation at every loop iteration; running out of either is an
// ordinary [*Error].
package vm

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"time"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// DefaultMaxSteps is the step budget of a new Machine: the loop
// iterations (elements visited by quantifiers) one fragment may run.
// Code without loops needs no budget: it runs each instruction at most
// once, and programs are finite.
const DefaultMaxSteps = 1 << 24

// ErrBudget is the cause of an [*Error] when a fragment ran more than
// [Machine.MaxSteps] loop iterations.
var ErrBudget = errors.New("step budget exceeded")

// Error is a runtime error: the rule, the source location of the failing
// instruction, and the cause (a value.ErrOverflow, value.ErrDivByZero,
// ErrBudget, or the context's error).
type Error struct {
	Rule string
	File string
	Loc  bytecode.Loc
	Err  error
}

func (e *Error) Error() string {
	where := e.File
	if e.Loc.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Loc.Line, e.Loc.Col)
	}
	if where == "" {
		return fmt.Sprintf("rule %q: %v", e.Rule, e.Err)
	}
	return fmt.Sprintf("%s: rule %q: %v", where, e.Rule, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Env is what a fragment runs on: the subject record, the evaluation time
// (`now`) and the values of the rule's `let` names so far (by let index;
// missing ones are null).
type Env struct {
	Subject *Record
	Now     time.Time
	Lets    []Value
}

// Machine runs fragments of one [Program]. It is not safe for concurrent
// use; give each goroutine its own.
type Machine struct {
	// MaxSteps is the step budget of one fragment, in loop iterations;
	// New sets DefaultMaxSteps.
	MaxSteps int

	p       *Program
	stack   []Value
	locals  []Value
	subject *Record
	subj    []Value // the subject's slots
	env     *Env    // of the current run; `now` is read from it when needed
	ctx     context.Context
	buf     []byte // scratch for interpolation
	result  Value  // the value of the last value fragment

	// steps counts the loop iterations of the current run; when it
	// reaches check, the budget and the context are looked at.
	steps, check int

	cand  []int32   // candidates of Match
	lists [][]int32 // the sorted lists merged into cand
}

// New returns a Machine for p, with its stack and locals allocated.
func New(p *Program) *Machine {
	return &Machine{
		MaxSteps: DefaultMaxSteps,
		p:        p,
		stack:    make([]Value, p.maxStack+1),
		locals:   make([]Value, p.maxLocals+1),
	}
}

// Program returns the program m runs.
func (m *Machine) Program() *Program { return m.p }

// Cond evaluates the condition of rule i.
func (m *Machine) Cond(ctx context.Context, i int, env *Env) (bool, error) {
	p := m.p
	if uint(i) >= uint(len(p.conds)) {
		return false, fmt.Errorf("vm: rule %d out of range", i)
	}
	// The condition's registers, without setup's generality: conditions
	// read no lets.
	t := p.subjects[i]
	s := env.Subject
	if s == nil || s.Type != t || len(s.Slots) != p.width[t] {
		return m.Test(ctx, i, p.conds[i], env) // reports the error
	}
	m.subject, m.subj, m.env, m.ctx = s, s.Slots, env, ctx
	m.steps, m.check = 0, min(1024, m.MaxSteps+1)
	ok, err := m.run(p.conds[i])
	if err != nil {
		return false, m.wrap(i, err)
	}
	return ok, nil
}

// Test runs the condition fragment at pc of rule i (its condition or a
// `wait until` condition).
func (m *Machine) Test(ctx context.Context, i int, pc int32, env *Env) (bool, error) {
	if err := m.setup(ctx, i, env); err != nil {
		return false, err
	}
	ok, err := m.exec(pc)
	if err != nil {
		return false, m.wrap(i, err)
	}
	return ok, nil
}

// Eval runs the value fragment at pc of rule i (an argument, the `once
// per` expression, a clause) and returns its value.
func (m *Machine) Eval(ctx context.Context, i int, pc int32, env *Env) (Value, error) {
	if err := m.setup(ctx, i, env); err != nil {
		return Null, err
	}
	if _, err := m.exec(pc); err != nil {
		return Null, m.wrap(i, err)
	}
	v := m.result
	m.result = Null
	return v, nil
}

// setup checks env against rule i and loads the registers.
func (m *Machine) setup(ctx context.Context, i int, env *Env) error {
	p := m.p.Bytecode
	if uint(i) >= uint(len(p.Rules)) {
		return fmt.Errorf("vm: rule %d out of range", i)
	}
	r := &p.Rules[i]
	if err := m.load(ctx, r.Subject, env); err != nil {
		return fmt.Errorf("vm: rule %q: %w", r.Display(), err)
	}
	if r.Lets > 0 || len(env.Lets) > 0 {
		n := copy(m.locals[:r.Lets], env.Lets)
		clear(m.locals[n:r.Lets])
	}
	return nil
}

// load checks that env's subject is a record of type t and loads the
// registers.
func (m *Machine) load(ctx context.Context, t int32, env *Env) error {
	s := env.Subject
	if s == nil || s.Type != t || len(s.Slots) != m.p.width[t] {
		return fmt.Errorf("the subject must be a %s record laid out by this program", m.p.Bytecode.Records[t].Name)
	}
	m.subject = s
	m.subj = s.Slots
	m.env = env
	m.ctx = ctx
	m.steps = 0
	m.check = min(1024, m.MaxSteps+1)
	return nil
}

// wrap makes sure err is an *Error naming rule i.
func (m *Machine) wrap(i int, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Rule: m.p.Bytecode.Rules[i].Display(), Err: err}
}

func (m *Machine) fail(pc int32, err error) error {
	p := m.p.Bytecode
	loc := p.LocAt(pc)
	e := &Error{Loc: loc, Err: err}
	if i := p.RuleAt(pc); i >= 0 {
		e.Rule = p.Rules[i].Display()
	}
	if loc.File >= 0 && int(loc.File) < len(p.Files) {
		e.File = p.Files[loc.File]
	}
	return e
}

// relEnum relates an enum field to the declared value with index k.
func relEnum(x *Value, k uint32) bytecode.Rel {
	switch {
	case x.k != bytecode.Enum:
		return bytecode.RelNull
	case x.n == int64(k):
		return bytecode.RelEqual
	}
	return bytecode.RelLess | bytecode.RelGreater
}

// relStr relates a string field to a string constant, by atom when the
// field is interned.
func relStr(x, y *Value) bytecode.Rel {
	var eq bool
	switch {
	case x.k == bytecode.Null:
		return bytecode.RelNull
	case x.k == bytecode.String && x.n != 0:
		eq = x.n == y.n
	default:
		eq = x.s == y.s
	}
	if eq {
		return bytecode.RelEqual
	}
	return bytecode.RelLess | bytecode.RelGreater
}

// relNum relates a number field to number constant b.
func (p *Program) relNum(x *Value, b uint32) bytecode.Rel {
	if x.k != bytecode.Number {
		return bytecode.RelNull
	}
	var c int
	if sn := &p.scaled[b]; sn.ok&(1<<x.scale) != 0 {
		c = cmpInt(x.n, sn.v[x.scale])
	} else {
		c = cmpNum(x, &p.consts[b])
	}
	return bytecode.RelLess << (c + 1)
}

// run runs the fragment at pc: the leading field tests in the small
// loop of tests, the rest in exec.
func (m *Machine) run(pc int32) (bool, error) {
	ok, done, pc := m.tests(pc)
	if done {
		return ok, nil
	}
	return m.exec(pc)
}

// tests runs the tests of subject fields that conditions mostly consist
// of (OpTestField, OpJump and the returns), in a loop small enough to
// keep its state in registers. It stops at any other instruction, with
// done false and its pc; the stack is empty there, since none of these
// instructions push.
func (m *Machine) tests(pc int32) (ok, done bool, next int32) {
	code := m.p.code
	consts := m.p.consts
	subj := m.subj
	for {
		in := &code[pc]
		switch in.Op {
		case bytecode.OpIfEnum:
			if in.Flag&relEnum(&subj[in.A], in.B) != 0 {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpIfNum:
			if in.Flag&m.p.relNum(&subj[in.A], in.B) != 0 {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpIfStr:
			if in.Flag&relStr(&subj[in.A], &consts[in.B]) != 0 {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpTestPath:
			if m.testPath(in) == in.Flag.Sense() {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpFindField, bytecode.OpFindNotField:
			found, err := m.find(in, pc, &subj[in.A], in.D)
			if err != nil {
				return false, false, pc // exec runs it again and reports the error
			}
			if found == (in.Op == bytecode.OpFindField) {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpTestField:
			x := &subj[in.A]
			switch f := in.Flag &^ 0x80; f {
			case inEnum, inString:
				var decided bool
				if ok, decided = m.p.sets[in.B].bit(x); !decided {
					ok = m.p.test(in.Flag, x, in.B)
				}
			case eqEnum, neEnum:
				y := &consts[in.B]
				ok = x.k == bytecode.Enum && (y.n >= 0 && x.n == y.n || y.n < 0 && x.s == y.s)
				ok = ok == (f == eqEnum)
			case ltNumber, leNumber, gtNumber, geNumber:
				ok = false
				if x.k != bytecode.Number {
					break
				}
				y := &consts[in.B]
				var c int
				if x.scale == y.scale {
					c = cmpInt(x.n, y.n)
				} else {
					c = cmpNum(x, y)
				}
				switch f {
				case ltNumber:
					ok = c < 0
				case leNumber:
					ok = c <= 0
				case gtNumber:
					ok = c > 0
				default:
					ok = c >= 0
				}
			default:
				ok = m.p.test(in.Flag, x, in.B)
			}
			if ok == in.Flag.Sense() {
				pc = in.C
			} else {
				pc++
			}
		case bytecode.OpJump:
			pc = in.C
		case bytecode.OpRetTrue:
			return true, true, pc
		case bytecode.OpRetFalse:
			return false, true, pc
		default:
			return false, false, pc
		}
	}
}

// exec runs the fragment at pc. A condition returns its truth; a value
// fragment leaves its value in m.result.
//
// The loop handles the frequent opcodes inline and hands the rest to
// slow, which keeps this function's frame small and its registers for
// the hot path.
func (m *Machine) exec(pc int32) (bool, error) {
	code := m.p.code
	consts := m.p.consts
	stack := m.stack
	subj := m.subj
	sp := 0
	for {
		in := &code[pc]
		pc++
		switch in.Op {
		case bytecode.OpIfEnum:
			if in.Flag&relEnum(&subj[in.A], in.B) != 0 {
				pc = in.C
			}
		case bytecode.OpIfNum:
			if in.Flag&m.p.relNum(&subj[in.A], in.B) != 0 {
				pc = in.C
			}
		case bytecode.OpIfStr:
			if in.Flag&relStr(&subj[in.A], &consts[in.B]) != 0 {
				pc = in.C
			}
		case bytecode.OpTestField, bytecode.OpTest:
			var x *Value
			if in.Op == bytecode.OpTest {
				sp--
				x = &stack[sp]
			} else {
				x = &subj[in.A]
			}
			// The commonest tests are decided here, the rest in test.
			var ok bool
			switch f := in.Flag &^ 0x80; f {
			case eqEnum, neEnum:
				y := &consts[in.B]
				ok = x.k == bytecode.Enum && (y.n >= 0 && x.n == y.n || y.n < 0 && x.s == y.s)
				ok = ok == (f == eqEnum)
			case eqString, neString:
				// String constants are interned, so an interned string
				// compares by atom; enum values and strings made at run
				// time compare by text.
				y := &consts[in.B]
				var eq bool
				if x.k == bytecode.String && x.n != 0 {
					eq = x.n == y.n
				} else {
					eq = x.k != bytecode.Null && x.s == y.s
				}
				ok = eq == (f == eqString)
			case ltNumber, leNumber, gtNumber, geNumber:
				if x.k != bytecode.Number {
					break
				}
				y := &consts[in.B]
				var c int
				if x.scale == y.scale {
					c = cmpInt(x.n, y.n)
				} else {
					c = cmpNum(x, y)
				}
				switch f {
				case ltNumber:
					ok = c < 0
				case leNumber:
					ok = c <= 0
				case gtNumber:
					ok = c > 0
				default:
					ok = c >= 0
				}
			default:
				ok = m.p.test(in.Flag, x, in.B)
			}
			if ok == in.Flag.Sense() {
				pc = in.C
			}
		case bytecode.OpRetTrue:
			return true, nil
		case bytecode.OpRetFalse:
			return false, nil
		case bytecode.OpReturn:
			m.result = stack[sp-1]
			return false, nil
		case bytecode.OpSubjField:
			stack[sp] = subj[in.A]
			sp++
		case bytecode.OpConst:
			stack[sp] = consts[in.B]
			sp++
		case bytecode.OpField:
			x := &stack[sp-1]
			if x.k == bytecode.Record && int(in.A) < len(x.r.Slots) {
				*x = x.r.Slots[in.A]
			} else {
				*x = Null
			}
		case bytecode.OpLocalField:
			x := &m.locals[in.A]
			if x.k == bytecode.Record && int(in.B) < len(x.r.Slots) {
				stack[sp] = x.r.Slots[in.B]
			} else {
				stack[sp] = Null
			}
			sp++
		case bytecode.OpJump:
			pc = in.C
		case bytecode.OpJumpIfTrue:
			sp--
			if stack[sp].k == bytecode.Bool && stack[sp].n != 0 {
				pc = in.C
			}
		case bytecode.OpJumpIfFalse:
			sp--
			if stack[sp].k != bytecode.Bool || stack[sp].n == 0 {
				pc = in.C
			}
		case bytecode.OpIterNext:
			it := m.locals[in.A : in.A+3 : in.A+3]
			if it[0].r == nil || int(it[1].n) >= len(it[0].r.Slots) {
				pc = in.C
				break
			}
			it[2] = it[0].r.Slots[it[1].n]
			it[1].n++
			if m.steps++; m.steps >= m.check {
				if err := m.checkpoint(pc - 1); err != nil {
					return false, err
				}
			}
		case bytecode.OpFind, bytecode.OpFindNot:
			sp--
			found, err := m.find(in, pc-1, &stack[sp], in.A)
			if err != nil {
				return false, err
			}
			if found == (in.Op == bytecode.OpFind) {
				pc = in.C
			}
		case bytecode.OpFindField, bytecode.OpFindNotField:
			found, err := m.find(in, pc-1, &subj[in.A], in.D)
			if err != nil {
				return false, err
			}
			if found == (in.Op == bytecode.OpFindField) {
				pc = in.C
			}
		case bytecode.OpTestPath:
			if m.testPath(in) == in.Flag.Sense() {
				pc = in.C
			}
		default:
			var err error
			if sp, err = m.slow(in, pc-1, sp); err != nil {
				return false, err
			}
		}
	}
}

// testPath runs the test of an OpTestPath on subject.A.D.
func (m *Machine) testPath(in *bytecode.Instr) bool {
	var null Value
	x := &m.subj[in.A]
	if x.k == bytecode.Record && int(in.D) < len(x.r.Slots) {
		x = &x.r.Slots[in.D]
	} else {
		x = &null
	}
	return m.p.test(in.Flag, x, in.B)
}

// find reports whether some element of list (or the field slot of one)
// passes the test of an OpFind with the outcome its sense names.
func (m *Machine) find(in *bytecode.Instr, pc int32, list *Value, slot uint16) (bool, error) {
	if list.k != bytecode.List || list.r == nil {
		return false, nil
	}
	elems := list.r.Slots
	want := in.Flag.Sense()
	var null Value
	found := false
	n := 0
	if pr := in.Flag.Pred(); pr == bytecode.PredStarts || pr == bytecode.PredContains {
		// The text tests of item names and EANs: hoist the needle and
		// the choice of test out of the loop.
		needle := m.p.consts[in.B].s
		for i := range elems {
			n++
			x := &elems[i]
			if slot != bytecode.NoSlot {
				if x.k == bytecode.Record && int(slot) < len(x.r.Slots) {
					x = &x.r.Slots[slot]
				} else {
					x = &null
				}
			}
			r := false
			if x.k == bytecode.String || x.k == bytecode.Enum {
				if pr == bytecode.PredStarts {
					r = value.HasPrefixFold(x.s, needle)
				} else {
					r = value.ContainsFold(x.s, needle)
				}
			}
			if r == want {
				found = true
				break
			}
		}
		elems = nil
	}
	for i := range elems {
		n++
		x := &elems[i]
		if slot != bytecode.NoSlot {
			if x.k == bytecode.Record && int(slot) < len(x.r.Slots) {
				x = &x.r.Slots[slot]
			} else {
				x = &null
			}
		}
		if m.p.test(in.Flag, x, in.B) == want {
			found = true
			break
		}
	}
	if m.steps += n; m.steps >= m.check {
		if err := m.checkpoint(pc); err != nil {
			return false, err
		}
	}
	return found, nil
}

// checkpoint runs every few thousand loop iterations: it enforces the
// step budget and looks at the context.
func (m *Machine) checkpoint(pc int32) error {
	if m.steps > m.MaxSteps {
		return m.fail(pc, ErrBudget)
	}
	m.check = min(m.steps+1024, m.MaxSteps+1)
	if m.ctx != nil {
		if err := m.ctx.Err(); err != nil {
			return m.fail(pc, err)
		}
	}
	return nil
}

// slow executes the less frequent opcodes; it returns the new stack
// depth.
func (m *Machine) slow(in *bytecode.Instr, pc int32, sp int) (int, error) {
	stack := m.stack
	locals := m.locals
	switch in.Op {
	case bytecode.OpLocal:
		stack[sp] = locals[in.A]
		sp++
	case bytecode.OpPred:
		x := &stack[sp-1]
		*x = Bool(m.p.test(in.Flag, x, in.B))
	case bytecode.OpCmp:
		sp--
		x := &stack[sp-1]
		*x = Bool(cmp(in.Flag, x, &stack[sp]))
	case bytecode.OpIterInit:
		sp--
		v := stack[sp]
		if v.k != bytecode.List {
			v = Null
		}
		locals[in.A] = v
		locals[in.A+1].n = 0
	case bytecode.OpSetLocal:
		sp--
		locals[in.A] = stack[sp]
	case bytecode.OpIncLocal:
		x := &locals[in.A]
		if x.n == math.MaxInt64 {
			return sp, m.fail(pc, value.ErrOverflow)
		}
		x.n++
	case bytecode.OpNull:
		stack[sp] = Null
		sp++
	case bytecode.OpTrue:
		stack[sp] = Bool(true)
		sp++
	case bytecode.OpFalse:
		stack[sp] = Bool(false)
		sp++
	case bytecode.OpNow:
		stack[sp] = Value{k: bytecode.Time, n: m.env.Now.UnixNano()}
		sp++
	case bytecode.OpSubject:
		stack[sp] = Value{k: bytecode.Record, r: m.subject}
		sp++
	case bytecode.OpPop:
		sp--
	case bytecode.OpNot:
		x := &stack[sp-1]
		*x = Bool(!(x.k == bytecode.Bool && x.n != 0))
	case bytecode.OpNeg:
		x := &stack[sp-1]
		if x.k == bytecode.Number {
			x.n = -x.n
		}
	case bytecode.OpNegDur:
		x := &stack[sp-1]
		if x.k == bytecode.Duration {
			if x.n == math.MinInt64 {
				return sp, m.fail(pc, value.ErrOverflow)
			}
			x.n = -x.n
		}
	case bytecode.OpAdd, bytecode.OpSub, bytecode.OpMul, bytecode.OpDiv:
		sp--
		x, y := &stack[sp-1], &stack[sp]
		if x.k != bytecode.Number || y.k != bytecode.Number {
			*x = Null
			break
		}
		a, b := x.Decimal(), y.Decimal()
		var d value.Decimal
		var err error
		switch in.Op {
		case bytecode.OpAdd:
			d, err = a.Add(b)
		case bytecode.OpSub:
			d, err = a.Sub(b)
		case bytecode.OpMul:
			d, err = a.Mul(b)
		default:
			d, err = a.Div(b)
		}
		if err != nil {
			return sp, m.fail(pc, err)
		}
		*x = Number(d)
	case bytecode.OpAddDur, bytecode.OpSubDur, bytecode.OpAddTime, bytecode.OpSubTime, bytecode.OpDiffTime:
		sp--
		x, y := &stack[sp-1], &stack[sp]
		if x.k == bytecode.Null || y.k == bytecode.Null {
			*x = Null
			break
		}
		var z int64
		var ok bool
		kind := bytecode.Duration
		switch in.Op {
		case bytecode.OpAddDur:
			z, ok = add64(x.n, y.n)
		case bytecode.OpSubDur:
			z, ok = sub64(x.n, y.n)
		case bytecode.OpAddTime:
			z, ok = add64(x.n, y.n)
			kind = bytecode.Time
		case bytecode.OpSubTime:
			z, ok = sub64(x.n, y.n)
			kind = bytecode.Time
		default:
			z, ok = sub64(x.n, y.n)
		}
		if !ok {
			return sp, m.fail(pc, value.ErrOverflow)
		}
		*x = Value{k: kind, n: z}
	case bytecode.OpMulDur, bytecode.OpDivDur, bytecode.OpDurRatio:
		sp--
		x, y := &stack[sp-1], &stack[sp]
		if x.k == bytecode.Null || y.k == bytecode.Null {
			*x = Null
			break
		}
		v, err := durArith(in.Op, x, y)
		if err != nil {
			return sp, m.fail(pc, err)
		}
		*x = v
	case bytecode.OpLen:
		x := &stack[sp-1]
		if x.k != bytecode.Null {
			*x = Number(value.FromInt(int64(x.length())))
		}
	case bytecode.OpHTML:
		x := &stack[sp-1]
		m.buf = x.AppendText(m.buf[:0])
		*x = String(html.EscapeString(string(m.buf)))
	case bytecode.OpInterp:
		n := int(in.A)
		buf := m.buf[:0]
		for i := sp - n; i < sp; i++ {
			buf = stack[i].AppendText(buf)
		}
		m.buf = buf
		sp -= n
		stack[sp] = String(string(buf))
		sp++
	case bytecode.OpMakeList:
		n := int(in.A)
		elems := make([]Value, n)
		copy(elems, stack[sp-n:sp])
		sp -= n
		stack[sp] = List(elems)
		sp++
	case bytecode.OpNop:
	default:
		return sp, m.fail(pc, fmt.Errorf("illegal instruction %s", in.Op))
	}
	return sp, nil
}

func add64(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func sub64(a, b int64) (int64, bool) {
	c := a - b
	return c, (c < a) == (b > 0)
}

// durArith computes d*n, d/n (durations rounded half to even to the
// nanosecond) and d/e (a number).
func durArith(op bytecode.Opcode, x, y *Value) (Value, error) {
	d := value.FromInt(x.n)
	var r value.Decimal
	var err error
	switch op {
	case bytecode.OpMulDur:
		r, err = d.Mul(y.Decimal())
	case bytecode.OpDivDur:
		r, err = d.Div(y.Decimal())
	default:
		r, err = d.Div(value.FromInt(y.n))
		if err != nil {
			return Null, err
		}
		return Number(r), nil
	}
	if err != nil {
		return Null, err
	}
	n, ok := r.Round(0).Int64()
	if !ok {
		return Null, value.ErrOverflow
	}
	return Value{k: bytecode.Duration, n: n}, nil
}
