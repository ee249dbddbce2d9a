package lsp

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// The status names and the emoji before the error must not shift the
// range: LSP columns are UTF-16 code units ("ř" is one, "😀" two).
func TestDiagnosticsUTF16(t *testing.T) {
	c := startServer(t, t.TempDir())
	src := "statuses order {\n  \"Vyřízena\" -> completed\n}\n\n" +
		"rule \"hotovo 😀\"\nwhen order.status = \"Vyrizena\"\ndo\n  log(text: \"żółw\")\n"
	c.open("a.rules", src)
	ds := c.waitDiags("a.rules", func(d []protocol.Diagnostic) bool { return len(d) > 0 })
	var got *protocol.Diagnostic
	for i := range ds {
		if strings.Contains(ds[i].Message, "Vyrizena") {
			got = &ds[i]
		}
	}
	if got == nil {
		t.Fatalf("no diagnostic about \"Vyrizena\": %+v", ds)
	}
	want := protocol.Range{Start: protocol.Position{Line: 5, Character: 20}, End: protocol.Position{Line: 5, Character: 30}}
	if got.Range != want {
		t.Errorf("range = %+v, want %+v", got.Range, want)
	}
	if !strings.Contains(got.Message, "Vyřízena") {
		t.Errorf("message %q does not suggest Vyřízena", got.Message)
	}

	// Fixing the text through an incremental edit clears the diagnostic:
	// replace `Vyrizena` (columns 21..29) by `Vyřízena`.
	c.notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: c.uri("a.rules")}, Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{
			Range: protocol.Range{Start: protocol.Position{Line: 5, Character: 21}, End: protocol.Position{Line: 5, Character: 29}},
			Text:  "Vyřízena",
		}},
	})
	c.waitDiags("a.rules", func(d []protocol.Diagnostic) bool {
		for _, x := range d {
			if x.Severity == protocol.DiagnosticSeverityError {
				return false
			}
		}
		return true
	})
}

// Formatting through the server gives exactly `rulec fmt`'s output.
func TestFormatting(t *testing.T) {
	c := startServer(t, t.TempDir())
	src := "when order.total>100 and order.paid=unpaid do log(text:\"Zamówienie 😀 {order.number}\")\n"
	c.open("f.rules", src)
	var edits []protocol.TextEdit
	c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri("f.rules")}}, &edits)
	want := "when order.total > 100 and order.paid = unpaid do log(text: \"Zamówienie 😀 {order.number}\")\n"
	if len(edits) != 1 || edits[0].NewText != want {
		t.Fatalf("edits = %+v", edits)
	}
	// The replaced range ends after the last line, in UTF-16 units.
	if r := edits[0].Range; r.Start != (protocol.Position{}) || r.End != (protocol.Position{Line: 1, Character: 0}) {
		t.Errorf("range = %+v", r)
	}
}
