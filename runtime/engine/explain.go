package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/vm"
)

// Explanation says why rule does or does not match a record: the value of
// each clause of its condition, and the condition's.
type Explanation struct {
	Rule      string         `json:"rule"`
	Record    store.Ref      `json:"record"`
	At        time.Time      `json:"at"`
	Triggers  []string       `json:"triggers"`
	Frequency string         `json:"frequency"`
	Clauses   []store.Clause `json:"clauses"`
	Holds     bool           `json:"holds"`
	Notes     []string       `json:"notes,omitempty"`
}

// Explain evaluates rule i of rs and its clauses on a record's data at
// time at. References given by id are null (no store is consulted).
func Explain(ctx context.Context, rs *Ruleset, i int, data []byte, at time.Time) (*Explanation, error) {
	r := &rs.Prog.Rules[i]
	rec, err := rs.Schema.DecodeRefs(int(r.Subject), data, noRefs)
	if err != nil {
		return nil, err
	}
	x := &Explanation{Rule: r.Display(), At: at.UTC(), Frequency: r.Freq.String()}
	for _, t := range r.Triggers {
		if t.Schedule != "" {
			x.Triggers = append(x.Triggers, fmt.Sprintf("schedule %q", t.Schedule))
		} else {
			x.Triggers = append(x.Triggers, t.Event)
		}
	}
	if len(x.Triggers) == 0 {
		x.Triggers = []string{"any " + rs.Prog.Records[r.Subject].Name + " event"}
	}
	m := rs.machine()
	defer rs.release(m)
	env := &vm.Env{Subject: rec, Now: at, Lets: make([]vm.Value, r.Lets)}
	j := &job{ctx: ctx}
	x.Clauses = j.clauses(rs, m, i, env)
	if x.Holds, err = m.Cond(ctx, i, env); err != nil {
		return nil, err
	}
	switch r.Freq {
	case bytecode.Once:
		x.Notes = append(x.Notes, "once: it fires only if it has not fired for this record before (the daemon's log shows when it did)")
	case bytecode.OncePer:
		v, err := m.Eval(ctx, i, r.Per, env)
		if err == nil {
			x.Notes = append(x.Notes, fmt.Sprintf("once per: it fires only if it has not fired for this record with the value %s before", v))
		}
	}
	return x, nil
}
