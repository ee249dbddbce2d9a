// Package lsp is the Automat language server: `rulec lsp` speaks the
// Language Server Protocol over stdio (go.lsp.dev/protocol v0.12.0 on
// go.lsp.dev/jsonrpc2 v0.10.0) and answers from the same front end and
// compiler as `rulec check`, so codes and ranges are identical.
//
// Design. Messages are handled one after another on the connection's read
// loop, so every handler is fast: text sync only records the new text and
// schedules a check. Checking (compiler.Check over the document's folder,
// open buffers overlaid on the disk) runs on a debounce timer in a
// goroutine of its own; results carry the document versions they were made
// from, and a result older than the current text is dropped instead of
// published. Requests that need checked information (hover, definition,
// references, rename, code actions) check synchronously when the cached
// package is stale. Completion never depends on the AST of the line being
// typed: it reads the tokens before the cursor (lang/scanner), so it works
// in half-typed rules.
//
// Every position crosses the protocol boundary through lang/token's UTF-16
// conversions; inside, positions are byte offsets.
package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// Config tunes a server; the zero value is ready to use.
type Config struct {
	// Debounce is how long the server waits after the last edit before it
	// checks; 0 means 150 ms.
	Debounce time.Duration
	// Logf, when set, receives internal errors (recovered panics, failed
	// notifications). The server never writes to stdout itself: that is
	// the protocol stream.
	Logf func(format string, args ...any)
}

// Serve runs a language server on rwc until the client sends `exit`, the
// stream ends or ctx is cancelled. It returns nil after a clean
// shutdown/exit sequence.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, cfg Config) error {
	if cfg.Debounce == 0 {
		cfg.Debounce = 150 * time.Millisecond
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s := newServer(cfg, protocol.ClientDispatcher(conn, zap.NewNop()))
	s.exit = cancel
	conn.Go(ctx, s.handle(protocol.ServerHandler(s, jsonrpc2.MethodNotFoundHandler)))

	select {
	case <-ctx.Done():
	case <-conn.Done():
	}
	s.stop()
	conn.Close()
	// Closing a blocking stdin does not interrupt a read in progress: the
	// read loop ends when the client closes its end or the process exits.
	// Every other stream (pipes, sockets) ends it at once.
	select {
	case <-conn.Done():
	case <-time.After(time.Second):
	}
	if s.exitedCleanly() {
		return nil
	}
	if err := conn.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("lsp connection: %w", err)
	}
	return nil
}

// handle wraps the protocol dispatcher: it answers `$/cancelRequest`
// itself (go.lsp.dev's CancelHandler drops the float64 ids JSON numbers
// decode to), refuses requests after shutdown, and turns a panic in a
// handler into an error reply instead of a dead server.
func (s *server) handle(next jsonrpc2.Handler) jsonrpc2.Handler {
	return func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) (err error) {
		replied := false
		once := func(ctx context.Context, result any, rerr error) error {
			if replied {
				return nil
			}
			replied = true
			return reply(ctx, result, rerr)
		}
		defer func() {
			if r := recover(); r != nil {
				s.cfg.Logf("lsp: panic in %s: %v\n%s", req.Method(), r, debug.Stack())
				if _, isCall := req.(*jsonrpc2.Call); isCall {
					_ = once(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v", req.Method(), r))
				}
			}
			err = nil // an error here would close the connection
		}()
		switch req.Method() {
		case "$/cancelRequest":
			s.cancelRequest(req.Params())
			return nil
		case "$/setTrace", "$/logTrace":
			return nil
		}
		if call, isCall := req.(*jsonrpc2.Call); isCall && s.isCancelled(call.ID()) {
			return once(ctx, nil, jsonrpc2.NewError(jsonrpc2.Code(-32800), "request cancelled"))
		}
		if s.isShutdown() && req.Method() != "exit" {
			if _, isCall := req.(*jsonrpc2.Call); isCall {
				return once(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "server is shut down"))
			}
			return nil
		}
		if err := next(ctx, once, req); err != nil {
			s.cfg.Logf("lsp: %s: %v", req.Method(), err)
		}
		if _, isCall := req.(*jsonrpc2.Call); isCall && !replied {
			return once(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "%s: no reply", req.Method()))
		}
		return nil
	}
}

// cancelRequest records a cancelled id. Requests are handled in arrival
// order and quickly, so this matters for requests still queued behind a
// slow one: they are answered "cancelled" without running.
func (s *server) cancelRequest(raw json.RawMessage) {
	var p struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cancelled) > 1000 {
		clear(s.cancelled) // a bound: stale ids are never looked up again
	}
	s.cancelled[fmt.Sprint(p.ID)] = true
}

func (s *server) isCancelled(id jsonrpc2.ID) bool {
	key := fmt.Sprintf("%v", id) // a number as digits, a string as itself
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled[key] {
		delete(s.cancelled, key)
		return true
	}
	return false
}

// server implements protocol.Server.
type server struct {
	cfg    Config
	client protocol.Client
	exit   context.CancelFunc

	mu        sync.Mutex
	docs      map[protocol.DocumentURI]*document
	cancelled map[string]bool
	shutdown  bool
	exited    bool

	ws workspace // checking and its cache

	wg sync.WaitGroup // background checks
}

var _ protocol.Server = (*server)(nil)

func newServer(cfg Config, client protocol.Client) *server {
	s := &server{
		cfg:       cfg,
		client:    client,
		docs:      map[protocol.DocumentURI]*document{},
		cancelled: map[string]bool{},
	}
	s.ws.init(s)
	return s
}

func (s *server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

func (s *server) exitedCleanly() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exited && s.shutdown
}

// stop cancels pending checks and waits for running ones, so Serve leaks
// no goroutine.
func (s *server) stop() {
	s.ws.stop()
	s.wg.Wait()
}

func (s *server) Initialize(context.Context, *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindIncremental,
				Save:      &protocol.SaveOptions{},
			},
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{".", "{", "\"", " ", "("},
			},
			HoverProvider:          true,
			DefinitionProvider:     true,
			ReferencesProvider:     true,
			DocumentSymbolProvider: true,
			RenameProvider:         &protocol.RenameOptions{PrepareProvider: true},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix},
			},
		},
		ServerInfo: &protocol.ServerInfo{Name: "rulec lsp", Version: "0.1.0"},
	}, nil
}

func (s *server) Initialized(context.Context, *protocol.InitializedParams) error { return nil }

func (s *server) Shutdown(context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	s.ws.stop()
	return nil
}

func (s *server) Exit(context.Context) error {
	s.mu.Lock()
	s.exited = true
	s.mu.Unlock()
	s.exit()
	return nil
}
