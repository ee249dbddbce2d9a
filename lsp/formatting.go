package lsp

// This file defines document formatting: exactly `rulec fmt`'s output
// (lang/format), sent as one edit covering the lines that change.

import (
	"bytes"
	"context"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/format"
	"github.com/automat-rules/automat/lang/token"
)

// Formatting formats the document as `rulec fmt` does; a document with
// syntax errors is left alone (its diagnostics say why).
func (s *server) Formatting(ctx context.Context, p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	out := []protocol.TextEdit{}
	d := s.viewOf(ctx).Doc(p.TextDocument.URI)
	if d == nil {
		return out, nil
	}
	formatted, diags := format.Source(d.Path, d.Text)
	if diags.HasErrors() || bytes.Equal(formatted, d.Text) {
		return out, nil
	}
	old, repl := lineDiff(d.Text, formatted)
	r, err := d.Mapper().Range(old)
	if err != nil {
		return out, err
	}
	return append(out, protocol.TextEdit{Range: r, NewText: string(repl)}), nil
}

// lineDiff returns the span of old, from the first line that differs to
// the end of the last one that differs, and the text of new replacing it.
// Whole lines are kept, so an editor's cursor and folds outside the
// changed lines do not move.
func lineDiff(old, new []byte) (token.Span, []byte) {
	// Common prefix of whole lines.
	pre := 0
	for i := 0; i < len(old) && i < len(new) && old[i] == new[i]; i++ {
		if old[i] == '\n' {
			pre = i + 1
		}
	}
	// Common suffix, cut back to a line start, not overlapping the prefix.
	k := 0
	for k < len(old)-pre && k < len(new)-pre && old[len(old)-1-k] == new[len(new)-1-k] {
		k++
	}
	for k > 0 {
		if b := len(old) - k; b == 0 || old[b-1] == '\n' {
			break
		}
		k--
	}
	return token.Span{Start: token.Pos(pre), End: token.Pos(len(old) - k)}, new[pre : len(new)-k]
}
