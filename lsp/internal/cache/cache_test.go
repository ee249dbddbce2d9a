package cache

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func setup(t *testing.T) (*Cache, string, protocol.DocumentURI) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "disk.rules"), []byte("const limit = 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := New()
	t.Cleanup(c.Close)
	return c, dir, uri.File(filepath.Join(dir, "open.rules"))
}

// An open buffer is checked with the folder's files from disk, in its
// unsaved state.
func TestSnapshotOverlay(t *testing.T) {
	c, dir, u := setup(t)
	v := c.Open(NewDocument(u, 1, []byte("when order.total > limit do log(text: \"x\")\n")))
	snap, err := c.Snapshot(context.Background(), v, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Diags) != 0 || len(snap.Files) != 2 {
		t.Fatalf("files %v, diagnostics %v", snap.Files, snap.Diags)
	}
	r := protocol.Range{Start: protocol.Position{Line: 0, Character: 19}, End: protocol.Position{Line: 0, Character: 24}}
	v2, err := c.Change(u, 2, []Change{{Range: &r, Text: "limt"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Doc(u).Version != 1 || v2.Doc(u).Version != 2 || v2.Gen <= v.Gen {
		t.Fatal("a View changed after it was made")
	}
	snap2, _ := c.Snapshot(context.Background(), v2, dir)
	if !snap2.Diags.HasErrors() {
		t.Errorf("after the edit (limit misspelt): %v", snap2.Diags)
	}
	if c.Latest(dir) != snap2 {
		t.Error("Latest is not the newest check")
	}
	// The file on disk was parsed once: its tree is shared by both checks.
	if snap.File(filepath.Join(dir, "disk.rules")) != snap2.File(filepath.Join(dir, "disk.rules")) {
		t.Error("unchanged file parsed again")
	}
}

// Concurrent requests for one folder at one View share one check.
func TestSnapshotShared(t *testing.T) {
	c, dir, u := setup(t)
	v := c.Open(NewDocument(u, 1, []byte("when order.total > 1 do log(text: \"x\")\n")))
	var wg sync.WaitGroup
	snaps := make([]*Snapshot, 8)
	for i := range snaps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snaps[i], _ = c.Snapshot(context.Background(), v, dir)
		}()
	}
	wg.Wait()
	for _, s := range snaps[1:] {
		if s != snaps[0] {
			t.Fatal("two checks of the same View")
		}
	}
}

// A cancelled wait returns at once; the check still completes.
func TestSnapshotCancelled(t *testing.T) {
	c, dir, u := setup(t)
	v := c.Open(NewDocument(u, 1, []byte("when order.total > 1 do log(text: \"x\")\n")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Snapshot(ctx, v, dir); err == nil {
		// The check may already be done; either answer is fine, but it must not hang.
		t.Log("check finished before the cancelled wait returned")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Latest(dir) == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if c.Latest(dir) == nil {
		t.Error("the check did not complete")
	}
}

// A buffer that is not a file is checked on its own.
func TestLoneBuffer(t *testing.T) {
	c := New()
	defer c.Close()
	d := NewDocument("untitled:Untitled-1", 1, []byte("when order.totl > 1 do log(text: \"x\")\n"))
	v := c.Open(d)
	snap, err := c.Snapshot(context.Background(), v, d.Folder())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Files) != 1 || snap.Files[0] != "untitled:Untitled-1" || len(snap.Diags) != 1 {
		t.Errorf("files %v, diagnostics %v", snap.Files, snap.Diags)
	}
}

func TestChangeErrors(t *testing.T) {
	c, _, u := setup(t)
	if _, err := c.Change(u, 2, nil); err == nil {
		t.Error("change of a document that is not open")
	}
	c.Open(NewDocument(u, 1, []byte("ab\n")))
	bad := protocol.Range{Start: protocol.Position{Line: 9}, End: protocol.Position{Line: 9}}
	if _, err := c.Change(u, 2, []Change{{Range: &bad, Text: "x"}}); err == nil {
		t.Error("change outside the document")
	}
	if got := string(c.View().Doc(u).Text); got != "ab\n" {
		t.Errorf("a failed change altered the text: %q", got)
	}
}

func TestClosed(t *testing.T) {
	c := New()
	c.Close()
	if _, err := c.Snapshot(context.Background(), c.View(), "/x"); err != ErrClosed {
		t.Errorf("Snapshot after Close: %v", err)
	}
}
