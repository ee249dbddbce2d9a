package lsp

// This file defines Serve, the server's state and its lifecycle methods
// (initialize, shutdown, exit).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/automat-rules/automat/lsp/internal/cache"
)

// Config tunes a server; the zero value is ready to use.
type Config struct {
	// Debounce is how long the server waits after the last edit before it
	// checks and publishes diagnostics; 0 means 150 ms.
	Debounce time.Duration
	// Logf, when set, receives internal errors (recovered panics, failed
	// notifications). The server never writes to stdout itself: that is
	// the protocol stream.
	Logf func(format string, args ...any)

	// beforeRequest, when set, runs on a request's goroutine before its
	// handler: the tests make it panic or block until cancelled.
	beforeRequest func(ctx context.Context, method string)
}

// ErrExitWithoutShutdown is returned by [Serve] when the client sent
// `exit` without `shutdown` first; `rulec lsp` then exits with status 1,
// as the protocol asks.
var ErrExitWithoutShutdown = errors.New("exit without shutdown")

// Serve runs a language server on rwc (for `rulec lsp`, stdin and stdout
// joined) until the client sends `exit`, the stream ends or ctx is
// cancelled. Every goroutine it started has ended when it returns.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, cfg Config) error {
	if cfg.Debounce <= 0 {
		cfg.Debounce = 150 * time.Millisecond
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s := newServer(ctx, cfg, protocol.ClientDispatcher(conn, zap.NewNop()))
	s.exit = cancel
	conn.Go(ctx, s.handle(protocol.ServerHandler(s, jsonrpc2.MethodNotFoundHandler)))

	select {
	case <-ctx.Done():
	case <-conn.Done():
	}
	s.stop()
	conn.Close()
	// A read blocked on a terminal's stdin is not interrupted by Close;
	// it ends when the client closes its end or the process exits. Pipes
	// and sockets end at once.
	select {
	case <-conn.Done():
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	exited, shutdown := s.exited, s.shutdown
	s.mu.Unlock()
	switch {
	case exited && !shutdown:
		return ErrExitWithoutShutdown
	case exited:
		return nil
	}
	if err := conn.Err(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		return fmt.Errorf("lsp connection: %w", err)
	}
	return nil
}

// server implements protocol.Server.
type server struct {
	cfg    Config
	client protocol.Client
	cache  *cache.Cache
	ctx    context.Context // ends when the server stops
	exit   context.CancelFunc

	mu        sync.Mutex
	inflight  map[string]context.CancelFunc // running requests by id
	shutdown  bool
	exited    bool
	snippets  bool                            // the client said it expands snippets
	published map[protocol.DocumentURI]string // URIs with diagnostics shown, to their folder

	diags debouncer
	wg    sync.WaitGroup // request goroutines
}

var _ protocol.Server = (*server)(nil)

func newServer(ctx context.Context, cfg Config, client protocol.Client) *server {
	return &server{
		cfg:       cfg,
		client:    client,
		cache:     cache.New(),
		ctx:       ctx,
		exit:      func() {},
		inflight:  map[string]context.CancelFunc{},
		published: map[protocol.DocumentURI]string{},
	}
}

func (s *server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// stop cancels what is pending and waits for what runs, so that no
// goroutine outlives Serve.
func (s *server) stop() {
	s.diags.stop()
	s.mu.Lock()
	for _, cancel := range s.inflight {
		cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.cache.Close()
}

// semanticTokensOptions is LSP 3.16's SemanticTokensOptions, which
// go.lsp.dev/protocol v0.12.0 declares without its fields.
type semanticTokensOptions struct {
	Legend protocol.SemanticTokensLegend `json:"legend"`
	Full   bool                          `json:"full"`
}

// legend lists the semantic token types and modifiers by index.
var legend = protocol.SemanticTokensLegend{
	TokenTypes:     semanticTypes,
	TokenModifiers: semanticModifiers,
}

func (s *server) Initialize(_ context.Context, p *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	if p.Capabilities.TextDocument != nil && p.Capabilities.TextDocument.Completion != nil &&
		p.Capabilities.TextDocument.Completion.CompletionItem != nil {
		s.mu.Lock()
		s.snippets = p.Capabilities.TextDocument.Completion.CompletionItem.SnippetSupport
		s.mu.Unlock()
	}
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindIncremental,
				Save:      &protocol.SaveOptions{},
			},
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{".", "{", "\"", "=", "(", ",", ":"},
			},
			HoverProvider:             true,
			DefinitionProvider:        true,
			TypeDefinitionProvider:    true,
			WorkspaceSymbolProvider:   true,
			FoldingRangeProvider:      true,
			ReferencesProvider:        true,
			DocumentHighlightProvider: true,
			DocumentSymbolProvider:    true,
			RenameProvider:            &protocol.RenameOptions{PrepareProvider: true},
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix},
			},
			DocumentFormattingProvider: true,
			SignatureHelpProvider:      &protocol.SignatureHelpOptions{TriggerCharacters: []string{"(", ","}},
			// protocol v0.12.0's SemanticTokensOptions lacks the legend.
			SemanticTokensProvider: &semanticTokensOptions{Legend: legend, Full: true},
		},
		ServerInfo: &protocol.ServerInfo{Name: "rulec lsp", Version: "0.1.0"},
	}, nil
}

func (s *server) Initialized(context.Context, *protocol.InitializedParams) error { return nil }

// Shutdown stops the diagnostics and lets the requests still running
// answer (for up to two seconds; exit cancels the rest). Later requests
// are refused (dispatch.go).
func (s *server) Shutdown(context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	s.diags.stop()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		s.mu.Lock()
		n := len(s.inflight)
		s.mu.Unlock()
		if n == 0 {
			break
		}
	}
	return nil
}

// Exit ends Serve.
func (s *server) Exit(context.Context) error {
	s.mu.Lock()
	s.exited = true
	s.mu.Unlock()
	s.exit()
	return nil
}

// debouncer runs a function once edits pause, and lets stop wait for a
// run in progress.
type debouncer struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
	wg      sync.WaitGroup
}

// schedule (re)starts the timer: f runs after delay unless schedule or
// stop is called first.
func (d *debouncer) schedule(delay time.Duration, f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	if d.timer != nil && d.timer.Stop() {
		d.wg.Done() // the stopped run never starts
	}
	d.wg.Add(1)
	d.timer = time.AfterFunc(delay, func() {
		defer d.wg.Done()
		f()
	})
}

// stop cancels a pending run, waits for a running one, and refuses new
// ones.
func (d *debouncer) stop() {
	d.mu.Lock()
	d.stopped = true
	if d.timer != nil && d.timer.Stop() {
		d.wg.Done()
	}
	d.timer = nil
	d.mu.Unlock()
	d.wg.Wait()
}
