package lsp

// This file defines rename: rules, consts, statuses, enum values, lets,
// quantifier variables, and the ruleset's own records, enums, fields,
// actions and parameters. Names of the standard schema are refused.

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/scanner"
)

// renamable reports whether rename may change o.
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

// quotedName reports whether an object's name is written as a string
// where it is declared (rule names and statuses): any text is a valid
// new name.
func quotedName(o *compiler.Object) bool {
	return o.Kind == compiler.RuleObject || o.Kind == compiler.StatusObject
}

func renameError(format string, args ...any) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, format, args...)
}

func (s *server) PrepareRename(ctx context.Context, p *protocol.PrepareRenameParams) (*protocol.Range, error) {
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if !ok {
		return nil, err
	}
	ref, ok := at.object()
	if !ok {
		return nil, renameError("there is no name to rename here")
	}
	if !renamable(ref.Obj) {
		return nil, renameError("%s %s is part of the standard schema and cannot be renamed", ref.Obj.Kind, ref.Obj.Name)
	}
	r, err := at.doc.Mapper().Range(ref.Span)
	if err != nil {
		return nil, nil
	}
	return &r, nil
}

func (s *server) Rename(ctx context.Context, p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	at, ok, err := s.at(ctx, p.TextDocument.URI, p.Position)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, renameError("%s is not open", p.TextDocument.URI)
	}
	ref, ok := at.object()
	if !ok {
		return nil, renameError("there is no name to rename here")
	}
	obj, newName := ref.Obj, p.NewName
	if !renamable(obj) {
		return nil, renameError("%s %s is part of the standard schema and cannot be renamed", obj.Kind, obj.Name)
	}
	if quotedName(obj) {
		if strings.TrimSpace(newName) == "" || strings.ContainsAny(newName, "\n\r") {
			return nil, renameError("a %s name must be non-empty text on one line", obj.Kind)
		}
	} else if !isIdent(newName) {
		return nil, renameError("%q is not a valid name: use letters, digits and _, not starting with a digit, and not a keyword", newName)
	}
	if other := clash(at.snap.Pkg, obj, newName); other != nil {
		return nil, renameError("%s %q already exists (%s): choose another name", other.Kind, newName, placeOf(other))
	}
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, r := range at.snap.Pkg.References(obj) {
		loc, ok := location(r.File, r.Span)
		if !ok {
			continue
		}
		text := newName
		if _, isStr := r.Node.(*ast.StringLit); isStr || !isIdent(newName) {
			text = quote(newName) // a status used as a bare name may need quotes now
		}
		changes[loc.URI] = append(changes[loc.URI], protocol.TextEdit{Range: loc.Range, NewText: text})
	}
	return &protocol.WorkspaceEdit{Changes: changes}, nil
}

// clash returns an object of the same kind and parent already called
// name, or nil.
func clash(pkg *compiler.Package, obj *compiler.Object, name string) *compiler.Object {
	if name == obj.Name {
		return nil
	}
	for _, o := range pkg.Info.Defs {
		if o != obj && o.Name == name && o.Kind == obj.Kind && o.Parent == obj.Parent && sameScope(pkg, o, obj) {
			return o
		}
	}
	return nil
}

// sameScope reports whether two objects of one kind live in the same
// scope: lets and quantifier variables belong to a rule, the rest to
// the ruleset.
func sameScope(pkg *compiler.Package, a, b *compiler.Object) bool {
	if a.Kind != compiler.LetObject && a.Kind != compiler.VarObject {
		return true
	}
	for _, r := range pkg.Rules {
		if r.Decl == nil {
			continue
		}
		sp := r.Decl.Span()
		ina := a.File == r.File.Tok && sp.Contains(a.Span.Start)
		inb := b.File == r.File.Tok && sp.Contains(b.Span.Start)
		if ina || inb {
			return ina && inb
		}
	}
	return false
}

// placeOf renders where an object is declared: "file.rules:12".
func placeOf(o *compiler.Object) string {
	if o.File == nil {
		return "built in"
	}
	p := o.File.Position(o.Span.Start)
	return fmt.Sprintf("%s:%d", baseName(o.File.Name), p.Line)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// isIdent reports whether s can be written as a name.
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
