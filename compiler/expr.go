package compiler

// This file defines the type checking of expressions: name resolution of
// paths (SPEC §1.5 scope), literals in enum contexts, operators, quantifiers
// and string interpolations.

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

var invalid types.Type = types.Typ[types.Invalid]

// enumOf returns the enum a wanted type asks for, or nil.
func enumOf(want types.Type) *types.Enum {
	e, _ := types.Unwrap(want).(*types.Enum)
	return e
}

// expr type-checks e and records its type. want, when not nil, is the
// type the context expects; it only matters for enum values written as
// bare names or strings, and for list literals.
func (c *checker) expr(e ast.Expr, want types.Type) types.Type {
	switch e := e.(type) {
	case nil:
		return invalid
	case *ast.PathExpr:
		return c.path(e, want)
	case *ast.StringLit:
		if en := enumOf(want); en != nil && e.IsPlain() {
			return c.enumLiteral(e, en)
		}
		c.interpolations(e)
		if e.IsPlain() {
			c.info.Consts[e] = Constant{Type: types.Typ[types.String], Text: norm.NFC.String(e.Value)}
		}
		return c.record(e, types.Typ[types.String])
	case *ast.NumberLit:
		d, err := parseNumber(e.Raw)
		if err != nil {
			c.errorf(e.Span(), diag.BadNumber, "number %s cannot be held exactly: %v; numbers have at most 18 decimal places and about 19 significant digits", e.Raw, errCause(err))
			return c.record(e, invalid)
		}
		c.info.Consts[e] = Constant{Type: types.Typ[types.Number], Text: d.String()}
		return c.record(e, types.Typ[types.Number])
	case *ast.DurationLit:
		c.info.Consts[e] = Constant{Type: types.Typ[types.Duration], Duration: e.Value}
		return c.record(e, types.Typ[types.Duration])
	case *ast.BoolLit:
		c.info.Consts[e] = Constant{Type: types.Typ[types.Bool], Bool: e.Value}
		return c.record(e, types.Typ[types.Bool])
	case *ast.NullLit:
		c.info.Consts[e] = Constant{Type: types.Typ[types.Null]}
		return c.record(e, types.Typ[types.Null])
	case *ast.NowLit:
		return c.record(e, types.Typ[types.Time])
	case *ast.ListExpr:
		return c.list(e, want)
	case *ast.ParenExpr:
		t := c.expr(e.X, want)
		if k, ok := c.info.Consts[e.X]; ok && e.X != nil {
			c.info.Consts[e] = k
		}
		return c.record(e, t)
	case *ast.CallExpr:
		name := "an action"
		if validPath(e.Fun) {
			name = e.Fun.String()
		}
		c.errorf(e.Span(), diag.InvalidCall, "%s is an action and cannot be used as a value: call it as a statement after do, or bind its result with let and use the name", name)
		for _, a := range e.Args {
			if a != nil {
				c.expr(a.Value, nil)
			}
		}
		return c.record(e, invalid)
	case *ast.QuantExpr:
		return c.quant(e)
	case *ast.UnaryExpr:
		t := c.expr(e.X, nil)
		if !types.IsInvalid(t) && !types.Is(t, types.Bool) {
			c.errorf(e.X.Span(), diag.InvalidOperand, "not applies to a condition, but %s is %s", exprText(c.file, e.X), types.Describe(t))
			return c.record(e, invalid)
		}
		if k, ok := c.info.Consts[e.X]; ok && types.Is(k.Type, types.Bool) {
			c.info.Consts[e] = boolConst(!k.Bool)
		}
		return c.record(e, types.Typ[types.Bool])
	case *ast.BinaryExpr:
		return c.binary(e)
	case *ast.IsExpr:
		return c.is(e)
	case *ast.BadExpr:
		return c.record(e, invalid)
	}
	return invalid
}

func boolConst(b bool) Constant { return Constant{Type: types.Typ[types.Bool], Bool: b} }

// ---------------------------------------------------------------------------
// Names

// lookup finds what a path's first name means in the current scope, or
// nil. It has no side effects.
func (c *checker) lookup(name string) *Object {
	o, _, _ := c.lookupRoot(name)
	return o
}

// lookupRoot resolves a path's first name: innermost quantifier variable,
// earlier lets, the subject, the subject's to-one references, consts.
// For an implicit reference it also returns the subject field.
func (c *checker) lookupRoot(name string) (*Object, PathBase, *types.Field) {
	if rs := c.rule; rs != nil {
		for i := len(rs.vars) - 1; i >= 0; i-- {
			if rs.vars[i].Name == name {
				return rs.vars[i], Var, nil
			}
		}
		for _, l := range rs.lets {
			if l.Name == name {
				return l, Let, nil
			}
		}
		if rs.r != nil {
			if subj := rs.r.Subject; subj != nil {
				if subj.Name == name {
					return c.typeObjs[name], Subject, nil
				}
				if f := subj.Field(name); f != nil {
					if _, ok := types.Unwrap(f.Type).(*types.Record); ok {
						return c.pkg.Schema.objects[f], Subject, f
					}
				}
			} else if r, ok := c.types[name].(*types.Record); ok {
				// No subject could be determined (already reported):
				// let any record root resolve to avoid a cascade.
				return c.typeObjs[r.Name], Subject, nil
			}
		}
	}
	if k := c.consts[name]; k != nil {
		return k.Obj, ConstBase, nil
	}
	return nil, BadBase, nil
}

// scopeNames lists the names a path may start with here, for suggestions.
func (c *checker) scopeNames() []string {
	var names []string
	if rs := c.rule; rs != nil {
		for i := len(rs.vars) - 1; i >= 0; i-- {
			names = append(names, rs.vars[i].Name)
		}
		for _, l := range rs.lets {
			names = append(names, l.Name)
		}
		if rs.r != nil && rs.r.Subject != nil {
			names = append(names, rs.r.Subject.Name)
			for _, f := range rs.r.Subject.Fields {
				if _, ok := types.Unwrap(f.Type).(*types.Record); ok {
					names = append(names, f.Name)
				}
			}
		}
	}
	for _, k := range c.pkg.Consts {
		names = append(names, k.Name)
	}
	return names
}

// path type-checks a path expression.
func (c *checker) path(p *ast.PathExpr, want types.Type) types.Type {
	if !validPath(p) {
		return c.record(p, invalid)
	}
	root := p.Parts[0]
	if e := enumOf(want); e != nil && len(p.Parts) == 1 {
		if o := c.pkg.Schema.EnumValue(e, root.Name); o != nil {
			c.use(root, o)
			c.info.Paths[p] = &Path{Base: EnumValue, Root: o}
			c.info.Consts[p] = Constant{Type: e, Text: o.Name}
			return c.record(p, e)
		}
	}
	obj, base, field := c.lookupRoot(root.Name)
	if obj == nil {
		c.unknownRoot(p, want)
		return c.record(p, invalid)
	}
	if base == ConstBase {
		if k := c.consts[root.Name]; k != nil {
			c.checkConst(k)
		}
	}
	c.use(root, obj)
	res := &Path{Base: base, Root: obj}
	if field != nil {
		res.Fields = append(res.Fields, field)
	}
	t := obj.Type
	if base == Subject && field == nil {
		t = c.types[root.Name]
	}
	if t == nil {
		t = invalid
	}
	optional := types.IsOptional(t)
	prev := root
	for _, part := range p.Parts[1:] {
		if part == nil {
			return c.record(p, invalid)
		}
		switch cur := types.Unwrap(t).(type) {
		case *types.Record:
			f := cur.Field(part.Name)
			if f == nil {
				c.unknownField(cur, part)
				return c.record(p, invalid)
			}
			c.use(part, c.pkg.Schema.objects[f])
			res.Fields = append(res.Fields, f)
			t = f.Type
			optional = optional || types.IsOptional(t)
		case *types.List:
			upTo := pathPrefix(p, prev)
			v := varName(cur.Elem)
			c.errorf(partSpan(p, part), diag.InvalidPath, "%s is a %s: test its elements with any(%s in %s where %s.%s ...)", upTo, cur, v, upTo, v, part.Name)
			return c.record(p, invalid)
		default:
			if types.IsInvalid(t) {
				return c.record(p, invalid)
			}
			c.errorf(partSpan(p, part), diag.InvalidPath, "%s is %s and has no field %s", pathPrefix(p, prev), types.Describe(t), part.Name)
			return c.record(p, invalid)
		}
		prev = part
	}
	if optional {
		t = types.NewOptional(t)
	}
	c.info.Paths[p] = res
	if base == ConstBase && len(p.Parts) == 1 {
		if k := c.consts[root.Name]; k != nil && k.Value != nil {
			if v, ok := c.info.Consts[k.Value]; ok {
				c.info.Consts[p] = v
			}
		}
	}
	return c.record(p, t)
}

// validPath reports whether a path has parts and none is missing; the
// parser may leave holes in a broken one.
func validPath(p *ast.PathExpr) bool {
	if p == nil || len(p.Parts) == 0 {
		return false
	}
	for _, id := range p.Parts {
		if id == nil {
			return false
		}
	}
	return true
}

// partSpan is the span of the path part that cannot be read.
func partSpan(_ *ast.PathExpr, part *ast.Ident) token.Span { return part.Span() }

// pathPrefix renders the path up to and including part.
func pathPrefix(p *ast.PathExpr, part *ast.Ident) string {
	var b strings.Builder
	for i, id := range p.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(id.Name)
		if id == part {
			break
		}
	}
	return b.String()
}

// varName proposes a quantifier variable name for a list element.
func varName(t types.Type) string {
	if r, ok := types.Unwrap(t).(*types.Record); ok && r.Name != "" {
		return r.Name[:1]
	}
	return "x"
}

func (c *checker) unknownField(r *types.Record, part *ast.Ident) {
	names := make([]string, len(r.Fields))
	for i, f := range r.Fields {
		names[i] = f.Name
	}
	if s := nearestName(part.Name, names); s != "" {
		c.suggestf(part.Span(), diag.UnknownField, s, "%s has no field %s; did you mean %s?", r.Name, part.Name, s)
		return
	}
	c.errorf(part.Span(), diag.UnknownField, "%s has no field %s: add it with extend %s { %s: <type> } or use one of %s", r.Name, part.Name, r.Name, part.Name, listSome(names, 8))
}

// listSome renders up to n names, "a, b, c, ...".
func listSome(names []string, n int) string {
	if len(names) > n {
		return strings.Join(names[:n], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

// unknownRoot reports a path whose first name does not resolve.
func (c *checker) unknownRoot(p *ast.PathExpr, want types.Type) {
	root := p.Parts[0]
	name := root.Name
	if e := enumOf(want); e != nil && len(p.Parts) == 1 {
		c.unknownValue(e, name, root.Span(), false)
		return
	}
	var subj *types.Record
	if c.rule != nil && c.rule.r != nil {
		subj = c.rule.r.Subject
	}
	if r, ok := c.types[name].(*types.Record); ok && c.rule != nil {
		for i := len(c.rule.vars) - 1; i >= 0; i-- {
			if v := c.rule.vars[i]; types.Identical(types.Unwrap(v.Type), r) {
				c.suggestf(root.Span(), diag.UnknownName, v.Name, "%s is a record type, not a name in scope; did you mean %s, the variable of the quantifier?", name, v.Name)
				return
			}
		}
	}
	if r, ok := c.types[name].(*types.Record); ok && subj != nil {
		hint := fmt.Sprintf("a rule about %s reads %s and its references", subj.Name, subj.Name)
		for _, f := range subj.Fields {
			if l, ok := types.Unwrap(f.Type).(*types.List); ok && types.Identical(types.Unwrap(l.Elem), r) {
				v := varName(r)
				hint = fmt.Sprintf("%s.%s is a list: use any(%s in %s.%s where %s...)", subj.Name, f.Name, v, subj.Name, f.Name, strings.TrimPrefix(p.String(), name))
				if len(p.Parts) > 1 {
					hint = fmt.Sprintf("%s.%s is a list: use any(%s in %s.%s where %s%s ...)", subj.Name, f.Name, v, subj.Name, f.Name, v, strings.TrimPrefix(p.String(), name))
				}
				break
			}
		}
		c.errorf(root.Span(), diag.UnreachableRecord, "%s is not reachable from this %s rule (its subject comes from the trigger or the first path of the condition); %s", name, subj.Name, hint)
		return
	}
	if subj != nil && subj.Field(name) != nil {
		s := subj.Name + "." + name
		c.suggestf(root.Span(), diag.UnknownName, s, "unknown name %s; did you mean %s?", name, s)
		return
	}
	if c.rule == nil || c.rule.r == nil {
		if _, ok := c.types[name].(*types.Record); ok {
			c.errorf(root.Span(), diag.InvalidConst, "a const cannot read %s: its value must be a constant", name)
			return
		}
	}
	if s := nearestName(name, c.scopeNames()); s != "" {
		c.suggestf(root.Span(), diag.UnknownName, s, "unknown name %s; did you mean %s?", name, s)
		return
	}
	c.errorf(root.Span(), diag.UnknownName, "unknown name %s: a path starts with the rule's subject, one of its references, a let, a quantifier variable or a const", name)
}

// unknownValue reports a value that is not in an enum; quoted tells
// whether it was written as a string.
func (c *checker) unknownValue(e *types.Enum, v string, span token.Span, quoted bool) {
	show := func(s string) string {
		if quoted || e.IsStatuses() {
			return quote(s)
		}
		return s
	}
	s := nearestName(v, e.Values)
	if e.IsStatuses() {
		if s != "" {
			c.suggestf(span, diag.UnknownStatus, suggestionText(s, quoted || true), "unknown status %s of %s; did you mean %s?", quote(v), e.Record, quote(s))
			return
		}
		if len(e.Values) == 0 {
			return
		}
		shown := make([]string, len(e.Values))
		for i, x := range e.Values {
			shown[i] = quote(x)
		}
		c.errorf(span, diag.UnknownStatus, "unknown status %s of %s: declare it in statuses %s { %s -> <phase> } or use one of %s", quote(v), e.Record, e.Record, quote(v), listSome(shown, 6))
		return
	}
	if s != "" {
		c.suggestf(span, diag.UnknownEnumValue, suggestionText(s, quoted), "%s is not a value of %s; did you mean %s?", show(v), e.Name, show(s))
		return
	}
	c.errorf(span, diag.UnknownEnumValue, "%s is not a value of %s: use one of %s", show(v), e.Name, listSome(e.Values, 9))
}

func suggestionText(s string, quoted bool) string {
	if quoted {
		return quote(s)
	}
	return s
}

// quote writes s as a string literal of the language.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "{", "{{", "}", "}}")
	return `"` + r.Replace(s) + `"`
}

// enumLiteral checks a plain string written where an enum value is
// expected.
func (c *checker) enumLiteral(lit *ast.StringLit, e *types.Enum) types.Type {
	v := norm.NFC.String(lit.Value)
	if o := c.pkg.Schema.EnumValue(e, v); o != nil {
		c.use(lit, o)
	} else if !(e.IsStatuses() && len(e.Values) == 0) {
		c.unknownValue(e, v, lit.Span(), true)
	}
	c.info.Consts[lit] = Constant{Type: e, Text: v}
	return c.record(lit, e)
}

// checkEnumConst validates constant text values (from a const) compared
// with an enum.
func (c *checker) checkEnumConst(e *types.Enum, x ast.Expr) {
	if e == nil || x == nil {
		return
	}
	switch x.(type) {
	case *ast.StringLit, *ast.ListExpr:
		return // checked as literals
	}
	k, ok := c.info.Consts[x]
	if !ok {
		return
	}
	vals := []Constant{k}
	if k.List != nil {
		vals = k.List
	}
	for _, v := range vals {
		if types.Is(v.Type, types.String) && c.pkg.Schema.EnumValue(e, v.Text) == nil && !(e.IsStatuses() && len(e.Values) == 0) {
			c.unknownValue(e, v.Text, x.Span(), true)
			return
		}
	}
}

// interpolations checks the {paths} of a string like any path.
func (c *checker) interpolations(lit *ast.StringLit) {
	for _, part := range lit.Parts {
		if part == nil || part.Path == nil {
			continue
		}
		t := c.path(part.Path, nil)
		if types.IsInvalid(t) || isScalar(t) {
			continue
		}
		text := part.Path.String()
		switch u := types.Unwrap(t).(type) {
		case *types.Record:
			hint := ""
			if f := firstTextField(u); f != "" {
				hint = fmt.Sprintf(": interpolate one of its fields, such as {%s.%s}", text, f)
			}
			c.errorf(part.Path.Span(), diag.InvalidInterpolation, "%s is a record %s and has no text form%s", text, u.Name, hint)
		case *types.List:
			c.errorf(part.Path.Span(), diag.InvalidInterpolation, "%s is a %s and has no text form: interpolate a single value", text, u)
		}
	}
}

func firstTextField(r *types.Record) string {
	for _, f := range r.Fields {
		if types.Is(f.Type, types.String) && !types.IsOptional(f.Type) {
			return f.Name
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Lists and quantifiers

func (c *checker) list(l *ast.ListExpr, want types.Type) types.Type {
	var elemWant types.Type
	switch w := types.Unwrap(want).(type) {
	case *types.List:
		elemWant = w.Elem
	case *types.Enum:
		elemWant = w
	}
	var elem types.Type
	consts := make([]Constant, 0, len(l.Elems))
	allConst := true
	for _, x := range l.Elems {
		if x == nil {
			continue
		}
		t := c.expr(x, elemWant)
		if k, ok := c.info.Consts[x]; ok {
			consts = append(consts, k)
		} else {
			allConst = false
		}
		if elem == nil {
			elem = t
			continue
		}
		j, ok := join(elem, t)
		if !ok {
			c.errorf(x.Span(), diag.InvalidOperand, "a list holds values of one type, but this list mixes %s and %s", types.Describe(elem), types.Describe(t))
			elem = invalid
			continue
		}
		elem = j
	}
	if elem == nil {
		if elemWant != nil {
			elem = elemWant
		} else {
			elem = invalid
		}
	}
	if types.IsOptional(elem) {
		elem = types.Unwrap(elem)
	}
	lt := &types.List{Elem: elem}
	if allConst {
		c.info.Consts[l] = Constant{Type: lt, List: consts}
	}
	return c.record(l, lt)
}

// join returns the type of a list holding values of types a and b.
func join(a, b types.Type) (types.Type, bool) {
	switch {
	case types.IsInvalid(a):
		return b, true
	case types.IsInvalid(b):
		return a, true
	case types.Is(a, types.Null):
		return types.NewOptional(b), true
	case types.Is(b, types.Null):
		return types.NewOptional(a), true
	}
	opt := types.IsOptional(a) || types.IsOptional(b)
	ua, ub := types.Unwrap(a), types.Unwrap(b)
	var t types.Type
	switch {
	case types.Identical(ua, ub):
		t = ua
	case types.IsNumeric(ua) && types.IsNumeric(ub):
		t = types.Typ[types.Money]
	case types.IsText(ua) && types.IsText(ub):
		if _, ok := ua.(*types.Enum); ok {
			t = ua
		} else {
			t = ub
		}
	default:
		return nil, false
	}
	if opt {
		t = types.NewOptional(t)
	}
	return t, true
}

func (c *checker) quant(q *ast.QuantExpr) types.Type {
	result := types.Type(types.Typ[types.Bool])
	if q.Kind == ast.Count {
		result = types.Typ[types.Number]
	}
	if q.In == nil || q.Var == nil {
		return c.record(q, result)
	}
	lt := c.path(q.In, nil)
	elem := invalid
	if l, ok := types.Unwrap(lt).(*types.List); ok {
		elem = l.Elem
	} else if !types.IsInvalid(lt) {
		c.errorf(q.In.Span(), diag.InvalidQuantifier, "%s ranges over a list, but %s is %s", q.Kind, q.In.String(), types.Describe(lt))
	}
	o := c.newObject(VarObject, q.Var.Name, elem, q.Var)
	if prev := c.lookup(q.Var.Name); prev != nil && prev.Kind != ConstObject {
		c.report(diag.Diagnostic{Span: q.Var.Span(), Severity: diag.Error, Code: diag.Redeclared,
			Message: fmt.Sprintf("%s already means a %s here: choose another name for the variable", q.Var.Name, prev.Kind), Related: relatedAt(prev, "declared here")})
	}
	c.def(q.Var, o)
	rs := c.rule
	if rs == nil {
		rs = &ruleState{}
		c.rule = rs
		defer func() { c.rule = nil }()
	}
	rs.vars = append(rs.vars, o)
	rs.quant = append(rs.quant, quantScope{obj: o, span: q.Span()})
	if q.Where != nil {
		c.condition(q.Where, "where")
	}
	rs.vars = rs.vars[:len(rs.vars)-1]
	return c.record(q, result)
}

// ---------------------------------------------------------------------------
// Operators

// literalish reports whether e is written as a value whose type depends on
// the other side: a plain string, or a bare name that is not in scope
// (an enum value).
func (c *checker) literalish(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.StringLit:
		return e.IsPlain()
	case *ast.PathExpr:
		return len(e.Parts) == 1 && e.Parts[0] != nil && c.lookup(e.Parts[0].Name) == nil
	case *ast.ListExpr:
		for _, x := range e.Elems {
			if !c.literalish(x) {
				return false
			}
		}
		return len(e.Elems) > 0
	case *ast.ParenExpr:
		return c.literalish(e.X)
	}
	return false
}

func (c *checker) binary(e *ast.BinaryExpr) types.Type {
	switch e.Op {
	case ast.OpAnd, ast.OpOr:
		return c.logic(e)
	case ast.OpEq, ast.OpNe:
		return c.equality(e)
	case ast.OpLt, ast.OpLe, ast.OpGt, ast.OpGe:
		return c.order(e)
	case ast.OpIn, ast.OpNotIn:
		return c.membership(e)
	case ast.OpContains, ast.OpNotContains, ast.OpStartsWith, ast.OpNotStartsWith:
		return c.textTest(e)
	case ast.OpMatches, ast.OpNotMatches:
		return c.matches(e)
	case ast.OpAdd, ast.OpSub, ast.OpMul, ast.OpDiv:
		return c.arith(e)
	}
	c.expr(e.X, nil)
	c.expr(e.Y, nil)
	return c.record(e, invalid)
}

func (c *checker) logic(e *ast.BinaryExpr) types.Type {
	ok := true
	for _, x := range []ast.Expr{e.X, e.Y} {
		t := c.expr(x, nil)
		if !types.IsInvalid(t) && !types.Is(t, types.Bool) {
			c.errorf(x.Span(), diag.InvalidOperand, "%s joins conditions, but %s is %s: compare it, as in %s", e.Op, exprText(c.file, x), types.Describe(t), conditionHint(c.file, x, t))
			ok = false
		}
	}
	if !ok {
		return c.record(e, invalid)
	}
	kx, okx := c.info.Consts[e.X]
	ky, oky := c.info.Consts[e.Y]
	if okx && oky {
		if e.Op == ast.OpAnd {
			c.info.Consts[e] = boolConst(kx.Bool && ky.Bool)
		} else {
			c.info.Consts[e] = boolConst(kx.Bool || ky.Bool)
		}
	}
	return c.record(e, types.Typ[types.Bool])
}

func conditionHint(f *ast.File, x ast.Expr, t types.Type) string {
	switch {
	case types.IsNumeric(t):
		return exprText(f, x) + " > 0"
	case types.IsText(t):
		return exprText(f, x) + " is not empty"
	}
	return exprText(f, x) + " is not null"
}

// operands checks both sides of a comparison, giving a literal side the
// enum context of the other side.
func (c *checker) operands(e *ast.BinaryExpr, listRight bool) (types.Type, types.Type) {
	wantFor := func(t types.Type, list bool) types.Type {
		en := enumOf(t)
		if en == nil {
			return nil
		}
		if list {
			return &types.List{Elem: en}
		}
		return en
	}
	if c.literalish(e.X) && !c.literalish(e.Y) {
		yt := c.expr(e.Y, nil)
		if types.IsInvalid(yt) {
			return c.quiet(e.X), yt
		}
		var want types.Type
		if listRight {
			if l, ok := types.Unwrap(yt).(*types.List); ok {
				want = enumOf(l.Elem)
			}
		} else {
			want = wantFor(yt, false)
		}
		return c.expr(e.X, want), yt
	}
	xt := c.expr(e.X, nil)
	if types.IsInvalid(xt) && c.literalish(e.Y) {
		return xt, c.quiet(e.Y)
	}
	return xt, c.expr(e.Y, wantFor(xt, listRight))
}

// quiet checks a literal-like operand whose other side already has an
// error: a bare name is not reported again, since it was most likely an
// enum value of the broken side.
func (c *checker) quiet(e ast.Expr) types.Type {
	switch e := e.(type) {
	case *ast.PathExpr:
		return c.record(e, invalid)
	case *ast.ListExpr:
		for _, x := range e.Elems {
			c.quiet(x)
		}
		return c.record(e, invalid)
	case *ast.ParenExpr:
		c.quiet(e.X)
		return c.record(e, invalid)
	}
	return c.expr(e, nil)
}

func (c *checker) equality(e *ast.BinaryExpr) types.Type {
	xt, yt := c.operands(e, false)
	for _, side := range [2][2]ast.Expr{{e.X, e.Y}, {e.Y, e.X}} {
		if _, ok := side[0].(*ast.NullLit); ok {
			other := exprText(c.file, side[1])
			fix, always := other+" is null", "false"
			if e.Op == ast.OpNe {
				fix, always = other+" is not null", "true"
			}
			c.suggestf(e.Span(), diag.NullComparison, fix, "%s null is always %s (null is never equal to anything): write %s", e.Op, always, fix)
			return c.record(e, types.Typ[types.Bool])
		}
	}
	if !comparable(xt, yt) {
		c.errorf(e.Span(), diag.InvalidComparison, "cannot compare %s (%s) with %s (%s)%s", exprText(c.file, e.X), types.Describe(xt), exprText(c.file, e.Y), types.Describe(yt), compareHint(xt, yt))
		return c.record(e, invalid)
	}
	c.checkEnumConst(enumOf(xt), e.Y)
	c.checkEnumConst(enumOf(yt), e.X)
	if kx, ok := c.info.Consts[e.X]; ok {
		if ky, ok := c.info.Consts[e.Y]; ok {
			if eq, ok := constEqual(kx, ky); ok {
				c.info.Consts[e] = boolConst(eq == (e.Op == ast.OpEq))
			}
		}
	}
	return c.record(e, types.Typ[types.Bool])
}

func compareHint(a, b types.Type) string {
	ua, ub := types.Unwrap(a), types.Unwrap(b)
	switch {
	case types.Is(ua, types.Time) && types.IsNumeric(ub), types.Is(ub, types.Time) && types.IsNumeric(ua):
		return ": compare a time with a time, such as now - 3d"
	case types.Is(ua, types.Duration) && types.IsNumeric(ub), types.Is(ub, types.Duration) && types.IsNumeric(ua):
		return ": write a duration with its unit, such as 3d or 2h"
	case types.IsText(ua) && types.IsNumeric(ub), types.IsText(ub) && types.IsNumeric(ua):
		return ": numbers are written without quotes"
	}
	if _, ok := ua.(*types.Record); ok {
		return ": compare one of their fields, such as id"
	}
	if _, ok := ua.(*types.List); ok {
		return ": test the elements with any(...) or count(...)"
	}
	return ""
}

// comparable reports whether = and != apply to values of types a and b.
func comparable(a, b types.Type) bool {
	if types.IsInvalid(a) || types.IsInvalid(b) {
		return true
	}
	ua, ub := types.Unwrap(a), types.Unwrap(b)
	switch ua.(type) {
	case *types.Record, *types.List:
		return false
	}
	switch ub.(type) {
	case *types.Record, *types.List:
		return false
	}
	switch {
	case types.Identical(ua, ub):
		return true
	case types.IsNumeric(ua) && types.IsNumeric(ub):
		return true
	case types.Is(ua, types.String) && types.IsText(ub), types.Is(ub, types.String) && types.IsText(ua):
		return true
	}
	return false
}

func ordered(a, b types.Type) bool {
	ua, ub := types.Unwrap(a), types.Unwrap(b)
	switch {
	case types.IsNumeric(ua) && types.IsNumeric(ub):
		return true
	case types.Is(ua, types.Time) && types.Is(ub, types.Time):
		return true
	case types.Is(ua, types.Duration) && types.Is(ub, types.Duration):
		return true
	}
	return false
}

func (c *checker) order(e *ast.BinaryExpr) types.Type {
	xt := c.expr(e.X, nil)
	yt := c.expr(e.Y, nil)
	if types.IsInvalid(xt) || types.IsInvalid(yt) {
		return c.record(e, types.Typ[types.Bool])
	}
	if !ordered(xt, yt) {
		hint := compareHint(xt, yt)
		if hint == "" && (types.IsText(xt) || types.IsText(yt) || types.Is(xt, types.Bool)) {
			hint = ": text, statuses and bools have no order; use =, != or in"
		}
		if types.Is(xt, types.Null) || types.Is(yt, types.Null) {
			hint = ": ordering with null is always false; test with is null"
		}
		c.errorf(e.Span(), diag.InvalidComparison, "cannot order %s (%s) and %s (%s) with %s%s", exprText(c.file, e.X), types.Describe(xt), exprText(c.file, e.Y), types.Describe(yt), e.Op, hint)
		return c.record(e, invalid)
	}
	if kx, ok := c.info.Consts[e.X]; ok {
		if ky, ok := c.info.Consts[e.Y]; ok {
			if cmp, ok := constCompare(kx, ky); ok {
				c.info.Consts[e] = boolConst(cmpHolds(e.Op, cmp))
			}
		}
	}
	return c.record(e, types.Typ[types.Bool])
}

func cmpHolds(op ast.Op, cmp int) bool {
	switch op {
	case ast.OpLt:
		return cmp < 0
	case ast.OpLe:
		return cmp <= 0
	case ast.OpGt:
		return cmp > 0
	case ast.OpGe:
		return cmp >= 0
	case ast.OpEq:
		return cmp == 0
	case ast.OpNe:
		return cmp != 0
	}
	return false
}

func (c *checker) membership(e *ast.BinaryExpr) types.Type {
	xt, yt := c.operands(e, true)
	if types.IsInvalid(xt) || types.IsInvalid(yt) {
		return c.record(e, types.Typ[types.Bool])
	}
	l, ok := types.Unwrap(yt).(*types.List)
	if !ok {
		hint := `, such as ["a", "b"]`
		if types.IsText(yt) {
			hint = fmt.Sprintf("; to test text, write %s contains %s", exprText(c.file, e.X), exprText(c.file, e.Y))
		}
		c.errorf(e.Y.Span(), diag.InvalidComparison, "%s needs a list on the right%s", e.Op, hint)
		return c.record(e, invalid)
	}
	if !types.IsInvalid(l.Elem) && !comparable(xt, l.Elem) {
		c.errorf(e.Span(), diag.InvalidComparison, "cannot look for %s (%s) in a %s", exprText(c.file, e.X), types.Describe(xt), l)
		return c.record(e, invalid)
	}
	c.checkEnumConst(enumOf(xt), e.Y)
	return c.record(e, types.Typ[types.Bool])
}

func (c *checker) textTest(e *ast.BinaryExpr) types.Type {
	xt := c.expr(e.X, nil)
	yt := c.expr(e.Y, nil)
	if types.IsInvalid(xt) || types.IsInvalid(yt) {
		return c.record(e, types.Typ[types.Bool])
	}
	if _, ok := types.Unwrap(xt).(*types.List); ok {
		c.errorf(e.Span(), diag.InvalidComparison, "%s tests text, but %s is a %s: to test membership write %s in %s", e.Op, exprText(c.file, e.X), types.Unwrap(xt), exprText(c.file, e.Y), exprText(c.file, e.X))
		return c.record(e, invalid)
	}
	for _, side := range []struct {
		x ast.Expr
		t types.Type
	}{{e.X, xt}, {e.Y, yt}} {
		if !types.IsText(side.t) {
			c.errorf(side.x.Span(), diag.InvalidComparison, "%s tests text, but %s is %s", e.Op, exprText(c.file, side.x), types.Describe(side.t))
			return c.record(e, invalid)
		}
	}
	return c.record(e, types.Typ[types.Bool])
}

func (c *checker) matches(e *ast.BinaryExpr) types.Type {
	xt := c.expr(e.X, nil)
	c.expr(e.Y, nil)
	if !types.IsInvalid(xt) && !types.IsText(xt) {
		c.errorf(e.X.Span(), diag.InvalidComparison, "%s tests text, but %s is %s", e.Op, exprText(c.file, e.X), types.Describe(xt))
	}
	lit, ok := e.Y.(*ast.StringLit)
	if !ok {
		if e.Y != nil && !isBad(e.Y) {
			c.errorf(e.Y.Span(), diag.InvalidRegexp, "%s needs a regular expression written as a string", e.Op)
		}
		return c.record(e, types.Typ[types.Bool])
	}
	if !lit.IsPlain() {
		c.errorf(lit.Span(), diag.InvalidRegexp, "a regular expression cannot interpolate {...}; write a literal brace as {{ or }}")
		return c.record(e, types.Typ[types.Bool])
	}
	if _, err := regexp.Compile(lit.Value); err != nil {
		msg := err.Error()
		if se, ok := err.(*syntax.Error); ok {
			msg = fmt.Sprintf("%s in `%s`", se.Code, se.Expr)
		}
		c.errorf(lit.Span(), diag.InvalidRegexp, "invalid regular expression: %s (Go RE2 syntax, see https://golang.org/s/re2syntax)", msg)
	}
	return c.record(e, types.Typ[types.Bool])
}

func (c *checker) is(e *ast.IsExpr) types.Type {
	t := c.expr(e.X, nil)
	if e.What == ast.IsEmpty && !types.IsInvalid(t) && !types.Is(t, types.Null) {
		switch types.Unwrap(t).(type) {
		case *types.List:
		default:
			if !types.IsText(t) {
				c.errorf(e.Span(), diag.InvalidOperand, "is empty tests text and lists, but %s is %s: to test that it is absent, write %s is null", exprText(c.file, e.X), types.Describe(t), exprText(c.file, e.X))
				return c.record(e, invalid)
			}
		}
	}
	return c.record(e, types.Typ[types.Bool])
}

// arithType returns the result of x op y for non-optional operand types.
func arithType(op ast.Op, x, y types.Type) (types.Type, bool) {
	num, money, tm, dur := types.Typ[types.Number], types.Typ[types.Money], types.Typ[types.Time], types.Typ[types.Duration]
	is := func(t types.Type, k types.BasicKind) bool { return types.Is(t, k) }
	switch op {
	case ast.OpAdd, ast.OpSub:
		switch {
		case is(x, types.Number) && is(y, types.Number):
			return num, true
		case types.IsNumeric(x) && types.IsNumeric(y):
			return money, true
		case is(x, types.Time) && is(y, types.Time) && op == ast.OpSub:
			return dur, true
		case is(x, types.Time) && is(y, types.Duration):
			return tm, true
		case is(x, types.Duration) && is(y, types.Time) && op == ast.OpAdd:
			return tm, true
		case is(x, types.Duration) && is(y, types.Duration):
			return dur, true
		}
	case ast.OpMul:
		switch {
		case is(x, types.Number) && is(y, types.Number):
			return num, true
		case is(x, types.Money) && is(y, types.Number), is(x, types.Number) && is(y, types.Money):
			return money, true
		case is(x, types.Duration) && is(y, types.Number), is(x, types.Number) && is(y, types.Duration):
			return dur, true
		}
	case ast.OpDiv:
		switch {
		case is(x, types.Number) && is(y, types.Number), is(x, types.Money) && is(y, types.Money):
			return num, true
		case is(x, types.Money) && is(y, types.Number):
			return money, true
		case is(x, types.Duration) && is(y, types.Number):
			return dur, true
		case is(x, types.Duration) && is(y, types.Duration):
			return num, true
		}
	}
	return nil, false
}

func (c *checker) arith(e *ast.BinaryExpr) types.Type {
	xt := c.expr(e.X, nil)
	yt := c.expr(e.Y, nil)
	if types.IsInvalid(xt) || types.IsInvalid(yt) {
		return c.record(e, invalid)
	}
	if types.Is(xt, types.Null) || types.Is(yt, types.Null) {
		c.errorf(e.Span(), diag.InvalidOperand, "arithmetic with null is always null: remove it")
		return c.record(e, invalid)
	}
	rt, ok := arithType(e.Op, types.Unwrap(xt), types.Unwrap(yt))
	if !ok {
		hint := ""
		ux, uy := types.Unwrap(xt), types.Unwrap(yt)
		switch {
		case types.IsText(ux) && types.IsText(uy) && e.Op == ast.OpAdd:
			hint = ": join text with interpolation, as in \"{a} {b}\""
		case types.Is(ux, types.Time) && types.Is(uy, types.Time):
			hint = ": only time - time (a duration) is defined"
		case types.Is(ux, types.Time) && types.IsNumeric(uy), types.Is(ux, types.Duration) && types.IsNumeric(uy) && e.Op != ast.OpMul && e.Op != ast.OpDiv:
			hint = ": write a duration with its unit, such as 3d or 2h"
		case types.Is(ux, types.Money) && types.Is(uy, types.Money) && e.Op == ast.OpMul:
			hint = ": multiply an amount by a number, such as i.price * i.quantity"
		}
		c.errorf(e.Span(), diag.InvalidOperand, "cannot compute %s (%s) %s %s (%s)%s", exprText(c.file, e.X), types.Describe(xt), e.Op, exprText(c.file, e.Y), types.Describe(yt), hint)
		return c.record(e, invalid)
	}
	if types.IsOptional(xt) || types.IsOptional(yt) {
		rt = types.NewOptional(rt)
	}
	kx, okx := c.info.Consts[e.X]
	ky, oky := c.info.Consts[e.Y]
	if okx && oky {
		k, err := foldArith(e.Op, kx, ky, rt)
		switch {
		case err != nil:
			c.errorf(e.Span(), diag.InvalidOperand, "%s: %v", exprText(c.file, e), err)
		default:
			c.info.Consts[e] = k
		}
	}
	return c.record(e, rt)
}
