package vm

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// This file defines rule selection through the program's index: an event
// name leads to the rules it can trigger, and a discrimination step files
// rules under the value their condition requires of a field, so that the
// cost of an event grows with the rules that can match it, not with the
// size of the ruleset.

// Candidates returns, in rule order and without duplicates, the rules that
// an event with any of the given names ("order.updated",
// "order.status_changed", ...) can trigger on rec: those the index lists
// for the event, plus, for each discrimination step, the rules filed under
// rec's value of the step's field. An event name the program does not know
// falls back to the rules without `on` of rec's type. The slice is valid
// until m is used again.
func (m *Machine) Candidates(events []string, rec *Record) []int32 {
	lists := m.lists[:0]
	for _, name := range events {
		e := m.p.events[name]
		if e == nil {
			if i := strings.IndexByte(name, '.'); i >= 0 {
				e = m.p.events[name[:i]+".*"]
			}
			if e == nil {
				continue
			}
		}
		if len(e.rules) > 0 {
			lists = append(lists, e.rules)
		}
		for i := range e.discs {
			d := &e.discs[i]
			if b := d.bucket(pathValue(rec, d.path)); len(b) > 0 {
				lists = append(lists, b)
			}
		}
	}
	m.lists = lists
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	m.cand = merge(m.cand[:0], lists)
	return m.cand
}

// pathValue follows path from rec through to-one records; a null on the
// way gives null.
func pathValue(rec *Record, path []uint16) *Value {
	v := &Null
	for _, s := range path {
		if rec == nil || int(s) >= len(rec.Slots) {
			return &Null
		}
		v = &rec.Slots[s]
		rec = v.Record()
	}
	return v
}

// merge appends the union of the ascending lists to out, ascending and
// without duplicates.
func merge(out []int32, lists [][]int32) []int32 {
	for {
		min := int32(-1)
		for _, l := range lists {
			if len(l) > 0 && (min < 0 || l[0] < min) {
				min = l[0]
			}
		}
		if min < 0 {
			return out
		}
		out = append(out, min)
		for i, l := range lists {
			if len(l) > 0 && l[0] == min {
				lists[i] = l[1:]
			}
		}
	}
}

// Match evaluates the conditions of the [Machine.Candidates] of the event
// on env.Subject in rule order and appends the rules whose condition holds
// to out. A rule whose evaluation fails does not match; the failures are
// returned together (as [*Error]s joined with errors.Join) after every
// candidate was tried. Cancelling ctx stops the evaluation with ctx's
// error.
func (m *Machine) Match(ctx context.Context, events []string, env *Env, out []int32) ([]int32, error) {
	cands := m.Candidates(events, env.Subject)
	if len(cands) == 0 {
		return out, nil
	}
	rules := m.p.Bytecode.Rules
	if err := m.load(ctx, rules[cands[0]].Subject, env); err != nil {
		return out, fmt.Errorf("vm: event %s: %w", strings.Join(events, ", "), err)
	}
	var errs []error
	for n, i := range cands {
		if n&63 == 63 && ctx.Err() != nil {
			return out, ctx.Err()
		}
		// Conditions never read lets (they are bound after the
		// condition), so the registers stay loaded between rules.
		m.steps, m.check = 0, min(1024, m.MaxSteps+1)
		ok, err := m.run(rules[i].Cond)
		if err != nil {
			errs = append(errs, m.wrap(int(i), err))
			continue
		}
		if ok {
			out = append(out, i)
		}
	}
	return out, errors.Join(errs...)
}
