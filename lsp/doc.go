// Package lsp is the Automat language server: `rulec lsp` speaks the
// Language Server Protocol over stdio (go.lsp.dev/protocol v0.12.0 on
// go.lsp.dev/jsonrpc2 v0.10.0) and answers from the same front end and
// compiler as `rulec check` and `rulec fmt`, so codes, ranges and
// formatting are identical. [Serve] is the entry point.
//
// # Design
//
// jsonrpc2 v0.10 calls the handler on the connection's read loop, one
// message after another. The wrapper in dispatch.go keeps that loop free:
//
//   - Notifications (text sync above all) run on the loop, in order, and
//     are cheap: an edit makes a new immutable [cache.View] and restarts
//     the debounce timer of the diagnostics.
//   - Requests run on goroutines of their own, each with the View current
//     when it arrived (so its positions mean what the client meant) and a
//     context that `$/cancelRequest` cancels; numeric ids arrive as
//     float64 and are matched here, not by go.lsp.dev's CancelHandler.
//   - Every request is answered exactly once, a panic becomes an error
//     reply, and after `shutdown` only `exit` is accepted.
//
// Checking is compiler.Check over a document's folder with the open
// buffers overlaid on the disk (lsp/internal/cache). The debounced
// diagnostics and the requests that need checked information (hover,
// definition, references, rename, code actions, semantic tokens) share
// one check per folder and View; a result made from a View older than
// the current one is never published. Completion never waits for a
// check: it reads the tokens of the declaration before the cursor
// (lang/scanner) and takes the schema from the newest finished check, so
// it answers in well under a millisecond, in half-typed rules too.
//
// Positions are byte offsets inside; every conversion to and from the
// protocol's UTF-16 positions goes through the document version's
// [mapper.Mapper].
//
// One file per method family: text.go (sync), diagnostics.go,
// completion.go, hover.go, definition.go (definition, references,
// highlights), rename.go, symbols.go, codeaction.go, formatting.go,
// semantic.go; unimplemented.go answers the rest "method not found".
package lsp
