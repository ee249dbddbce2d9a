package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

// slowStore counts transactions and makes each take a moment, so that
// outcomes finishing meanwhile queue up behind it.
type slowStore struct {
	store.Store
	updates atomic.Int32
}

func (s *slowStore) Update(ctx context.Context, tenant string, fn func(store.Tx) error) error {
	s.updates.Add(1)
	time.Sleep(5 * time.Millisecond)
	return s.Store.Update(ctx, tenant, fn)
}

// queuedActions compiles a rule that queues a webhook and logs after it,
// processes n orders, and returns the engine on a slow view of the store
// and the queued actions.
func queuedActions(t *testing.T, n int) (*engine.Engine, *slowStore, []*store.Action) {
	t.Helper()
	src := `rule "r" on order.created when order.id is not empty do
  webhook(url: "https://hooks.example/x")
  log(text: "after {order.id}")
`
	rs, diags, err := engine.Compile([]compiler.Source{{Name: "t.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err, diags)
	}
	ctx := context.Background()
	mem := memstore.New()
	var evs []*store.Event
	for i := range n {
		id := fmt.Sprintf("O-%d", i)
		evs = append(evs, &store.Event{ID: "e-" + id, Type: "order.created", At: time.Now().UTC(),
			Record: store.Ref{Type: "order", ID: id}, Data: fmt.Appendf(nil, `{"id":%q}`, id)})
	}
	if _, err := mem.Accept(ctx, "t", evs); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.New(rs, engine.Config{Store: mem, Tenant: "t"}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var pending []*store.Action
	mem.Update(ctx, "t", func(tx store.Tx) error {
		pending, err = tx.Actions(store.Pending, 1000)
		return err
	})
	if len(pending) != n {
		t.Fatalf("%d actions queued for %d orders", len(pending), n)
	}
	slow := &slowStore{Store: mem}
	return engine.New(rs, engine.Config{Store: slow, Tenant: "t"}), slow, pending
}

// completeAll reports the outcomes at once, each from its own goroutine,
// and returns the errors.
func completeAll(c *outcomes, outs []engine.Outcome) []error {
	errs := make([]error, len(outs))
	var wg sync.WaitGroup
	for i, o := range outs {
		wg.Go(func() { errs[i] = c.complete(context.Background(), o) })
	}
	wg.Wait()
	return errs
}

func countLog(t *testing.T, st store.Store, kind store.LogKind, action string) int {
	t.Helper()
	page, _, err := st.Log(context.Background(), "t", store.LogQuery{Kind: kind, Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(page)
}

// TestOutcomesGrouped: outcomes that finish together are recorded in a
// few transactions, and each continues its run.
func TestOutcomesGrouped(t *testing.T) {
	const n = 32
	eng, st, pending := queuedActions(t, n)
	c := &outcomes{eng: func() *engine.Engine { return eng }}
	var outs []engine.Outcome
	for _, a := range pending {
		outs = append(outs, engine.Outcome{ID: a.ID, State: store.Done, Result: []byte(`{"status":200}`), Took: time.Millisecond})
	}
	for i, err := range completeAll(c, outs) {
		if err != nil {
			t.Errorf("outcome %s: %v", outs[i].ID, err)
		}
	}
	if u := st.updates.Load(); u > n/4 {
		t.Errorf("%d transactions for %d outcomes reported at once, want a few", u, n)
	}
	t.Logf("%d outcomes in %d transactions", n, st.updates.Load())
	if got := countLog(t, st, store.KindAction, "log"); got != n {
		t.Errorf("%d runs continued after their webhook, want %d", got, n)
	}
}

// TestOutcomesRefused: an outcome the engine refuses fails alone; the
// others of its group are recorded.
func TestOutcomesRefused(t *testing.T) {
	const n = 8
	eng, st, pending := queuedActions(t, n)
	c := &outcomes{eng: func() *engine.Engine { return eng }}
	outs := []engine.Outcome{{ID: "no-such-action", State: store.Done}}
	for _, a := range pending {
		outs = append(outs, engine.Outcome{ID: a.ID, State: store.Failed, Cause: "400 bad request", Took: time.Millisecond})
	}
	errs := completeAll(c, outs)
	if !errors.Is(errs[0], store.ErrNotFound) {
		t.Errorf("the unknown action: %v, want not found", errs[0])
	}
	for i, err := range errs[1:] {
		if err != nil {
			t.Errorf("outcome %s: %v", outs[i+1].ID, err)
		}
	}
	if got := countLog(t, st, store.KindStopped, ""); got != n {
		t.Errorf("%d runs stopped by their failed webhook, want %d", got, n)
	}
}
