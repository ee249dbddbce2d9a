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
	"math"
	"time"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
)

// DefaultMaxSteps is the step budget of a new Machine: the instructions
// one fragment may execute.
const DefaultMaxSteps = 1 << 24

// ErrBudget is the cause of an [*Error] when a fragment ran more than
// [Machine.MaxSteps] instructions.
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
	// MaxSteps is the step budget of one fragment; New sets
	// DefaultMaxSteps.
	MaxSteps int

	p       *Program
	stack   []Value
	locals  []Value
	subject *Record
	subj    []Value // the subject's slots
	now     int64
	ctx     context.Context
	buf     []byte // scratch for interpolation

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
	return m.Test(ctx, i, m.p.Bytecode.Rules[i].Cond, env)
}

// Test runs the condition fragment at pc of rule i (its condition or a
// `wait until` condition).
func (m *Machine) Test(ctx context.Context, i int, pc int32, env *Env) (bool, error) {
	if err := m.setup(ctx, i, env); err != nil {
		return false, err
	}
	_, ok, err := m.exec(pc)
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
	v, _, err := m.exec(pc)
	if err != nil {
		return Null, m.wrap(i, err)
	}
	return v, nil
}

// setup checks env against rule i and loads the registers.
func (m *Machine) setup(ctx context.Context, i int, env *Env) error {
	p := m.p.Bytecode
	if i < 0 || i >= len(p.Rules) {
		return fmt.Errorf("vm: rule %d out of range", i)
	}
	r := &p.Rules[i]
	s := env.Subject
	if s == nil || s.Type != r.Subject || len(s.Slots) != len(p.Records[r.Subject].Fields) {
		return fmt.Errorf("vm: rule %q needs a %s record as subject", r.Display(), p.Records[r.Subject].Name)
	}
	m.subject = s
	m.subj = s.Slots
	m.now = env.Now.UnixNano()
	m.ctx = ctx
	n := copy(m.locals[:r.Lets], env.Lets)
	clear(m.locals[n:r.Lets])
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

// exec runs the fragment at pc. A condition returns its truth; a value
// fragment its value.
func (m *Machine) exec(pc int32) (Value, bool, error) {
	code := m.p.code
	consts := m.p.consts
	stack := m.stack
	locals := m.locals
	subj := m.subj
	budget := m.MaxSteps
	steps := 0
	check := 1024 // steps at which to look at the context next
	sp := 0
	for {
		in := &code[pc]
		pc++
		steps++
		switch in.Op {
		case bytecode.OpTestField:
			if m.pred(in.Flag, &subj[in.A], in.B) == in.Flag.Sense() {
				pc = in.C
			}
		case bytecode.OpTest:
			sp--
			if m.pred(in.Flag, &stack[sp], in.B) == in.Flag.Sense() {
				pc = in.C
			}
		case bytecode.OpRetTrue:
			return Null, true, nil
		case bytecode.OpRetFalse:
			return Null, false, nil
		case bytecode.OpReturn:
			return stack[sp-1], false, nil
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
		case bytecode.OpLocal:
			stack[sp] = locals[in.A]
			sp++
		case bytecode.OpLocalField:
			x := &locals[in.A]
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
		case bytecode.OpPred:
			x := &stack[sp-1]
			*x = Bool(m.pred(in.Flag, x, in.B))
		case bytecode.OpCmp:
			sp--
			x := &stack[sp-1]
			*x = Bool(m.cmp(in.Flag, x, &stack[sp]))
		case bytecode.OpIterInit:
			sp--
			locals[in.A] = stack[sp]
			locals[in.A+1].n = 0
		case bytecode.OpIterNext:
			if steps > budget {
				return Null, false, m.fail(pc-1, ErrBudget)
			}
			if steps >= check && m.ctx != nil {
				check = steps + 1024
				if err := m.ctx.Err(); err != nil {
					return Null, false, m.fail(pc-1, err)
				}
			}
			elems := locals[in.A].Elems()
			i := locals[in.A+1].n
			if int(i) >= len(elems) {
				pc = in.C
				break
			}
			locals[in.A+2] = elems[i]
			locals[in.A+1].n = i + 1
		case bytecode.OpSetLocal:
			sp--
			locals[in.A] = stack[sp]
		case bytecode.OpIncLocal:
			x := &locals[in.A]
			if x.n == math.MaxInt64 {
				return Null, false, m.fail(pc-1, value.ErrOverflow)
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
			stack[sp] = Value{k: bytecode.Time, n: m.now}
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
					return Null, false, m.fail(pc-1, value.ErrOverflow)
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
				return Null, false, m.fail(pc-1, err)
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
				return Null, false, m.fail(pc-1, value.ErrOverflow)
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
				return Null, false, m.fail(pc-1, err)
			}
			*x = v
		case bytecode.OpLen:
			x := &stack[sp-1]
			if x.k != bytecode.Null {
				*x = Number(value.FromInt(int64(x.length())))
			}
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
			return Null, false, m.fail(pc-1, fmt.Errorf("illegal instruction %s", in.Op))
		}
	}
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
