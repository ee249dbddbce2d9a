package lsp

// This file defines the test harness: the test binary re-executes itself
// as a language server subprocess (`rulec lsp` in all but name: the same
// Serve over the child's stdin and stdout), and a real JSON-RPC client
// (go.lsp.dev/jsonrpc2) talks to it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const (
	serverEnv = "AUTOMAT_LSP_TEST_SERVER"
	// hookEnv makes the server panic on a method ("panic:METHOD") or block
	// it until it is cancelled ("block:METHOD").
	hookEnv = "AUTOMAT_LSP_TEST_HOOK"
	// debounceEnv sets the server's debounce (default 20ms).
	debounceEnv = "AUTOMAT_LSP_TEST_DEBOUNCE"
)

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		cfg := Config{Debounce: 20 * time.Millisecond,
			Logf: func(f string, a ...any) {
				os.Stderr.WriteString("server: " + strings.SplitN(fmt.Sprintf(f, a...), "\n", 2)[0] + "\n")
			}}
		if d, err := time.ParseDuration(os.Getenv(debounceEnv)); err == nil {
			cfg.Debounce = d
		}
		if h := os.Getenv(hookEnv); h != "" {
			what, method, _ := strings.Cut(h, ":")
			cfg.beforeRequest = func(ctx context.Context, m string) {
				if m != method {
					return
				}
				if what == "panic" {
					panic("test hook")
				}
				<-ctx.Done()
			}
		}
		err := Serve(context.Background(), pipe{os.Stdin, os.Stdout}, cfg)
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pipe joins a reader and a writer into the one io.ReadWriteCloser a
// jsonrpc2 stream wants.
type pipe struct {
	io.Reader
	io.Writer
}

func (p pipe) Close() error {
	var errs []error
	if c, ok := p.Writer.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if c, ok := p.Reader.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// client is one running server subprocess and the connection to it.
type client struct {
	t    testing.TB
	cmd  *exec.Cmd
	conn jsonrpc2.Conn
	dir  string
	init protocol.InitializeResult

	mu      sync.Mutex
	diags   map[protocol.DocumentURI]protocol.PublishDiagnosticsParams
	history []protocol.PublishDiagnosticsParams
	gen     chan struct{} // signalled on every publishDiagnostics
}

// startProcess starts the server subprocess with extra environment.
func startProcess(t testing.TB, env ...string) (*exec.Cmd, io.WriteCloser, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), serverEnv+"=1"), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, in, out
}

// startServer starts a server on the workspace dir and initializes it.
func startServer(t testing.TB, dir string, env ...string) *client {
	t.Helper()
	cmd, in, out := startProcess(t, env...)
	c := &client{t: t, cmd: cmd, dir: dir, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, gen: make(chan struct{}, 1)}
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(pipe{out, in}))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err != nil {
				t.Errorf("bad publishDiagnostics: %v", err)
			}
			if strings.Contains(string(req.Params()), `"diagnostics":null`) {
				t.Errorf("diagnostics of %s sent as null, not []", p.URI)
			}
			c.mu.Lock()
			c.diags[p.URI] = p
			c.history = append(c.history, p)
			c.mu.Unlock()
			select {
			case c.gen <- struct{}{}:
			default:
			}
			return nil
		}
		return reply(ctx, nil, nil)
	})
	caps := protocol.ClientCapabilities{TextDocument: &protocol.TextDocumentClientCapabilities{
		Completion: &protocol.CompletionTextDocumentClientCapabilities{
			CompletionItem: &protocol.CompletionTextDocumentClientCapabilitiesItem{SnippetSupport: true}}}}
	c.call(protocol.MethodInitialize, &protocol.InitializeParams{Capabilities: caps,
		WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(uri.File(dir)), Name: "ws"}}}, &c.init)
	c.notify(protocol.MethodInitialized, &protocol.InitializedParams{})
	t.Cleanup(c.shutdown)
	return c
}

// call sends a request and fails the test on an error reply.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	if err := c.try(method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// try sends a request and returns its error reply.
func (c *client) try(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

// shutdown runs the shutdown/exit sequence and requires the server to
// exit with status 0 promptly.
func (c *client) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.conn.Call(ctx, protocol.MethodShutdown, nil, nil); err != nil {
		c.t.Errorf("shutdown: %v", err)
	}
	_ = c.conn.Notify(ctx, protocol.MethodExit, nil)
	waitExit(c.t, c.cmd, true)
	c.conn.Close()
}

// waitExit waits for the server process and checks its exit status.
func waitExit(t testing.TB, cmd *exec.Cmd, wantOK bool) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if wantOK && err != nil {
			t.Errorf("server exited with %v", err)
		}
		if !wantOK && err == nil {
			t.Errorf("server exited with status 0, want 1")
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Signal(syscall.SIGQUIT) // the child prints its goroutines
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Kill()
		t.Error("server did not exit after shutdown/exit")
	}
}

func (c *client) uri(name string) protocol.DocumentURI { return uri.File(filepath.Join(c.dir, name)) }

func (c *client) doc(name string) protocol.TextDocumentIdentifier {
	return protocol.TextDocumentIdentifier{URI: c.uri(name)}
}

func (c *client) open(name, text string) {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: c.uri(name), LanguageID: "automat-rules", Version: 1, Text: text}})
}

// change sends one incremental edit.
func (c *client) change(name string, version int32, r protocol.Range, text string) {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidChange, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: c.doc(name), Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Range: r, Text: text}},
	})
}

// waitDiags waits until the diagnostics published for name satisfy ok.
func (c *client) waitDiags(name string, ok func(protocol.PublishDiagnosticsParams) bool) protocol.PublishDiagnosticsParams {
	c.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		c.mu.Lock()
		p, have := c.diags[c.uri(name)]
		c.mu.Unlock()
		if have && ok(p) {
			return p
		}
		select {
		case <-c.gen:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("timed out waiting for diagnostics of %s; last: %+v", name, p.Diagnostics)
		}
	}
}

// version returns a predicate for waitDiags: published for version v.
func version(v uint32) func(protocol.PublishDiagnosticsParams) bool {
	return func(p protocol.PublishDiagnosticsParams) bool { return p.Version == v }
}

// pos returns the LSP position of the n-th occurrence (from 1) of needle
// in text, counting UTF-16 units with the standard library alone, so the
// tests do not check lang/token with itself.
func pos(t testing.TB, text, needle string, n int) protocol.Position {
	t.Helper()
	off := -1
	for i := 0; i < n; i++ {
		j := strings.Index(text[off+1:], needle)
		if j < 0 {
			t.Fatalf("occurrence %d of %q not found", n, needle)
		}
		off += 1 + j
	}
	return posAt(text, off)
}

// posAt returns the LSP position of byte offset off.
func posAt(text string, off int) protocol.Position {
	line := strings.Count(text[:off], "\n")
	ls := strings.LastIndex(text[:off], "\n") + 1
	return protocol.Position{Line: uint32(line), Character: uint32(utf16Len(text[ls:off]))}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// rangeOf returns the range of the n-th occurrence of needle.
func rangeOf(t testing.TB, text, needle string, n int) protocol.Range {
	t.Helper()
	start := pos(t, text, needle, n)
	end := start
	if i := strings.LastIndex(needle, "\n"); i >= 0 {
		end.Line += uint32(strings.Count(needle, "\n"))
		end.Character = uint32(utf16Len(needle[i+1:]))
	} else {
		end.Character += uint32(utf16Len(needle))
	}
	return protocol.Range{Start: start, End: end}
}

// applyEdits applies LSP text edits (non-overlapping) to text.
func applyEdits(t testing.TB, text string, edits []protocol.TextEdit) string {
	t.Helper()
	type edit struct {
		start, end int
		text       string
	}
	var es []edit
	for _, e := range edits {
		es = append(es, edit{offsetOf(t, text, e.Range.Start), offsetOf(t, text, e.Range.End), e.NewText})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].start < es[j].start })
	for i := len(es) - 1; i >= 0; i-- {
		text = text[:es[i].start] + es[i].text + text[es[i].end:]
	}
	return text
}

// offsetOf converts an LSP position to a byte offset, independently of
// lang/token.
func offsetOf(t testing.TB, text string, p protocol.Position) int {
	t.Helper()
	off := 0
	for l := uint32(0); l < p.Line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			t.Fatalf("line %d beyond the text", p.Line)
		}
		off += i + 1
	}
	units := uint32(0)
	for units < p.Character {
		r, size := utf8.DecodeRuneInString(text[off:])
		if size == 0 || r == '\n' {
			t.Fatalf("character %d beyond line %d", p.Character, p.Line)
		}
		units += uint32(len(utf16.Encode([]rune{r})))
		off += size
	}
	return off
}
