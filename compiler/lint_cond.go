package compiler

// This file defines the AlwaysTrue and AlwaysFalse lints: comparisons of
// two constants, and `and`/`or` chains whose comparisons of one path with
// constants contradict each other (`x > 5 and x < 3`, `x = "a" and
// x = "b"`) or cover every value (`x = "a" or x != "a"`). Only
// contradictions that hold under the null semantics of SPEC §1.4 are
// reported.

import (
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
)

// atomOp is what an atom says about its path.
type atomOp uint8

const (
	atomEq atomOp = iota
	atomNe
	atomLt
	atomLe
	atomGt
	atomGe
	atomIn
	atomNotIn
	atomNull
	atomNotNull
	atomEmpty
	atomNotEmpty
)

// atom is one comparison of a path with constants.
type atom struct {
	key  pathKey
	op   atomOp
	vals []Constant
	node ast.Expr
}

// maxKeyFields bounds the paths the condition lints look at.
const maxKeyFields = 6

// pathKey identifies a resolved path without allocating, so that two
// spellings of one path (order.total and shipment.order.total) are equal.
type pathKey struct {
	root   int // 0 for the subject, else the let or variable's object id
	n      int
	fields [maxKeyFields]*types.Field
}

// is reports whether k is subject.<name>.
func (k pathKey) is(name string) bool {
	return k.root == 0 && k.n == 1 && k.fields[0].Name == name
}

// needsValue reports whether the atom is false on null.
func (a atom) needsValue() bool {
	switch a.op {
	case atomNe, atomNotIn, atomNull:
		return false
	}
	return true
}

var cmpAtoms = map[ast.Op]atomOp{
	ast.OpEq: atomEq, ast.OpNe: atomNe, ast.OpLt: atomLt, ast.OpLe: atomLe, ast.OpGt: atomGt, ast.OpGe: atomGe,
	ast.OpIn: atomIn, ast.OpNotIn: atomNotIn,
}

// flipped turns `5 < x` into `x > 5`.
var flipped = map[atomOp]atomOp{atomLt: atomGt, atomLe: atomGe, atomGt: atomLt, atomGe: atomLe, atomEq: atomEq, atomNe: atomNe}

// keyOf resolves e, a path, to its key.
func (c *checker) keyOf(e ast.Expr) (pathKey, bool) {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	p, ok := e.(*ast.PathExpr)
	if !ok {
		return pathKey{}, false
	}
	res := c.info.Paths[p]
	if res == nil || len(res.Fields) > maxKeyFields {
		return pathKey{}, false
	}
	var k pathKey
	switch res.Base {
	case Subject:
	case Let, Var:
		if res.Root == nil {
			return pathKey{}, false
		}
		k.root = res.Root.id
	default:
		return pathKey{}, false
	}
	k.n = copy(k.fields[:], res.Fields)
	return k, true
}

// atomOf recognises a comparison of a path with constants.
func (c *checker) atomOf(e ast.Expr) (atom, bool) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return c.atomOf(x.X)
	case *ast.IsExpr:
		key, ok := c.keyOf(x.X)
		if !ok {
			return atom{}, false
		}
		op := map[[2]bool]atomOp{{false, false}: atomEmpty, {false, true}: atomNotEmpty, {true, false}: atomNull, {true, true}: atomNotNull}[[2]bool{x.What == ast.IsNull, x.Not}]
		return atom{key: key, op: op, node: e}, true
	case *ast.BinaryExpr:
		op, ok := cmpAtoms[x.Op]
		if !ok {
			return atom{}, false
		}
		if key, ok := c.keyOf(x.X); ok {
			if k, ok := c.info.Consts[x.Y]; ok {
				return atom{key: key, op: op, vals: constVals(k, op), node: e}, true
			}
		}
		if key, ok := c.keyOf(x.Y); ok && op != atomIn && op != atomNotIn {
			if k, ok := c.info.Consts[x.X]; ok {
				return atom{key: key, op: flipped[op], vals: []Constant{k}, node: e}, true
			}
		}
	}
	return atom{}, false
}

func constVals(k Constant, op atomOp) []Constant {
	if op == atomIn || op == atomNotIn {
		return k.List
	}
	return []Constant{k}
}

func (c *checker) lintConditions() {
	defer func() { c.rule = nil }()
	for _, rs := range c.rules {
		c.file, c.rule = rs.file, rs
		d := rs.r.Decl
		c.lintExpr(d.Cond, true)
		for _, s := range d.Body {
			if w, ok := s.(*ast.WaitUntilStmt); ok {
				c.lintExpr(w.Cond, false)
			}
		}
	}
}

// lintExpr looks for constant comparisons and contradicting chains in e
// and its subexpressions; top tells whether e is a rule's whole condition.
func (c *checker) lintExpr(e ast.Expr, top bool) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		c.lintExpr(x.X, top)
	case *ast.UnaryExpr:
		c.lintExpr(x.X, false)
	case *ast.QuantExpr:
		c.lintExpr(x.Where, false)
	case *ast.BinaryExpr:
		switch x.Op {
		case ast.OpAnd, ast.OpOr:
			var parts []ast.Expr
			flatten(x, x.Op, &parts)
			c.lintChain(x, parts, top)
			for _, p := range parts {
				c.lintExpr(p, false)
			}
		default:
			if _, ok := cmpAtoms[x.Op]; ok {
				c.lintConstCompare(x)
			}
			c.lintExpr(x.X, false)
			c.lintExpr(x.Y, false)
		}
	}
}

// flatten collects the operands of a chain of one logical operator.
func flatten(e ast.Expr, op ast.Op, out *[]ast.Expr) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		if b, ok := x.X.(*ast.BinaryExpr); ok && b.Op == op {
			flatten(b, op, out)
			return
		}
	case *ast.BinaryExpr:
		if x.Op == op {
			flatten(x.X, op, out)
			flatten(x.Y, op, out)
			return
		}
	}
	*out = append(*out, e)
}

// lintConstCompare reports a comparison of two constants.
func (c *checker) lintConstCompare(x *ast.BinaryExpr) {
	if _, ok := c.info.Consts[x.X]; !ok {
		return
	}
	if _, ok := c.info.Consts[x.Y]; !ok {
		return
	}
	k, ok := c.info.Consts[x]
	if !ok {
		return
	}
	code, word := diag.AlwaysFalse, "false"
	if k.Bool {
		code, word = diag.AlwaysTrue, "true"
	}
	c.warnf(x.Span(), code, nil, "%s compares two constants and is always %s: compare a field of the record instead", exprText(c.file, x), word)
}

func (c *checker) lintChain(chain *ast.BinaryExpr, parts []ast.Expr, top bool) {
	var atoms []atom
	for _, p := range parts {
		if a, ok := c.atomOf(p); ok {
			atoms = append(atoms, a)
			if chain.Op == ast.OpAnd {
				if pa, ok := c.phaseAtom(p, a); ok {
					atoms = append(atoms, pa)
				}
			}
		}
	}
	for i := range atoms {
		for j := i + 1; j < len(atoms); j++ {
			a, b := atoms[i], atoms[j]
			if a.key != b.key || a.node == b.node {
				continue
			}
			span := a.node.Span().Cover(b.node.Span())
			if chain.Op == ast.OpAnd && contradict(a, b) {
				tail := ""
				if top {
					tail = ", so the rule never runs"
				}
				c.warnf(span, diag.AlwaysFalse, nil, "this condition is always false: %s and %s cannot both hold%s", exprText(c.file, a.node), exprText(c.file, b.node), tail)
				return
			}
			if chain.Op == ast.OpOr && complement(a, b) {
				c.warnf(span, diag.AlwaysTrue, nil, "this condition is always true: %s or %s holds for every record (null included): remove it or fix the values", exprText(c.file, a.node), exprText(c.file, b.node))
				return
			}
		}
	}
}

// phaseAtom derives, from a status comparison, the phases it implies:
// `order.status = "Vyřízena"` implies `order.phase = completed`.
func (c *checker) phaseAtom(e ast.Expr, a atom) (atom, bool) {
	if a.op != atomEq && a.op != atomIn {
		return atom{}, false
	}
	if a.key.n == 0 || a.key.fields[a.key.n-1].Name != "status" {
		return atom{}, false
	}
	var en *types.Enum
	for _, v := range a.vals {
		if e, ok := v.Type.(*types.Enum); ok && e.IsStatuses() {
			en = e
		}
	}
	if en == nil || c.phase == nil {
		return atom{}, false
	}
	var vals []Constant
	for _, v := range a.vals {
		p := en.PhaseOf(v.Text)
		if p == "" {
			return atom{}, false
		}
		vals = append(vals, Constant{Type: c.phase, Text: p})
	}
	// The phase field sits next to the status field, in the record the
	// status was read from.
	key := a.key
	var owner *types.Record
	if key.n == 1 {
		if key.root == 0 && c.rule != nil && c.rule.r != nil {
			owner = c.rule.r.Subject
		}
	} else {
		owner, _ = types.Unwrap(key.fields[key.n-2].Type).(*types.Record)
	}
	if owner == nil || owner.Field("phase") == nil {
		return atom{}, false
	}
	key.fields[key.n-1] = owner.Field("phase")
	return atom{key: key, op: atomIn, vals: vals, node: e}, true
}

func hasVal(vals []Constant, v Constant) bool {
	for _, w := range vals {
		if eq, ok := constEqual(v, w); ok && eq {
			return true
		}
	}
	return false
}

// satisfies reports whether the constant v passes the range atom a, and
// whether that could be decided.
func satisfies(v Constant, a atom) (bool, bool) {
	if len(a.vals) != 1 {
		return false, false
	}
	cmp, ok := constCompare(v, a.vals[0])
	if !ok {
		return false, false
	}
	switch a.op {
	case atomLt:
		return cmp < 0, true
	case atomLe:
		return cmp <= 0, true
	case atomGt:
		return cmp > 0, true
	case atomGe:
		return cmp >= 0, true
	}
	return false, false
}

func isRange(op atomOp) bool { return op >= atomLt && op <= atomGe }

// contradict reports whether atoms a and b (on one path) cannot both hold.
func contradict(a, b atom) bool {
	if a.op > b.op {
		a, b = b, a
	}
	switch {
	case a.op == atomNull || b.op == atomNull:
		other := b
		if b.op == atomNull {
			other = a
		}
		return other.op != atomNull && other.needsValue()
	case a.op == atomEmpty && b.op == atomNotEmpty:
		return true
	case a.op == atomEq && b.op == atomEq:
		return !hasVal(b.vals, a.vals[0])
	case a.op == atomEq && b.op == atomNe:
		return hasVal(b.vals, a.vals[0])
	case a.op == atomEq && b.op == atomIn:
		return !hasVal(b.vals, a.vals[0])
	case a.op == atomEq && b.op == atomNotIn:
		return hasVal(b.vals, a.vals[0])
	case a.op == atomEq && isRange(b.op):
		ok, known := satisfies(a.vals[0], b)
		return known && !ok
	case a.op == atomEq && b.op == atomEmpty:
		return types.IsText(a.vals[0].Type) && a.vals[0].Text != ""
	case isRange(a.op) && isRange(b.op):
		return rangesDisjoint(a, b)
	case isRange(a.op) && b.op == atomIn:
		for _, v := range b.vals {
			if ok, known := satisfies(v, a); !known || ok {
				return false
			}
		}
		return len(b.vals) > 0
	case a.op == atomIn && b.op == atomIn:
		for _, v := range a.vals {
			if hasVal(b.vals, v) {
				return false
			}
		}
		return true
	case a.op == atomIn && (b.op == atomNotIn || b.op == atomNe):
		for _, v := range a.vals {
			if !hasVal(b.vals, v) {
				return false
			}
		}
		return true
	case a.op == atomNe && b.op == atomIn:
		return len(b.vals) == 1 && hasVal(a.vals, b.vals[0])
	}
	return false
}

// rangesDisjoint reports whether two bounds leave no value: x > 5 and
// x < 3, or x >= 5 and x < 5.
func rangesDisjoint(a, b atom) bool {
	lower := func(x atom) bool { return x.op == atomGt || x.op == atomGe }
	if lower(a) == lower(b) {
		return false
	}
	lo, hi := a, b
	if !lower(a) {
		lo, hi = b, a
	}
	cmp, ok := constCompare(lo.vals[0], hi.vals[0])
	if !ok {
		return false
	}
	if cmp > 0 {
		return true
	}
	return cmp == 0 && (lo.op == atomGt || hi.op == atomLt)
}

// complement reports whether a or b holds for every value, null included.
func complement(a, b atom) bool {
	if a.op > b.op {
		a, b = b, a
	}
	switch {
	case a.op == atomNull && b.op == atomNotNull:
		return true
	case a.op == atomEq && b.op == atomNe:
		return hasVal(b.vals, a.vals[0])
	case a.op == atomNe && b.op == atomNe:
		return !hasVal(b.vals, a.vals[0])
	case a.op == atomNe && b.op == atomNotIn:
		return !hasVal(b.vals, a.vals[0])
	case a.op == atomIn && b.op == atomNotIn:
		for _, v := range b.vals {
			if !hasVal(a.vals, v) {
				return false
			}
		}
		return true
	case a.op == atomNotIn && b.op == atomNotIn:
		for _, v := range a.vals {
			if hasVal(b.vals, v) {
				return false
			}
		}
		return true
	case a.op == atomEq && b.op == atomNotIn:
		return len(b.vals) == 1 && hasVal(b.vals, a.vals[0])
	}
	return false
}
