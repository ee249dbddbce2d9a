package action_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/action"
	"github.com/automat-rules/automat/runtime/action/mailtmpl"
	"github.com/automat-rules/automat/runtime/store"
)

// env returns an Options.Env over a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// newSet builds a Set or fails the test.
func newSet(t *testing.T, cfg action.Config, opts action.Options) *action.Set {
	t.Helper()
	s, err := action.New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// act builds a request for the action name with args (a JSON object)
// on record typ/id with the given snapshot.
func act(name, args, typ, id, rec string) *action.Request {
	r := &action.Request{Action: &store.Action{
		ID:     "act-" + name + "-1",
		Rule:   "rule one",
		Event:  "evt-1",
		Record: store.Ref{Type: typ, ID: id},
		Name:   name,
		Args:   json.RawMessage(args),
	}}
	if rec != "" {
		r.Record = json.RawMessage(rec)
	}
	return r
}

func withTemplates(r *action.Request, s *mailtmpl.Set) *action.Request {
	r.Templates = s
	return r
}

func perform(t *testing.T, s *action.Set, r *action.Request) action.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Perform(ctx, r)
}

func wantClass(t *testing.T, res action.Result, want action.Class) {
	t.Helper()
	if res.Class != want {
		t.Fatalf("class = %v (err %v), want %v", res.Class, res.Err, want)
	}
}
