package load

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/automat-rules/automat/runtime/daemon"
)

// The PostgreSQL cluster of these benchmarks syncs its commits, as in
// production, so that its figures compare with SQLite's (which syncs
// too) and with pgbench's on the same cluster.
func TestMain(m *testing.M) { os.Exit(pgtest.MainDurable(m)) }

// stores are the stores a run can use: SQLite (a new file per run) and
// PostgreSQL (a new database per run on the test cluster).
var stores = []struct {
	name string
	url  func(testing.TB) string
}{
	{"sqlite", func(testing.TB) string { return "" }},
	{"postgres", pgtest.DSN},
}

// TestRun is a small load run on each store: every event is processed
// and every outside action queued.
func TestRun(t *testing.T) {
	for _, st := range stores {
		for _, batch := range []int{1, 25} {
			res, err := Run(context.Background(), Config{Store: st.url(t), Events: 200, Clients: 4, Batch: batch})
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			// 50 orders: 50 e-mails, 50 SMS, 50 webhooks.
			if res.Actions != 150 {
				t.Errorf("%s, batch %d: %d actions queued, want 150", st.name, batch, res.Actions)
			}
			t.Log(st.name, res)
		}
	}
}

// BenchmarkIngest sends b.N events to automatd on each store, one per
// request and in batches of 100, and reports the rates and latencies.
func BenchmarkIngest(b *testing.B) {
	for _, st := range stores {
		for _, tc := range []struct {
			name  string
			batch int
		}{{"single", 1}, {"batch100", 100}} {
			b.Run(st.name+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				res, err := Run(context.Background(), Config{Store: st.url(b), Events: max(b.N, 100), Clients: 8, Batch: tc.batch})
				if err != nil {
					b.Fatal(err)
				}
				report(b, res)
			})
		}
	}
}

// BenchmarkSustained sends 100,000 events to automatd on PostgreSQL at
// 10,000 events per second in batches of 100 (open loop: ten seconds of
// requests due at fixed times, latency counted from then), the goal of
// issue 7, and reports the rate accepted, the request latencies and the
// rate processed end to end. It runs once whatever b.N.
func BenchmarkSustained(b *testing.B) {
	res, err := Run(context.Background(), Config{Store: pgtest.DSN(b), Events: 100_000, Clients: 8, Batch: 100, Rate: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
	b.ReportMetric(float64(res.Max.Microseconds()), "max_µs")
}

// report reports a run's rates and request latencies.
func report(b *testing.B, res *Result) {
	b.ReportMetric(res.Accepted(), "accepted_ev/s")
	b.ReportMetric(res.Processed(), "processed_ev/s")
	b.ReportMetric(float64(res.P50.Microseconds()), "p50_µs")
	b.ReportMetric(float64(res.P99.Microseconds()), "p99_µs")
}

// BenchmarkPgbench is the physical reference on the same cluster:
// pgbench's transactions per second for single-row inserts of an event
// (one committed INSERT of a JSON row per transaction, 8 clients) for 5
// seconds; it runs once whatever b.N.
func BenchmarkPgbench(b *testing.B) {
	res, err := Pgbench(context.Background(), pgtest.DSN(b), pgtest.Bin(), 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res, "tps")
}

// BenchmarkFloor is the ceiling of the PostgreSQL figures on the same
// cluster: the events per second PostgreSQL stores when it does only the
// store's writes for them, given the whole machine (see Floor), for the
// store as it is and two leaner designs, 5 seconds each; it runs once
// whatever b.N.
func BenchmarkFloor(b *testing.B) {
	for _, s := range FloorShapes {
		b.Run(s.Name, func(b *testing.B) {
			res, err := Floor(context.Background(), pgtest.DSN(b), pgtest.Bin(), s, 5*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res, "ev/s")
		})
	}
}

// TestFloor checks that the floor's script writes what the store writes
// for the load's events: per event one event row, its snapshot, the log
// rows of its shape, 0.8 actions and 0.5 once-claims, and done marks.
func TestFloor(t *testing.T) {
	for _, s := range FloorShapes {
		dsn := pgtest.DSN(t)
		rate, err := Floor(context.Background(), dsn, pgtest.Bin(), s, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if rate <= 0 {
			t.Fatalf("%s: %v events/s", s.Name, rate)
		}
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		var events, done, snaps, logs, actions, once int
		err = conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FILTER (WHERE done) FROM events),
			(SELECT count(*) FROM snapshots), (SELECT count(*) FROM log), (SELECT count(*) FROM actions), (SELECT count(*) FROM once)`).
			Scan(&events, &done, &snaps, &logs, &actions, &once)
		conn.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantDone := 0
		if s.Done {
			wantDone = events
		}
		got := []int{done, snaps, logs * 100, actions * 10, once * 2}
		want := []int{wantDone, events, events * s.LogRows, events * 8, events}
		if events == 0 || events%100 != 0 || !slices.Equal(got, want) {
			t.Errorf("%s: %d events: done, snapshots, log×100, actions×10, once×2 = %v, want %v", s.Name, events, got, want)
		}
	}
}

// BenchmarkIntake measures the daemon's CPU per accepted event without a
// network or a database: requests of 100 events (the load's events)
// through the HTTP handler — reading, checking against the schema — into
// the in-memory store, with no worker processing them.
func BenchmarkIntake(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			cfg := Config{Store: "memory:", Events: 20000, Clients: 1, Batch: batch}
			dc, err := daemonConfig(b.TempDir(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			d, err := daemon.New(context.Background(), dc, daemon.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			h := d.Handler()
			bodies := requests(cfg)[0]
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusAccepted {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
		})
	}
}
