package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/automat-rules/automat/lsp"
)

// stdio joins the process's stdin and stdout into the one
// io.ReadWriteCloser the JSON-RPC stream wants.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }

func runLSP(e *env, args []string) int {
	fs := flag.NewFlagSet("lsp", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: rulec lsp\n\nRuns the Automat language server on stdin/stdout (LSP 3.15, UTF-16 positions).")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := lsp.Config{Logf: func(format string, a ...any) { fmt.Fprintf(e.stderr, format+"\n", a...) }}
	if err := lsp.Serve(ctx, stdio{e.stdin, e.stdout}, cfg); err != nil {
		fmt.Fprintf(e.stderr, "rulec lsp: %v\n", err)
		return exitFail
	}
	return exitOK
}
