package lsp

// This file defines signature help: inside an action call's parentheses,
// the action's parameters with the one being written highlighted. Like
// completion it reads tokens, so it works while the call is unfinished.

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

func (s *server) SignatureHelp(ctx context.Context, p *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	v := s.viewOf(ctx)
	d := v.Doc(p.TextDocument.URI)
	if d == nil {
		return nil, nil
	}
	pos, err := d.Mapper().Offset(p.Position)
	if err != nil {
		return nil, nil
	}
	snap := s.cache.Latest(d.Folder())
	if snap == nil {
		if snap, err = s.cache.Snapshot(ctx, v, d.Folder()); err != nil {
			return nil, err
		}
	}
	start := declStart(d.Text, int(pos))
	var toks []scanner.Token
	for _, t := range scanner.Scan(string(d.Text[start:pos])) {
		if t.Kind != scanner.Comment && t.Kind != scanner.EOF {
			t.Span.Start += token.Pos(start)
			t.Span.End += token.Pos(start)
			toks = append(toks, t)
		}
	}
	// The innermost open call of an action.
	open := innermostOpen(toks)
	for open > 0 && (toks[open].Text != "(" || isQuant(toks[open-1])) {
		open = innermostOpen(toks[:open])
	}
	if open <= 0 {
		return nil, nil
	}
	a := snap.Pkg.Schema.Action(strings.Join(pathBefore(toks[:open]), "."))
	if a == nil {
		return nil, nil
	}
	// The argument being written: by its name, or by its position.
	active, depth, argStart := 0, 0, open+1
	for i := open + 1; i < len(toks); i++ {
		switch toks[i].Text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case ",":
			if depth == 0 {
				active++
				argStart = i + 1
			}
		}
	}
	if argStart+1 < len(toks) && toks[argStart].Kind == scanner.Ident && toks[argStart+1].Text == ":" {
		if prm := a.Param(toks[argStart].Text); prm != nil {
			active = prm.Index
		}
	}
	sig := protocol.SignatureInformation{Label: signature(a), Documentation: docOf(a.Doc)}
	for _, prm := range a.Params {
		sig.Parameters = append(sig.Parameters, protocol.ParameterInformation{Label: fmt.Sprintf("%s: %s", prm.Name, prm.Type)})
	}
	return &protocol.SignatureHelp{Signatures: []protocol.SignatureInformation{sig}, ActiveParameter: uint32(active)}, nil
}
