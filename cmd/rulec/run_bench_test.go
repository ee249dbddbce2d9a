package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

// eventStream generates n events over `records` orders and their
// shipments, one minute apart, walking each order through the statuses
// of the examples (so status rules, waits and schedule ticks all run),
// with a clock line every 1,000 events.
type eventStream struct {
	n, i     int
	records  int
	statuses []string
	ship     []string
	t        time.Time
	buf      bytes.Buffer
}

func newEventStream(n, records int) *eventStream {
	return &eventStream{n: n, records: records, t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		statuses: []string{"Nová", "Potvrzená", "Balí se", "Připraveno k odběru", "Vyřízena", "Nowe", "W trakcie realizacji"},
		ship:     []string{"created", "handed_to_carrier", "in_transit", "out_for_delivery", "ready_for_pickup", "delivered", "returned"},
	}
}

func (s *eventStream) Read(p []byte) (int, error) {
	for s.buf.Len() < len(p) && s.i < s.n {
		s.next()
	}
	if s.buf.Len() == 0 {
		return 0, io.EOF
	}
	return s.buf.Read(p)
}

func (s *eventStream) next() {
	i := s.i
	s.i++
	s.t = s.t.Add(time.Minute)
	at := s.t.Format(time.RFC3339)
	if i%1000 == 999 {
		fmt.Fprintf(&s.buf, "{\"type\":\"clock\",\"at\":%q}\n", at)
		return
	}
	r := i % s.records
	step := i / s.records
	channels := []string{"allegro", "shoptet", "amazon", "sklep"}
	if i%2 == 0 {
		fmt.Fprintf(&s.buf, `{"id":"e%d","type":"order.updated","at":%q,"record":{"type":"order","id":"O-%d","data":{"id":"O-%d","number":"2026-%06d","status":%q,"channel":%q,"payment_method":"transfer","paid":%q,"total":"%d.90","document_type":"invoice","buyer":{"name":"Jan Novák","email":"jan@example.cz","phone":"+420777111222","tax_id":"CZ123"},"items":[{"name":"Buty sportowe","code":"B-1","ean":"5901234","quantity":1,"price":"%d.90","stock":%d}],"created_at":%q}}}`+"\n",
			i, at, r, r, r, s.statuses[step%len(s.statuses)], channels[r%len(channels)], []string{"unpaid", "paid"}[step%2], 50+r%500, 50+r%500, step%3, at)
		return
	}
	fmt.Fprintf(&s.buf, `{"id":"e%d","type":"shipment.status_changed","at":%q,"record":{"type":"shipment","id":"SH-%d","data":{"id":"SH-%d","order":"O-%d","status":%q,"tracking_number":"DR%d","pickup_point":"Praha 1","updated_at":%q}}}`+"\n",
		i, at, r, r, r, s.ship[step%len(s.ship)], r, at)
}

// BenchmarkRun feeds a generated stream through `rulec run`'s dry run of
// each example ruleset, output discarded. One op is one input line; run
// with -benchtime 1000000x for the million events. It reports
// events/s and the process's peak resident memory.
func BenchmarkRun(b *testing.B) {
	dirs, _ := filepath.Glob("../../examples/*")
	for _, dir := range dirs {
		rs, _, err := engine.Load(dir)
		if err != nil {
			continue // not a ruleset folder
		}
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.ReportAllocs()
			actions := 0
			emit := func(l *store.LogEntry) {
				if l.Kind == store.KindAction {
					actions++
				}
			}
			start := time.Now()
			failed, err := dryRun(context.Background(), rs, newEventStream(b.N, 10000), "gen", emit, io.Discard, memstore.LogLimit(1))
			if err != nil || failed {
				b.Fatalf("dry run: failed=%v %v", failed, err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(actions)/float64(b.N), "actions/event")
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		})
	}
}
