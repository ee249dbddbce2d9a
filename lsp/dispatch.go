package lsp

// This file defines the wrapper around go.lsp.dev's dispatcher: one reply
// per request, panics recovered, `$/cancelRequest` handled here, requests
// moved off the read loop with the View they arrived at.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lsp/internal/cache"
)

// codeRequestCancelled is LSP's RequestCancelled error code.
const codeRequestCancelled jsonrpc2.Code = -32800

// onceReplier answers a request at most once: go.lsp.dev's ReplyHandler
// panics on a second reply, and a request never answered hangs the
// client.
type onceReplier struct {
	mu      sync.Mutex
	replied bool
	reply   jsonrpc2.Replier
	req     jsonrpc2.Request
	ctx     context.Context // the request's context, to tell cancellation
}

func (r *onceReplier) Reply(_ context.Context, result any, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replied {
		return nil
	}
	r.replied = true
	if err != nil && r.ctx.Err() != nil {
		err = jsonrpc2.NewError(codeRequestCancelled, "request cancelled")
	}
	// The stream refuses to write under a cancelled context, and the
	// answer to a cancelled request must still be sent.
	return r.reply(context.WithoutCancel(r.ctx), result, err)
}

func (r *onceReplier) done() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.replied
}

// viewKey carries a request's View in its context.
type viewKey struct{}

// viewOf returns the View a request arrived at (the current one for
// messages handled on the read loop).
func (s *server) viewOf(ctx context.Context) *cache.View {
	if v, ok := ctx.Value(viewKey{}).(*cache.View); ok {
		return v
	}
	return s.cache.View()
}

// idKey renders a request id so that the number 3 and the string "3"
// differ, the same way for jsonrpc2.ID and for the raw JSON of a
// `$/cancelRequest`.
func idKey(id jsonrpc2.ID) string { return fmt.Sprintf("%q", id) }

func rawIDKey(raw json.RawMessage) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case float64: // every JSON number decodes as float64
		return "#" + strconv.FormatInt(int64(v), 10), true
	case string:
		return strconv.Quote(v), true
	}
	return "", false
}

// handle wraps next, the protocol dispatcher.
func (s *server) handle(next jsonrpc2.Handler) jsonrpc2.Handler {
	return func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		call, isCall := req.(*jsonrpc2.Call)
		r := &onceReplier{reply: reply, req: req, ctx: ctx}
		defer s.recoverPanic(r)

		switch req.Method() {
		case protocol.MethodCancelRequest:
			var p struct {
				ID json.RawMessage `json:"id"`
			}
			if json.Unmarshal(req.Params(), &p) == nil {
				if k, ok := rawIDKey(p.ID); ok {
					s.cancelRequest(k)
				}
			}
			return nil
		case protocol.MethodExit:
			s.Exit(ctx)
			return nil
		}
		if s.isShutdown() {
			if isCall {
				_ = r.Reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is shut down: only exit is accepted"))
			}
			return nil
		}
		if !isCall {
			if req.Method() == protocol.MethodTextDocumentDidChange {
				// Decoded here: protocol.TextDocumentContentChangeEvent
				// cannot tell a whole-text change (no range) from an
				// insertion at 0:0.
				if err := s.didChangeRaw(req.Params()); err != nil {
					s.cfg.Logf("lsp: %s: %v", req.Method(), err)
				}
				return nil
			}
			if err := next(ctx, r.Reply, req); err != nil {
				s.cfg.Logf("lsp: %s: %v", req.Method(), err)
			}
			return nil
		}
		switch req.Method() {
		case protocol.MethodInitialize, protocol.MethodShutdown:
			if err := next(ctx, r.Reply, req); err != nil {
				s.cfg.Logf("lsp: %s: %v", req.Method(), err)
			}
			if !r.done() {
				_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "%s: no reply", req.Method()))
			}
			return nil
		}

		// A request: run it off the read loop, at the View it arrived at.
		rctx, cancel := context.WithCancel(context.WithValue(ctx, viewKey{}, s.cache.View()))
		r.ctx = rctx
		id := idKey(call.ID())
		s.mu.Lock()
		s.inflight[id] = cancel
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.inflight, id)
				s.mu.Unlock()
				cancel()
			}()
			defer s.recoverPanic(r)
			if s.cfg.beforeRequest != nil {
				s.cfg.beforeRequest(rctx, req.Method())
			}
			if err := next(rctx, r.Reply, req); err != nil && !errors.Is(err, context.Canceled) {
				s.cfg.Logf("lsp: %s: %v", req.Method(), err)
			}
			if !r.done() {
				_ = r.Reply(rctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "%s: no reply", req.Method()))
			}
		}()
		return nil
	}
}

// recoverPanic turns a panic in a handler into a logged error and, for a
// request, an error reply: the server keeps running.
func (s *server) recoverPanic(r *onceReplier) {
	p := recover()
	if p == nil {
		return
	}
	s.cfg.Logf("lsp: panic in %s: %v\n%s", r.req.Method(), p, debug.Stack())
	if _, isCall := r.req.(*jsonrpc2.Call); isCall {
		_ = r.Reply(r.ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v", r.req.Method(), p))
	}
}

// cancelRequest cancels the context of a running request; it then answers
// RequestCancelled. Ids of requests already answered are ignored.
func (s *server) cancelRequest(key string) {
	s.mu.Lock()
	cancel := s.inflight[key]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
