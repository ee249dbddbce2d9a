package compiler

// This file defines the queries the language server asks of a checked
// Package: what is at a position, and where an object is referenced.

import (
	"sort"

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
