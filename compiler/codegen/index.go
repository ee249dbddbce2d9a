package codegen

// This file defines the rule index: which rules each event can trigger,
// and the discrimination step that files rules under the value their
// condition requires of a field.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
)

// discKey is what a rule's condition requires as a top-level conjunct:
// the field at path (from the subject, through to-one records) equals one
// of the constants keys.
type discKey struct {
	path []uint16
	kind bytecode.Kind
	keys []uint32
}

func (d *discKey) pathKey() string { return fmt.Sprint(d.path) }

// conjuncts returns the top-level `and` operands of a condition.
func conjuncts(e ast.Expr) []ast.Expr {
	e = unparen(e)
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == ast.OpAnd {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	if e == nil {
		return nil
	}
	return []ast.Expr{e}
}

// discriminate finds the best discrimination key of a condition: a
// conjunct `path = constant` or `path in [constants]` on an enum field
// (preferred: its values are few and known), a string or a number field.
func (g *gen) discriminate(cond ast.Expr) *discKey {
	var best *discKey
	rank := func(k bytecode.Kind) int {
		switch k {
		case bytecode.Enum:
			return 3
		case bytecode.String:
			return 2
		}
		return 1
	}
	for _, c := range conjuncts(cond) {
		b, ok := c.(*ast.BinaryExpr)
		if !ok || (b.Op != ast.OpEq && b.Op != ast.OpIn) {
			continue
		}
		d := g.discOf(b.X, b.Y, b.Op == ast.OpIn)
		if d == nil && b.Op == ast.OpEq {
			d = g.discOf(b.Y, b.X, false)
		}
		if d != nil && (best == nil || rank(d.kind) > rank(best.kind)) {
			best = d
		}
	}
	return best
}

// discOf builds a key for `x = y` (or `x in y`) when x is a path to a
// field through to-one records and y a constant.
func (g *gen) discOf(x, y ast.Expr, in bool) *discKey {
	p, ok := unparen(x).(*ast.PathExpr)
	if !ok {
		return nil
	}
	if _, isConst := g.info.Consts[p]; isConst {
		return nil
	}
	k, ok := g.info.Consts[unparen(y)]
	if !ok {
		return nil
	}
	res := g.info.Paths[p]
	if res == nil || res.Base != compiler.Subject || len(res.Fields) == 0 {
		return nil
	}
	d := &discKey{}
	for i, f := range res.Fields {
		ft := types.Unwrap(f.Type)
		if i < len(res.Fields)-1 {
			if _, ok := ft.(*types.Record); !ok {
				return nil
			}
		}
		d.path = append(d.path, uint16(f.Index))
	}
	last := res.Fields[len(res.Fields)-1]
	ft := types.Unwrap(last.Type)
	switch ft.(type) {
	case *types.Enum:
		d.kind = bytecode.Enum
	case *types.Basic:
		switch {
		case types.Is(ft, types.String):
			d.kind = bytecode.String
		case types.IsNumeric(ft):
			d.kind = bytecode.Number
		default:
			return nil
		}
	default:
		return nil
	}
	consts := []compiler.Constant{k}
	if in {
		consts = k.List
	}
	for _, c := range consts {
		bc, ok := g.keyConst(c, d.kind, ft)
		if !ok {
			return nil
		}
		if bc.Kind == bytecode.Null {
			continue
		}
		d.keys = append(d.keys, g.konst(bc))
	}
	if len(d.keys) == 0 {
		return nil // x in []: never true; such a rule is never a candidate anyway, keep it simple
	}
	return d
}

// keyConst converts a constant to a key of a field of type ft.
func (g *gen) keyConst(c compiler.Constant, kind bytecode.Kind, ft types.Type) (bytecode.Const, bool) {
	switch kind {
	case bytecode.Enum:
		if !types.IsText(c.Type) {
			return bytecode.Const{}, false
		}
		e := ft.(*types.Enum)
		text := nfc(c.Text)
		return bytecode.Const{Kind: bytecode.Enum, Str: text, Int: int64(e.Index(text))}, true
	case bytecode.String:
		if !types.IsText(c.Type) {
			return bytecode.Const{}, false
		}
		return bytecode.Const{Kind: bytecode.String, Str: nfc(c.Text)}, true
	case bytecode.Number:
		if !types.IsNumeric(c.Type) {
			return bytecode.Const{}, false
		}
		k := g.constOf(nil, c, bytecode.Number)
		k.Num = k.Num.Normalize() // 100 and 100.00 are one key
		return k, true
	}
	return bytecode.Const{}, false
}

// index builds Program.Events: for every record type, each of its events
// and "type.*" (rules without `on`), the rules the event can trigger.
func (g *gen) index() {
	for ri, r := range g.pkg.Schema.Records {
		names := []string{r.Name + ".*"}
		for _, ev := range g.pkg.Schema.Events(r.Name) {
			names = append(names, r.Name+"."+ev)
		}
		for _, name := range names {
			ev := g.event(int32(ri), r, name)
			if len(ev.Rules) > 0 || len(ev.Discs) > 0 {
				g.p.Events = append(g.p.Events, ev)
			}
		}
	}
	sort.Slice(g.p.Events, func(i, j int) bool { return g.p.Events[i].Name < g.p.Events[j].Name })
}

func (g *gen) event(ri int32, r *types.Record, name string) bytecode.Event {
	ev := bytecode.Event{Name: name, Record: ri}
	byPath := make(map[string]int) // path key → index in ev.Discs
	for i, rule := range g.pkg.Rules {
		if rule.Subject != r || !triggered(rule, name) {
			continue
		}
		dk := g.ruleDiscs[i]
		if dk == nil {
			ev.Rules = append(ev.Rules, int32(i))
			continue
		}
		di, ok := byPath[dk.pathKey()]
		if !ok {
			di = len(ev.Discs)
			byPath[dk.pathKey()] = di
			ev.Discs = append(ev.Discs, bytecode.Disc{Path: dk.path, Kind: dk.kind})
		}
		d := &ev.Discs[di]
		for _, k := range dk.keys {
			b := -1
			for j, key := range d.Keys {
				if key == k {
					b = j
					break
				}
			}
			if b < 0 {
				b = len(d.Keys)
				d.Keys = append(d.Keys, k)
				d.Buckets = append(d.Buckets, nil)
			}
			if l := d.Buckets[b]; len(l) == 0 || l[len(l)-1] != int32(i) {
				d.Buckets[b] = append(l, int32(i))
			}
		}
	}
	return ev
}

// triggered reports whether an event called name (or "type.*", any event
// of the type) triggers a rule: rules without `on` run on every event of
// their subject type; others on the events they list.
func triggered(r *compiler.Rule, name string) bool {
	if len(r.Triggers) == 0 {
		return true
	}
	if strings.HasSuffix(name, ".*") {
		return false
	}
	for _, t := range r.Triggers {
		if t.Event == name {
			return true
		}
	}
	return false
}
