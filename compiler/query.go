package compiler

// This file defines the queries the language server asks of a checked
// Package: what is at a position, and where an object is referenced.

import (
	"sort"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/token"
)

// File returns the parsed file with the given name (as in its
// token.File), the standard schema for [StdName], or nil.
func (p *Package) File(name string) *ast.File { return p.files[name] }

// ObjectAt returns the declaration or use of an object whose name spans
// pos in the named file, for hover and go to definition. A position just
// after a name counts as in it; when two names touch, the one starting at
// pos wins.
func (p *Package) ObjectAt(filename string, pos token.Pos) (Ref, bool) {
	f := p.files[filename]
	if f == nil {
		return Ref{}, false
	}
	refs := p.refs[f.Tok]
	// Names never nest, so only the last few refs starting at or before
	// pos can hold it.
	i := sort.Search(len(refs), func(i int) bool { return refs[i].Span.Start > pos })
	var best Ref
	found := false
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if refs[j].Span.Contains(pos) && (!found || refs[j].Span.Start > best.Span.Start) {
			best, found = refs[j], true
		}
	}
	return best, found
}

// References returns every occurrence of obj, its declaration included,
// in file order ([Package.Std] first) and then position order.
func (p *Package) References(obj *Object) []Ref {
	if obj == nil {
		return nil
	}
	var out []Ref
	for _, f := range p.allFiles() {
		for _, r := range p.refs[f.Tok] {
			if r.Obj == obj {
				out = append(out, r)
			}
		}
	}
	return out
}

func (p *Package) allFiles() []*ast.File {
	out := make([]*ast.File, 0, len(p.Files)+1)
	if p.Std != nil {
		out = append(out, p.Std)
	}
	return append(out, p.Files...)
}

// NamesAt returns the names a path may start with at pos in the named
// file, innermost first, for completion: the quantifier variables around
// pos, the lets of earlier statements, the rule's subject and its to-one
// references, then the consts. Outside a rule only the consts are
// visible.
func (p *Package) NamesAt(filename string, pos token.Pos) []*Object {
	f := p.files[filename]
	if f == nil {
		return nil
	}
	var out []*Object
	for _, rs := range p.states {
		if rs.file != f || !rs.r.Decl.Span().Contains(pos) {
			continue
		}
		for i := len(rs.quant) - 1; i >= 0; i-- {
			if q := rs.quant[i]; q.span.Contains(pos) {
				out = append(out, q.obj)
			}
		}
		for i := len(rs.lets) - 1; i >= 0; i-- {
			if rs.letAt[i] <= pos {
				out = append(out, rs.lets[i])
			}
		}
		if subj := rs.r.Subject; subj != nil {
			out = append(out, p.Schema.objects[subj])
			for _, fld := range subj.Fields {
				if _, ok := types.Unwrap(fld.Type).(*types.Record); ok {
					out = append(out, p.Schema.objects[fld])
				}
			}
		}
		break
	}
	for _, k := range p.Consts {
		out = append(out, k.Obj)
	}
	return out
}
