package compiler

// This file defines the declaration passes: records, enums and statuses
// enums (declare), fields, extends and actions (fields), status entries
// (statuses) and constants (consts). The standard schema is declared first,
// exactly like a user file, so its objects have positions in std.rules.

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/automat-rules/automat/compiler/internal/spell"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
)

// messageActions are the standard actions that send a message to a
// person; the RepeatedMessage and DuplicateMessage lints look at them.
var messageActions = map[string]bool{"email": true, "sms": true, "notify": true}

// typeAliases maps type names of other languages to ours, for the
// "did you mean" of an unknown type.
var typeAliases = map[string]string{
	"boolean": "bool", "int": "number", "integer": "number", "decimal": "number",
	"float": "number", "double": "number", "datetime": "time", "date": "time",
	"timestamp": "time", "text": "string", "str": "string", "array": "list",
}

func (c *checker) isStd(f *ast.File) bool { return f == c.pkg.Std }

// files returns the standard schema and then the ruleset's files.
func (c *checker) files() []*ast.File { return c.pkg.allFiles() }

// nearestName wraps the spell helper.
func nearestName(x string, candidates []string) string { return spell.Nearest(x, candidates) }

func (c *checker) declareTypes() {
	for _, name := range []string{"string", "number", "money", "bool", "time", "duration"} {
		t, _ := types.BasicByName(name)
		c.typeObjs[name] = &Object{Kind: TypeObject, Name: name, Type: t, Doc: basicDocs[name]}
	}
	s := c.pkg.Schema
	for _, f := range c.files() {
		c.file = f
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.RecordDecl:
				if d.Name == nil || !c.newTypeName(d.Name) {
					continue
				}
				r := &types.Record{Name: d.Name.Name}
				o := c.newObject(RecordObject, r.Name, r, d.Name)
				c.def(d.Name, o)
				c.types[r.Name], c.typeObjs[r.Name], s.objects[r] = r, o, o
				c.recDecls[r] = f
				s.Records = append(s.Records, r)
				if !c.isStd(f) {
					c.userObjs = append(c.userObjs, o)
				}
			case *ast.EnumDecl:
				if d.Name == nil || !c.newTypeName(d.Name) {
					continue
				}
				e := &types.Enum{Name: d.Name.Name}
				o := c.newObject(EnumObject, e.Name, e, d.Name)
				c.def(d.Name, o)
				c.types[e.Name], c.typeObjs[e.Name], s.objects[e] = e, o, o
				s.Enums = append(s.Enums, e)
				if !c.isStd(f) {
					c.userObjs = append(c.userObjs, o)
				}
				kind := EnumValueObject
				if c.isStd(f) && e.Name == "phase" {
					kind = PhaseObject
					c.phase = e
				}
				seen := make(map[string]*Object)
				for _, v := range d.Values {
					if v == nil {
						continue
					}
					if prev := seen[v.Name]; prev != nil {
						c.report(diag.Diagnostic{Span: v.Span(), Severity: diag.Error, Code: diag.Redeclared,
							Message: fmt.Sprintf("enum %s already has the value %s: remove one", e.Name, v.Name), Related: relatedAt(prev, "first declared here")})
						continue
					}
					vo := c.newObject(kind, v.Name, e, v)
					vo.Parent = o
					seen[v.Name] = vo
					c.def(v, vo)
					e.Values = append(e.Values, v.Name)
					s.values[e] = append(s.values[e], vo)
				}
			}
		}
	}
	// A statuses declaration declares the enum <record>_status, which
	// fields and parameters may then name.
	for _, f := range c.files() {
		c.file = f
		for _, d := range f.Decls {
			d, ok := d.(*ast.StatusesDecl)
			if !ok || d.Type == nil {
				continue
			}
			if _, ok := c.types[d.Type.Name].(*types.Record); !ok {
				continue // reported by declareStatuses
			}
			name := d.Type.Name + "_status"
			if _, ok := c.types[name]; ok {
				continue
			}
			e := &types.Enum{Name: name, Record: d.Type.Name}
			o := c.newObject(EnumObject, name, e, d.Type)
			o.Doc = "the user statuses of " + d.Type.Name
			c.types[name], c.typeObjs[name], s.objects[e] = e, o, o
			s.Enums = append(s.Enums, e)
		}
	}
}

var basicDocs = map[string]string{
	"string":   "text",
	"number":   "an exact decimal number",
	"money":    "an exact decimal amount of money",
	"bool":     "true or false",
	"time":     "a point in time",
	"duration": "a length of time: 30s, 15m, 2h, 3d, 1w",
}

// newTypeName checks that a record or enum name is free.
func (c *checker) newTypeName(id *ast.Ident) bool {
	if _, ok := types.BasicByName(id.Name); ok || id.Name == "list" {
		c.errorf(id.Span(), diag.Redeclared, "%s is a built-in type: choose another name", id.Name)
		return false
	}
	if prev := c.typeObjs[id.Name]; prev != nil {
		msg := fmt.Sprintf("%s is already declared at %s: choose another name", id.Name, where(prev))
		if _, ok := prev.Type.(*types.Record); ok && prev.File != nil && prev.File.Name == StdName {
			msg = fmt.Sprintf("%s is a record of the standard schema: add fields with extend %s { ... }", id.Name, id.Name)
		}
		c.report(diag.Diagnostic{Span: id.Span(), Severity: diag.Error, Code: diag.Redeclared, Message: msg, Related: relatedAt(prev, "declared here")})
		return false
	}
	return true
}

func (c *checker) declareFields() {
	// Records first, then extends, so that a record's own fields come
	// before the ones added to it wherever the extend is.
	for _, f := range c.files() {
		c.file = f
		for _, d := range f.Decls {
			if d, ok := d.(*ast.RecordDecl); ok && d.Name != nil {
				if r, ok := c.types[d.Name.Name].(*types.Record); ok && c.typeObjs[r.Name].Span == d.Name.Span() && c.recDecls[r] == f {
					c.addFields(r, d.Fields)
				}
			}
		}
	}
	for _, f := range c.files() {
		c.file = f
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.ExtendDecl:
				if d.Name == nil {
					continue
				}
				r := c.recordNamed(d.Name, "extend")
				if r != nil {
					c.addFields(r, d.Fields)
				} else {
					for _, fd := range d.Fields {
						if fd != nil {
							c.typeExpr(fd.Type)
						}
					}
				}
			case *ast.ActionDecl:
				c.declareAction(f, d)
			}
		}
	}
	c.checkRecursion()
}

// recordNamed resolves the record named after extend or statuses.
func (c *checker) recordNamed(id *ast.Ident, what string) *types.Record {
	switch t := c.types[id.Name].(type) {
	case *types.Record:
		c.use(id, c.typeObjs[id.Name])
		return t
	case *types.Enum:
		c.use(id, c.typeObjs[id.Name])
		c.errorf(id.Span(), diag.UnknownRecord, "%s is an enum, not a record: only records can follow %s", id.Name, what)
		return nil
	}
	var names []string
	for _, r := range c.pkg.Schema.Records {
		names = append(names, r.Name)
	}
	if s := nearestName(id.Name, names); s != "" {
		c.suggestf(id.Span(), diag.UnknownRecord, s, "unknown record %s; did you mean %s?", id.Name, s)
	} else {
		c.errorf(id.Span(), diag.UnknownRecord, "unknown record %s: declare it with record %s { ... } or use one of %s", id.Name, id.Name, strings.Join(names, ", "))
	}
	return nil
}

func (c *checker) addFields(r *types.Record, fields []*ast.Field) {
	recObj := c.typeObjs[r.Name]
	for _, fd := range fields {
		if fd == nil || fd.Name == nil {
			continue
		}
		t := c.typeExpr(fd.Type)
		if prev := r.Field(fd.Name.Name); prev != nil {
			po := c.pkg.Schema.objects[prev]
			c.report(diag.Diagnostic{Span: fd.Name.Span(), Severity: diag.Error, Code: diag.Redeclared,
				Message: fmt.Sprintf("%s already has a field %s (declared at %s): rename this one", r.Name, fd.Name.Name, where(po)),
				Related: relatedAt(po, "declared here")})
			continue
		}
		field := &types.Field{Name: fd.Name.Name, Type: t, Index: len(r.Fields)}
		if fd.Doc != nil {
			field.Doc = fd.Doc.Value
		}
		o := c.newObject(FieldObject, field.Name, t, fd.Name)
		o.Doc, o.Parent = field.Doc, recObj
		c.def(fd.Name, o)
		c.pkg.Schema.objects[field] = o
		r.Fields = append(r.Fields, field)
	}
}

// typeExpr resolves a written type.
func (c *checker) typeExpr(te *ast.TypeExpr) types.Type {
	if te == nil || te.Name == nil {
		return types.Typ[types.Invalid]
	}
	var t types.Type
	switch name := te.Name.Name; {
	case name == "list":
		if te.Elem == nil {
			c.errorf(te.Span(), diag.InvalidType, "list needs an element type, as in list<string>")
			return types.Typ[types.Invalid]
		}
		t = &types.List{Elem: c.typeExpr(te.Elem)}
	default:
		o := c.typeObjs[name]
		if o == nil {
			c.unknownType(te.Name)
			return types.Typ[types.Invalid]
		}
		c.use(te.Name, o)
		t = o.Type
		if te.Elem != nil {
			c.errorf(te.Elem.Span(), diag.InvalidType, "only list takes an element type: write list<%s>", name)
		}
	}
	if te.Optional.IsValid() {
		t = types.NewOptional(t)
	}
	return t
}

func (c *checker) unknownType(id *ast.Ident) {
	names := []string{"string", "number", "money", "bool", "time", "duration", "list"}
	for _, r := range c.pkg.Schema.Records {
		names = append(names, r.Name)
	}
	for _, e := range c.pkg.Schema.Enums {
		names = append(names, e.Name)
	}
	s := typeAliases[strings.ToLower(id.Name)]
	if s == "" {
		s = nearestName(id.Name, names)
	}
	if s != "" {
		c.suggestf(id.Span(), diag.UnknownType, s, "unknown type %s; did you mean %s?", id.Name, s)
		return
	}
	c.errorf(id.Span(), diag.UnknownType, "unknown type %s: use string, number, money, bool, time, duration, list<T>, or a declared record or enum", id.Name)
}

func (c *checker) declareAction(f *ast.File, d *ast.ActionDecl) {
	if !validPath(d.Name) {
		return
	}
	name := d.Name.String()
	last := d.Name.Parts[len(d.Name.Parts)-1]
	if prev := c.actions[name]; prev != nil {
		po := c.pkg.Schema.objects[prev]
		c.report(diag.Diagnostic{Span: d.Name.Span(), Severity: diag.Error, Code: diag.Redeclared,
			Message: fmt.Sprintf("action %s is already declared at %s: choose another name", name, where(po)), Related: relatedAt(po, "declared here")})
		return
	}
	a := &Action{Name: name, Decl: d, Message: c.isStd(f) && messageActions[name]}
	if d.Doc != nil {
		a.Doc = d.Doc.Value
	}
	o := c.newObject(ActionObject, name, nil, last)
	o.Doc = a.Doc
	for _, pd := range d.Params {
		if pd == nil || pd.Name == nil {
			continue
		}
		t := c.typeExpr(pd.Type)
		if a.Param(pd.Name.Name) != nil {
			c.errorf(pd.Name.Span(), diag.Redeclared, "action %s already has a parameter %s: rename one", name, pd.Name.Name)
			continue
		}
		p := &Param{Name: pd.Name.Name, Type: t, Index: len(a.Params)}
		po := c.newObject(ParamObject, p.Name, t, pd.Name)
		po.Parent = o
		c.def(pd.Name, po)
		c.pkg.Schema.objects[p] = po
		a.Params = append(a.Params, p)
	}
	if d.Result != nil {
		a.Result = c.typeExpr(d.Result)
	}
	o.Type = a.Result
	c.def(last, o)
	c.actions[name] = a
	c.pkg.Schema.objects[a] = o
	c.pkg.Schema.Actions = append(c.pkg.Schema.Actions, a)
	if !c.isStd(f) {
		c.userObjs = append(c.userObjs, o)
	}
}

// checkRecursion reports a record that contains itself through required
// record fields (no list, no ?): no finite record could be written.
func (c *checker) checkRecursion() {
	state := make(map[*types.Record]int) // 1 visiting, 2 done
	var visit func(r *types.Record) bool
	visit = func(r *types.Record) bool {
		switch state[r] {
		case 1:
			return true
		case 2:
			return false
		}
		state[r] = 1
		for _, f := range r.Fields {
			if sub, ok := f.Type.(*types.Record); ok && visit(sub) {
				state[r] = 2
				if o := c.pkg.Schema.objects[f]; o != nil && o.File != nil && o.File.Name != StdName {
					c.report(diag.Diagnostic{File: o.File, Span: o.Span, Severity: diag.Error, Code: diag.InvalidType,
						Message: fmt.Sprintf("record %s contains itself through field %s: make the field optional (%s?) or a list", r.Name, f.Name, sub.Name)})
				}
				return false
			}
		}
		state[r] = 2
		return false
	}
	for _, r := range c.pkg.Schema.Records {
		visit(r)
	}
}

func (c *checker) declareStatuses() {
	if c.phase == nil {
		return // the standard schema failed to parse
	}
	checkedRecord := make(map[*types.Enum]bool)
	for _, f := range c.files() {
		c.file = f
		for _, d := range f.Decls {
			d, ok := d.(*ast.StatusesDecl)
			if !ok || d.Type == nil {
				continue
			}
			r := c.recordNamed(d.Type, "statuses")
			if r == nil {
				continue
			}
			e, _ := c.types[r.Name+"_status"].(*types.Enum)
			if e == nil {
				continue
			}
			if !e.IsStatuses() {
				c.errorf(d.Type.Span(), diag.InvalidStatuses, "the statuses of %s are fixed: they are the values of enum %s (%s)", r.Name, e.Name, strings.Join(e.Values, ", "))
				continue
			}
			if !checkedRecord[e] {
				checkedRecord[e] = true
				if fld := r.Field("status"); fld == nil || !types.Identical(types.Unwrap(fld.Type), e) {
					c.errorf(d.Type.Span(), diag.InvalidStatuses, "record %s needs a field status: %s for its statuses: add it with extend %s { status: %s }", r.Name, e.Name, r.Name, e.Name)
				}
			}
			c.statusEntries(e, d.Entries)
		}
	}
}

func (c *checker) statusEntries(e *types.Enum, entries []*ast.StatusEntry) {
	s := c.pkg.Schema
	enumObj := c.typeObjs[e.Name]
	for _, ent := range entries {
		if ent == nil || ent.Status == nil {
			continue
		}
		var phase string
		if ent.Phase != nil {
			if po := c.phaseValue(ent.Phase); po != nil {
				phase = po.Name
			}
		}
		lit := ent.Status
		if !lit.IsPlain() {
			c.errorf(lit.Span(), diag.InvalidStatuses, "a status name cannot interpolate {...}: write it literally")
			continue
		}
		name := norm.NFC.String(lit.Value)
		if strings.TrimSpace(name) == "" {
			c.errorf(lit.Span(), diag.InvalidStatuses, "a status name cannot be empty")
			continue
		}
		if prev := s.EnumValue(e, name); prev != nil {
			c.report(diag.Diagnostic{Span: lit.Span(), Severity: diag.Error, Code: diag.Redeclared,
				Message: fmt.Sprintf("status %q is already declared at %s: remove one", name, where(prev)), Related: relatedAt(prev, "declared here")})
			continue
		}
		o := c.newObject(StatusObject, name, e, lit)
		o.Parent = enumObj
		if phase != "" {
			o.Doc = "status of " + e.Record + " in phase " + phase
		}
		c.def(lit, o)
		e.Values = append(e.Values, name)
		e.Phases = append(e.Phases, phase)
		s.values[e] = append(s.values[e], o)
	}
}

// phaseValue resolves the phase after `->`.
func (c *checker) phaseValue(id *ast.Ident) *Object {
	if o := c.pkg.Schema.EnumValue(c.phase, id.Name); o != nil {
		c.use(id, o)
		return o
	}
	if s := nearestName(id.Name, c.phase.Values); s != "" {
		c.suggestf(id.Span(), diag.UnknownPhase, s, "unknown phase %s; did you mean %s?", id.Name, s)
	} else {
		c.errorf(id.Span(), diag.UnknownPhase, "unknown phase %s: a status maps to one of %s", id.Name, strings.Join(c.phase.Values, ", "))
	}
	return nil
}

// declareConsts declares every const, then checks their values in
// dependency order.
func (c *checker) declareConsts() {
	for _, f := range c.pkg.Files {
		c.file = f
		for _, d := range f.Decls {
			d, ok := d.(*ast.ConstDecl)
			if !ok || d.Name == nil {
				continue
			}
			name := d.Name.Name
			if prev := c.consts[name]; prev != nil {
				c.report(diag.Diagnostic{Span: d.Name.Span(), Severity: diag.Error, Code: diag.Redeclared,
					Message: fmt.Sprintf("const %s is already declared at %s: rename one", name, where(prev.Obj)), Related: relatedAt(prev.Obj, "declared here")})
				continue
			}
			if _, ok := c.types[name].(*types.Record); ok {
				c.errorf(d.Name.Span(), diag.Redeclared, "%s is the name of a record: choose another name for the const", name)
				continue
			}
			k := &Const{Name: name, Value: d.Value, Decl: d}
			k.Obj = c.newObject(ConstObject, name, nil, d.Name)
			c.def(d.Name, k.Obj)
			c.consts[name] = k
			c.constFile[k] = f
			c.pkg.Consts = append(c.pkg.Consts, k)
			c.userObjs = append(c.userObjs, k.Obj)
		}
	}
	for _, k := range c.pkg.Consts {
		c.checkConst(k)
	}
}

// checkConst type-checks and folds a const's value, once; a const that
// depends on itself is reported.
func (c *checker) checkConst(k *Const) {
	if c.constDone[k] {
		return
	}
	if c.constBusy[k] {
		c.file = c.constFile[k]
		c.errorf(k.Decl.Name.Span(), diag.InvalidConst, "const %s depends on itself", k.Name)
		k.Type = types.Typ[types.Invalid]
		k.Obj.Type = k.Type
		c.constDone[k] = true
		return
	}
	c.constBusy[k] = true
	savedFile, savedRule := c.file, c.rule
	c.file, c.rule = c.constFile[k], nil
	t := types.Type(types.Typ[types.Invalid])
	if k.Value != nil {
		t = c.expr(k.Value, nil)
		if _, ok := c.info.Consts[k.Value]; !ok && !types.IsInvalid(t) {
			c.errorf(k.Value.Span(), diag.InvalidConst, "the value of const %s must be a constant: a literal, a list, another const or arithmetic on them", k.Name)
			t = types.Typ[types.Invalid]
		}
	}
	if !c.constDone[k] {
		k.Type = t
		k.Obj.Type = t
		c.constDone[k] = true
	}
	c.file, c.rule = savedFile, savedRule
	delete(c.constBusy, k)
}
