package compiler

// This file defines the lints that look at several rules together:
// DuplicateMessage (a message sent on a status change and again on the
// phase change it causes) and StatusCycle (rules that set statuses in a
// loop).

import (
	"fmt"
	"sort"
	"strings"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
)

// hasTrigger reports whether a rule is triggered by one of the events.
func hasTrigger(r *Rule, events ...string) bool {
	for _, t := range r.Triggers {
		for _, ev := range events {
			if t.Event == ev {
				return true
			}
		}
	}
	return false
}

// statusUniverse is every status an order may have as far as the ruleset
// tells: the declared statuses, plus the constants set_status is called
// with when none are declared.
func (c *checker) statusUniverse() []string {
	e := c.orderStatus()
	if e == nil {
		return nil
	}
	if len(e.Values) > 0 {
		return e.Values
	}
	seen := make(map[string]bool)
	var out []string
	for _, rs := range c.rules {
		for _, sc := range c.setStatusCalls(rs.r) {
			if !seen[sc.status] {
				seen[sc.status] = true
				out = append(out, sc.status)
			}
		}
	}
	return out
}

// statusSet returns the order statuses a rule's condition allows, from the
// comparisons of order.status and order.phase with constants at the top
// level of its condition (all statuses when it says nothing about them).
func (c *checker) statusSet(r *Rule, universe []string) []string {
	if r.Subject == nil || r.Subject.Name != "order" || r.Decl.Cond == nil {
		return universe
	}
	e := c.orderStatus()
	var parts []ast.Expr
	flatten(r.Decl.Cond, ast.OpAnd, &parts)
	allowed := make(map[string]bool, len(universe))
	for _, s := range universe {
		allowed[s] = true
	}
	for _, p := range parts {
		a, ok := c.atomOf(p)
		if !ok {
			continue
		}
		switch {
		case a.key.is("status"):
			for _, s := range universe {
				in := hasVal(a.vals, Constant{Type: e, Text: s})
				switch a.op {
				case atomEq, atomIn:
					allowed[s] = allowed[s] && in
				case atomNe, atomNotIn:
					allowed[s] = allowed[s] && !in
				}
			}
		case a.key.is("phase"):
			for _, s := range universe {
				in := hasVal(a.vals, Constant{Type: c.phase, Text: e.PhaseOf(s)})
				switch a.op {
				case atomEq, atomIn:
					allowed[s] = allowed[s] && in
				case atomNe, atomNotIn:
					allowed[s] = allowed[s] && !in
				}
			}
		}
	}
	var out []string
	for _, s := range universe {
		if allowed[s] {
			out = append(out, s)
		}
	}
	return out
}

// statusCall is a set_status call with a constant status.
type statusCall struct {
	call   *ast.CallExpr
	status string
}

func (c *checker) setStatusCalls(r *Rule) []statusCall {
	var out []statusCall
	for _, s := range r.Decl.Body {
		cs, ok := s.(*ast.CallStmt)
		if !ok || cs.Call == nil || !validPath(cs.Call.Fun) || cs.Call.Fun.String() != "set_status" {
			continue
		}
		args := c.argMap(cs.Call)
		if v := args["status"]; v != nil {
			if k, ok := c.info.Consts[v]; ok && types.IsText(k.Type) {
				out = append(out, statusCall{cs.Call, k.Text})
			}
		}
	}
	return out
}

// argMap maps a call's parameter names to their argument expressions.
func (c *checker) argMap(call *ast.CallExpr) map[string]ast.Expr {
	a := c.actions[call.Fun.String()]
	out := make(map[string]ast.Expr)
	if a == nil {
		return out
	}
	pos := 0
	for _, arg := range call.Args {
		if arg == nil {
			continue
		}
		if arg.Name != nil {
			out[arg.Name.Name] = arg.Value
		} else if pos < len(a.Params) {
			out[a.Params[pos].Name] = arg.Value
			pos++
		}
	}
	return out
}

// messageKey renders what a message call sends: the action and each
// argument's text, by parameter name.
func (c *checker) messageKey(rs *ruleState, call *ast.CallExpr) string {
	args := c.argMap(call)
	names := make([]string, 0, len(args))
	for n := range args {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(call.Fun.String())
	for _, n := range names {
		fmt.Fprintf(&b, "|%s=%s", n, exprText(rs.file, args[n]))
	}
	return b.String()
}

func (c *checker) lintDuplicateMessage() {
	e := c.orderStatus()
	if e == nil || c.phase == nil {
		return
	}
	universe := c.statusUniverse()
	type sender struct {
		rs     *ruleState
		call   *ast.CallExpr
		phases map[string]bool
	}
	var onStatus []sender
	for _, rs := range c.rules {
		r := rs.r
		if r.Subject == nil || r.Subject.Name != "order" || !hasTrigger(r, "order.status_changed") {
			continue
		}
		calls := c.messageCalls(r)
		if len(calls) == 0 {
			continue
		}
		phases := make(map[string]bool)
		for _, s := range c.statusSet(r, universe) {
			phases[e.PhaseOf(s)] = true
		}
		if len(universe) == 0 {
			for _, p := range c.phase.Values {
				phases[p] = true
			}
		}
		for _, call := range calls {
			onStatus = append(onStatus, sender{rs, call, phases})
		}
	}
	if len(onStatus) == 0 {
		return
	}
	for _, rs := range c.rules {
		r := rs.r
		if r.Subject == nil || r.Subject.Name != "order" || !hasTrigger(r, "order.phase_changed") {
			continue
		}
		calls := c.messageCalls(r)
		if len(calls) == 0 {
			continue
		}
		phases := c.phaseSet(r)
		for _, call := range calls {
			key := c.messageKey(rs, call)
			for _, s := range onStatus {
				if s.rs == rs || c.messageKey(s.rs, s.call) != key {
					continue
				}
				common := ""
				for _, p := range c.phase.Values {
					if s.phases[p] && phases[p] {
						common = p
						break
					}
				}
				if common == "" {
					continue
				}
				c.file = rs.file
				c.warnf(call.Span(), diag.DuplicateMessage,
					[]diag.Related{{File: s.rs.file.Tok, Span: s.call.Span(), Message: "also sent here on order.status_changed"}},
					"rule %s sends this %s on order.phase_changed and rule %s sends the same on order.status_changed: a status change into phase %s fires both, so the customer gets it twice; send it from one rule",
					ruleLabel(r), call.Fun.String(), ruleLabel(s.rs.r), common)
				break
			}
		}
	}
}

// phaseSet returns the phases a rule's condition allows.
func (c *checker) phaseSet(r *Rule) map[string]bool {
	out := make(map[string]bool)
	e := c.orderStatus()
	universe := c.statusUniverse()
	constrained := false
	if r.Decl.Cond != nil {
		var parts []ast.Expr
		flatten(r.Decl.Cond, ast.OpAnd, &parts)
		for _, p := range parts {
			if a, ok := c.atomOf(p); ok && (a.key.is("phase") || a.key.is("status")) {
				constrained = true
			}
		}
	}
	if !constrained || len(universe) == 0 {
		for _, p := range c.phase.Values {
			out[p] = true
		}
		if !constrained {
			return out
		}
		// Statuses unknown: trust the phase comparisons alone.
		out = make(map[string]bool)
		var parts []ast.Expr
		flatten(r.Decl.Cond, ast.OpAnd, &parts)
		for _, p := range parts {
			if a, ok := c.atomOf(p); ok && a.key.is("phase") && (a.op == atomEq || a.op == atomIn) {
				for _, v := range a.vals {
					out[v.Text] = true
				}
			}
		}
		return out
	}
	for _, s := range c.statusSet(r, universe) {
		out[e.PhaseOf(s)] = true
	}
	return out
}

func ruleLabel(r *Rule) string {
	if r.Name != "" {
		return fmt.Sprintf("%q", r.Name)
	}
	p := r.File.Tok.Position(r.Decl.Span().Start)
	return fmt.Sprintf("at line %d", p.Line)
}

// lintStatusCycle builds the graph "status s → status t" of the rules that
// fire on an order's status change while its status is s and set it to t,
// and reports each loop once.
func (c *checker) lintStatusCycle() {
	universe := c.statusUniverse()
	if len(universe) == 0 {
		return
	}
	type edge struct {
		to   string
		rs   *ruleState
		call *ast.CallExpr
	}
	graph := make(map[string][]edge)
	for _, rs := range c.rules {
		r := rs.r
		if r.Subject == nil || r.Subject.Name != "order" || r.Freq == ast.Once && r.Per == nil {
			continue
		}
		if len(r.Triggers) > 0 && !hasTrigger(r, "order.status_changed", "order.phase_changed", "order.updated") {
			continue
		}
		calls := c.setStatusCalls(r)
		if len(calls) == 0 {
			continue
		}
		from := c.statusSet(r, universe)
		for _, sc := range calls {
			for _, s := range from {
				if s != sc.status {
					graph[s] = append(graph[s], edge{sc.status, rs, sc.call})
				}
			}
		}
	}
	reported := make(map[*ast.CallExpr]bool)
	done := make(map[string]bool)
	for _, start := range universe {
		if done[start] {
			continue
		}
		// Breadth-first search for the shortest way back to start.
		prev := map[string]edge{}
		queue := []string{start}
		found := false
		for len(queue) > 0 && !found {
			s := queue[0]
			queue = queue[1:]
			for _, e := range graph[s] {
				if e.to == start {
					prev[start] = edge{s, e.rs, e.call}
					found = true
					break
				}
				if _, seen := prev[e.to]; !seen && !done[e.to] {
					prev[e.to] = edge{s, e.rs, e.call}
					queue = append(queue, e.to)
				}
			}
		}
		done[start] = true
		if !found {
			continue
		}
		// Walk back from start to list the cycle in order; prev[x].to
		// is the status x was reached from.
		type step struct {
			from, to string
			rs       *ruleState
			call     *ast.CallExpr
		}
		var steps []step
		cur := start
		for {
			e := prev[cur]
			steps = append([]step{{e.to, cur, e.rs, e.call}}, steps...)
			cur = e.to
			if cur == start || len(steps) > len(universe) {
				break
			}
		}
		first := steps[0]
		if reported[first.call] {
			continue
		}
		path := []string{quote(start)}
		var rules []string
		var related []diag.Related
		for _, st := range steps {
			reported[st.call] = true
			done[st.to] = true
			path = append(path, quote(st.to))
			rules = append(rules, ruleLabel(st.rs.r))
			if st.call != first.call {
				related = append(related, diag.Related{File: st.rs.file.Tok, Span: st.call.Span(), Message: "part of the cycle"})
			}
		}
		c.file = first.rs.file
		c.warnf(first.call.Span(), diag.StatusCycle, related,
			"set_status cycle %s (rules %s): each change triggers the next, and the engine stops the chain at depth 16; make one condition exclude the status the other sets",
			strings.Join(path, " → "), strings.Join(dedupe(rules), ", "))
	}
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
