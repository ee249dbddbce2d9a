package lsp

// This file defines code actions: a quick fix for every diagnostic that
// carries a suggestion (the replacement text for its range), and for
// every lint a fix that silences it on its line.

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

func (s *server) CodeAction(ctx context.Context, p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	out := []protocol.CodeAction{}
	v := s.viewOf(ctx)
	d := v.Doc(p.TextDocument.URI)
	if d == nil {
		return out, nil
	}
	snap, err := s.cache.Snapshot(ctx, v, d.Folder())
	if err != nil {
		return out, err
	}
	m := d.Mapper()
	for _, dg := range snap.Diags {
		if dg.File == nil || dg.File.Name != d.Path {
			continue
		}
		r, err := m.Range(dg.Span)
		if err != nil || !overlaps(r, p.Range) {
			continue
		}
		pd, err := toProtocolDiag(dg)
		if err != nil {
			continue
		}
		if dg.Suggestion != "" {
			out = append(out, protocol.CodeAction{
				Title:       fmt.Sprintf("Replace with %s", dg.Suggestion),
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{pd},
				IsPreferred: true,
				Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
					d.URI: {{Range: r, NewText: dg.Suggestion}},
				}},
			})
		}
		if dg.Severity == diag.Warning && dg.Code != diag.UnknownIgnore {
			// A comment alone on the line before silences the lint there.
			line := dg.File.Position(dg.Span.Start).Line
			start, err := dg.File.LineStart(line)
			if err != nil {
				continue
			}
			indent := start
			for int(indent) < len(d.Text) && (d.Text[indent] == ' ' || d.Text[indent] == '\t') {
				indent++
			}
			at, err := m.Range(token.Span{Start: start, End: start})
			if err != nil {
				continue
			}
			out = append(out, protocol.CodeAction{
				Title:       fmt.Sprintf("Ignore %s on this line", dg.Code),
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{pd},
				Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
					d.URI: {{Range: at, NewText: string(d.Text[start:indent]) + "# automat:ignore " + dg.Code.String() + "\n"}},
				}},
			})
		}
	}
	return out, nil
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}
