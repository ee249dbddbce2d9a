package localstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

var benchData = json.RawMessage(`{"status":"ready_for_pickup","total":"1299.90","customer":{"name":"Jan Novák","email":"jan@example.cz"},"items":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}]}`)

// BenchmarkAccept measures durable ingestion: one Accept (one synced
// commit) of a batch of n events, reported per event too.
func BenchmarkAccept(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "automat.db"))
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
			id := 0
			for b.Loop() {
				batch := make([]*store.Event, n)
				for i := range batch {
					id++
					batch[i] = &store.Event{ID: fmt.Sprint("evt-", id), Type: "shipment.status_changed", At: time.Now(),
						Record: store.Ref{Type: "shipment", ID: fmt.Sprint("SH-", id%1000)}, Data: benchData}
				}
				if _, err := s.Accept(ctx, "acme", batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
		})
	}
}

// BenchmarkAcceptParallel measures single-event Accepts from many
// goroutines (HTTP requests): each waits for its own commit.
func BenchmarkAcceptParallel(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "automat.db"))
	defer s.Close()
	ctx := context.Background()
	var id atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := id.Add(1)
			e := &store.Event{ID: fmt.Sprint("evt-", n), Type: "order.created", At: time.Now(),
				Record: store.Ref{Type: "order", ID: fmt.Sprint("O-", n%1000)}, Data: benchData}
			if _, err := s.Accept(ctx, "acme", []*store.Event{e}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkProcess measures a transaction shaped like the engine's work
// for one event: read it from the inbox, read and replace the record's
// snapshot, claim once, look at the record's runs, queue an action, log
// the event and the firing, mark the event done.
func BenchmarkProcess(b *testing.B) {
	for _, events := range []int{1, 64} {
		b.Run(fmt.Sprintf("events=%d", events), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "automat.db"))
			defer s.Close()
			ctx := context.Background()
			clauses := []store.Clause{{Text: "shipment.status is ready_for_pickup", Value: json.RawMessage(`true`)}}
			id := 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				batch := make([]*store.Event, events)
				for i := range batch {
					id++
					batch[i] = &store.Event{ID: fmt.Sprint("evt-", id), Type: "shipment.status_changed", At: time.Now(),
						Record: store.Ref{Type: "shipment", ID: fmt.Sprint("SH-", id%1000)}, Data: benchData}
				}
				if _, err := s.Accept(ctx, "acme", batch); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				err := s.Update(ctx, "acme", func(tx store.Tx) error {
					pending, err := tx.Pending(0, events)
					if err != nil {
						return err
					}
					for _, e := range pending {
						if _, err := tx.Snapshot(e.Record); err != nil {
							return err
						}
						if err := tx.PutSnapshot(&store.Snapshot{Ref: e.Record, Data: e.Data, At: e.At, Event: e.ID}); err != nil {
							return err
						}
						if _, err := tx.ClaimOnce("pickup ready", e.Record, ""); err != nil {
							return err
						}
						if _, err := tx.RunsOf(e.Record); err != nil {
							return err
						}
						if err := tx.Enqueue(&store.Action{ID: e.ID + "/0", Rule: "pickup ready", Event: e.ID, Record: e.Record,
							Name: "email", Args: json.RawMessage(`{"to":"jan@example.cz","template":"pickup_ready"}`), NextAt: e.At, Created: e.At, Updated: e.At}); err != nil {
							return err
						}
						if err := tx.Append(
							&store.LogEntry{At: e.At, Kind: store.KindEvent, Event: e.ID, Trigger: e.Type, Record: e.Record},
							&store.LogEntry{At: e.At, Kind: store.KindFired, Rule: "pickup ready", Event: e.ID, Trigger: "status", Record: e.Record, Clauses: clauses},
						); err != nil {
							return err
						}
						if err := tx.Done(e.ID); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
		})
	}
}

// BenchmarkLog measures reading one page of 100 entries by rule from a
// log of 20,000.
func BenchmarkLog(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "automat.db"))
	defer s.Close()
	ctx := context.Background()
	for i := range 20 {
		err := s.Update(ctx, "acme", func(tx store.Tx) error {
			for j := range 1000 {
				if err := tx.Append(&store.LogEntry{At: time.Now(), Kind: store.KindFired, Rule: fmt.Sprint("rule ", j%10),
					Event: fmt.Sprint("evt-", i*1000+j), Trigger: "status", Record: store.Ref{Type: "order", ID: fmt.Sprint("O-", j)}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		entries, _, err := s.Log(ctx, "acme", store.LogQuery{Rule: "rule 3", Limit: 100})
		if err != nil || len(entries) != 100 {
			b.Fatal(err, len(entries))
		}
	}
}
