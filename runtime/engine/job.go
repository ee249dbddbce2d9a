package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/vm"
)

// job is the work of one transaction: what it changes goes through tx,
// and the log entries it writes are collected and appended at the end.
type job struct {
	e    *Engine
	ctx  context.Context
	tx   store.Tx
	now  time.Time
	logs []*store.LogEntry
	// started holds the runs fire started in this job: until parked
	// they are not stored, and ending one deletes nothing.
	started map[string]bool
}

func (j *job) log(l *store.LogEntry) {
	if l.At.IsZero() {
		l.At = j.now
	}
	j.logs = append(j.logs, l)
}

// origin is what started a rule run: the event (or tick) and its trigger.
type origin struct {
	event   string
	trigger string
	depth   int
}

// prefetch lets a store that can read ahead (store.Prefetcher) read
// what processing evs will ask about their records.
func (j *job) prefetch(evs []*store.Event) error {
	p, ok := j.tx.(store.Prefetcher)
	if !ok {
		return nil
	}
	refs := make([]store.Ref, 0, len(evs))
	for _, ev := range evs {
		if !slices.Contains(refs, ev.Record) {
			refs = append(refs, ev.Record)
		}
	}
	return p.Prefetch(refs)
}

// process handles one event: snapshot, derived triggers, waits, rules.
// It does nothing unless ev is the oldest pending event of its record:
// an event already processed (by another daemon, or before a retry) is
// not processed twice, and a record's events are taken in the order they
// were accepted whoever takes them.
func (j *job) process(rs *Ruleset, ev *store.Event) error {
	ref := ev.Record
	next, err := j.tx.PendingFor(ref, 1)
	if err != nil {
		return err
	}
	if len(next) == 0 || next[0].ID != ev.ID {
		return nil
	}
	entry := &store.LogEntry{Kind: store.KindEvent, Event: ev.ID, Trigger: ev.Type, Record: ref}
	t := rs.Schema.Type(ref.Type)
	if t < 0 {
		entry.Kind = store.KindError
		entry.Error = fmt.Sprintf("record.type: the ruleset has no record type %q; the event is kept but runs no rule", ref.Type)
		j.log(entry)
		return j.tx.Done(ev.ID)
	}
	prev, err := j.tx.Snapshot(ref)
	if err != nil {
		return err
	}
	if prev != nil && ev.At.Before(prev.At) {
		entry.Message = fmt.Sprintf("stale: older than the stored snapshot of %s (event %s); not applied, no rule runs",
			prev.At.Format(time.RFC3339Nano), prev.Event)
		j.log(entry)
		return j.tx.Done(ev.ID)
	}
	rec, err := rs.Schema.DecodeRefs(t, ev.Data, j.resolver(rs))
	if err != nil {
		if !isDataError(err) {
			return err
		}
		entry.Kind = store.KindError
		entry.Error = "record.data: " + err.Error()
		j.log(entry)
		return j.tx.Done(ev.ID)
	}
	names := []string{ev.Type}
	if prev != nil {
		old, err := rs.Schema.DecodeRefs(t, prev.Data, noRefs)
		if err == nil {
			names = derived(rs, t, old, rec, names)
		}
	}
	if len(names) > 1 {
		entry.Message = "also " + strings.Join(names[1:], ", ")
	}
	if err := j.tx.PutSnapshot(&store.Snapshot{Ref: ref, Data: ev.Data, At: ev.At, Event: ev.ID}); err != nil {
		return err
	}
	j.log(entry)

	env := &vm.Env{Subject: rec, Now: j.now}
	if err := j.recheck(rs, ref, env); err != nil {
		return err
	}
	m := rs.machine()
	defer rs.release(m)
	matched, merr := m.Match(j.ctx, names, env, nil)
	matched = append([]int32(nil), matched...)
	j.runtimeErrors(rs, ref, ev.ID, ev.Type, merr)
	for _, i := range matched {
		o := origin{event: ev.ID, trigger: triggerOf(&rs.Prog.Rules[i], names), depth: ev.Depth}
		if err := j.fire(rs, m, int(i), ref, o, rec); err != nil {
			return err
		}
	}
	return j.tx.Done(ev.ID)
}

// isDataError reports whether err is about the event's data (logged, the
// event is kept) rather than the store (the transaction fails).
func isDataError(err error) bool {
	var re *record.Error
	return errors.As(err, &re)
}

// derived appends to names the events a snapshot change implies: a
// changed status is also <type>.status_changed, a changed order phase
// also order.phase_changed (SPEC §1.5).
func derived(rs *Ruleset, t int, old, rec *vm.Record, names []string) []string {
	typ := rs.Prog.Records[t].Name
	add := func(name string) {
		for _, n := range names {
			if n == name {
				return
			}
		}
		names = append(names, name)
	}
	if s := rs.Schema.Slot(t, "status"); s >= 0 && !sameValue(old.Slots[s], rec.Slots[s]) {
		add(typ + ".status_changed")
	}
	if typ == "order" {
		if s := rs.Schema.Slot(t, "phase"); s >= 0 && !sameValue(old.Slots[s], rec.Slots[s]) {
			add("order.phase_changed")
		}
	}
	return names
}

func sameValue(a, b vm.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() == b.IsNull()
	}
	return a.Equal(b)
}

// triggerOf names what made rule r run on an event with the given names:
// the first of its triggers among them, or the event's own type.
func triggerOf(r *bytecode.Rule, names []string) string {
	for _, n := range names {
		for _, t := range r.Triggers {
			if t.Event == n {
				return n
			}
		}
	}
	return names[0]
}

// noRefs resolves no reference: a record given by id is null.
func noRefs(int, string) (*vm.Record, error) { return nil, nil }

// resolver returns the stored snapshot of a record referred to by id; its
// own references are not followed further.
func (j *job) resolver(rs *Ruleset) record.Resolver {
	return func(t int, id string) (*vm.Record, error) {
		s, err := j.tx.Snapshot(store.Ref{Type: rs.Prog.Records[t].Name, ID: id})
		if err != nil || s == nil {
			return nil, err
		}
		r, err := rs.Schema.DecodeRefs(t, s.Data, noRefs)
		if err != nil {
			return nil, nil // a stored snapshot was valid for an older ruleset; treat as unknown
		}
		return r, nil
	}
}

// runtimeErrors logs the VM errors of a Match (overflow, budget), one
// entry per rule.
func (j *job) runtimeErrors(rs *Ruleset, ref store.Ref, event, trigger string, err error) {
	if err == nil {
		return
	}
	var errs []error
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		errs = u.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		l := &store.LogEntry{Kind: store.KindError, Event: event, Trigger: trigger, Record: ref, Error: e.Error()}
		var ve *vm.Error
		if errors.As(e, &ve) {
			l.Rule = ve.Rule
		}
		j.log(l)
	}
}

// fire starts a run of rule i whose condition held: frequency, the fired
// entry with the clause values, then the body.
func (j *job) fire(rs *Ruleset, m *vm.Machine, i int, ref store.Ref, o origin, rec *vm.Record) error {
	r := &rs.Prog.Rules[i]
	env := &vm.Env{Subject: rec, Now: j.now, Lets: make([]vm.Value, r.Lets)}
	switch r.Freq {
	case bytecode.Once, bytecode.OncePer:
		key := ""
		if r.Freq == bytecode.OncePer {
			v, err := m.Eval(j.ctx, i, r.Per, env)
			if err != nil {
				j.log(&store.LogEntry{Kind: store.KindError, Rule: r.Display(), Event: o.event, Trigger: o.trigger, Record: ref, Error: err.Error()})
				return nil
			}
			key = "per:" + string(v.AppendText(nil))
		}
		first, err := j.tx.ClaimOnce(r.ID, ref, key)
		if err != nil || !first {
			return err
		}
	}
	j.log(&store.LogEntry{Kind: store.KindFired, Rule: r.Display(), Event: o.event, Trigger: o.trigger, Record: ref,
		Clauses: j.clauses(rs, m, i, env)})
	run := &store.Run{
		ID:      o.event + "/" + ref.String() + "/" + r.ID,
		Rule:    r.ID,
		Version: rs.Version,
		Record:  ref,
		Event:   o.event,
		Trigger: o.trigger,
		Depth:   o.depth,
		Started: j.now,
	}
	if j.started == nil {
		j.started = make(map[string]bool)
	}
	j.started[run.ID] = true
	return j.exec(rs, m, i, run, env)
}

// clauses evaluates the clauses of rule i's condition for the log.
func (j *job) clauses(rs *Ruleset, m *vm.Machine, i int, env *vm.Env) []store.Clause {
	cs := rs.Prog.Rules[i].Clauses
	if len(cs) == 0 {
		return nil
	}
	out := make([]store.Clause, len(cs))
	for k, c := range cs {
		out[k].Text = c.Text
		v, err := m.Eval(j.ctx, i, c.PC, env)
		if err != nil {
			out[k].Value = json.RawMessage(strconv.Quote("error: " + err.Error()))
			continue
		}
		out[k].Value = rs.Schema.AppendValue(nil, v)
	}
	return out
}

// stop ends a run that will not finish, with the reason in the log.
func (j *job) stop(rs *Ruleset, run *store.Run, reason string) error {
	name := run.Rule
	if i := rs.Rule(run.Rule); i >= 0 {
		name = rs.Prog.Rules[i].Display()
	}
	j.log(&store.LogEntry{Kind: store.KindStopped, Rule: name, Event: run.Event, Trigger: run.Trigger, Record: run.Record, Message: reason})
	return j.end(run)
}

// end removes a run that finished or stopped, unless it was never stored.
func (j *job) end(run *store.Run) error {
	if j.started[run.ID] {
		return nil
	}
	return j.tx.DeleteRun(run.ID)
}

// exec runs the body of rule i from statement run.Next until it ends,
// waits or awaits a queued action.
func (j *job) exec(rs *Ruleset, m *vm.Machine, i int, run *store.Run, env *vm.Env) error {
	r := &rs.Prog.Rules[i]
	for run.Next < len(r.Body) {
		st := &r.Body[run.Next]
		switch st.Kind {
		case bytecode.StmtCall, bytecode.StmtLet:
			cont, err := j.call(rs, m, i, run, st, env)
			if err != nil || !cont {
				return err
			}
		case bytecode.StmtWait:
			run.State = store.WaitTime
			run.Due = env.Now.Add(time.Duration(st.Wait))
			return j.park(rs, run, env)
		case bytecode.StmtWaitUntil:
			ok, err := m.Test(j.ctx, i, st.Cond, env)
			if err != nil {
				return j.stop(rs, run, "wait until: "+err.Error())
			}
			if !ok {
				run.State = store.WaitUntil
				run.Due = time.Time{}
				if st.Wait > 0 {
					run.Due = env.Now.Add(time.Duration(st.Wait))
				}
				return j.park(rs, run, env)
			}
		}
		run.Next++
	}
	return j.end(run)
}

// park stores a run that waits, with its let values.
func (j *job) park(rs *Ruleset, run *store.Run, env *vm.Env) error {
	delete(j.started, run.ID)
	run.Lets = encodeLets(rs, env.Lets)
	return j.tx.PutRun(run)
}

func encodeLets(rs *Ruleset, lets []vm.Value) json.RawMessage {
	if len(lets) == 0 {
		return nil
	}
	b := []byte{'['}
	for k, v := range lets {
		if k > 0 {
			b = append(b, ',')
		}
		b = rs.Schema.AppendValue(b, v)
	}
	return append(b, ']')
}

// decodeLets restores a run's let values by the types of the actions
// whose results they hold.
func decodeLets(rs *Ruleset, r *bytecode.Rule, data json.RawMessage) ([]vm.Value, error) {
	lets := make([]vm.Value, r.Lets)
	if len(data) == 0 {
		return lets, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("the run's let values: %w", err)
	}
	for _, st := range r.Body {
		if st.Kind != bytecode.StmtLet || int(st.Let) >= len(raw) || int(st.Let) >= len(lets) {
			continue
		}
		v, err := rs.Schema.DecodeValue(rs.Prog.Actions[st.Action].Result, raw[st.Let])
		if err != nil {
			return nil, fmt.Errorf("the run's let values: %w", err)
		}
		lets[st.Let] = v
	}
	return lets, nil
}

// call performs the action of statement st; cont says whether the run
// goes on with the next statement now.
func (j *job) call(rs *Ruleset, m *vm.Machine, i int, run *store.Run, st *bytecode.Stmt, env *vm.Env) (cont bool, err error) {
	r := &rs.Prog.Rules[i]
	a := &rs.Prog.Actions[st.Action]
	args := []byte{'{'}
	var firstArg vm.Value
	nullArg := ""
	for k, arg := range st.Args {
		v, err := m.Eval(j.ctx, i, arg.PC, env)
		if err != nil {
			return false, j.stop(rs, run, fmt.Sprintf("%s: %v", a.Name, err))
		}
		if k == 0 {
			firstArg = v
		}
		// Param -1: a template part, never null.
		if v.IsNull() && arg.Param >= 0 && !a.Params[arg.Param].Type.Optional && nullArg == "" {
			nullArg = arg.Name
		}
		if k > 0 {
			args = append(args, ',')
		}
		args = record.AppendString(args, arg.Name)
		args = append(args, ':')
		args = rs.Schema.AppendValue(args, v)
	}
	args = append(args, '}')
	id := run.ID + "/" + strconv.Itoa(run.Next)
	entry := &store.LogEntry{Kind: store.KindAction, Rule: r.Display(), Event: run.Event, Trigger: run.Trigger,
		Record: run.Record, Action: a.Name, ActionID: id, Args: args, State: store.Done, Attempt: 1}
	if nullArg != "" {
		entry.State = store.Skipped
		entry.Attempt = 0
		entry.Message = fmt.Sprintf("argument %q is null: action skipped", nullArg)
		j.log(entry)
		return true, nil
	}
	var result vm.Value
	switch rs.actions[st.Action] {
	case note:
		if !j.e.cfg.Inline {
			if err := j.enqueue(id, run.ID, run, a.Name, args, store.Done); err != nil {
				return false, err
			}
		}
	case generateCode:
		pattern := firstArg.Str()
		n, err := j.tx.NextSeq("code:" + pattern)
		if err != nil {
			return false, err
		}
		result = vm.String(fillCode(pattern, n))
		entry.Result = rs.Schema.AppendValue(nil, result)
	case change:
		stopped, msg, err := j.change(rs, run, env, a.Name, id, firstArg)
		if err != nil || stopped {
			return false, err
		}
		entry.Message = msg
	case external:
		if !j.e.cfg.Inline {
			// The run waits for the action only if statements follow
			// it: an action that ends the body is queued on its own,
			// and its outcome is in its log entries.
			last := run.Next == len(r.Body)-1 && st.Kind == bytecode.StmtCall
			waiter := run.ID
			if last {
				waiter = ""
			}
			if err := j.enqueue(id, waiter, run, a.Name, args, store.Pending); err != nil {
				return false, err
			}
			entry.State = store.Pending
			entry.Attempt = 0
			if !last {
				j.log(entry)
				run.State = store.WaitAction
				run.Action = id
				run.Due = time.Time{}
				return false, j.park(rs, run, env)
			}
		}
	}
	j.log(entry)
	if st.Kind == bytecode.StmtLet && int(st.Let) < len(env.Lets) {
		env.Lets[st.Let] = result
	}
	return true, nil
}

// enqueue queues action id of run; waiter is the id of the run that
// waits for it, or "".
func (j *job) enqueue(id, waiter string, run *store.Run, name string, args []byte, state store.ActionState) error {
	return j.tx.Enqueue(&store.Action{ID: id, Run: waiter, Rule: run.Rule, Event: run.Event, Trigger: run.Trigger,
		Record: run.Record, Name: name, Args: args, State: state, NextAt: j.now, Created: j.now, Updated: j.now})
}

// fillCode replaces the #s of pattern, right to left, with the digits of
// n; when n has more digits than the pattern has #s, the first # takes
// the rest, so codes never repeat.
func fillCode(pattern string, n int64) string {
	digits := strconv.FormatInt(n, 10)
	hashes := strings.Count(pattern, "#")
	if hashes == 0 {
		return pattern + digits
	}
	if len(digits) < hashes {
		digits = strings.Repeat("0", hashes-len(digits)) + digits
	}
	var b strings.Builder
	k := 0
	for _, c := range pattern {
		if c != '#' {
			b.WriteRune(c)
			continue
		}
		k++
		if k == 1 {
			b.WriteString(digits[:len(digits)-hashes+1])
			digits = digits[len(digits)-hashes+1:]
			continue
		}
		b.WriteByte(digits[0])
		digits = digits[1:]
	}
	return b.String()
}

// change performs a record-changing action: the target record's snapshot
// with the field changed becomes a new event of the inbox (chaining).
func (j *job) change(rs *Ruleset, run *store.Run, env *vm.Env, name, id string, arg vm.Value) (stopped bool, msg string, err error) {
	ch := changeOf(name)
	val := ch.value
	if val == "" {
		val = string(arg.AppendText(nil))
	}
	target, data, err := j.target(rs, run.Record, env.Subject, ch.target)
	if err != nil {
		return false, "", err
	}
	if target.ID == "" {
		return true, "", j.stop(rs, run, fmt.Sprintf("%s: the %s has no %s to change", name, run.Record.Type, ch.target))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return false, "", fmt.Errorf("snapshot of %s: %w", target, err)
	}
	newVal := record.AppendString(nil, val)
	if old, ok := obj[ch.field]; ok && bytes.Equal(bytes.TrimSpace(old), newVal) {
		return false, fmt.Sprintf("%s.%s is already %q", ch.target, ch.field, val), nil
	}
	if run.Depth+1 > j.e.cfg.MaxDepth {
		return true, "", j.stop(rs, run, fmt.Sprintf("chain deeper than %d events: %s not performed", j.e.cfg.MaxDepth, name))
	}
	obj[ch.field] = newVal
	newData, err := json.Marshal(obj)
	if err != nil {
		return false, "", err
	}
	ev := &store.Event{ID: chainID(run.Event, id), Type: ch.event, At: j.now, Record: target, Data: newData, Depth: run.Depth + 1, Cause: run.Event}
	if _, err := j.tx.AddEvent(ev); err != nil {
		return false, "", err
	}
	return false, fmt.Sprintf("%s.%s set to %q (event %s)", target, ch.field, val, ev.ID), nil
}

// chainID names the event a change action produces: the id of the chain's
// first event, "~", and a digest of the action's id (itself made of the
// causing event, the record, the rule and the statement), so ids stay
// short down a chain and the same action always produces the same id.
func chainID(cause, actionID string) string {
	root, _, _ := strings.Cut(cause, "~")
	sum := sha256.Sum256([]byte(actionID))
	return root + "~" + hex.EncodeToString(sum[:5])
}

// target finds the record a change action changes: the subject itself, or
// (set_status on a shipment) the subject's order; and its current data.
func (j *job) target(rs *Ruleset, subject store.Ref, rec *vm.Record, typ string) (store.Ref, []byte, error) {
	if subject.Type == typ {
		s, err := j.tx.Snapshot(subject)
		if err != nil || s == nil {
			return store.Ref{}, nil, err
		}
		return subject, s.Data, nil
	}
	st := rs.Schema.Type(subject.Type)
	slot := rs.Schema.Slot(st, typ)
	if slot < 0 {
		return store.Ref{}, nil, nil
	}
	ref := rec.Slots[slot].Record()
	if ref == nil {
		return store.Ref{}, nil, nil
	}
	tt := rs.Schema.Type(typ)
	idSlot := rs.Schema.Slot(tt, "id")
	if idSlot < 0 || ref.Slots[idSlot].Str() == "" {
		return store.Ref{}, nil, nil
	}
	r := store.Ref{Type: typ, ID: ref.Slots[idSlot].Str()}
	s, err := j.tx.Snapshot(r)
	if err != nil {
		return store.Ref{}, nil, err
	}
	if s != nil {
		return r, s.Data, nil
	}
	// Known only as embedded in the subject: start from that.
	return r, rs.Schema.Encode(nil, ref), nil
}

// recheck continues the `wait until` runs of a record whose condition
// now holds (SPEC §1.5), on the record's new state.
func (j *job) recheck(cur *Ruleset, ref store.Ref, env *vm.Env) error {
	runs, err := j.tx.RunsOf(ref)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.State != store.WaitUntil {
			continue
		}
		if err := j.resume(run, env.Subject, false); err != nil {
			return err
		}
	}
	return nil
}

// due continues a run whose wait fell due.
func (j *job) due(run *store.Run) error {
	rs, _ := j.e.rulesetOf(run)
	s, err := j.tx.Snapshot(run.Record)
	if err != nil {
		return err
	}
	if s == nil {
		return j.stop(rs, run, "the record is gone")
	}
	t := rs.Schema.Type(run.Record.Type)
	rec, err := rs.Schema.DecodeRefs(t, s.Data, j.resolver(rs))
	if err != nil {
		return j.stop(rs, run, "the record's snapshot: "+err.Error())
	}
	return j.resume(run, rec, true)
}

// resume continues a waiting run on rec: timeUp says its Due passed.
func (j *job) resume(run *store.Run, rec *vm.Record, timeUp bool) error {
	rs, i := j.e.rulesetOf(run)
	if i < 0 {
		return j.stop(rs, run, "the rule was removed from the ruleset")
	}
	r := &rs.Prog.Rules[i]
	if run.Next >= len(r.Body) || (run.State != store.WaitTime && run.State != store.WaitUntil) {
		return nil
	}
	lets, err := decodeLets(rs, r, run.Lets)
	if err != nil {
		return j.stop(rs, run, err.Error())
	}
	env := &vm.Env{Subject: rec, Now: j.now, Lets: lets}
	m := rs.machine()
	defer rs.release(m)
	st := &r.Body[run.Next]
	if run.State == store.WaitUntil {
		ok, err := m.Test(j.ctx, i, st.Cond, env)
		if err != nil {
			return j.stop(rs, run, "wait until: "+err.Error())
		}
		if !ok {
			if timeUp {
				return j.stop(rs, run, "wait until: the condition did not hold within "+value.FormatDuration(time.Duration(st.Wait)))
			}
			return nil
		}
	}
	holds, err := m.Cond(j.ctx, i, env)
	if err != nil {
		return j.stop(rs, run, err.Error())
	}
	if !holds {
		return j.stop(rs, run, "condition no longer holds")
	}
	j.log(&store.LogEntry{Kind: store.KindFired, Rule: r.Display(), Event: run.Event, Trigger: run.Trigger, Record: run.Record,
		Message: "continued after " + st.Kind.String(), Clauses: j.clauses(rs, m, i, env)})
	run.Next++
	run.State, run.Due, run.Action = "", time.Time{}, ""
	return j.exec(rs, m, i, run, env)
}

// tick evaluates the rules of a schedule on one stored record.
func (j *job) tick(rs *Ruleset, sch *schedule, t int32, at time.Time, s *store.Snapshot) error {
	rec, err := rs.Schema.DecodeRefs(int(t), s.Data, j.resolver(rs))
	if err != nil {
		if isDataError(err) {
			return nil // a snapshot this ruleset cannot read runs no rule
		}
		return err
	}
	j.now = at
	env := &vm.Env{Subject: rec, Now: at}
	if err := j.recheck(rs, s.Ref, env); err != nil {
		return err
	}
	m := rs.machine()
	defer rs.release(m)
	o := origin{event: "schedule@" + at.UTC().Format(time.RFC3339), trigger: "schedule " + sch.spec}
	for _, i := range sch.rules {
		if rs.Prog.Rules[i].Subject != t {
			continue
		}
		ok, err := m.Cond(j.ctx, i, env)
		if err != nil {
			j.runtimeErrors(rs, s.Ref, o.event, o.trigger, err)
			continue
		}
		if ok {
			if err := j.fire(rs, m, i, s.Ref, o, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// finishAction records the outcome of a queued action's attempt and
// returns the run that waits for it (nil when none, or when the same
// success was reported before).
func (j *job) finishAction(id string, state store.ActionState, result []byte, cause string, took time.Duration) (*store.Action, *store.Run, error) {
	a, err := j.tx.Action(id)
	if err != nil {
		return nil, nil, err
	}
	if a.State == store.Done {
		return a, nil, nil // a second report of the same attempt
	}
	a.State, a.Result, a.Error, a.Updated = state, result, cause, j.now
	a.Attempt++
	if err := j.tx.UpdateAction(a); err != nil {
		return nil, nil, err
	}
	j.log(&store.LogEntry{Kind: store.KindAction, Rule: a.Rule, Event: a.Event, Trigger: a.Trigger, Record: a.Record,
		Action: a.Name, ActionID: a.ID, Args: a.Args, Result: result, State: state, Attempt: a.Attempt, Error: cause, Duration: took})
	if a.Run == "" {
		return a, nil, nil
	}
	run, err := j.tx.Run(a.Run)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil, nil
	}
	return a, run, err
}

// actionDone continues the run that waited for a queued action.
func (j *job) actionDone(id string, result []byte, took time.Duration) error {
	_, run, err := j.finishAction(id, store.Done, result, "", took)
	if err != nil || run == nil {
		return err
	}
	rs, i := j.e.rulesetOf(run)
	if i < 0 {
		return j.stop(rs, run, "the rule was removed from the ruleset")
	}
	r := &rs.Prog.Rules[i]
	lets, err := decodeLets(rs, r, run.Lets)
	if err != nil {
		return j.stop(rs, run, err.Error())
	}
	s, err := j.tx.Snapshot(run.Record)
	if err != nil || s == nil {
		return err
	}
	rec, err := rs.Schema.DecodeRefs(rs.Schema.Type(run.Record.Type), s.Data, j.resolver(rs))
	if err != nil {
		return j.stop(rs, run, "the record's snapshot: "+err.Error())
	}
	env := &vm.Env{Subject: rec, Now: j.now, Lets: lets}
	if st := &r.Body[run.Next]; st.Kind == bytecode.StmtLet && len(result) > 0 && int(st.Let) < len(lets) {
		if v, err := rs.Schema.DecodeValue(rs.Prog.Actions[st.Action].Result, result); err == nil {
			lets[st.Let] = v
		}
	}
	run.Next++
	run.State, run.Action = "", ""
	m := rs.machine()
	defer rs.release(m)
	return j.exec(rs, m, i, run, env)
}

// actionFailed stops the run that waited for an action that failed.
func (j *job) actionFailed(id string, state store.ActionState, cause string, took time.Duration) error {
	a, run, err := j.finishAction(id, state, nil, cause, took)
	if err != nil || run == nil {
		return err
	}
	rs, _ := j.e.rulesetOf(run)
	return j.stop(rs, run, fmt.Sprintf("%s %s: %s", a.Name, state, cause))
}
