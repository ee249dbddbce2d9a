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

// lintWaitNeverRechecked reports `wait until` in a rule whose triggers
// cannot fire again for the same record.
func (c *checker) lintWaitNeverRechecked() {
	for _, rs := range c.rules {
		r := rs.r
		if len(r.Triggers) == 0 {
			continue
		}
		oneShot := true
		for _, t := range r.Triggers {
			if t.Event == "" || !isOneShot(t.Event) {
				oneShot = false
			}
		}
		if !oneShot {
			continue
		}
		c.file = rs.file
		for _, s := range r.Decl.Body {
			w, ok := s.(*ast.WaitUntilStmt)
			if !ok {
				continue
			}
			ev := r.Triggers[0].Event
			end := "so it ends only when max passes"
			if w.Dur == nil {
				end = "and it has no max, so it never ends"
			}
			span := token.Span{Start: w.Wait, End: w.Wait + 4}
			c.warnf(span, diag.WaitNeverRechecked, nil,
				"wait until is re-checked when the rule's trigger fires again, but %s fires once per %s, %s: add a trigger such as %s.updated", ev, subjectName(r), end, subjectName(r))
		}
	}
}

// isOneShot reports whether an event fires once per record.
func isOneShot(event string) bool {
	return len(event) > len(".created") && event[len(event)-len(".created"):] == ".created"
}

// orderStatus returns the statuses enum of orders, or nil.
func (c *checker) orderStatus() *types.Enum {
	e, _ := c.types["order_status"].(*types.Enum)
	return e
}
