package compiler

// This file defines constant folding: exact decimals through lang/value,
// durations, booleans, text and enum values.

import (
	"errors"
	"time"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/value"
)

// parseNumber reads a number literal exactly.
func parseNumber(raw string) (value.Decimal, error) { return value.ParseDecimal(raw) }

// errCause strips the wrapping of a lang/value parse error.
func errCause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// decimalOf returns a numeric constant's value.
func decimalOf(k Constant) (value.Decimal, bool) {
	if !types.IsNumeric(k.Type) {
		return value.Decimal{}, false
	}
	d, err := value.ParseDecimal(k.Text)
	return d, err == nil
}

// constCompare orders two constants of the same family: numbers and money,
// durations, or text. ok is false when they cannot be ordered.
func constCompare(a, b Constant) (cmp int, ok bool) {
	switch {
	case types.IsNumeric(a.Type) && types.IsNumeric(b.Type):
		x, okx := decimalOf(a)
		y, oky := decimalOf(b)
		if !okx || !oky {
			return 0, false
		}
		return x.Cmp(y), true
	case types.Is(a.Type, types.Duration) && types.Is(b.Type, types.Duration):
		switch {
		case a.Duration < b.Duration:
			return -1, true
		case a.Duration > b.Duration:
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// constEqual compares two constants with the language's `=`: exact
// numbers, NFC-equal text, equal bools and durations.
func constEqual(a, b Constant) (eq, ok bool) {
	if cmp, ok := constCompare(a, b); ok {
		return cmp == 0, true
	}
	switch {
	case types.IsText(a.Type) && types.IsText(b.Type):
		return a.Text == b.Text, true // text constants are stored NFC-normalised
	case types.Is(a.Type, types.Bool) && types.Is(b.Type, types.Bool):
		return a.Bool == b.Bool, true
	}
	return false, false
}

// foldArith computes a op b for constants, giving the result type rt.
func foldArith(op ast.Op, a, b Constant, rt types.Type) (Constant, error) {
	if types.Is(rt, types.Duration) || types.Is(a.Type, types.Duration) {
		return foldDuration(op, a, b, rt)
	}
	x, okx := decimalOf(a)
	y, oky := decimalOf(b)
	if !okx || !oky {
		return Constant{}, errNotConst
	}
	var d value.Decimal
	var err error
	switch op {
	case ast.OpAdd:
		d, err = x.Add(y)
	case ast.OpSub:
		d, err = x.Sub(y)
	case ast.OpMul:
		d, err = x.Mul(y)
	case ast.OpDiv:
		d, err = x.Div(y)
	}
	if err != nil {
		return Constant{}, err
	}
	return Constant{Type: rt, Text: d.String()}, nil
}

var errNotConst = errors.New("not a constant")

func foldDuration(op ast.Op, a, b Constant, rt types.Type) (Constant, error) {
	switch {
	case types.Is(a.Type, types.Duration) && types.Is(b.Type, types.Duration):
		switch op {
		case ast.OpAdd:
			return Constant{Type: rt, Duration: a.Duration + b.Duration}, nil
		case ast.OpSub:
			return Constant{Type: rt, Duration: a.Duration - b.Duration}, nil
		case ast.OpDiv:
			if b.Duration == 0 {
				return Constant{}, value.ErrDivByZero
			}
			q, err := value.FromInt(int64(a.Duration)).Div(value.FromInt(int64(b.Duration)))
			if err != nil {
				return Constant{}, err
			}
			return Constant{Type: rt, Text: q.String()}, nil
		}
	case types.Is(a.Type, types.Duration) || types.Is(b.Type, types.Duration):
		dur, num := a, b
		if types.Is(b.Type, types.Duration) {
			dur, num = b, a
		}
		n, ok := decimalOf(num)
		if !ok {
			return Constant{}, errNotConst
		}
		var r value.Decimal
		var err error
		if op == ast.OpMul {
			r, err = value.FromInt(int64(dur.Duration)).Mul(n)
		} else {
			r, err = value.FromInt(int64(dur.Duration)).Div(n)
		}
		if err != nil {
			return Constant{}, err
		}
		ns, _ := r.Normalize().Int64()
		return Constant{Type: rt, Duration: time.Duration(ns)}, nil
	}
	return Constant{}, errNotConst
}
