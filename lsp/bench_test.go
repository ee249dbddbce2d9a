package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/automat-rules/automat/lsp/internal/cache"
)

// genRuleset returns a ruleset of about lines lines: statuses and rules of
// the kinds shops write, with Czech names.
func genRuleset(lines int) string {
	var b strings.Builder
	b.WriteString("ruleset \"bench\"\n\nstatuses order {\n  \"Nová\" -> new_confirmed\n  \"Vyřízena\" -> completed\n  \"Stornována\" -> cancelled\n}\n\n")
	n := 9
	for i := 0; n < lines; i++ {
		fmt.Fprintf(&b, "rule \"pravidlo %d\"\non order.status_changed\nwhen order.status = \"Vyřízena\" and order.total > %d\n and any(i in order.items where i.name contains \"bot\")\ndo\n  notify(user: \"sales\", text: \"Objednávka {order.number} nad %d\")\n  wait 2d\n\n", i, i, i)
		n += 8
	}
	return b.String()
}

// benchServer opens a generated 5,000-line file in an in-process server
// with its first check done. The subprocess benchmarks below measure the
// same through the protocol.
func benchServer(b *testing.B) (*server, protocol.DocumentURI, string) {
	dir := b.TempDir()
	src := genRuleset(5000)
	path := filepath.Join(dir, "big.rules")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	s := newServer(context.Background(), Config{Debounce: time.Hour}, nil) // the debounced check never fires
	u := uri.File(path)
	v := s.cache.Open(cache.NewDocument(u, 1, []byte(src)))
	if _, err := s.cache.Snapshot(context.Background(), v, dir); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.stop)
	return s, u, src
}

// edit inserts text at the start of line 10 (inside the statuses
// declaration's neighbourhood, so every rule after it moves).
func edit(b *testing.B, s *server, u protocol.DocumentURI, version int32, line uint32, text string) *cache.View {
	at := protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}}
	v, err := s.cache.Change(u, version, []cache.Change{{Range: &at, Text: text}})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkDiagnosticsAfterEdit5000Lines is the time from an edit to the
// full diagnostics of the folder (parse, schema, types, lints), the
// debounce delay excluded.
func BenchmarkDiagnosticsAfterEdit5000Lines(b *testing.B) {
	s, u, _ := benchServer(b)
	dir := filepath.Dir(cache.URIToPath(u))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := edit(b, s, u, int32(i+2), 10, " ")
		snap, err := s.cache.Snapshot(context.Background(), v, dir)
		if err != nil || snap.Diags.HasErrors() {
			b.Fatalf("check: %v %v", err, snap.Diags)
		}
	}
}

// BenchmarkCompletionAfterEdit5000Lines is what a keystroke costs: the
// edit that types "order." at the end of a 5,000-line file, then the
// completion request right behind it, before any check of the new text.
func BenchmarkCompletionAfterEdit5000Lines(b *testing.B) {
	s, u, src := benchServer(b)
	lines := uint32(strings.Count(src, "\n"))
	v := edit(b, s, u, 2, lines, "when order.status = \"Nová\" do log(text: \"{order.\")\n")
	dir := filepath.Dir(cache.URIToPath(u))
	if _, err := s.cache.Snapshot(context.Background(), v, dir); err != nil {
		b.Fatal(err)
	}
	params := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: lines, Character: 48}}}
	b.ReportAllocs()
	ver := int32(2)
	for b.Loop() {
		// Type "x" after "{order.", complete, delete it again.
		ver++
		at := protocol.Range{Start: protocol.Position{Line: lines, Character: 47}, End: protocol.Position{Line: lines, Character: 47}}
		if _, err := s.cache.Change(u, ver, []cache.Change{{Range: &at, Text: "x"}}); err != nil {
			b.Fatal(err)
		}
		list, err := s.Completion(context.Background(), params)
		if err != nil || len(list.Items) == 0 {
			b.Fatalf("completion: %v, %d items", err, len(list.Items))
		}
		ver++
		at.End.Character++
		if _, err := s.cache.Change(u, ver, []cache.Change{{Range: &at, Text: ""}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverStdio5000Lines measures through a server subprocess and
// the JSON-RPC client. completion: the round trip of a completion request
// sent right behind the keystroke it completes, while the user types (the
// server's default 150 ms debounce, so no check runs between keystrokes).
// diagnostics: the time from an edit to its published diagnostics, with
// a 1 ms debounce.
func BenchmarkOverStdio5000Lines(b *testing.B) {
	src := genRuleset(5000)
	lines := uint32(strings.Count(src, "\n"))
	start := func(b *testing.B, env ...string) *client {
		dir := b.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "big.rules"), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
		c := startServer(b, dir, env...)
		c.open("big.rules", src)
		c.waitDiags("big.rules", version(1))
		return c
	}
	b.Run("completion", func(b *testing.B) {
		c := start(b, debounceEnv+"=150ms")
		c.change("big.rules", 2, protocol.Range{Start: protocol.Position{Line: lines}, End: protocol.Position{Line: lines}}, "when order.\n")
		params := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: c.doc("big.rules"), Position: protocol.Position{Line: lines, Character: 12}}}
		ver := int32(2)
		at := protocol.Range{Start: protocol.Position{Line: lines, Character: 11}, End: protocol.Position{Line: lines, Character: 11}}
		for b.Loop() {
			// Type "x" after "order.", complete, delete it again.
			ver++
			c.change("big.rules", ver, at, "x")
			var list protocol.CompletionList
			c.call(protocol.MethodTextDocumentCompletion, params, &list)
			if len(list.Items) == 0 {
				b.Fatal("no completion")
			}
			ver++
			c.change("big.rules", ver, protocol.Range{Start: at.Start, End: protocol.Position{Line: lines, Character: 12}}, "")
		}
	})
	b.Run("diagnostics", func(b *testing.B) {
		c := start(b, debounceEnv+"=1ms")
		ver := int32(1)
		for b.Loop() {
			ver++
			c.change("big.rules", ver, protocol.Range{Start: protocol.Position{Line: 10}, End: protocol.Position{Line: 10}}, " ")
			c.waitDiags("big.rules", version(uint32(ver)))
		}
	})
}
