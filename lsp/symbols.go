package lsp

// This file defines the document outline (rules, records with their
// fields, enums and statuses with their values, actions, consts) and
// folding ranges.

import (
	"context"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lsp/internal/mapper"
)

// parsedDoc returns the parsed file of a request's document, from the
// check of its folder at the request's View.
func (s *server) parsedDoc(ctx context.Context, u protocol.DocumentURI) (*ast.File, *mapper.Mapper, error) {
	v := s.viewOf(ctx)
	d := v.Doc(u)
	if d == nil {
		return nil, nil, nil
	}
	snap, err := s.cache.Snapshot(ctx, v, d.Folder())
	if err != nil {
		return nil, nil, err
	}
	return snap.File(d.Path), d.Mapper(), nil
}

func (s *server) DocumentSymbol(ctx context.Context, p *protocol.DocumentSymbolParams) ([]any, error) {
	out := []any{}
	f, m, err := s.parsedDoc(ctx, p.TextDocument.URI)
	if f == nil {
		return out, err
	}
	for _, decl := range f.Decls {
		if sym, ok := s.safeSymbol(m, f.Tok, decl); ok {
			out = append(out, sym)
		}
	}
	return out, nil
}

// safeSymbol is symbolOf, logging instead of failing the whole outline
// on a declaration with an unexpected hole.
func (s *server) safeSymbol(m *mapper.Mapper, tf *token.File, decl ast.Decl) (sym protocol.DocumentSymbol, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logf("lsp: outline of %T in %s: %v", decl, tf.Name, r)
			ok = false
		}
	}()
	return symbolOf(m, tf, decl)
}

// symbol builds one outline entry; ok is false when a span does not map.
func symbol(m *mapper.Mapper, name, detail string, kind protocol.SymbolKind, full, sel token.Span) (protocol.DocumentSymbol, bool) {
	r, err1 := m.Range(full)
	sr, err2 := m.Range(sel)
	if name == "" {
		name = "?" // clients refuse empty names
	}
	return protocol.DocumentSymbol{Name: name, Detail: detail, Kind: kind, Range: r, SelectionRange: sr}, err1 == nil && err2 == nil
}

func symbolOf(m *mapper.Mapper, tf *token.File, decl ast.Decl) (protocol.DocumentSymbol, bool) {
	var children []protocol.DocumentSymbol
	child := func(name, detail string, kind protocol.SymbolKind, full, sel token.Span) {
		if c, ok := symbol(m, name, detail, kind, full, sel); ok {
			children = append(children, c)
		}
	}
	fields := func(fs []*ast.Field) {
		for _, fl := range fs {
			if fl != nil && fl.Name != nil {
				child(fl.Name.Name, oneLine(tf, fl.Type.Span()), protocol.SymbolKindField, fl.Span(), fl.Name.Span())
			}
		}
	}
	var sym protocol.DocumentSymbol
	ok := false
	switch d := decl.(type) {
	case *ast.RuleDecl:
		name, sel := "", d.Span()
		switch {
		case d.Name != nil:
			name, sel = d.Name.Value, d.Name.Span()
		case d.Cond != nil:
			name, sel = "when "+oneLine(tf, d.Cond.Span()), d.Cond.Span()
		}
		detail := "rule"
		for _, t := range d.Triggers {
			if t != nil {
				detail = "on " + oneLine(tf, t.Span())
				break
			}
		}
		sym, ok = symbol(m, name, detail, protocol.SymbolKindFunction, d.Span(), sel)
	case *ast.RecordDecl:
		fields(d.Fields)
		sym, ok = symbol(m, d.Name.Name, "record", protocol.SymbolKindStruct, d.Span(), d.Name.Span())
	case *ast.ExtendDecl:
		fields(d.Fields)
		sym, ok = symbol(m, d.Name.Name, "extend", protocol.SymbolKindStruct, d.Span(), d.Name.Span())
	case *ast.EnumDecl:
		for _, v := range d.Values {
			if v != nil {
				child(v.Name, "", protocol.SymbolKindEnumMember, v.Span(), v.Span())
			}
		}
		sym, ok = symbol(m, d.Name.Name, "enum", protocol.SymbolKindEnum, d.Span(), d.Name.Span())
	case *ast.StatusesDecl:
		for _, e := range d.Entries {
			if e != nil && e.Status != nil && e.Phase != nil {
				child(e.Status.Value, "→ "+e.Phase.Name, protocol.SymbolKindEnumMember, e.Span(), e.Status.Span())
			}
		}
		sym, ok = symbol(m, "statuses "+d.Type.Name, "statuses", protocol.SymbolKindEnum, d.Span(), d.Type.Span())
	case *ast.ActionDecl:
		sym, ok = symbol(m, d.Name.String(), "action", protocol.SymbolKindMethod, d.Span(), d.Name.Span())
	case *ast.ConstDecl:
		sym, ok = symbol(m, d.Name.Name, "const", protocol.SymbolKindConstant, d.Span(), d.Name.Span())
	case *ast.BadDecl:
		if d.Name == nil {
			return sym, false
		}
		sym, ok = symbol(m, d.Name.Value, "rule (has errors)", protocol.SymbolKindFunction, d.Span(), d.Name.Span())
	}
	sym.Children = children
	return sym, ok
}

// oneLine returns the source of sp with runs of white space collapsed,
// cut to 60 characters, for outline names of unnamed rules.
func oneLine(tf *token.File, sp token.Span) string {
	if !sp.IsValid() || int(sp.End) > len(tf.Src) {
		return ""
	}
	text := strings.Join(strings.Fields(string(tf.Src[sp.Start:sp.End])), " ")
	if r := []rune(text); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return text
}

// FoldingRanges folds every declaration that spans lines.
func (s *server) FoldingRanges(ctx context.Context, p *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	out := []protocol.FoldingRange{}
	f, m, err := s.parsedDoc(ctx, p.TextDocument.URI)
	if f == nil {
		return out, err
	}
	for _, decl := range f.Decls {
		r, err := m.Range(decl.Span())
		if err != nil || r.End.Line <= r.Start.Line {
			continue
		}
		out = append(out, protocol.FoldingRange{StartLine: r.Start.Line, EndLine: r.End.Line, Kind: protocol.RegionFoldingRange})
	}
	return out, nil
}

// Symbols searches the declarations of every open folder's newest check
// for names containing the query, ignoring case.
func (s *server) Symbols(ctx context.Context, p *protocol.WorkspaceSymbolParams) ([]protocol.SymbolInformation, error) {
	out := []protocol.SymbolInformation{}
	q := strings.ToLower(p.Query)
	seen := map[string]bool{}
	for _, d := range s.viewOf(ctx).Docs() {
		snap := s.cache.Latest(d.Folder())
		if snap == nil {
			continue
		}
		for _, f := range snap.Pkg.Files {
			if seen[f.Tok.Name] {
				continue
			}
			seen[f.Tok.Name] = true
			m := fileMapper(f.Tok)
			for _, decl := range f.Decls {
				sym, ok := s.safeSymbol(m, f.Tok, decl)
				if !ok || !strings.Contains(strings.ToLower(sym.Name), q) {
					continue
				}
				out = append(out, protocol.SymbolInformation{Name: sym.Name, Kind: sym.Kind,
					Location: protocol.Location{URI: m.URI, Range: sym.SelectionRange}})
			}
		}
	}
	return out, nil
}
