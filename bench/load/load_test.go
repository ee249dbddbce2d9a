package load

import (
	"context"
	"testing"
)

// TestRun is a small load run: every event is processed and every
// outside action queued.
func TestRun(t *testing.T) {
	for _, batch := range []int{1, 25} {
		res, err := Run(context.Background(), Config{Events: 200, Clients: 4, Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		// 50 orders: 50 e-mails, 50 SMS, 50 webhooks.
		if res.Actions != 150 {
			t.Errorf("batch %d: %d actions queued, want 150", batch, res.Actions)
		}
		t.Log(res)
	}
}

// BenchmarkIngest sends b.N events, one per request and in batches of
// 100, and reports the rates and latencies.
func BenchmarkIngest(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"single", 1}, {"batch100", 100}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			res, err := Run(context.Background(), Config{Events: max(b.N, 100), Clients: 8, Batch: tc.batch})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.Accepted(), "accepted_ev/s")
			b.ReportMetric(res.Processed(), "processed_ev/s")
			b.ReportMetric(float64(res.P50.Microseconds()), "p50_µs")
			b.ReportMetric(float64(res.P99.Microseconds()), "p99_µs")
		})
	}
}
