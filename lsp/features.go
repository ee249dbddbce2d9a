package lsp

// This file defines the queries answered from a checked snapshot: document
// symbols, hover, definition, references, rename and quick fixes.

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/format"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// at resolves a document position to the checked snapshot, the parsed
// file and the byte offset. ok is false when the document is unknown or
// the position lies outside it.
func (s *server) at(u protocol.DocumentURI, p protocol.Position) (snap *snapshot, f *ast.File, pos token.Pos, ok bool) {
	d := s.doc(u)
	if d == nil {
		return nil, nil, 0, false
	}
	snap = s.snapshotFor(u)
	f = snap.pkg.File(d.path)
	if f == nil {
		return nil, nil, 0, false
	}
	pos, err := toPos(f.Tok, p)
	if err != nil {
		return nil, nil, 0, false
	}
	return snap, f, pos, true
}

func (s *server) DocumentSymbol(_ context.Context, p *protocol.DocumentSymbolParams) ([]any, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return []any{}, nil
	}
	f := s.snapshotFor(p.TextDocument.URI).pkg.File(d.path)
	if f == nil {
		return []any{}, nil
	}
	out := []any{}
	for _, decl := range f.Decls {
		if sym, ok := symbolOf(f.Tok, decl); ok {
			out = append(out, sym)
		}
	}
	return out, nil
}

func symbolOf(tf *token.File, decl ast.Decl) (protocol.DocumentSymbol, bool) {
	sym := protocol.DocumentSymbol{Range: toRange(tf, decl.Span())}
	var sel token.Span
	switch d := decl.(type) {
	case *ast.RuleDecl:
		sym.Kind = protocol.SymbolKindFunction
		if d.Name != nil {
			sym.Name, sel = d.Name.Value, d.Name.Span()
		} else {
			sym.Name, sel = "when "+oneLine(tf, d.Cond.Span()), d.Cond.Span()
		}
		sym.Detail = "rule"
	case *ast.RecordDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindStruct, d.Name.Name, d.Name.Span(), "record"
		for _, fl := range d.Fields {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: fl.Name.Name, Kind: protocol.SymbolKindField,
				Range: toRange(tf, fl.Span()), SelectionRange: toRange(tf, fl.Name.Span())})
		}
	case *ast.ExtendDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindStruct, d.Name.Name, d.Name.Span(), "extend"
		for _, fl := range d.Fields {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: fl.Name.Name, Kind: protocol.SymbolKindField,
				Range: toRange(tf, fl.Span()), SelectionRange: toRange(tf, fl.Name.Span())})
		}
	case *ast.EnumDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindEnum, d.Name.Name, d.Name.Span(), "enum"
		for _, v := range d.Values {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: v.Name, Kind: protocol.SymbolKindEnumMember,
				Range: toRange(tf, v.Span()), SelectionRange: toRange(tf, v.Span())})
		}
	case *ast.StatusesDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindEnum, "statuses "+d.Type.Name, d.Type.Span(), "statuses"
		for _, e := range d.Entries {
			sym.Children = append(sym.Children, protocol.DocumentSymbol{Name: e.Status.Value, Detail: e.Phase.Name,
				Kind: protocol.SymbolKindEnumMember, Range: toRange(tf, e.Span()), SelectionRange: toRange(tf, e.Status.Span())})
		}
	case *ast.ActionDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindMethod, d.Name.String(), d.Name.Span(), "action"
	case *ast.ConstDecl:
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindConstant, d.Name.Name, d.Name.Span(), "const"
	case *ast.BadDecl:
		if d.Name == nil {
			return sym, false
		}
		sym.Kind, sym.Name, sel, sym.Detail = protocol.SymbolKindFunction, d.Name.Value, d.Name.Span(), "rule (has errors)"
	default:
		return sym, false
	}
	sym.SelectionRange = toRange(tf, sel)
	return sym, true
}

// oneLine returns the source of sp with runs of white space collapsed,
// cut to 60 characters, for outline names of unnamed rules.
func oneLine(tf *token.File, sp token.Span) string {
	text := strings.Join(strings.Fields(string(tf.Src[sp.Start:sp.End])), " ")
	if r := []rune(text); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return text
}

func (s *server) Hover(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	snap, f, pos, ok := s.at(p.TextDocument.URI, p.Position)
	if !ok {
		return nil, nil
	}
	ref, found := snap.pkg.ObjectAt(f.Tok.Name, pos)
	if !found || ref.Obj == nil {
		return nil, nil
	}
	r := toRange(f.Tok, ref.Span)
	return &protocol.Hover{
		Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: describe(ref.Obj)},
		Range:    &r,
	}, nil
}

// describe renders an object for hover: its kind, name and type in a code
// block, then its doc string.
func describe(o *compiler.Object) string {
	var b strings.Builder
	b.WriteString("```automat\n")
	switch o.Kind {
	case compiler.FieldObject:
		if o.Parent != nil {
			fmt.Fprintf(&b, "(field) %s.%s: %s", o.Parent.Name, o.Name, typeString(o))
		} else {
			fmt.Fprintf(&b, "(field) %s: %s", o.Name, typeString(o))
		}
	case compiler.StatusObject, compiler.EnumValueObject, compiler.PhaseObject:
		fmt.Fprintf(&b, "(%s) %q of %s", o.Kind, o.Name, typeString(o))
	case compiler.ActionObject, compiler.RuleObject, compiler.RecordObject, compiler.EnumObject:
		fmt.Fprintf(&b, "%s %s", o.Kind, o.Name)
		if o.Type != nil && o.Kind == compiler.ActionObject {
			fmt.Fprintf(&b, " -> %s", o.Type)
		}
	default:
		fmt.Fprintf(&b, "(%s) %s: %s", o.Kind, o.Name, typeString(o))
	}
	b.WriteString("\n```")
	if o.Doc != "" {
		b.WriteString("\n\n")
		b.WriteString(o.Doc)
	}
	return b.String()
}

func typeString(o *compiler.Object) string {
	if o.Type == nil {
		return "?"
	}
	return o.Type.String()
}

// location converts an object occurrence to an LSP location; objects of
// the embedded standard schema have no file a client can open.
func location(file *token.File, sp token.Span) (protocol.Location, bool) {
	if file == nil || file.Name == compiler.StdName {
		return protocol.Location{}, false
	}
	return protocol.Location{URI: pathToURI(file.Name), Range: toRange(file, sp)}, true
}

func (s *server) Definition(_ context.Context, p *protocol.DefinitionParams) ([]protocol.Location, error) {
	snap, f, pos, ok := s.at(p.TextDocument.URI, p.Position)
	if !ok {
		return []protocol.Location{}, nil
	}
	ref, found := snap.pkg.ObjectAt(f.Tok.Name, pos)
	if !found || ref.Obj == nil {
		return []protocol.Location{}, nil
	}
	if loc, ok := location(ref.Obj.File, ref.Obj.Span); ok {
		return []protocol.Location{loc}, nil
	}
	return []protocol.Location{}, nil
}

func (s *server) References(_ context.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
	snap, f, pos, ok := s.at(p.TextDocument.URI, p.Position)
	out := []protocol.Location{}
	if !ok {
		return out, nil
	}
	ref, found := snap.pkg.ObjectAt(f.Tok.Name, pos)
	if !found || ref.Obj == nil {
		return out, nil
	}
	for _, r := range snap.pkg.References(ref.Obj) {
		if r.Def && !p.Context.IncludeDeclaration {
			continue
		}
		if loc, ok := location(r.File, r.Span); ok {
			out = append(out, loc)
		}
	}
	return out, nil
}

// renamable lists the kinds of object rename changes (issue 9): rules,
// consts, statuses, enum values and lets, plus quantifier variables and
// the ruleset's own records, fields and actions. Objects of the standard
// schema are refused.
func renamable(o *compiler.Object) bool {
	if o.File == nil || o.File.Name == compiler.StdName {
		return false
	}
	switch o.Kind {
	case compiler.RuleObject, compiler.ConstObject, compiler.StatusObject, compiler.EnumValueObject,
		compiler.LetObject, compiler.VarObject, compiler.RecordObject, compiler.EnumObject,
		compiler.FieldObject, compiler.ActionObject, compiler.ParamObject:
		return true
	}
	return false
}

// quoted reports whether an object is written as a string (rule names and
// statuses): its references' spans include the quotes.
func quoted(o *compiler.Object) bool {
	return o.Kind == compiler.RuleObject || o.Kind == compiler.StatusObject
}

func (s *server) PrepareRename(_ context.Context, p *protocol.PrepareRenameParams) (*protocol.Range, error) {
	snap, f, pos, ok := s.at(p.TextDocument.URI, p.Position)
	if !ok {
		return nil, nil
	}
	ref, found := snap.pkg.ObjectAt(f.Tok.Name, pos)
	if !found || ref.Obj == nil || !renamable(ref.Obj) {
		return nil, fmt.Errorf("nothing here can be renamed")
	}
	r := toRange(f.Tok, ref.Span)
	return &r, nil
}

func (s *server) Rename(_ context.Context, p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	snap, f, pos, ok := s.at(p.TextDocument.URI, p.Position)
	if !ok {
		return nil, fmt.Errorf("document %s is not open", p.TextDocument.URI)
	}
	ref, found := snap.pkg.ObjectAt(f.Tok.Name, pos)
	if !found || ref.Obj == nil {
		return nil, fmt.Errorf("nothing to rename here")
	}
	obj := ref.Obj
	if !renamable(obj) {
		return nil, fmt.Errorf("%s %q comes from the standard schema and cannot be renamed", obj.Kind, obj.Name)
	}
	newName := p.NewName
	if !quoted(obj) && !isIdent(newName) {
		return nil, fmt.Errorf("%q is not a valid name: use letters, digits and _, not starting with a digit, and not a keyword", newName)
	}
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, r := range snap.pkg.References(obj) {
		loc, ok := location(r.File, r.Span)
		if !ok {
			continue
		}
		text := newName
		if _, isStr := r.Node.(*ast.StringLit); isStr {
			text = quote(newName)
		}
		changes[loc.URI] = append(changes[loc.URI], protocol.TextEdit{Range: loc.Range, NewText: text})
	}
	return &protocol.WorkspaceEdit{Changes: changes}, nil
}

func isIdent(s string) bool {
	if s == "" || scanner.IsKeyword(s) {
		return false
	}
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// quote writes s as an Automat string literal; braces are doubled so
// that a status name is never read as an interpolation.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "{", "{{", "}", "}}")
	return `"` + r.Replace(s) + `"`
}

func (s *server) CodeAction(_ context.Context, p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	out := []protocol.CodeAction{}
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return out, nil
	}
	snap := s.snapshotFor(p.TextDocument.URI)
	for _, dg := range snap.diags {
		if dg.Suggestion == "" || dg.File == nil || dg.File.Name != d.path {
			continue
		}
		r := toRange(dg.File, dg.Span)
		if !overlaps(r, p.Range) {
			continue
		}
		pd := toProtocolDiag(dg)
		out = append(out, protocol.CodeAction{
			Title:       fmt.Sprintf("Replace with %s", dg.Suggestion),
			Kind:        protocol.QuickFix,
			Diagnostics: []protocol.Diagnostic{pd},
			IsPreferred: true,
			Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
				p.TextDocument.URI: {{Range: r, NewText: dg.Suggestion}},
			}},
		})
	}
	return out, nil
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

// Formatting returns the output of `rulec fmt` as one edit replacing the
// whole document; a document with syntax errors is left alone (its
// diagnostics say why).
func (s *server) Formatting(_ context.Context, p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	d := s.doc(p.TextDocument.URI)
	if d == nil {
		return []protocol.TextEdit{}, nil
	}
	out, diags := format.Source(d.path, d.text)
	if diags.HasErrors() || string(out) == string(d.text) {
		return []protocol.TextEdit{}, nil
	}
	end := token.Pos(len(d.text))
	return []protocol.TextEdit{{Range: toRange(d.tok(), token.Span{Start: 0, End: end}), NewText: string(out)}}, nil
}
