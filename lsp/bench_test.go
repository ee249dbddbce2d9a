package lsp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// genRuleset writes a ruleset of about lines lines: statuses and rules of
// the kinds shops write, with Czech names.
func genRuleset(lines int) string {
	var b strings.Builder
	b.WriteString("ruleset \"bench\"\n\nstatuses order {\n  \"Nová\" -> new_confirmed\n  \"Vyřízena\" -> completed\n  \"Stornována\" -> cancelled\n}\n\n")
	for i := 0; strings.Count(b.String(), "\n") < lines; i++ {
		fmt.Fprintf(&b, "rule \"pravidlo %d\"\non order.status_changed\nwhen order.status = \"Vyřízena\" and order.total > %d\n and any(i in order.items where i.name contains \"bot\")\ndo\n  notify(user: \"sales\", text: \"Objednávka {order.number} nad %d\")\n  wait 2d\n\n", i, i, i)
	}
	return b.String()
}

// benchServer opens a generated 5,000-line file in an in-process server
// (the protocol layer is measured by the subprocess tests; these
// benchmarks measure the work behind it).
func benchServer(b *testing.B) (*server, protocol.DocumentURI, string) {
	dir := b.TempDir()
	src := genRuleset(5000)
	path := filepath.Join(dir, "big.rules")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	s := newServer(Config{Debounce: 1 << 40}, nil) // no timer fires during the benchmark
	u := uri.File(path)
	if err := s.DidOpen(context.Background(), &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, Version: 1, Text: src}}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.stop)
	return s, u, src
}

// BenchmarkDiagnosticsAfterEdit5000Lines is the time from an edit to the
// full diagnostics of the folder (the debounce delay excluded).
func BenchmarkDiagnosticsAfterEdit5000Lines(b *testing.B) {
	s, u, _ := benchServer(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		err := s.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
			TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: int32(i + 2)},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{{
				Range: protocol.Range{Start: protocol.Position{Line: 10, Character: 0}, End: protocol.Position{Line: 10, Character: 0}},
				Text:  " ",
			}},
		})
		if err != nil {
			b.Fatal(err)
		}
		if snap := s.snapshotFor(u); snap.diags.HasErrors() {
			b.Fatalf("unexpected errors: %v", snap.diags)
		}
	}
}

// BenchmarkCompletion5000Lines is the latency of completing fields after
// "order." at the end of a 5,000-line file, with the checked snapshot
// cached (as it is between edits).
func BenchmarkCompletion5000Lines(b *testing.B) {
	s, u, src := benchServer(b)
	lines := strings.Count(src, "\n")
	err := s.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{
			Range: protocol.Range{Start: protocol.Position{Line: uint32(lines), Character: 0}, End: protocol.Position{Line: uint32(lines), Character: 0}},
			Text:  "when order.",
		}},
	})
	if err != nil {
		b.Fatal(err)
	}
	s.snapshotFor(u) // the debounced check has run by the time a user asks
	params := &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: uint32(lines), Character: 11}}}
	b.ReportAllocs()
	for b.Loop() {
		list, err := s.Completion(context.Background(), params)
		if err != nil || len(list.Items) == 0 {
			b.Fatalf("completion: %v, %d items", err, len(list.Items))
		}
	}
}
