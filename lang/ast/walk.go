package ast

import (
	"fmt"
	"iter"
)

// Inspect traverses the tree rooted at n in depth-first order: it calls
// f(n); if f returns true, Inspect visits n's children, then calls f(nil).
// Nil children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	children(n, func(c Node) { Inspect(c, f) })
	f(nil)
}

// Preorder returns an iterator over n and all its descendants, parents
// before children.
func Preorder(n Node) iter.Seq[Node] {
	return func(yield func(Node) bool) {
		ok := true
		Inspect(n, func(c Node) bool {
			if c != nil && ok {
				ok = yield(c)
			}
			return ok
		})
	}
}

// children calls visit for each non-nil child of n in source order. The
// switch lists every node type and panics on an unknown one; a test builds
// one node of each kind to keep it complete.
func children(n Node, visit func(Node)) {
	v := func(c Node) {
		switch c := c.(type) {
		case nil:
		case *StringLit:
			if c != nil {
				visit(c)
			}
		case *PathExpr:
			if c != nil {
				visit(c)
			}
		case *Ident:
			if c != nil {
				visit(c)
			}
		case *TypeExpr:
			if c != nil {
				visit(c)
			}
		case *DurationLit:
			if c != nil {
				visit(c)
			}
		case *Frequency:
			if c != nil {
				visit(c)
			}
		case *CallExpr:
			if c != nil {
				visit(c)
			}
		default:
			visit(c)
		}
	}
	switch n := n.(type) {
	case *File:
		if n.Ruleset != nil {
			v(n.Ruleset)
		}
		for _, d := range n.Decls {
			v(d)
		}
	case *RulesetDecl:
		v(n.Name)
	case *ImportDecl:
		v(n.Path)
	case *ConstDecl:
		v(n.Name)
		v(n.Value)
	case *RuleDecl:
		v(n.Name)
		for _, t := range n.Triggers {
			v(t)
		}
		v(n.Cond)
		v(n.Freq)
		for _, s := range n.Body {
			v(s)
		}
	case *Trigger:
		v(n.Event)
		v(n.Spec)
	case *Frequency:
		v(n.Per)
	case *RecordDecl:
		v(n.Name)
		for _, f := range n.Fields {
			v(f)
		}
	case *ExtendDecl:
		v(n.Name)
		for _, f := range n.Fields {
			v(f)
		}
	case *Field:
		v(n.Name)
		v(n.Type)
		v(n.Doc)
	case *TypeExpr:
		v(n.Name)
		v(n.Elem)
	case *EnumDecl:
		v(n.Name)
		for _, id := range n.Values {
			v(id)
		}
	case *StatusesDecl:
		v(n.Type)
		for _, e := range n.Entries {
			v(e)
		}
	case *StatusEntry:
		v(n.Status)
		v(n.Phase)
	case *ActionDecl:
		v(n.Name)
		for _, p := range n.Params {
			v(p)
		}
		v(n.Result)
		v(n.Doc)
	case *Param:
		v(n.Name)
		v(n.Type)
	case *BadDecl:
		v(n.Name)
	case *CallStmt:
		v(n.Call)
	case *LetStmt:
		v(n.Name)
		v(n.Call)
	case *WaitStmt:
		v(n.Dur)
	case *WaitUntilStmt:
		v(n.Cond)
		v(n.Dur)
	case *BadStmt:
	case *Ident, *NumberLit, *DurationLit, *BoolLit, *NullLit, *NowLit, *BadExpr, *Comment:
	case *PathExpr:
		for _, id := range n.Parts {
			v(id)
		}
	case *StringLit:
		for _, p := range n.Parts {
			v(p)
		}
	case *StringPart:
		v(n.Path)
	case *ListExpr:
		for _, e := range n.Elems {
			v(e)
		}
	case *ParenExpr:
		v(n.X)
	case *CallExpr:
		v(n.Fun)
		for _, a := range n.Args {
			v(a)
		}
	case *Arg:
		v(n.Name)
		v(n.Value)
	case *QuantExpr:
		v(n.Var)
		v(n.In)
		v(n.Where)
	case *UnaryExpr:
		v(n.X)
	case *BinaryExpr:
		v(n.X)
		v(n.Y)
	case *IsExpr:
		v(n.X)
	default:
		panic(fmt.Sprintf("ast: unexpected node type %T", n))
	}
}
