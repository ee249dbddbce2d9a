package lsp

// This file defines the test harness: the test binary re-executes itself
// as a language server subprocess, and a real JSON-RPC client
// (go.lsp.dev/jsonrpc2) talks to it over the child's stdin and stdout.

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

const serverEnv = "AUTOMAT_LSP_TEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		err := Serve(context.Background(), pipe{os.Stdin, os.Stdout}, Config{Debounce: 20 * time.Millisecond,
			Logf: func(f string, a ...any) { os.Stderr.WriteString("server: " + f + "\n") }})
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type pipe struct {
	io.Reader
	io.Writer
}

func (p pipe) Close() error {
	if c, ok := p.Writer.(io.Closer); ok {
		c.Close()
	}
	if c, ok := p.Reader.(io.Closer); ok {
		c.Close()
	}
	return nil
}

// client is one running server subprocess and the connection to it.
type client struct {
	t    *testing.T
	cmd  *exec.Cmd
	conn jsonrpc2.Conn
	dir  string

	mu    sync.Mutex
	diags map[protocol.DocumentURI]protocol.PublishDiagnosticsParams
	gen   chan struct{} // signalled on every publishDiagnostics
}

func startServer(t *testing.T, dir string) *client {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
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
	c := &client{t: t, cmd: cmd, dir: dir, diags: map[protocol.DocumentURI]protocol.PublishDiagnosticsParams{}, gen: make(chan struct{}, 1000)}
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(pipe{out, in}))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == "textDocument/publishDiagnostics" {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err != nil {
				t.Errorf("bad publishDiagnostics: %v", err)
			}
			c.mu.Lock()
			c.diags[p.URI] = p
			c.mu.Unlock()
			c.gen <- struct{}{}
			return nil
		}
		return reply(ctx, nil, nil)
	})
	var res protocol.InitializeResult
	c.call(protocol.MethodInitialize, &protocol.InitializeParams{
		WorkspaceFolders: []protocol.WorkspaceFolder{{URI: string(uri.File(dir)), Name: "ws"}}}, &res)
	if !res.Capabilities.HoverProvider.(bool) {
		t.Fatal("server does not advertise hover")
	}
	if err := c.conn.Notify(context.Background(), protocol.MethodInitialized, &protocol.InitializedParams{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.shutdown)
	return c
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.conn.Call(ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
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
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			c.t.Errorf("server exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		c.cmd.Process.Signal(syscall.SIGQUIT) // the child prints its goroutines
		time.Sleep(500 * time.Millisecond)
		c.cmd.Process.Kill()
		c.t.Error("server did not exit after shutdown/exit")
	}
	c.conn.Close()
}

func (c *client) uri(name string) protocol.DocumentURI { return uri.File(filepath.Join(c.dir, name)) }

func (c *client) open(name, text string) {
	c.notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: c.uri(name), LanguageID: "automat-rules", Version: 1, Text: text}})
}

// waitDiags waits until diagnostics for name satisfy ok.
func (c *client) waitDiags(name string, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	c.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		c.mu.Lock()
		p, have := c.diags[c.uri(name)]
		c.mu.Unlock()
		if have && ok(p.Diagnostics) {
			return p.Diagnostics
		}
		select {
		case <-c.gen:
		case <-deadline:
			c.t.Fatalf("timed out waiting for diagnostics of %s; last: %+v", name, p.Diagnostics)
		}
	}
}
