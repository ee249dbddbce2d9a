package localstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/localstore"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "localstore")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := localstore.Open(ctx, filepath.Join(dir, "automat.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	e := &store.Event{ID: "evt-0001", Type: "shipment.status_changed",
		At:     time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Record: store.Ref{Type: "shipment", ID: "SH-1"}, Data: json.RawMessage(`{"status":"ready_for_pickup"}`)}
	fresh, err := s.Accept(ctx, "acme", []*store.Event{e, e})
	fmt.Println("accepted:", fresh, err)

	err = s.Update(ctx, "acme", func(tx store.Tx) error {
		pending, err := tx.Pending(0, 10)
		if err != nil {
			return err
		}
		for _, e := range pending {
			if err := tx.Append(&store.LogEntry{At: e.At, Kind: store.KindEvent, Event: e.ID, Trigger: e.Type, Record: e.Record}); err != nil {
				return err
			}
			if err := tx.Done(e.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	entries, next, err := s.Log(ctx, "acme", store.LogQuery{Record: store.Ref{Type: "shipment", ID: "SH-1"}})
	for _, e := range entries {
		fmt.Println(e.ID, e.At.Format(time.RFC3339), e.Kind, e.Event, e.Record)
	}
	fmt.Printf("next page: %q, %v\n", next, err)
	// Output:
	// accepted: [true false] <nil>
	// 1 2026-11-22T10:00:00Z event evt-0001 shipment/SH-1
	// next page: "", <nil>
}
