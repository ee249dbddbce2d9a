package codegen

// This file defines the code of expressions: values on the stack, and
// conditions as jumping code.

import (
	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
)

// value emits code that pushes the value of e.
func (g *gen) value(e ast.Expr) {
	old := g.at(e)
	defer func() { g.loc = old }()
	if k, ok := g.constant(e); ok {
		g.pushConst(e, k)
		return
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		g.value(x.X)
	case *ast.PathExpr:
		g.path(x)
	case *ast.StringLit:
		g.interp(x)
	case *ast.NowLit:
		g.op(bytecode.OpNow)
	case *ast.ListExpr:
		for _, el := range x.Elems {
			g.value(el)
		}
		g.emit(bytecode.Instr{Op: bytecode.OpMakeList, A: uint16(len(x.Elems))})
	case *ast.QuantExpr:
		if x.Kind == ast.Count {
			g.count(x)
		} else {
			g.boolValue(e)
		}
	case *ast.UnaryExpr, *ast.IsExpr:
		g.boolValue(e)
	case *ast.BinaryExpr:
		switch x.Op {
		case ast.OpAdd, ast.OpSub, ast.OpMul, ast.OpDiv:
			g.arith(x)
		default:
			g.boolValue(e)
		}
	default:
		g.failf(e, "cannot compile %T", e)
	}
}

// pushConst pushes a constant value.
func (g *gen) pushConst(e ast.Expr, k compiler.Constant) {
	switch {
	case types.Is(k.Type, types.Null):
		g.op(bytecode.OpNull)
	case types.Is(k.Type, types.Bool):
		if k.Bool {
			g.op(bytecode.OpTrue)
		} else {
			g.op(bytecode.OpFalse)
		}
	default:
		if _, ok := types.Unwrap(k.Type).(*types.List); ok {
			for _, el := range k.List {
				g.pushConst(e, el)
			}
			g.emit(bytecode.Instr{Op: bytecode.OpMakeList, A: uint16(len(k.List))})
			return
		}
		kind := g.kind(k.Type)
		g.emit(bytecode.Instr{Op: bytecode.OpConst, B: g.konst(g.constOf(e, k, kind))})
	}
}

// boolValue pushes the truth of a condition.
func (g *gen) boolValue(e ast.Expr) {
	f, end := g.newLabel(), g.newLabel()
	g.branch(e, false, f)
	g.op(bytecode.OpTrue)
	g.jump(bytecode.Instr{Op: bytecode.OpJump}, end)
	g.place(f)
	g.op(bytecode.OpFalse)
	g.place(end)
}

// recordOf returns the record type of a record-typed value.
func (g *gen) recordOf(n ast.Node, t types.Type) *types.Record {
	r, ok := types.Unwrap(t).(*types.Record)
	if !ok {
		g.failf(n, "field of a non-record %v", t)
	}
	return r
}

// path pushes the value of a path: the subject, a let or a quantifier
// variable, then one field read per part. A null on the way is null.
func (g *gen) path(p *ast.PathExpr) {
	res := g.info.Paths[p]
	if res == nil {
		g.failf(p, "unresolved path %s", p)
	}
	fields := res.Fields
	var cur types.Type
	switch res.Base {
	case compiler.Subject:
		if len(fields) == 0 {
			g.op(bytecode.OpSubject)
			return
		}
		f := fields[0]
		g.emit(bytecode.Instr{Op: bytecode.OpSubjField, A: uint16(f.Index), B: uint32(g.subject)})
		cur, fields = f.Type, fields[1:]
	case compiler.Let:
		slot, ok := g.lets[res.Root]
		if !ok {
			g.failf(p, "let %s has no local", p.Parts[0].Name)
		}
		g.emit(bytecode.Instr{Op: bytecode.OpLocal, A: uint16(slot)})
		cur = res.Root.Type
	case compiler.Var:
		slot, ok := g.vars[res.Root]
		if !ok {
			g.failf(p, "variable %s has no local", p.Parts[0].Name)
		}
		cur = res.Root.Type
		if len(fields) > 0 {
			f := fields[0]
			rec := g.recordOf(p, cur)
			g.emit(bytecode.Instr{Op: bytecode.OpLocalField, A: uint16(slot), B: uint32(f.Index), C: g.records[rec]})
			cur, fields = f.Type, fields[1:]
		} else {
			g.emit(bytecode.Instr{Op: bytecode.OpLocal, A: uint16(slot)})
		}
	default:
		g.failf(p, "path %s has no value", p)
	}
	for _, f := range fields {
		rec := g.recordOf(p, cur)
		g.emit(bytecode.Instr{Op: bytecode.OpField, A: uint16(f.Index), B: uint32(g.records[rec])})
		cur = f.Type
	}
}

// interp pushes an interpolated string.
func (g *gen) interp(lit *ast.StringLit) { g.interpText(lit, false) }

// interpText pushes an interpolated string; html escapes the
// interpolated values (not the literal text).
func (g *gen) interpText(lit *ast.StringLit, html bool) {
	n := 0
	for _, part := range lit.Parts {
		switch {
		case part == nil:
		case part.Path != nil:
			g.value(part.Path)
			if html {
				g.op(bytecode.OpHTML)
			}
			n++
		case part.Text != "":
			g.emit(bytecode.Instr{Op: bytecode.OpConst, B: g.konst(bytecode.Const{Kind: bytecode.String, Str: nfc(part.Text)})})
			n++
		}
	}
	g.emit(bytecode.Instr{Op: bytecode.OpInterp, A: uint16(n)})
}

// arith pushes x op y for numbers, times and durations.
func (g *gen) arith(x *ast.BinaryExpr) {
	xt, yt := types.Unwrap(g.typeOf(x.X)), types.Unwrap(g.typeOf(x.Y))
	is := types.Is
	both := func(op bytecode.Opcode) {
		g.value(x.X)
		g.value(x.Y)
		g.op(op)
	}
	swapped := func(op bytecode.Opcode) {
		g.value(x.Y)
		g.value(x.X)
		g.op(op)
	}
	switch {
	case types.IsNumeric(xt) && types.IsNumeric(yt):
		both(map[ast.Op]bytecode.Opcode{ast.OpAdd: bytecode.OpAdd, ast.OpSub: bytecode.OpSub, ast.OpMul: bytecode.OpMul, ast.OpDiv: bytecode.OpDiv}[x.Op])
	case is(xt, types.Time) && is(yt, types.Time) && x.Op == ast.OpSub:
		both(bytecode.OpDiffTime)
	case is(xt, types.Time) && is(yt, types.Duration) && x.Op == ast.OpAdd:
		both(bytecode.OpAddTime)
	case is(xt, types.Time) && is(yt, types.Duration) && x.Op == ast.OpSub:
		both(bytecode.OpSubTime)
	case is(xt, types.Duration) && is(yt, types.Time) && x.Op == ast.OpAdd:
		swapped(bytecode.OpAddTime)
	case is(xt, types.Duration) && is(yt, types.Duration) && x.Op == ast.OpAdd:
		both(bytecode.OpAddDur)
	case is(xt, types.Duration) && is(yt, types.Duration) && x.Op == ast.OpSub:
		both(bytecode.OpSubDur)
	case is(xt, types.Duration) && is(yt, types.Duration) && x.Op == ast.OpDiv:
		both(bytecode.OpDurRatio)
	case is(xt, types.Duration) && types.IsNumeric(yt) && x.Op == ast.OpMul:
		both(bytecode.OpMulDur)
	case types.IsNumeric(xt) && is(yt, types.Duration) && x.Op == ast.OpMul:
		swapped(bytecode.OpMulDur)
	case is(xt, types.Duration) && types.IsNumeric(yt) && x.Op == ast.OpDiv:
		both(bytecode.OpDivDur)
	default:
		g.failf(x, "cannot compile %v %s %v", xt, x.Op, yt)
	}
}

// count pushes the number of elements of a list that satisfy the where
// clause (all of them without one).
func (g *gen) count(q *ast.QuantExpr) {
	acc := g.allocLocals(1)
	it := g.allocLocals(3)
	defer g.freeLocals(4)
	g.emit(bytecode.Instr{Op: bytecode.OpConst, B: g.konst(bytecode.Const{Kind: bytecode.Number})})
	g.emit(bytecode.Instr{Op: bytecode.OpSetLocal, A: uint16(acc)})
	g.value(q.In)
	g.emit(bytecode.Instr{Op: bytecode.OpIterInit, A: uint16(it)})
	loop, done := g.newLabel(), g.newLabel()
	g.place(loop)
	g.jump(bytecode.Instr{Op: bytecode.OpIterNext, A: uint16(it)}, done)
	if q.Where != nil {
		g.bindVar(q, it)
		g.branch(q.Where, false, loop)
	}
	g.emit(bytecode.Instr{Op: bytecode.OpIncLocal, A: uint16(acc)})
	g.jump(bytecode.Instr{Op: bytecode.OpJump}, loop)
	g.place(done)
	g.emit(bytecode.Instr{Op: bytecode.OpLocal, A: uint16(acc)})
}

// bindVar gives a quantifier's variable the element local of iterator it.
func (g *gen) bindVar(q *ast.QuantExpr, it int) {
	if q.Var == nil {
		return
	}
	if o := g.info.Defs[q.Var]; o != nil {
		g.vars[o] = it + 2
	}
}

// ---------------------------------------------------------------------------
// Conditions

// branch emits code that jumps to t when e evaluates to sense and falls
// through otherwise. Null never satisfies a test (SPEC §1.4), and `and`
// and `or` short-circuit.
func (g *gen) branch(e ast.Expr, sense bool, t label) {
	old := g.at(e)
	defer func() { g.loc = old }()
	if k, ok := g.constant(e); ok && types.Is(k.Type, types.Bool) {
		if k.Bool == sense {
			g.jump(bytecode.Instr{Op: bytecode.OpJump}, t)
		}
		return
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		g.branch(x.X, sense, t)
		return
	case *ast.UnaryExpr:
		g.branch(x.X, !sense, t)
		return
	case *ast.QuantExpr:
		g.quant(x, sense, t)
		return
	case *ast.BinaryExpr:
		switch x.Op {
		case ast.OpAnd:
			if !sense {
				g.branch(x.X, false, t)
				g.branch(x.Y, false, t)
				return
			}
			skip := g.newLabel()
			g.branch(x.X, false, skip)
			g.branch(x.Y, true, t)
			g.place(skip)
			return
		case ast.OpOr:
			if sense {
				g.branch(x.X, true, t)
				g.branch(x.Y, true, t)
				return
			}
			skip := g.newLabel()
			g.branch(x.X, true, skip)
			g.branch(x.Y, false, t)
			g.place(skip)
			return
		case ast.OpAdd, ast.OpSub, ast.OpMul, ast.OpDiv:
			g.failf(e, "arithmetic used as a condition")
		}
	}
	if l, ok := g.simple(e, sense); ok {
		g.test(l, t)
		return
	}
	x, ok := e.(*ast.BinaryExpr)
	if !ok {
		g.failf(e, "cannot compile %T as a condition", e)
	}
	g.compare(x, sense, t)
}

// leaf is a condition that is one test of an operand against a constant:
// the operand, the predicate with its kind and sense, and the constant
// operand (a constant, set or regexp index).
type leaf struct {
	x ast.Expr
	f bytecode.Flag
	b uint32
}

// simple returns the single test that e, wanted to be sense, amounts to,
// when it is one: a comparison, membership or text test with a constant
// side, an is-test, or a bool-valued path.
func (g *gen) simple(e ast.Expr, sense bool) (leaf, bool) {
	if _, isConst := g.constant(e); isConst {
		return leaf{}, false
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return g.simple(x.X, sense)
	case *ast.UnaryExpr:
		return g.simple(x.X, !sense)
	case *ast.IsExpr:
		pred := bytecode.PredIsNull
		s := sense
		switch {
		case x.What == ast.IsNull && x.Not:
			s = !sense
		case x.What == ast.IsEmpty && !x.Not:
			pred = bytecode.PredIsEmpty
		case x.What == ast.IsEmpty && x.Not:
			pred = bytecode.PredIsNotEmpty
		}
		return leaf{x.X, bytecode.MakeFlag(pred, bytecode.Null, s), 0}, true
	case *ast.PathExpr:
		return leaf{x, bytecode.MakeFlag(bytecode.PredTrue, bytecode.Bool, sense), 0}, true
	case *ast.BinaryExpr:
		if x.Op == ast.OpAnd || x.Op == ast.OpOr {
			return leaf{}, false // a where clause of several tests
		}
		return g.simpleCompare(x, sense)
	}
	return leaf{}, false
}

// predOf returns the predicate of a comparison operator and whether the
// operator is its negation.
func (g *gen) predOf(x *ast.BinaryExpr) (bytecode.Pred, bool) {
	switch x.Op {
	case ast.OpEq:
		return bytecode.PredEq, false
	case ast.OpNe:
		return bytecode.PredNe, false
	case ast.OpLt:
		return bytecode.PredLt, false
	case ast.OpLe:
		return bytecode.PredLe, false
	case ast.OpGt:
		return bytecode.PredGt, false
	case ast.OpGe:
		return bytecode.PredGe, false
	case ast.OpIn, ast.OpNotIn:
		return bytecode.PredIn, x.Op == ast.OpNotIn
	case ast.OpContains, ast.OpNotContains:
		return bytecode.PredContains, x.Op == ast.OpNotContains
	case ast.OpStartsWith, ast.OpNotStartsWith:
		return bytecode.PredStarts, x.Op == ast.OpNotStartsWith
	case ast.OpMatches, ast.OpNotMatches:
		return bytecode.PredMatches, x.Op == ast.OpNotMatches
	}
	g.failf(x, "cannot compile operator %s", x.Op)
	return 0, false
}

// simpleCompare is simple for binary comparisons.
func (g *gen) simpleCompare(x *ast.BinaryExpr, sense bool) (leaf, bool) {
	pred, neg := g.predOf(x)
	if neg {
		sense = !sense
	}
	xt, yt := g.typeOf(x.X), g.typeOf(x.Y)
	ky, yConst := g.constant(x.Y)
	switch pred {
	case bytecode.PredIn:
		if !yConst {
			return leaf{}, false
		}
		kind := g.opKind(xt, elemType(yt))
		set := bytecode.Set{Kind: kind}
		for _, el := range ky.List {
			c := g.constOf(x.Y, el, kind)
			if c.Kind == bytecode.Null {
				continue // null is in no list, and matches nothing
			}
			set.Elems = append(set.Elems, g.konst(c))
		}
		if len(set.Elems) == 0 {
			return leaf{}, false // x in [] is a constant; compare handles it
		}
		return leaf{x.X, bytecode.MakeFlag(pred, kind, sense), g.set(set)}, true
	case bytecode.PredContains, bytecode.PredStarts:
		if !yConst {
			return leaf{}, false
		}
		needle := g.konst(bytecode.Const{Kind: bytecode.String, Str: fold(ky.Text)})
		return leaf{x.X, bytecode.MakeFlag(pred, bytecode.String, sense), needle}, true
	case bytecode.PredMatches:
		lit, ok := x.Y.(*ast.StringLit)
		if !ok {
			g.failf(x.Y, "matches needs a string literal")
		}
		return leaf{x.X, bytecode.MakeFlag(pred, bytecode.String, sense), g.regexp(lit.Value)}, true
	}
	kind := g.opKind(xt, yt)
	kx, xConst := g.constant(x.X)
	switch {
	case yConst:
		return leaf{x.X, bytecode.MakeFlag(pred, kind, sense), g.konst(g.constOf(x.Y, ky, kind))}, true
	case xConst:
		return leaf{x.Y, bytecode.MakeFlag(mirror(pred), kind, sense), g.konst(g.constOf(x.X, kx, kind))}, true
	}
	return leaf{}, false
}

// test emits a leaf test jumping to t: one OpTestField for a subject
// field, else the operand's value and an OpTest.
func (g *gen) test(l leaf, t label) {
	if slot := g.subjectSlot(l.x); slot >= 0 {
		if in, ok := g.ifField(l, slot); ok {
			g.jump(in, t)
			return
		}
		g.jump(bytecode.Instr{Op: bytecode.OpTestField, Flag: l.f, A: uint16(slot), B: l.b}, t)
		return
	}
	if a, d, ok := g.subjectPath2(l.x); ok {
		g.jump(bytecode.Instr{Op: bytecode.OpTestPath, Flag: l.f, A: a, D: d, B: l.b}, t)
		return
	}
	g.value(l.x)
	g.jump(bytecode.Instr{Op: bytecode.OpTest, Flag: l.f, B: l.b}, t)
}

// ifField returns the specialised instruction (OpIfEnum, OpIfStr,
// OpIfNum) for a comparison of a subject field with a constant, when
// there is one.
func (g *gen) ifField(l leaf, slot int) (bytecode.Instr, bool) {
	pred := l.f.Pred()
	if pred > bytecode.PredGe {
		return bytecode.Instr{}, false
	}
	mask := bytecode.RelsOf(pred)
	if !l.f.Sense() {
		mask = bytecode.RelAll &^ mask
	}
	in := bytecode.Instr{Flag: mask, A: uint16(slot), B: l.b}
	c := g.p.Consts[l.b]
	switch l.f.Kind() {
	case bytecode.Enum:
		if (pred != bytecode.PredEq && pred != bytecode.PredNe) || c.Kind != bytecode.Enum || c.Int < 0 {
			return bytecode.Instr{}, false
		}
		in.Op, in.B = bytecode.OpIfEnum, uint32(c.Int)
	case bytecode.String:
		if (pred != bytecode.PredEq && pred != bytecode.PredNe) || c.Kind != bytecode.String {
			return bytecode.Instr{}, false
		}
		in.Op = bytecode.OpIfStr
	case bytecode.Number:
		if c.Kind != bytecode.Number {
			return bytecode.Instr{}, false
		}
		in.Op = bytecode.OpIfNum
	default:
		return bytecode.Instr{}, false
	}
	return in, true
}

// compare emits the comparisons that are not one test against a
// constant: two computed values, membership in a computed list, and `in`
// an empty list.
func (g *gen) compare(x *ast.BinaryExpr, sense bool, t label) {
	pred, neg := g.predOf(x)
	if neg {
		sense = !sense
	}
	xt, yt := g.typeOf(x.X), g.typeOf(x.Y)
	if _, yConst := g.constant(x.Y); yConst && pred == bytecode.PredIn {
		// x in [] (or a list of nulls) is false whatever x is.
		if !sense {
			g.jump(bytecode.Instr{Op: bytecode.OpJump}, t)
		}
		return
	}
	kind := g.opKind(xt, yt)
	switch pred {
	case bytecode.PredIn:
		kind = g.opKind(xt, elemType(yt))
	case bytecode.PredContains, bytecode.PredStarts:
		kind = bytecode.String
	}
	g.value(x.X)
	g.value(x.Y)
	g.emit(bytecode.Instr{Op: bytecode.OpCmp, Flag: bytecode.MakeFlag(pred, kind, false)})
	op := bytecode.OpJumpIfFalse
	if sense {
		op = bytecode.OpJumpIfTrue
	}
	g.jump(bytecode.Instr{Op: op}, t)
}

// mirror returns the predicate with its operands swapped: c < x is x > c.
func mirror(p bytecode.Pred) bytecode.Pred {
	switch p {
	case bytecode.PredLt:
		return bytecode.PredGt
	case bytecode.PredLe:
		return bytecode.PredGe
	case bytecode.PredGt:
		return bytecode.PredLt
	case bytecode.PredGe:
		return bytecode.PredLe
	}
	return p
}

// quant emits any/all/none as a branch. Each looks for a witness: an
// element whose where clause is true (any, none) or false (all); finding
// one decides the result (any: true; all, none: false), and running out
// of elements decides the opposite. A where clause that is one test of
// the element or one of its fields becomes a single OpFind.
func (g *gen) quant(q *ast.QuantExpr, sense bool, t label) {
	var witness, found bool // the where value sought, the result when found
	switch q.Kind {
	case ast.Any:
		witness, found = true, true
	case ast.All:
		witness, found = false, false
	case ast.None:
		witness, found = true, false
	default:
		g.failf(q, "count used as a condition")
	}
	if slot, l, ok := g.elemTest(q, witness); ok {
		if list := g.subjectSlot(q.In); list >= 0 {
			op := bytecode.OpFindNotField
			if found == sense {
				op = bytecode.OpFindField
			}
			g.jump(bytecode.Instr{Op: op, Flag: l.f, A: uint16(list), D: slot, B: l.b}, t)
			return
		}
		g.value(q.In)
		op := bytecode.OpFindNot
		if found == sense {
			op = bytecode.OpFind
		}
		g.jump(bytecode.Instr{Op: op, Flag: l.f, A: slot, B: l.b}, t)
		return
	}
	it := g.allocLocals(3)
	defer g.freeLocals(3)
	g.value(q.In)
	g.emit(bytecode.Instr{Op: bytecode.OpIterInit, A: uint16(it)})
	g.bindVar(q, it)
	loop := g.newLabel()
	g.place(loop)
	if found == sense {
		// Jump to t on a witness; fall through when the list runs out.
		done := g.newLabel()
		g.jump(bytecode.Instr{Op: bytecode.OpIterNext, A: uint16(it)}, done)
		g.seek(q, witness, t)
		g.jump(bytecode.Instr{Op: bytecode.OpJump}, loop)
		g.place(done)
		return
	}
	// Jump to t when the list runs out; fall through on a witness.
	out := g.newLabel()
	g.jump(bytecode.Instr{Op: bytecode.OpIterNext, A: uint16(it)}, t)
	g.seek(q, witness, out)
	g.jump(bytecode.Instr{Op: bytecode.OpJump}, loop)
	g.place(out)
}

// elemTest reports whether a quantifier's where clause is one test of the
// variable or one field of it against a constant, and returns the field's
// slot (NoSlot for the variable itself) and the test for the witness.
func (g *gen) elemTest(q *ast.QuantExpr, witness bool) (uint16, leaf, bool) {
	if q.Where == nil || q.Var == nil {
		return 0, leaf{}, false
	}
	l, ok := g.simple(q.Where, witness)
	if !ok {
		return 0, leaf{}, false
	}
	p, ok := unparen(l.x).(*ast.PathExpr)
	if !ok {
		return 0, leaf{}, false
	}
	res := g.info.Paths[p]
	if res == nil || res.Base != compiler.Var || res.Root != g.info.Defs[q.Var] || len(res.Fields) > 1 {
		return 0, leaf{}, false
	}
	if len(res.Fields) == 0 {
		return bytecode.NoSlot, l, true
	}
	return uint16(res.Fields[0].Index), l, true
}

// seek jumps to t when the current element is a witness.
func (g *gen) seek(q *ast.QuantExpr, witness bool, t label) {
	if q.Where != nil {
		g.branch(q.Where, witness, t)
		return
	}
	if witness {
		// Without where every element counts as true.
		g.jump(bytecode.Instr{Op: bytecode.OpJump}, t)
	}
}

// set adds a constant set (once) and returns its index.
func (g *gen) set(s bytecode.Set) uint32 {
	key := setKey(s, g.p)
	if i, ok := g.sets[key]; ok {
		return i
	}
	i := uint32(len(g.p.Sets))
	g.p.Sets = append(g.p.Sets, s)
	g.sets[key] = i
	return i
}

// regexp adds a regular expression (once) and returns its index.
func (g *gen) regexp(src string) uint32 {
	if i, ok := g.regexps[src]; ok {
		return i
	}
	i := uint32(len(g.p.Regexps))
	g.p.Regexps = append(g.p.Regexps, src)
	g.regexps[src] = i
	return i
}
