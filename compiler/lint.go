package compiler

// This file defines the lint pass: the table of lints (each a warning
// with its own code, silenced with `# automat:ignore Code`) and the lints
// that need the whole ruleset. The condition lints live in lint_cond.go,
// the cross-rule lints in lint_rules.go.

import (
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// lint is one named lint.
type lint struct {
	code diag.Code
	run  func(*checker)
}

// lints are run in this order after type checking, each unless disabled
// by [Config].DisableLints.
var lints = [...]lint{
	{diag.UnusedDeclaration, (*checker).lintUnused},
	{diag.AlwaysTrue, nil}, // with AlwaysFalse, in lintConditions
	{diag.AlwaysFalse, (*checker).lintConditions},
	{diag.RepeatedMessage, (*checker).lintRepeatedMessage},
	{diag.DuplicateMessage, (*checker).lintDuplicateMessage},
	{diag.UnnamedOnce, (*checker).lintUnnamedOnce},
	{diag.StatusCycle, (*checker).lintStatusCycle},
	{diag.WaitNeverRechecked, (*checker).lintWaitNeverRechecked},
}

// Lints returns the codes of the lints, which are warnings that
// `# automat:ignore Code` silences and [Config].DisableLints turns off.
func Lints() []diag.Code {
	out := make([]diag.Code, 0, len(lints)+1)
	for _, l := range lints {
		out = append(out, l.code)
	}
	return out
}

// lintByName finds a lint code by name, for silencing comments.
func lintByName(name string) (diag.Code, bool) {
	for _, l := range lints {
		if l.code.String() == name {
			return l.code, true
		}
	}
	return 0, false
}

func (c *checker) lint() {
	for _, l := range lints {
		if l.run == nil {
			continue
		}
		if c.disabled[l.code] && (l.code != diag.AlwaysFalse || c.disabled[diag.AlwaysTrue]) {
			continue
		}
		l.run(c)
	}
}

// lintUnused reports user declarations nothing refers to: consts,
// actions, enums, records, and lets.
func (c *checker) lintUnused() {
	for _, o := range c.userObjs {
		if o.used > 0 || o.File == nil || o.Kind == ConstObject && types.IsInvalid(o.Type) {
			continue
		}
		c.file = c.pkg.files[o.File.Name]
		what := o.Kind.String()
		c.warnf(o.Span, diag.UnusedDeclaration, nil, "%s %s is never used: remove it, or use it", what, o.Name)
	}
	for _, rs := range c.rules {
		c.file = rs.file
		for _, l := range rs.lets {
			if l.used == 0 {
				c.warnf(l.Span, diag.UnusedDeclaration, nil, "let %s is never used: call the action without let, or use {%s} in a later statement", l.Name, l.Name)
			}
		}
	}
}

// lintUnnamedOnce reports once rules without a name.
func (c *checker) lintUnnamedOnce() {
	for _, rs := range c.rules {
		r := rs.r
		if r.Name != "" || r.Decl.Freq == nil || r.Decl.Freq.Kind != ast.Once {
			continue
		}
		c.file = rs.file
		c.warnf(r.Decl.Freq.Span(), diag.UnnamedOnce, nil,
			"name this once rule (rule \"...\" before it): an unnamed rule is known by its text, so editing it would run it again for every %s it already ran for", subjectName(r))
	}
}

func subjectName(r *Rule) string {
	if r.Subject != nil {
		return r.Subject.Name
	}
	return "record"
}

// messageCalls returns the calls of message actions in a rule's body.
func (c *checker) messageCalls(r *Rule) []*ast.CallExpr {
	var out []*ast.CallExpr
	for _, s := range r.Decl.Body {
		var call *ast.CallExpr
		switch s := s.(type) {
		case *ast.CallStmt:
			call = s.Call
		case *ast.LetStmt:
			call = s.Call
		}
		if call == nil || !validPath(call.Fun) {
			continue
		}
		if a := c.actions[call.Fun.String()]; a != nil && a.Message {
			out = append(out, call)
		}
	}
	return out
}

// lintRepeatedMessage reports a message sent by an `always` rule on a
// schedule: it would go out at every tick.
func (c *checker) lintRepeatedMessage() {
	for _, rs := range c.rules {
		r := rs.r
		if r.Freq != ast.Always {
			continue
		}
		var sched *Trigger
		for i := range r.Triggers {
			if r.Triggers[i].Event == "" {
				sched = &r.Triggers[i]
				break
			}
		}
		if sched == nil {
			continue
		}
		c.file = rs.file
		for _, call := range c.messageCalls(r) {
			c.warnf(call.Fun.Span(), diag.RepeatedMessage,
				[]diag.Related{{File: rs.file.Tok, Span: sched.Span, Message: "the schedule"}},
				"%s runs at every tick of schedule %q while the condition holds: add once, or once per a value that changes, after the condition", call.Fun.String(), sched.Schedule)
		}
	}
}

// lintWaitNeverRechecked reports a `wait until` that no later event of
// the rule's record can end (SPEC §1.5: the condition is re-checked on the
// record's later events and the rule's schedule ticks):
//
//   - its condition reads nothing of the record (only lets, consts and
//     now), and the rule has no schedule; or
//   - it reads the record only through a reference to another entity
//     (shipment.order), whose changes arrive as that entity's events and
//     do not re-check this record's wait.
func (c *checker) lintWaitNeverRechecked() {
	for _, rs := range c.rules {
		r := rs.r
		if r.Subject == nil {
			continue
		}
		scheduled := false
		for _, t := range r.Triggers {
			if t.Event == "" {
				scheduled = true
			}
		}
		c.file = rs.file
		for _, s := range r.Decl.Body {
			w, ok := s.(*ast.WaitUntilStmt)
			if !ok || w.Cond == nil {
				continue
			}
			own, other := c.waitReads(w.Cond)
			span := token.Span{Start: w.Wait, End: w.Wait + 4}
			end := "it can only end when max passes"
			if w.Dur == nil {
				end = "it never ends (it has no max)"
			}
			switch {
			case own || other == nil && scheduled:
			case other != nil:
				c.warnf(span, diag.WaitNeverRechecked, nil,
					"this wait belongs to the %s but its condition only reads %s, whose changes arrive as %s events and do not re-check it, so %s: wait in a rule about %s instead",
					r.Subject.Name, other.Name, other.Name, end, other.Name)
			default:
				c.warnf(span, diag.WaitNeverRechecked, nil,
					"nothing in this condition comes from the %s, so no later event can make it true and %s: compare a field of the %s, or use wait <duration>",
					r.Subject.Name, end, r.Subject.Name)
			}
		}
	}
}

// waitReads reports whether a condition reads the subject's own data,
// and otherwise which other entity it reads through a reference.
func (c *checker) waitReads(cond ast.Expr) (own bool, other *types.Record) {
	for n := range ast.Preorder(cond) {
		p, ok := n.(*ast.PathExpr)
		if !ok {
			continue
		}
		res := c.info.Paths[p]
		if res == nil || res.Base != Subject {
			continue
		}
		if len(res.Fields) == 0 {
			return true, nil
		}
		ref, ok := types.Unwrap(res.Fields[0].Type).(*types.Record)
		if !ok || ref.Field("id") == nil {
			return true, nil // a field of its own, or an embedded record such as party
		}
		other = ref
	}
	return false, other
}

// orderStatus returns the statuses enum of orders, or nil.
func (c *checker) orderStatus() *types.Enum {
	e, _ := c.types["order_status"].(*types.Enum)
	return e
}
