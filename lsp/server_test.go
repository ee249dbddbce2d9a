package lsp

// This file tests the protocol behaviour over a real subprocess: text
// synchronisation, UTF-16 positions, stale results, cancellation, panics,
// shutdown, and formatting against lang/format's golden files.

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const unicodeSrc = "statuses order {\n  \"Vyřízena\" -> completed\n}\n\n" +
	"rule \"hotovo 😀\"\nwhen order.status = \"Vyrizena\"\ndo\n  log(text: \"żółw 😀 {order.numbr}\")\n"

// The status names and the emoji before an error must not shift its
// range: LSP columns are UTF-16 code units ("ř" is one, "😀" two).
func TestDiagnosticsUTF16(t *testing.T) {
	c := startServer(t, t.TempDir())
	c.open("a.rules", unicodeSrc)
	p := c.waitDiags("a.rules", version(1))
	want := map[string]protocol.Range{
		"UnknownStatus": rangeOf(t, unicodeSrc, `"Vyrizena"`, 1),
		"UnknownField":  rangeOf(t, unicodeSrc, "numbr", 1),
	}
	// Independent of the helpers: line 8 is `  log(text: "żółw 😀 {order.numbr}")`,
	// "numbr" starts after 2+10+1+4+1+2+1+1+6 = 28 units (the emoji counts 2).
	if r := want["UnknownField"]; r.Start != (protocol.Position{Line: 7, Character: 28}) || r.End.Character != 33 {
		t.Fatalf("test helper computes %+v", r)
	}
	if len(p.Diagnostics) != len(want) {
		t.Fatalf("diagnostics = %+v", p.Diagnostics)
	}
	for _, d := range p.Diagnostics {
		if r, ok := want[d.Code.(string)]; !ok || d.Range != r {
			t.Errorf("%s at %+v, want %+v", d.Code, d.Range, r)
		}
		if d.Code == "UnknownStatus" && !strings.Contains(d.Message, "Vyřízena") {
			t.Errorf("message %q does not suggest Vyřízena", d.Message)
		}
	}

	// Fix the status through an incremental edit given in UTF-16 units,
	// and the field through a second change of the same notification.
	text := unicodeSrc
	r1 := rangeOf(t, text, "Vyrizena", 1)
	r2 := rangeOf(t, text, "numbr", 1)
	c.notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: c.doc("a.rules"), Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{
			{Range: r2, Text: "number"}, // later in the text first, so r1 stays valid
			{Range: r1, Text: "Vyřízena"},
		},
	})
	p = c.waitDiags("a.rules", version(2))
	if len(p.Diagnostics) != 0 {
		t.Errorf("after the fix: %+v", p.Diagnostics)
	}
}

// Text sync: a change without a range replaces the whole text; closing a
// document clears its diagnostics with [] (never null, which the client
// checks for every notification).
func TestTextSync(t *testing.T) {
	dir := t.TempDir()
	c := startServer(t, dir)
	c.open("b.rules", "when order.total > 1 do log(text: \"a\")\n")
	if p := c.waitDiags("b.rules", version(1)); len(p.Diagnostics) != 0 {
		t.Fatalf("clean file: %+v", p.Diagnostics)
	}
	// A whole-text change, as clients may send even to incremental servers.
	err := c.conn.Notify(context.Background(), protocol.MethodTextDocumentDidChange, json.RawMessage(
		`{"textDocument":{"uri":"`+string(c.uri("b.rules"))+`","version":2},"contentChanges":[{"text":"when order.totl > 1 do log(text: \"a\")\n"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.waitDiags("b.rules", version(2))
	if len(p.Diagnostics) != 1 || p.Diagnostics[0].Code != "UnknownField" ||
		p.Diagnostics[0].Range != (protocol.Range{Start: protocol.Position{Line: 0, Character: 11}, End: protocol.Position{Line: 0, Character: 15}}) {
		t.Fatalf("after a whole-text change: %+v", p.Diagnostics)
	}
	c.notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: c.doc("b.rules")})
	c.waitDiags("b.rules", func(p protocol.PublishDiagnosticsParams) bool { return len(p.Diagnostics) == 0 })
}

// Edits arriving faster than checks: versions are published in order,
// and the last one published is the last one sent.
func TestStaleResultsDropped(t *testing.T) {
	dir := t.TempDir()
	src := genRuleset(3000)
	c := startServer(t, dir)
	c.open("big.rules", src)
	c.waitDiags("big.rules", version(1))
	const edits = 30
	for v := int32(2); v < 2+edits; v++ {
		// Alternate a typo and its fix on line 11 ("order.total" -> "order.totalx").
		text := "x"
		r := protocol.Range{Start: protocol.Position{Line: 10, Character: 46}, End: protocol.Position{Line: 10, Character: 46}}
		if v%2 == 1 {
			text = ""
			r.End.Character++
		}
		c.change("big.rules", v, r, text)
		time.Sleep(time.Millisecond)
	}
	last := uint32(1 + edits)
	p := c.waitDiags("big.rules", version(last))
	if len(p.Diagnostics) != 0 {
		t.Errorf("final version has diagnostics: %+v", p.Diagnostics[0])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := uint32(0)
	n := 0
	for _, h := range c.history {
		if h.URI != c.uri("big.rules") {
			continue
		}
		n++
		if h.Version < prev {
			t.Errorf("version %d published after %d", h.Version, prev)
		}
		prev = h.Version
	}
	if n > edits/2 {
		t.Errorf("%d publications for %d quick edits: stale checks were not dropped", n, edits)
	}
}

// rawServer starts a server subprocess spoken to at the message level, to
// choose request ids.
func rawServer(t *testing.T, env ...string) (jsonrpc2.Stream, func()) {
	cmd, in, out := startProcess(t, env...)
	st := jsonrpc2.NewStream(pipe{out, in})
	call := func(id jsonrpc2.ID, method string, params any) {
		msg, err := jsonrpc2.NewCall(id, method, params)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	call(jsonrpc2.NewNumberID(1), protocol.MethodInitialize, &protocol.InitializeParams{})
	readResponse(t, st, jsonrpc2.NewNumberID(1))
	stop := func() {
		call(jsonrpc2.NewNumberID(1000), protocol.MethodShutdown, nil)
		readResponse(t, st, jsonrpc2.NewNumberID(1000))
		n, _ := jsonrpc2.NewNotification(protocol.MethodExit, nil)
		st.Write(context.Background(), n)
		waitExit(t, cmd, true)
	}
	return st, stop
}

// readResponse reads messages until the response to id.
func readResponse(t *testing.T, st jsonrpc2.Stream, id jsonrpc2.ID) *jsonrpc2.Response {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		msg, _, err := st.Read(ctx)
		cancel()
		if err != nil {
			t.Fatalf("reading the response to %v: %v", id, err)
		}
		if r, ok := msg.(*jsonrpc2.Response); ok && r.ID() == id {
			return r
		}
	}
}

func writeMsg(t *testing.T, st jsonrpc2.Stream, raw string) {
	t.Helper()
	var msg jsonrpc2.Message
	msg, err := jsonrpc2.DecodeMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

func errorCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// `$/cancelRequest` with a numeric id (JSON numbers decode as float64)
// and with a string id cancels a running request, which then answers
// RequestCancelled.
func TestCancelRequest(t *testing.T) {
	st, stop := rawServer(t, hookEnv+"=block:"+protocol.MethodTextDocumentHover)
	defer stop()
	hover := `"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///x.rules"},"position":{"line":0,"character":0}}`
	writeMsg(t, st, `{"jsonrpc":"2.0","id":7,`+hover+`}`)
	writeMsg(t, st, `{"jsonrpc":"2.0","id":"seven",`+hover+`}`)
	writeMsg(t, st, `{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}`)
	if r := readResponse(t, st, jsonrpc2.NewNumberID(7)); errorCode(r.Err()) != codeRequestCancelled {
		t.Errorf("response to 7: %v, want RequestCancelled", r.Err())
	}
	writeMsg(t, st, `{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"seven"}}`)
	if r := readResponse(t, st, jsonrpc2.NewStringID("seven")); errorCode(r.Err()) != codeRequestCancelled {
		t.Errorf("response to \"seven\": %v, want RequestCancelled", r.Err())
	}
}

// A panic in a handler becomes an error reply; the server goes on.
func TestPanicRecovered(t *testing.T) {
	c := startServer(t, t.TempDir(), hookEnv+"=panic:"+protocol.MethodTextDocumentHover)
	c.open("a.rules", "when order.total > 1 do log(text: \"a\")\n")
	err := c.try(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: c.doc("a.rules"), Position: protocol.Position{Line: 0, Character: 12}}}, nil)
	if errorCode(err) != jsonrpc2.InternalError {
		t.Fatalf("hover after a panic: %v, want an internal error", err)
	}
	var syms []protocol.DocumentSymbol
	c.call(protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: c.doc("a.rules")}, &syms)
	if len(syms) != 1 {
		t.Errorf("symbols after the panic: %+v", syms)
	}
}

// Methods Automat does not offer answer "method not found".
func TestMethodNotFound(t *testing.T) {
	c := startServer(t, t.TempDir())
	c.open("a.rules", "when order.total > 1 do log(text: \"a\")\n")
	for _, m := range []string{protocol.MethodTextDocumentCodeLens, protocol.MethodTextDocumentRangeFormatting, "automat/unknown"} {
		if err := c.try(m, map[string]any{"textDocument": c.doc("a.rules")}, nil); errorCode(err) != jsonrpc2.MethodNotFound {
			t.Errorf("%s: %v, want MethodNotFound", m, err)
		}
	}
	// Notifications it ignores do not disturb it.
	c.notify(protocol.MethodWorkspaceDidChangeConfiguration, &protocol.DidChangeConfigurationParams{Settings: map[string]any{}})
	var h *protocol.Hover
	c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: c.doc("a.rules"), Position: protocol.Position{Line: 0, Character: 12}}}, &h)
	if h == nil || !strings.Contains(h.Contents.Value, "total") {
		t.Errorf("hover = %+v", h)
	}
}

// After shutdown only exit is accepted; exit without shutdown makes the
// server exit with status 1.
func TestShutdownAndExit(t *testing.T) {
	t.Run("refused after shutdown", func(t *testing.T) {
		cmd, in, out := startProcess(t)
		conn := jsonrpc2.NewConn(jsonrpc2.NewStream(pipe{out, in}))
		conn.Go(context.Background(), jsonrpc2.MethodNotFoundHandler)
		ctx := context.Background()
		if _, err := conn.Call(ctx, protocol.MethodInitialize, &protocol.InitializeParams{}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err != nil {
			t.Fatal(err)
		}
		_, err := conn.Call(ctx, protocol.MethodTextDocumentHover, &protocol.HoverParams{}, nil)
		if errorCode(err) != jsonrpc2.InvalidRequest {
			t.Errorf("request after shutdown: %v, want InvalidRequest", err)
		}
		conn.Notify(ctx, protocol.MethodExit, nil)
		waitExit(t, cmd, true)
	})
	t.Run("exit without shutdown", func(t *testing.T) {
		cmd, in, out := startProcess(t)
		conn := jsonrpc2.NewConn(jsonrpc2.NewStream(pipe{out, in}))
		conn.Go(context.Background(), jsonrpc2.MethodNotFoundHandler)
		if _, err := conn.Call(context.Background(), protocol.MethodInitialize, &protocol.InitializeParams{}, nil); err != nil {
			t.Fatal(err)
		}
		conn.Notify(context.Background(), protocol.MethodExit, nil)
		waitExit(t, cmd, false)
	})
}

// Serve leaves no goroutine behind: in process, over a net.Pipe, with
// checks, requests and a pending debounce at the moment of shutdown.
func TestServeLeaksNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, cli := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), srv, Config{Debounce: time.Millisecond}) }()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(cli))
	conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		return reply(ctx, nil, nil)
	})
	ctx := context.Background()
	dir := t.TempDir()
	u := uri.File(filepath.Join(dir, "a.rules"))
	if _, err := conn.Call(ctx, protocol.MethodInitialize, &protocol.InitializeParams{}, nil); err != nil {
		t.Fatal(err)
	}
	conn.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, Version: 1, Text: genRuleset(500)}})
	var h *protocol.Hover
	if _, err := conn.Call(ctx, protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 10, Character: 12}}}, &h); err != nil {
		t.Fatal(err)
	}
	for v := int32(2); v < 10; v++ { // leave a debounced check pending
		conn.Notify(ctx, protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: v},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{{Range: protocol.Range{}, Text: " "}}})
	}
	if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, nil); err != nil {
		t.Fatal(err)
	}
	conn.Notify(ctx, protocol.MethodExit, nil)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after exit")
	}
	conn.Close()
	<-conn.Done()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before Serve, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// Formatting through the server gives exactly `rulec fmt`'s golden
// output (lang/format/testdata), and nothing to change the second time.
func TestFormattingGolden(t *testing.T) {
	inputs, _ := filepath.Glob("../lang/format/testdata/*.input")
	if len(inputs) == 0 {
		t.Fatal("no formatter golden files")
	}
	c := startServer(t, t.TempDir())
	for _, in := range inputs {
		src, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		golden, err := os.ReadFile(strings.TrimSuffix(in, ".input") + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(in) + ".rules"
		c.open(name, string(src))
		var edits []protocol.TextEdit
		c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: c.doc(name)}, &edits)
		if got := applyEdits(t, string(src), edits); got != string(golden) {
			t.Errorf("%s: formatted by the server:\n%s\nwant (golden):\n%s", in, got, golden)
			continue
		}
		name2 := filepath.Base(in) + ".golden.rules"
		c.open(name2, string(golden))
		c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: c.doc(name2)}, &edits)
		if len(edits) != 0 {
			t.Errorf("%s: formatting the golden file changes it: %+v", in, edits)
		}
	}
}

// A client without snippet support gets plain insertions.
func TestCompletionWithoutSnippets(t *testing.T) {
	cmd, in, out := startProcess(t)
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(pipe{out, in}))
	conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		return reply(ctx, nil, nil)
	})
	ctx := context.Background()
	dir := t.TempDir()
	u := uri.File(filepath.Join(dir, "a.rules"))
	conn.Call(ctx, protocol.MethodInitialize, &protocol.InitializeParams{}, nil)
	conn.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, Version: 1, Text: "when order.total > 1 do\n  \n"}})
	var list protocol.CompletionList
	if _, err := conn.Call(ctx, protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 1, Character: 2}}}, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range list.Items {
		if it.Label == "email" {
			found = it.TextEdit != nil && it.TextEdit.NewText == "email(" && it.InsertTextFormat != protocol.InsertTextFormatSnippet
		}
	}
	if !found {
		t.Errorf("no plain email( completion: %+v", list.Items)
	}
	conn.Call(ctx, protocol.MethodShutdown, nil, nil)
	conn.Notify(ctx, protocol.MethodExit, nil)
	waitExit(t, cmd, true)
}

// The server advertises what it implements, and answers each of it.
func TestCapabilities(t *testing.T) {
	c := startServer(t, t.TempDir())
	b, _ := json.Marshal(c.init.Capabilities)
	var caps map[string]any
	json.Unmarshal(b, &caps)
	for _, k := range []string{"hoverProvider", "completionProvider", "definitionProvider", "typeDefinitionProvider", "referencesProvider",
		"documentHighlightProvider", "documentSymbolProvider", "workspaceSymbolProvider", "foldingRangeProvider", "renameProvider",
		"codeActionProvider", "documentFormattingProvider", "signatureHelpProvider", "semanticTokensProvider"} {
		if caps[k] == nil || caps[k] == false {
			t.Errorf("capability %s not advertised", k)
		}
	}
	src := "const limit = 5\n\nrule \"a\"\nwhen order.total > limit\ndo\n  log(text: \"x\")\n"
	c.open("a.rules", src)
	var folds []protocol.FoldingRange
	c.call(protocol.MethodTextDocumentFoldingRange, &protocol.FoldingRangeParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: c.doc("a.rules")}}, &folds)
	if len(folds) != 1 || folds[0].StartLine != 2 || folds[0].EndLine != 5 {
		t.Errorf("folding ranges %+v", folds)
	}
	var syms []protocol.SymbolInformation
	c.call(protocol.MethodWorkspaceSymbol, &protocol.WorkspaceSymbolParams{Query: "LIM"}, &syms)
	if len(syms) != 1 || syms[0].Name != "limit" || syms[0].Location.Range.Start != (protocol.Position{Line: 0, Character: 6}) {
		t.Errorf("workspace symbols %+v", syms)
	}
	var locs []protocol.Location
	c.call(protocol.MethodTextDocumentTypeDefinition, &protocol.TypeDefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: c.doc("a.rules"), Position: pos(t, src, "limit", 2)}}, &locs)
	if len(locs) != 0 {
		t.Errorf("type definition of a number const: %+v", locs)
	}
}
