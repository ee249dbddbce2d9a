package ast

// This file defines Dump, the deterministic text form of a syntax tree
// that golden tests compare.

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/automat-rules/automat/lang/token"
)

// Dump writes an indented, deterministic description of the tree rooted at
// n to w: one line per node with its type and the fields that matter
// (names, operators, literal values), children indented below it under the
// name of the field that holds them. When f is not nil, each line ends
// with the node's span as "@line:col-line:col" (1-based lines, columns in
// Unicode characters); with f nil the dump ignores positions, so two trees
// that differ only in layout dump the same.
func Dump(w io.Writer, f *token.File, n Node) error {
	d := &dumper{w: bufio.NewWriter(w), f: f}
	d.node("", n, 0)
	return d.w.Flush()
}

type dumper struct {
	w *bufio.Writer
	f *token.File
}

func (d *dumper) line(depth int, field, text string, n Node) {
	for range depth {
		d.w.WriteString("  ")
	}
	if field != "" {
		d.w.WriteString(field)
		d.w.WriteString(": ")
	}
	d.w.WriteString(text)
	if d.f != nil && n != nil {
		d.w.WriteString(" ")
		d.w.WriteString(d.span(n.Span()))
	}
	d.w.WriteByte('\n')
}

func (d *dumper) span(s token.Span) string {
	a, b := d.f.Position(s.Start), d.f.Position(s.End)
	return fmt.Sprintf("@%d:%d-%d:%d", a.Line, a.Column, b.Line, b.Column)
}

func (d *dumper) pos(p token.Pos) string {
	if !p.IsValid() {
		return "-"
	}
	a := d.f.Position(p)
	return fmt.Sprintf("%d:%d", a.Line, a.Column)
}

// nilNode reports whether n is nil or a typed nil pointer.
func nilNode(n Node) bool {
	switch n := n.(type) {
	case nil:
		return true
	case *StringLit:
		return n == nil
	case *PathExpr:
		return n == nil
	case *Ident:
		return n == nil
	case *TypeExpr:
		return n == nil
	case *DurationLit:
		return n == nil
	case *Frequency:
		return n == nil
	case *CallExpr:
		return n == nil
	case *RulesetDecl:
		return n == nil
	}
	return false
}

func list[T Node](d *dumper, field string, xs []T, depth int) {
	for i, x := range xs {
		d.node(field+"["+strconv.Itoa(i)+"]", x, depth)
	}
}

func (d *dumper) node(field string, n Node, depth int) {
	if nilNode(n) {
		return
	}
	in := depth + 1
	switch n := n.(type) {
	case *File:
		d.line(depth, field, "File", n)
		d.node("Ruleset", n.Ruleset, in)
		list(d, "Decls", n.Decls, in)
		list(d, "Comments", n.Comments, in)
	case *Comment:
		d.line(depth, field, "Comment "+strconv.Quote(n.Text), n)
	case *RulesetDecl:
		d.line(depth, field, "RulesetDecl", n)
		d.node("Name", n.Name, in)
	case *ImportDecl:
		d.line(depth, field, "ImportDecl", n)
		d.node("Path", n.Path, in)
	case *ConstDecl:
		d.line(depth, field, "ConstDecl", n)
		d.node("Name", n.Name, in)
		d.node("Value", n.Value, in)
	case *RuleDecl:
		text := "RuleDecl"
		if d.f != nil {
			text += fmt.Sprintf(" rule=%s on=%s when=%s do=%s", d.pos(n.Rule), d.pos(n.On), d.pos(n.When), d.pos(n.Do))
		}
		d.line(depth, field, text, n)
		d.node("Name", n.Name, in)
		list(d, "Triggers", n.Triggers, in)
		d.node("Cond", n.Cond, in)
		d.node("Freq", n.Freq, in)
		list(d, "Body", n.Body, in)
	case *Trigger:
		if n.Event != nil {
			d.line(depth, field, "Trigger", n)
			d.node("Event", n.Event, in)
		} else {
			d.line(depth, field, "Trigger schedule", n)
			d.node("Spec", n.Spec, in)
		}
	case *Frequency:
		kind := "always"
		if n.Kind == Once {
			kind = "once"
		}
		d.line(depth, field, "Frequency "+kind, n)
		d.node("Per", n.Per, in)
	case *RecordDecl:
		d.line(depth, field, "RecordDecl", n)
		d.node("Name", n.Name, in)
		list(d, "Fields", n.Fields, in)
	case *ExtendDecl:
		d.line(depth, field, "ExtendDecl", n)
		d.node("Name", n.Name, in)
		list(d, "Fields", n.Fields, in)
	case *Field:
		d.line(depth, field, "Field", n)
		d.node("Name", n.Name, in)
		d.node("Type", n.Type, in)
		d.node("Doc", n.Doc, in)
	case *TypeExpr:
		d.line(depth, field, "TypeExpr "+typeString(n), n)
		d.node("Elem", n.Elem, in)
	case *EnumDecl:
		d.line(depth, field, "EnumDecl", n)
		d.node("Name", n.Name, in)
		list(d, "Values", n.Values, in)
	case *StatusesDecl:
		d.line(depth, field, "StatusesDecl", n)
		d.node("Type", n.Type, in)
		list(d, "Entries", n.Entries, in)
	case *StatusEntry:
		d.line(depth, field, "StatusEntry", n)
		d.node("Status", n.Status, in)
		d.node("Phase", n.Phase, in)
	case *ActionDecl:
		d.line(depth, field, "ActionDecl", n)
		d.node("Name", n.Name, in)
		list(d, "Params", n.Params, in)
		d.node("Result", n.Result, in)
		d.node("Doc", n.Doc, in)
	case *Param:
		d.line(depth, field, "Param", n)
		d.node("Name", n.Name, in)
		d.node("Type", n.Type, in)
	case *BadDecl:
		d.line(depth, field, "BadDecl "+strconv.Quote(n.Keyword), n)
		d.node("Name", n.Name, in)
	case *CallStmt:
		d.line(depth, field, "CallStmt", n)
		d.node("Call", n.Call, in)
	case *LetStmt:
		d.line(depth, field, "LetStmt", n)
		d.node("Name", n.Name, in)
		d.node("Call", n.Call, in)
	case *WaitStmt:
		d.line(depth, field, "WaitStmt", n)
		d.node("Dur", n.Dur, in)
	case *WaitUntilStmt:
		d.line(depth, field, "WaitUntilStmt", n)
		d.node("Cond", n.Cond, in)
		d.node("Dur", n.Dur, in)
	case *BadStmt:
		d.line(depth, field, "BadStmt", n)
	case *Ident:
		d.line(depth, field, "Ident "+n.Name, n)
	case *PathExpr:
		text := "PathExpr " + n.String()
		if d.f != nil && len(n.Parts) > 1 {
			parts := make([]string, len(n.Parts))
			for i, id := range n.Parts {
				parts[i] = id.Name + "@" + d.pos(id.Pos)
			}
			text += " [" + strings.Join(parts, " ") + "]"
		}
		d.line(depth, field, text, n)
	case *StringLit:
		d.line(depth, field, "StringLit "+strconv.Quote(n.Value), n)
		if !n.IsPlain() {
			list(d, "Parts", n.Parts, in)
		}
	case *StringPart:
		if n.Path != nil {
			d.line(depth, field, "Interp", n)
			d.node("Path", n.Path, in)
		} else {
			d.line(depth, field, "Text "+strconv.Quote(n.Text), n)
		}
	case *NumberLit:
		d.line(depth, field, "NumberLit "+n.Raw, n)
	case *DurationLit:
		d.line(depth, field, "DurationLit "+n.Raw+" ("+n.Value.String()+")", n)
	case *BoolLit:
		d.line(depth, field, "BoolLit "+strconv.FormatBool(n.Value), n)
	case *NullLit:
		d.line(depth, field, "NullLit", n)
	case *NowLit:
		d.line(depth, field, "NowLit", n)
	case *ListExpr:
		d.line(depth, field, "ListExpr", n)
		list(d, "Elems", n.Elems, in)
	case *ParenExpr:
		d.line(depth, field, "ParenExpr", n)
		d.node("X", n.X, in)
	case *CallExpr:
		d.line(depth, field, "CallExpr "+n.Fun.String(), n)
		list(d, "Args", n.Args, in)
	case *Arg:
		if n.Name != nil {
			d.line(depth, field, "Arg "+n.Name.Name, n)
		} else {
			d.line(depth, field, "Arg", n)
		}
		d.node("Value", n.Value, in)
	case *QuantExpr:
		d.line(depth, field, "QuantExpr "+n.Kind.String(), n)
		d.node("Var", n.Var, in)
		d.node("In", n.In, in)
		d.node("Where", n.Where, in)
	case *UnaryExpr:
		d.line(depth, field, "UnaryExpr "+n.Op.String(), n)
		d.node("X", n.X, in)
	case *BinaryExpr:
		d.line(depth, field, "BinaryExpr "+strconv.Quote(n.Op.String()), n)
		d.node("X", n.X, in)
		d.node("Y", n.Y, in)
	case *IsExpr:
		text := "IsExpr is "
		if n.Not {
			text += "not "
		}
		if n.What == IsNull {
			text += "null"
		} else {
			text += "empty"
		}
		d.line(depth, field, text, n)
		d.node("X", n.X, in)
	case *BadExpr:
		d.line(depth, field, "BadExpr", n)
	default:
		panic(fmt.Sprintf("ast.Dump: unexpected node type %T", n))
	}
}

// typeString renders a type as written: list<string>?.
func typeString(t *TypeExpr) string {
	if t == nil || t.Name == nil {
		return "?"
	}
	s := t.Name.Name
	if t.Elem != nil {
		s += "<" + typeString(t.Elem) + ">"
	}
	if t.Optional.IsValid() {
		s += "?"
	}
	return s
}
