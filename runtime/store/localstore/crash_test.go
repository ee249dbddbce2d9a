package localstore_test

// The kill -9 test: a child process (this test binary, re-executed)
// accepts events and commits transactions in a loop and reports each one
// after it returned; the parent kills it with SIGKILL at a random moment,
// several times, and checks after each kill that everything reported is
// in the file exactly once and that every transaction is whole.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/automat-rules/automat/runtime/store"
)

// crashEnv names the environment variable that makes TestCrashChild the
// child: its value is "path round".
const crashEnv = "LOCALSTORE_CRASH_CHILD"

var counter = store.Ref{Type: "counter", ID: "c"}

// TestCrashChild is the child process of TestCrash; run on its own it
// does nothing.
func TestCrashChild(t *testing.T) {
	arg := os.Getenv(crashEnv)
	if arg == "" {
		t.Skip("the child of TestCrash")
	}
	path, round, _ := strings.Cut(arg, " ")
	ctx := context.Background()
	s := open(t, path)
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush() // one write per line
	}
	say("ready")
	var wg sync.WaitGroup
	// Two goroutines accept batches of 1 to 8 new events (so Accepts
	// share group commits), each batch with one event of an earlier
	// round, which must not be fresh.
	for g := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				var batch []*store.Event
				for j := range 1 + i%8 {
					batch = append(batch, &store.Event{ID: fmt.Sprintf("r%s-g%d-%d-%d", round, g, i, j), Type: "order.created",
						At: time.Now(), Record: store.Ref{Type: "order", ID: strconv.Itoa(i % 5)}, Data: json.RawMessage(`{"n":1}`)})
				}
				if r, _ := strconv.Atoi(round); r > 0 {
					batch = append(batch, &store.Event{ID: fmt.Sprintf("r%d-g%d-%d-0", r-1, g, i%50), Type: "order.created", At: time.Now(),
						Record: store.Ref{Type: "order", ID: "old"}})
				}
				fresh, err := s.Accept(ctx, "t", batch)
				if err != nil {
					say("error %v", err)
					return
				}
				for k, e := range batch {
					say("event %s %v", e.ID, fresh[k])
				}
			}
		})
	}
	// Commit transactions that change a counter snapshot, a sequence, the
	// log and the action queue together.
	wg.Go(func() {
		for {
			var n int64
			err := s.Update(ctx, "t", func(tx store.Tx) error {
				var err error
				if n, err = tx.NextSeq("crash"); err != nil {
					return err
				}
				if err := tx.PutSnapshot(&store.Snapshot{Ref: counter, Data: json.RawMessage(strconv.FormatInt(n, 10)), At: time.Now()}); err != nil {
					return err
				}
				if err := tx.Enqueue(&store.Action{ID: fmt.Sprint("a-", n), Name: "email", Record: counter, NextAt: time.Now()}); err != nil {
					return err
				}
				return tx.Append(&store.LogEntry{At: time.Now(), Kind: store.KindFired, Rule: "crash", Record: counter, Message: strconv.FormatInt(n, 10)})
			})
			if err != nil {
				say("error %v", err)
				return
			}
			say("seq %d", n)
		}
	})
	wg.Wait()
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "automat.db")
	reported := map[string]int{} // event id → times reported fresh
	var lastSeq int64
	for round := range 4 {
		lines := runAndKill(t, path, round, time.Duration(50+rand.IntN(250))*time.Millisecond)
		events, seqs := 0, 0
		for _, line := range lines {
			f := strings.Fields(line)
			switch {
			case len(f) == 3 && f[0] == "event":
				events++
				if f[2] == "true" {
					reported[f[1]]++
				} else if !strings.HasPrefix(f[1], fmt.Sprintf("r%d-", round-1)) {
					t.Errorf("round %d: new event %s reported as not fresh", round, f[1])
				}
			case len(f) == 2 && f[0] == "seq":
				n, _ := strconv.ParseInt(f[1], 10, 64)
				lastSeq = max(lastSeq, n)
				seqs++
			case len(f) > 0 && f[0] == "error":
				t.Errorf("round %d: child: %s", round, line)
			}
		}
		if events == 0 || seqs == 0 {
			t.Fatalf("round %d: the child reported %d events and %d transactions before it was killed", round, events, seqs)
		}
		t.Logf("round %d: %d events and %d transactions reported before the kill", round, events, seqs)
		checkAfterCrash(t, path, reported, lastSeq)
	}
}

// runAndKill starts the child on path, kills it with SIGKILL after
// it has run for d, and returns the complete lines it printed.
func runAndKill(t *testing.T, path string, round int, d time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", crashEnv, path, round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	var lines []string
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // a partial last line is not a report
			}
			line = strings.TrimSuffix(line, "\n")
			if line == "ready" {
				close(ready)
			}
			lines = append(lines, line)
		}
	}()
	select {
	case <-ready:
	case <-done:
		cmd.Wait()
		t.Fatalf("round %d: the child ended before it was ready: %q", round, lines)
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("round %d: the child did not get ready", round)
	}
	time.Sleep(d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("round %d: child: %v, want killed", round, err)
	}
	return lines
}

// checkAfterCrash reopens the file and checks every reported event is
// there once and that the counter's transactions are whole.
func checkAfterCrash(t *testing.T, path string, reported map[string]int, lastSeq int64) {
	t.Helper()
	s := open(t, path)
	defer s.Close()
	for id, n := range reported {
		if n != 1 {
			t.Errorf("event %s was accepted as fresh %d times", id, n)
		}
	}
	var seq int64
	err := s.Update(context.Background(), "t", func(tx store.Tx) error {
		events, err := tx.Pending(0, 1<<30)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for _, e := range events {
			seen[e.ID]++
		}
		for id := range reported {
			if seen[id] != 1 {
				t.Errorf("event %s, reported as accepted, is in the inbox %d times", id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s is in the inbox %d times", id, n)
			}
		}
		// The sequence, the snapshot, the queue and the log agree.
		if seq, err = tx.NextSeq("crash"); err != nil {
			return err
		}
		seq--
		if seq < lastSeq {
			t.Errorf("sequence at %d, but the child reported %d as committed", seq, lastSeq)
		}
		snap, err := tx.Snapshot(counter)
		if err != nil {
			return err
		}
		if snap == nil || string(snap.Data) != strconv.FormatInt(seq, 10) {
			t.Errorf("counter snapshot %+v, want %d", snap, seq)
		}
		for _, id := range []string{fmt.Sprint("a-", seq), "a-1"} {
			if _, err := tx.Action(id); err != nil {
				t.Errorf("action %s: %v", id, err)
			}
		}
		if _, err := tx.Action(fmt.Sprint("a-", seq+1)); err == nil {
			t.Errorf("action a-%d exists beyond the sequence", seq+1)
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	var entries []*store.LogEntry
	for q := (store.LogQuery{Rule: "crash", Limit: 1000}); ; {
		page, next, err := s.Log(context.Background(), "t", q)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, page...)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	if int64(len(entries)) != seq {
		t.Errorf("%d log entries, want %d", len(entries), seq)
	}
	for i, e := range entries {
		if e.Message != strconv.FormatInt(seq-int64(i), 10) {
			t.Errorf("log entry %d says %q, want %d", i, e.Message, seq-int64(i))
			break
		}
	}
}

var errRollback = fmt.Errorf("rollback")
