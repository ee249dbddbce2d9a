package vm_test

// This file defines the reference evaluator: a plain tree walk over the
// checked syntax tree, written straight from SPEC §1.4 and independent of
// the code generator and the VM, so that differential tests and FuzzVM
// can compare the two.

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/vm"
)

type refEval struct {
	pkg     *compiler.Package
	subject *vm.Record
	now     time.Time
	vars    map[*compiler.Object]vm.Value
}

func newRef(pkg *compiler.Package, subject *vm.Record, now time.Time) *refEval {
	return &refEval{pkg: pkg, subject: subject, now: now, vars: make(map[*compiler.Object]vm.Value)}
}

// truth evaluates a condition; a null or non-bool value is false.
func (r *refEval) truth(e ast.Expr) (bool, error) {
	v, err := r.eval(e)
	return v.Bool(), err
}

func (r *refEval) eval(e ast.Expr) (vm.Value, error) {
	info := r.pkg.Info
	if k, ok := info.Consts[e]; ok {
		return r.constant(k), nil
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return r.eval(x.X)
	case *ast.PathExpr:
		return r.path(x)
	case *ast.NowLit:
		return vm.Time(r.now), nil
	case *ast.StringLit:
		var b strings.Builder
		for _, p := range x.Parts {
			if p.Path == nil {
				b.WriteString(p.Text)
				continue
			}
			v, err := r.path(p.Path)
			if err != nil {
				return vm.Null, err
			}
			b.Write(v.AppendText(nil))
		}
		return vm.String(b.String()), nil
	case *ast.ListExpr:
		var elems []vm.Value
		for _, el := range x.Elems {
			v, err := r.eval(el)
			if err != nil {
				return vm.Null, err
			}
			elems = append(elems, v)
		}
		return vm.List(elems), nil
	case *ast.UnaryExpr:
		b, err := r.truth(x.X)
		return vm.Bool(!b), err
	case *ast.IsExpr:
		v, err := r.eval(x.X)
		if err != nil {
			return vm.Null, err
		}
		var res bool
		switch {
		case x.What == ast.IsNull:
			res = v.IsNull()
		default:
			empty := !v.IsNull() && (v.Kind() == bytecode.List && len(v.Elems()) == 0 || (v.Kind() == bytecode.String || v.Kind() == bytecode.Enum) && v.Str() == "")
			if x.Not {
				// "is not empty": has a non-empty value.
				return vm.Bool(!v.IsNull() && !empty), nil
			}
			res = empty
		}
		if x.Not {
			res = !res
		}
		return vm.Bool(res), nil
	case *ast.QuantExpr:
		return r.quant(x)
	case *ast.BinaryExpr:
		return r.binary(x)
	}
	return vm.Null, fmt.Errorf("reference: cannot evaluate %T", e)
}

func (r *refEval) constant(k compiler.Constant) vm.Value {
	switch {
	case types.Is(k.Type, types.Null):
		return vm.Null
	case types.Is(k.Type, types.Bool):
		return vm.Bool(k.Bool)
	case types.IsNumeric(k.Type):
		return vm.Number(value.MustParseDecimal(k.Text))
	case types.Is(k.Type, types.Duration):
		return vm.Duration(k.Duration)
	}
	if l, ok := types.Unwrap(k.Type).(*types.List); ok {
		_ = l
		var elems []vm.Value
		for _, el := range k.List {
			elems = append(elems, r.constant(el))
		}
		return vm.List(elems)
	}
	if e, ok := types.Unwrap(k.Type).(*types.Enum); ok {
		return vm.EnumValue(k.Text, e.Index(k.Text))
	}
	return vm.String(k.Text)
}

func (r *refEval) path(p *ast.PathExpr) (vm.Value, error) {
	if k, ok := r.pkg.Info.Consts[p]; ok {
		return r.constant(k), nil
	}
	res := r.pkg.Info.Paths[p]
	var v vm.Value
	switch res.Base {
	case compiler.Subject:
		v = vm.RecordValue(r.subject)
	case compiler.Var, compiler.Let:
		v = r.vars[res.Root]
	default:
		return vm.Null, fmt.Errorf("reference: path %s", p)
	}
	for _, f := range res.Fields {
		rec := v.Record()
		if rec == nil {
			return vm.Null, nil
		}
		v = rec.Slots[f.Index]
	}
	return v, nil
}

func (r *refEval) quant(q *ast.QuantExpr) (vm.Value, error) {
	list, err := r.path(q.In)
	if err != nil {
		return vm.Null, err
	}
	obj := r.pkg.Info.Defs[q.Var]
	n := 0
	for _, el := range list.Elems() {
		r.vars[obj] = el
		ok := true
		if q.Where != nil {
			if ok, err = r.truth(q.Where); err != nil {
				return vm.Null, err
			}
		}
		if ok {
			n++
		}
		switch {
		case q.Kind == ast.Any && ok:
			return vm.Bool(true), nil
		case q.Kind == ast.All && !ok, q.Kind == ast.None && ok:
			return vm.Bool(false), nil
		}
	}
	switch q.Kind {
	case ast.Any:
		return vm.Bool(false), nil
	case ast.Count:
		return vm.Number(value.FromInt(int64(n))), nil
	}
	return vm.Bool(true), nil
}

func (r *refEval) binary(x *ast.BinaryExpr) (vm.Value, error) {
	switch x.Op {
	case ast.OpAnd:
		a, err := r.truth(x.X)
		if err != nil || !a {
			return vm.Bool(false), err
		}
		b, err := r.truth(x.Y)
		return vm.Bool(b), err
	case ast.OpOr:
		a, err := r.truth(x.X)
		if err != nil || a {
			return vm.Bool(a), err
		}
		b, err := r.truth(x.Y)
		return vm.Bool(b), err
	}
	a, err := r.eval(x.X)
	if err != nil {
		return vm.Null, err
	}
	if x.Op == ast.OpMatches || x.Op == ast.OpNotMatches {
		re := regexp.MustCompile(x.Y.(*ast.StringLit).Value)
		m := !a.IsNull() && re.MatchString(a.Str())
		return vm.Bool(m == (x.Op == ast.OpMatches)), nil
	}
	b, err := r.eval(x.Y)
	if err != nil {
		return vm.Null, err
	}
	null := a.IsNull() || b.IsNull()
	switch x.Op {
	case ast.OpEq:
		return vm.Bool(!null && refEqual(a, b)), nil
	case ast.OpNe:
		return vm.Bool(null || !refEqual(a, b)), nil
	case ast.OpLt, ast.OpLe, ast.OpGt, ast.OpGe:
		if null {
			return vm.Bool(false), nil
		}
		c := refCompare(a, b)
		switch x.Op {
		case ast.OpLt:
			return vm.Bool(c < 0), nil
		case ast.OpLe:
			return vm.Bool(c <= 0), nil
		case ast.OpGt:
			return vm.Bool(c > 0), nil
		}
		return vm.Bool(c >= 0), nil
	case ast.OpIn, ast.OpNotIn:
		in := false
		if !a.IsNull() {
			for _, el := range b.Elems() {
				if !el.IsNull() && refEqual(a, el) {
					in = true
				}
			}
		}
		return vm.Bool(in == (x.Op == ast.OpIn)), nil
	case ast.OpContains, ast.OpNotContains:
		c := !null && strings.Contains(value.Fold(a.Str()), value.Fold(b.Str()))
		return vm.Bool(c == (x.Op == ast.OpContains)), nil
	case ast.OpStartsWith, ast.OpNotStartsWith:
		c := !null && strings.HasPrefix(value.Fold(a.Str()), value.Fold(b.Str()))
		return vm.Bool(c == (x.Op == ast.OpStartsWith)), nil
	case ast.OpAdd, ast.OpSub, ast.OpMul, ast.OpDiv:
		if null {
			return vm.Null, nil
		}
		return refArith(x.Op, a, b)
	}
	return vm.Null, fmt.Errorf("reference: operator %s", x.Op)
}

// refEqual compares two non-null values by what they mean: numbers by
// value, text (strings and enum values) by text.
func refEqual(a, b vm.Value) bool {
	switch {
	case a.Kind() == bytecode.Number && b.Kind() == bytecode.Number:
		return a.Decimal().Cmp(b.Decimal()) == 0
	case isText(a) && isText(b):
		return a.Str() == b.Str()
	}
	return a.Equal(b)
}

func isText(v vm.Value) bool { return v.Kind() == bytecode.String || v.Kind() == bytecode.Enum }

func refCompare(a, b vm.Value) int {
	switch a.Kind() {
	case bytecode.Number:
		return a.Decimal().Cmp(b.Decimal())
	case bytecode.Time:
		return a.Time().Compare(b.Time())
	case bytecode.Duration:
		switch {
		case a.Duration() < b.Duration():
			return -1
		case a.Duration() > b.Duration():
			return 1
		}
	}
	return 0
}

func refArith(op ast.Op, a, b vm.Value) (vm.Value, error) {
	ka, kb := a.Kind(), b.Kind()
	switch {
	case ka == bytecode.Number && kb == bytecode.Number:
		var d value.Decimal
		var err error
		switch op {
		case ast.OpAdd:
			d, err = a.Decimal().Add(b.Decimal())
		case ast.OpSub:
			d, err = a.Decimal().Sub(b.Decimal())
		case ast.OpMul:
			d, err = a.Decimal().Mul(b.Decimal())
		default:
			d, err = a.Decimal().Div(b.Decimal())
		}
		return vm.Number(d), err
	case ka == bytecode.Time && kb == bytecode.Duration:
		if op == ast.OpSub {
			return vm.Time(a.Time().Add(-b.Duration())), nil
		}
		return vm.Time(a.Time().Add(b.Duration())), nil
	case ka == bytecode.Duration && kb == bytecode.Time:
		return vm.Time(b.Time().Add(a.Duration())), nil
	case ka == bytecode.Time && kb == bytecode.Time:
		return vm.Duration(a.Time().Sub(b.Time())), nil
	case ka == bytecode.Duration && kb == bytecode.Duration:
		switch op {
		case ast.OpAdd:
			return vm.Duration(a.Duration() + b.Duration()), nil
		case ast.OpSub:
			return vm.Duration(a.Duration() - b.Duration()), nil
		}
		q, err := value.FromInt(int64(a.Duration())).Div(value.FromInt(int64(b.Duration())))
		return vm.Number(q), err
	case ka == bytecode.Duration && kb == bytecode.Number, ka == bytecode.Number && kb == bytecode.Duration:
		d, n := a, b
		if ka == bytecode.Number {
			d, n = b, a
		}
		var r value.Decimal
		var err error
		if op == ast.OpMul {
			r, err = value.FromInt(int64(d.Duration())).Mul(n.Decimal())
		} else {
			r, err = value.FromInt(int64(d.Duration())).Div(n.Decimal())
		}
		if err != nil {
			return vm.Null, err
		}
		ns, ok := r.Round(0).Int64()
		if !ok {
			return vm.Null, value.ErrOverflow
		}
		return vm.Duration(time.Duration(ns)), nil
	}
	return vm.Null, errors.New("reference: bad arithmetic operands")
}
