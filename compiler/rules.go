package compiler

// This file defines the rules pass: each rule's name and ID, triggers and
// subject (SPEC §1.5), condition, frequency and statements.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// CronParser parses `on schedule` specs: five fields (minute, hour, day of
// month, month, day of week) or a descriptor (@every 15m, @hourly, @daily,
// @weekly, @monthly, @yearly), with an optional CRON_TZ= prefix. automatd's
// scheduler must parse with the same options (robfig/cron's
// ParseStandard).
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// eventsOf lists a record type's events: created and updated for every
// record, status_changed for one with a status field, and the extra
// events of order (phase_changed, paid) and product (stock_changed).
func eventsOf(s *Schema, record string) []string {
	r := s.Record(record)
	if r == nil {
		return nil
	}
	evs := []string{"created", "updated"}
	if r.Field("status") != nil {
		evs = append(evs, "status_changed")
	}
	switch record {
	case "order":
		evs = append(evs, "phase_changed", "paid")
	case "product":
		evs = append(evs, "stock_changed")
	}
	return evs
}

var eventDocs = map[string]string{
	"created":        "the record was created",
	"updated":        "the record changed",
	"status_changed": "the record's status changed (also derived from any event whose snapshot changes the status)",
	"phase_changed":  "the order's status changed to one in another phase",
	"paid":           "the order was paid",
	"stock_changed":  "the product's stock changed",
}

// eventObject returns the object of record.event, made on first use.
func (c *checker) eventObject(r *types.Record, ev string) *Object {
	name := r.Name + "." + ev
	if o := c.eventObjs[name]; o != nil {
		return o
	}
	c.nextID++
	o := &Object{Kind: EventObject, Name: name, Type: r, Doc: eventDocs[ev], Parent: c.typeObjs[r.Name], id: c.nextID}
	c.eventObjs[name] = o
	return o
}

func (c *checker) checkRules() {
	for _, f := range c.pkg.Files {
		c.file = f
		for _, d := range f.Decls {
			if rd, ok := d.(*ast.RuleDecl); ok {
				c.checkRule(f, rd)
			}
		}
	}
	c.rule = nil
}

func (c *checker) checkRule(f *ast.File, rd *ast.RuleDecl) {
	r := &Rule{Index: len(c.pkg.Rules), Decl: rd, File: f, Freq: ast.Always}
	rs := &ruleState{r: r, file: f}
	c.rule = rs
	c.pkg.Rules = append(c.pkg.Rules, r)
	c.rules = append(c.rules, rs)

	if rd.Name != nil {
		r.Name = rd.Name.Value
		r.Obj = c.newObject(RuleObject, r.Name, nil, rd.Name)
		if prev := c.ruleNames[r.Name]; prev != nil {
			c.report(diag.Diagnostic{Span: rd.Name.Span(), Severity: diag.Error, Code: diag.Redeclared,
				Message: fmt.Sprintf("rule %q is already declared at %s: rule names identify rules in the log and the once-ledger, so make them unique", r.Name, where(prev)),
				Related: relatedAt(prev, "declared here")})
		} else {
			c.ruleNames[r.Name] = r.Obj
		}
		c.def(rd.Name, r.Obj)
		r.ID = r.Name
	} else {
		r.Obj = &Object{Kind: RuleObject, File: f.Tok, Span: rd.Span()}
		r.ID = anonID(f.Tok, rd.Span())
		r.Obj.Name = r.ID
	}

	r.Subject = c.triggers(rs)
	if r.Subject == nil {
		guessed := false
		r.Subject, guessed = c.subjectFromCond(rd.Cond)
		if r.Subject == nil && !guessed && !c.hasEventTrigger(rd) && rd.Cond != nil && !isBad(rd.Cond) {
			c.errorf(c.whenSpan(rd), diag.MissingSubject, "cannot tell what this rule is about: start the condition with a path such as order.status, or add a trigger such as on order.created")
		}
	}
	r.Obj.Type = r.Subject

	if rd.Cond != nil {
		c.condition(rd.Cond, "when")
	}
	if rd.Freq != nil {
		r.Freq = rd.Freq.Kind
		if rd.Freq.Per != nil {
			r.Per = rd.Freq.Per
			t := c.expr(rd.Freq.Per, nil)
			if !types.IsInvalid(t) && !isScalar(t) {
				c.errorf(rd.Freq.Per.Span(), diag.InvalidOperand, "once per needs a single value such as shipment.status, not %s", types.Describe(t))
			}
		}
	}
	for _, s := range rd.Body {
		c.stmt(s)
	}
	c.rule = nil
}

func (c *checker) whenSpan(rd *ast.RuleDecl) token.Span {
	if rd.When.IsValid() {
		return token.Span{Start: rd.When, End: rd.When + 4}
	}
	return rd.Cond.Span()
}

func isBad(e ast.Expr) bool {
	_, ok := e.(*ast.BadExpr)
	return ok
}

func (c *checker) hasEventTrigger(rd *ast.RuleDecl) bool {
	for _, t := range rd.Triggers {
		if t != nil && t.Event != nil {
			return true
		}
	}
	return false
}

// anonID names an unnamed rule by a hash of its tokens, so that layout
// and comments do not matter but any edit does.
func anonID(f *token.File, span token.Span) string {
	if !span.IsValid() || int(span.End) > len(f.Src) {
		span = token.Span{Start: 0, End: 0}
	}
	src := string(f.Src[span.Start:span.End])
	h := sha256.New()
	for _, t := range scanner.Scan(src) {
		if t.Kind == scanner.Comment || t.Kind == scanner.EOF {
			continue
		}
		h.Write([]byte(t.Text))
		h.Write([]byte{0})
	}
	return "anon:" + hex.EncodeToString(h.Sum(nil))[:12]
}

// triggers checks a rule's `on` list and returns the subject its events
// give, or nil.
func (c *checker) triggers(rs *ruleState) *types.Record {
	var subj *types.Record
	var first *ast.Trigger
	for _, t := range rs.r.Decl.Triggers {
		if t == nil {
			continue
		}
		if t.Event == nil {
			if t.Spec != nil {
				c.schedule(t.Spec)
				rs.r.Triggers = append(rs.r.Triggers, Trigger{Schedule: t.Spec.Value, Span: t.Span()})
			}
			continue
		}
		if !validPath(t.Event) {
			continue
		}
		rec, ev := c.event(t.Event)
		if rec == nil {
			continue
		}
		rs.r.Triggers = append(rs.r.Triggers, Trigger{Event: rec.Name + "." + ev, Span: t.Span()})
		switch {
		case subj == nil:
			subj, first = rec, t
		case rec != subj:
			c.errorf(t.Span(), diag.MixedSubjects, "all triggers of a rule must be events of one record type, but %s is a %s event and %s an %s event: split the rule in two",
				t.Event, rec.Name, first.Event, subj.Name)
		}
	}
	return subj
}

// event resolves an event path such as order.status_changed.
func (c *checker) event(p *ast.PathExpr) (*types.Record, string) {
	text := p.String()
	rec, _ := c.types[p.Parts[0].Name].(*types.Record)
	if rec == nil || len(p.Parts) != 2 {
		var all []string
		for _, r := range c.pkg.Schema.Records {
			for _, ev := range eventsOf(c.pkg.Schema, r.Name) {
				all = append(all, r.Name+"."+ev)
			}
		}
		if s := nearestName(text, all); s != "" {
			c.suggestf(p.Span(), diag.UnknownEvent, s, "unknown event %s; did you mean %s?", text, s)
		} else {
			c.errorf(p.Span(), diag.UnknownEvent, "unknown event %s: an event is written <record>.<event>, such as order.created or shipment.status_changed", text)
		}
		return nil, ""
	}
	c.use(p.Parts[0], c.typeObjs[rec.Name])
	evs := eventsOf(c.pkg.Schema, rec.Name)
	ev := p.Parts[1]
	for _, e := range evs {
		if e == ev.Name {
			c.use(ev, c.eventObject(rec, e))
			return rec, e
		}
	}
	if s := nearestName(ev.Name, evs); s != "" {
		c.suggestf(ev.Span(), diag.UnknownEvent, s, "%s has no event %s; did you mean %s?", rec.Name, ev.Name, s)
	} else {
		c.errorf(ev.Span(), diag.UnknownEvent, "%s has no event %s: use one of %s", rec.Name, ev.Name, strings.Join(evs, ", "))
	}
	return nil, ""
}

// schedule validates a cron spec with the scheduler's own parser.
func (c *checker) schedule(spec *ast.StringLit) {
	if !spec.IsPlain() {
		c.errorf(spec.Span(), diag.InvalidSchedule, "a schedule cannot interpolate {...}: write the cron spec literally")
		return
	}
	if _, err := CronParser.Parse(spec.Value); err != nil {
		hint := `write five fields (minute hour day-of-month month day-of-week) such as "*/15 * * * *", or a descriptor such as "@every 15m", "@hourly", "@daily"`
		msg := err.Error()
		if strings.HasPrefix(spec.Value, "@every") && strings.Contains(msg, "unknown unit") {
			hint = `@every takes Go durations (s, m, h): write "@every 24h" or "@daily" instead of days`
		}
		c.errorf(spec.Span(), diag.InvalidSchedule, "invalid schedule %q: %s; %s", spec.Value, msg, hint)
	}
}

// subjectFromCond returns the record named by the root of the first path
// of the condition whose root is a record type. When there is none but
// the first path's root is a likely misspelling of a record (ordr.total),
// it returns that record as a guess, so that the misspelling is reported
// once, with its suggestion, instead of as a missing subject.
func (c *checker) subjectFromCond(cond ast.Expr) (*types.Record, bool) {
	if cond == nil {
		return nil, false
	}
	var first *ast.PathExpr
	for n := range ast.Preorder(cond) {
		if p, ok := n.(*ast.PathExpr); ok && len(p.Parts) > 0 && p.Parts[0] != nil {
			if r, ok := c.types[p.Parts[0].Name].(*types.Record); ok {
				return r, false
			}
			if first == nil && len(p.Parts) > 1 && c.consts[p.Parts[0].Name] == nil {
				first = p
			}
		}
	}
	if first != nil {
		var names []string
		for _, r := range c.pkg.Schema.Records {
			names = append(names, r.Name)
		}
		if s := nearestName(first.Parts[0].Name, names); s != "" {
			return c.types[s].(*types.Record), true
		}
	}
	return nil, false
}

// condition checks an expression that must be a bool.
func (c *checker) condition(e ast.Expr, what string) {
	t := c.expr(e, nil)
	if types.IsInvalid(t) || types.Is(t, types.Bool) {
		return
	}
	hint := ""
	switch {
	case types.IsNumeric(t):
		hint = ": compare it, as in " + exprText(c.file, e) + " > 0"
	case types.IsText(t):
		hint = ": compare it, as in " + exprText(c.file, e) + " = \"...\", or test it with is not empty"
	case types.IsOptional(t):
		hint = ": test it with is not null"
	}
	c.errorf(e.Span(), diag.InvalidCondition, "the condition after %s must be true or false, but %s is %s%s", what, exprText(c.file, e), types.Describe(t), hint)
}

// exprText returns the source text of a node, shortened for messages.
func exprText(f *ast.File, n ast.Node) string {
	if f == nil || n == nil {
		return "it"
	}
	s := n.Span()
	if !s.IsValid() || int(s.End) > len(f.Tok.Src) {
		return "it"
	}
	text := strings.Join(strings.Fields(string(f.Tok.Src[s.Start:s.End])), " ")
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	return text
}

// stmt checks one statement of a rule's body.
func (c *checker) stmt(s ast.Stmt) {
	rs := c.rule
	switch s := s.(type) {
	case *ast.CallStmt:
		if s.Call != nil {
			c.call(s.Call, false)
		}
	case *ast.LetStmt:
		var t types.Type = types.Typ[types.Invalid]
		if s.Call != nil {
			t = c.call(s.Call, true)
		}
		if s.Name == nil {
			return
		}
		if prev := c.lookup(s.Name.Name); prev != nil {
			c.report(diag.Diagnostic{Span: s.Name.Span(), Severity: diag.Error, Code: diag.Redeclared,
				Message: fmt.Sprintf("%s is already a %s in this rule: choose another name for the let", s.Name.Name, prev.Kind), Related: relatedAt(prev, "declared here")})
			return
		}
		o := c.newObject(LetObject, s.Name.Name, t, s.Name)
		c.def(s.Name, o)
		rs.lets = append(rs.lets, o)
		rs.letAt = append(rs.letAt, s.Span().End)
	case *ast.WaitStmt:
	case *ast.WaitUntilStmt:
		if s.Cond != nil {
			c.condition(s.Cond, "wait until")
		}
	case *ast.BadStmt:
	}
}

// call checks an action call statement and returns the action's result
// type (invalid when it has none or is unknown).
func (c *checker) call(call *ast.CallExpr, let bool) types.Type {
	invalid := types.Typ[types.Invalid]
	if !validPath(call.Fun) {
		return invalid
	}
	name := call.Fun.String()
	a := c.actions[name]
	if a == nil {
		var names []string
		for _, a := range c.pkg.Schema.Actions {
			names = append(names, a.Name)
		}
		if s := nearestName(name, names); s != "" {
			c.suggestf(call.Fun.Span(), diag.UnknownAction, s, "unknown action %s; did you mean %s?", name, s)
		} else {
			c.errorf(call.Fun.Span(), diag.UnknownAction, "unknown action %s: declare it with action %s(...) or use a standard action such as email, sms, notify, set_status", name, name)
		}
		for _, arg := range call.Args {
			if arg != nil && arg.Value != nil {
				c.expr(arg.Value, nil)
			}
		}
		return invalid
	}
	c.use(call.Fun.Parts[len(call.Fun.Parts)-1], c.pkg.Schema.objects[a])
	if let && a.Result == nil {
		c.errorf(call.Fun.Span(), diag.InvalidCall, "%s returns nothing, so let cannot bind it: call it as a statement without let", name)
	}
	c.args(call, a)
	if a.Result == nil {
		return invalid
	}
	return a.Result
}

func (c *checker) args(call *ast.CallExpr, a *Action) {
	given := make([]*ast.Arg, len(a.Params))
	named := false
	pos := 0
	for _, arg := range call.Args {
		if arg == nil || arg.Value == nil {
			continue
		}
		var p *Param
		switch {
		case arg.Name != nil:
			named = true
			p = a.Param(arg.Name.Name)
			if p == nil {
				var names []string
				for _, p := range a.Params {
					names = append(names, p.Name)
				}
				if s := nearestName(arg.Name.Name, names); s != "" {
					c.suggestf(arg.Name.Span(), diag.UnknownParam, s, "%s has no parameter %s; did you mean %s?", a.Name, arg.Name.Name, s)
					// Check the value as the suggested parameter, so that
					// it is not also reported missing.
					if sp := a.Param(s); given[sp.Index] == nil {
						p = sp
					}
				} else if len(names) == 0 {
					c.errorf(arg.Name.Span(), diag.UnknownParam, "%s takes no arguments: remove %s", a.Name, arg.Name.Name)
				} else {
					c.errorf(arg.Name.Span(), diag.UnknownParam, "%s has no parameter %s: its parameters are %s", a.Name, arg.Name.Name, strings.Join(names, ", "))
				}
			} else {
				c.use(arg.Name, c.pkg.Schema.objects[p])
			}
		case named:
			next := c.nextParam(a, given)
			name := "name"
			if next != nil {
				name = next.Name
			}
			c.errorf(arg.Span(), diag.MisplacedArgument, "a positional argument cannot follow a named one: name it, as in %s: ...", name)
			p = next // bound anyway, to avoid a cascade of missing arguments
		case pos >= len(a.Params):
			c.errorf(arg.Span(), diag.ExtraArgument, "%s takes %d argument%s: remove this one", a.Name, len(a.Params), plural(len(a.Params)))
		default:
			p = a.Params[pos]
			pos++
		}
		var want types.Type
		if p != nil {
			want = p.Type
			if given[p.Index] != nil {
				c.errorf(arg.Span(), diag.DuplicateArgument, "%s is given twice: remove one", p.Name)
				p = nil
			}
		}
		t := c.expr(arg.Value, want)
		if p != nil {
			given[p.Index] = arg
			c.assign(t, arg.Value, p, a)
		}
	}
	bound := &Call{Action: a, Args: make([]ast.Expr, len(a.Params))}
	for i, arg := range given {
		if arg != nil {
			bound.Args[i] = arg.Value
		}
	}
	c.info.Calls[call] = bound
	if p := a.Param("template"); p != nil {
		if lit, ok := bound.Args[p.Index].(*ast.StringLit); ok {
			c.template(call, lit)
		}
	}
	var missing []string
	for i, p := range a.Params {
		if given[i] == nil && !types.IsOptional(p.Type) {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		example := make([]string, len(missing))
		for i, m := range missing {
			example[i] = m + ": ..."
		}
		c.errorf(call.Fun.Span(), diag.MissingArgument, "%s needs %s: add %s", a.Name, andList(missing), strings.Join(example, ", "))
	}
}

// nextParam returns the first parameter not given yet, or nil.
func (c *checker) nextParam(a *Action, given []*ast.Arg) *Param {
	for i, p := range a.Params {
		if given[i] == nil {
			return p
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// andList renders "a", "a and b", "a, b and c".
func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// assign checks that an argument of type t fits parameter p. A value that
// may be null fits a parameter that may not be (the action is skipped at
// run time, SPEC §1.5); the literal null only fits an optional parameter.
func (c *checker) assign(t types.Type, e ast.Expr, p *Param, a *Action) {
	if types.IsInvalid(t) || types.IsInvalid(p.Type) {
		return
	}
	if types.Is(t, types.Null) {
		if !types.IsOptional(p.Type) {
			c.errorf(e.Span(), diag.InvalidArgument, "%s of %s cannot be null: give a value", p.Name, a.Name)
		}
		return
	}
	if assignable(types.Unwrap(t), types.Unwrap(p.Type)) {
		return
	}
	want := types.Unwrap(p.Type)
	if types.Is(want, types.String) {
		if _, ok := e.(*ast.PathExpr); ok && isScalar(t) {
			text := "\"{" + exprText(c.file, e) + "}\""
			c.suggestf(e.Span(), diag.InvalidArgument, text, "%s of %s wants a string, but %s is %s: write %s", p.Name, a.Name, exprText(c.file, e), types.Describe(t), text)
			return
		}
	}
	c.errorf(e.Span(), diag.InvalidArgument, "%s of %s wants %s, but %s is %s", p.Name, a.Name, types.Describe(want), exprText(c.file, e), types.Describe(t))
}

// assignable reports whether a (non-null) value of type t fits u.
func assignable(t, u types.Type) bool {
	switch {
	case types.Identical(t, u):
		return true
	case types.IsNumeric(t) && types.IsNumeric(u):
		return true
	}
	switch u := u.(type) {
	case *types.Basic:
		if u.Kind == types.String {
			_, isEnum := t.(*types.Enum)
			return isEnum
		}
	case *types.Enum:
		// An open statuses enum (no statuses declared) takes any string.
		return u.IsStatuses() && len(u.Values) == 0 && types.Is(t, types.String)
	case *types.List:
		if tl, ok := t.(*types.List); ok {
			return types.Is(tl.Elem, types.Invalid) || assignable(types.Unwrap(tl.Elem), types.Unwrap(u.Elem))
		}
	}
	return false
}

// isScalar reports whether t is a single value: not a record or list.
func isScalar(t types.Type) bool {
	switch types.Unwrap(t).(type) {
	case *types.Record, *types.List:
		return false
	}
	return true
}
