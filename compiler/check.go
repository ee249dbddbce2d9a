package compiler

// This file defines Check, the checker state shared by the passes, the
// ordered pass table and diagnostic reporting (limits, silencing comments).

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// pass is one named stage of [Check].
type pass struct {
	name string
	run  func(*checker)
}

// passes is the checking pipeline, in order. The names are stable: they
// appear in [Config].Trace and in tests.
var passes = [...]pass{
	{"parse", (*checker).parseAll},
	{"declare", (*checker).declareTypes},
	{"fields", (*checker).declareFields},
	{"statuses", (*checker).declareStatuses},
	{"consts", (*checker).declareConsts},
	{"rules", (*checker).checkRules},
	{"lint", (*checker).lint},
}

// PassNames returns the names of the checking passes in the order they
// run.
func PassNames() []string {
	out := make([]string, len(passes))
	for i, p := range passes {
		out[i] = p.name
	}
	return out
}

// Check parses, resolves, type-checks and lints the ruleset made of srcs
// and the files they import. It always returns a non-nil [Package]; the
// [diag.List] holds every diagnostic reported (sorted, without duplicates),
// which is also what [Config].Error received.
func Check(srcs []Source, cfg Config) (*Package, diag.List) {
	c := newChecker(srcs, cfg)
	c.run()
	return c.pkg, c.diags
}

// bailout unwinds the checker when reporting must stop.
type bailout struct{}

type checker struct {
	cfg      Config
	srcs     []Source
	pkg      *Package
	info     *Info
	diags    diag.List
	errors   int
	disabled map[diag.Code]bool

	file    *ast.File // the file being checked
	ignores map[*token.File]map[int][]diag.Code

	// schema
	types     map[string]types.Type // records and enums by name
	typeObjs  map[string]*Object    // their objects, basic type names included
	recDecls  map[*types.Record]*ast.File
	valueObjs map[*types.Enum][]*Object // parallel to Values
	eventObjs map[string]*Object        // "order.created"
	actions   map[string]*Action
	phase     *types.Enum
	consts    map[string]*Const
	constFile map[*Const]*ast.File
	constBusy map[*Const]bool
	constDone map[*Const]bool
	userObjs  []*Object // user-declared consts, actions, enums, records (unused lint)
	nextID    int
	ruleNames map[string]*Object

	templates map[string]*template // nil: the ruleset has none (not checked)

	// the rule being checked
	rule  *ruleState
	rules []*ruleState
}

// ruleState is what the checker keeps about a rule for the lints and for
// [Package.NamesAt].
type ruleState struct {
	r     *Rule
	file  *ast.File
	lets  []*Object
	letAt []token.Pos // end of each let statement
	vars  []*Object   // the quantifier variables in scope, innermost last
	quant []quantScope
}

// quantScope is a quantifier variable and the span it is visible in.
type quantScope struct {
	obj  *Object
	span token.Span
}

func newChecker(srcs []Source, cfg Config) *checker {
	// Size the side tables from the amount of source, as measured on
	// realistic rulesets: one expression per 14 bytes, one name use per
	// 13, one path per 32.
	size := len(stdSource)
	for _, s := range srcs {
		size += len(s.Src)
	}
	info := &Info{
		Types:  make(map[ast.Expr]types.Type, size/14),
		Defs:   make(map[ast.Node]*Object, size/128),
		Uses:   make(map[ast.Node]*Object, size/13),
		Paths:  make(map[*ast.PathExpr]*Path, size/32),
		Consts: make(map[ast.Expr]Constant, size/64),
		Calls:  make(map[*ast.CallExpr]*Call, size/128),

		Templates: make(map[*ast.CallExpr]*TemplateUse),
	}
	c := &checker{
		cfg:  cfg,
		srcs: srcs,
		info: info,
		pkg: &Package{
			Schema: &Schema{objects: make(map[any]*Object), values: make(map[*types.Enum][]*Object), events: make(map[string]*Object)},
			Info:   info,
			refs:   make(map[*token.File][]Ref),
			files:  make(map[string]*ast.File),
		},
		disabled:  make(map[diag.Code]bool),
		ignores:   make(map[*token.File]map[int][]diag.Code),
		types:     make(map[string]types.Type),
		typeObjs:  make(map[string]*Object),
		recDecls:  make(map[*types.Record]*ast.File),
		eventObjs: make(map[string]*Object),
		actions:   make(map[string]*Action),
		consts:    make(map[string]*Const),
		constFile: make(map[*Const]*ast.File),
		constBusy: make(map[*Const]bool),
		constDone: make(map[*Const]bool),
		ruleNames: make(map[string]*Object),
	}
	c.valueObjs = c.pkg.Schema.values
	c.eventObjs = c.pkg.Schema.events
	for _, code := range cfg.DisableLints {
		c.disabled[code] = true
	}
	return c
}

func (c *checker) run() {
	defer c.finish()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
		}
	}()
	for _, p := range passes {
		start := time.Now()
		p.run(c)
		if c.cfg.Trace != nil {
			c.cfg.Trace(p.name, time.Since(start))
		}
	}
}

// finish sorts the references and diagnostics; it runs even after a
// bailout so that a partial Package is consistent.
func (c *checker) finish() {
	c.pkg.states = c.rules
	for _, refs := range c.pkg.refs {
		slices.SortStableFunc(refs, func(a, b Ref) int { return cmp.Compare(a.Span.Start, b.Span.Start) })
	}
	c.diags.RemoveDuplicates()
}

// ---------------------------------------------------------------------------
// Reporting

func (c *checker) report(d diag.Diagnostic) {
	if d.File == nil && c.file != nil {
		d.File = c.file.Tok
	}
	if d.Severity != diag.Error {
		if c.disabled[d.Code] || c.silenced(d) {
			return
		}
	}
	c.diags = append(c.diags, d)
	if c.cfg.Error != nil {
		c.cfg.Error(d)
	}
	if d.Severity == diag.Error {
		c.errors++
		if c.cfg.Error == nil || (c.cfg.MaxErrors > 0 && c.errors >= c.cfg.MaxErrors) {
			panic(bailout{})
		}
	}
}

// errorf reports an error at span in the current file.
func (c *checker) errorf(span token.Span, code diag.Code, format string, args ...any) {
	c.report(diag.Diagnostic{Span: span, Severity: diag.Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// suggestf reports an error with a replacement for span.
func (c *checker) suggestf(span token.Span, code diag.Code, suggestion, format string, args ...any) {
	c.report(diag.Diagnostic{Span: span, Severity: diag.Error, Code: code, Suggestion: suggestion, Message: fmt.Sprintf(format, args...)})
}

// warnf reports a lint warning at span in the current file.
func (c *checker) warnf(span token.Span, code diag.Code, related []diag.Related, format string, args ...any) {
	c.report(diag.Diagnostic{Span: span, Severity: diag.Warning, Code: code, Related: related, Message: fmt.Sprintf(format, args...)})
}

// relatedAt builds a Related entry for an object's declaration.
func relatedAt(o *Object, msg string) []diag.Related {
	if o == nil || o.File == nil {
		return nil
	}
	return []diag.Related{{File: o.File, Span: o.Span, Message: msg}}
}

// where renders an object's declaration place for a message: "std.rules:12"
// or "shop.rules:3".
func where(o *Object) string {
	if o == nil || o.File == nil {
		return "built in"
	}
	p := o.File.Position(o.Span.Start)
	name := o.File.Name
	if name != StdName {
		name = filepath.Base(name)
	}
	return fmt.Sprintf("%s:%d", name, p.Line)
}

// ---------------------------------------------------------------------------
// Silencing comments

// ignorePrefix starts a comment that silences lints on its line, or on the
// next line when the comment stands alone.
const ignorePrefix = "automat:ignore"

// collectIgnores reads the silencing comments of f.
func (c *checker) collectIgnores(f *ast.File) {
	for _, cm := range f.Comments {
		text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(cm.Text, "#"), "//"))
		if !strings.HasPrefix(text, ignorePrefix) {
			continue
		}
		rest := strings.TrimSpace(text[len(ignorePrefix):])
		// A reason may follow "--", and another comment "#".
		for _, stop := range []string{"--", "#"} {
			if i := strings.Index(rest, stop); i >= 0 {
				rest = rest[:i]
			}
		}
		pos := f.Tok.Position(cm.Pos)
		line := pos.Line
		lineStart, _ := f.Tok.LineStart(line)
		if strings.TrimSpace(string(f.Tok.Src[lineStart:cm.Pos])) == "" {
			line++ // alone on its line: applies to the next one
		}
		var codes []diag.Code
		off := cm.Pos + token.Pos(strings.Index(cm.Text, ignorePrefix)+len(ignorePrefix))
		for _, field := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			code, ok := lintByName(field)
			if !ok {
				i := strings.Index(cm.Text[off-cm.Pos:], field)
				span := token.Span{Start: off + token.Pos(i), End: off + token.Pos(i+len(field))}
				c.report(diag.Diagnostic{File: f.Tok, Span: span, Severity: diag.Warning, Code: diag.UnknownIgnore,
					Message: unknownIgnoreMessage(field)})
				continue
			}
			codes = append(codes, code)
		}
		if len(codes) == 0 {
			continue
		}
		m := c.ignores[f.Tok]
		if m == nil {
			m = make(map[int][]diag.Code)
			c.ignores[f.Tok] = m
		}
		m[line] = append(m[line], codes...)
	}
}

func unknownIgnoreMessage(name string) string {
	if code, ok := codeByName(name); ok {
		return fmt.Sprintf("%s is an error, not a lint, and cannot be silenced: fix it instead", code)
	}
	var names []string
	for _, l := range lints {
		names = append(names, l.code.String())
	}
	if s := nearestName(name, names); s != "" {
		return fmt.Sprintf("%s is not a lint code; did you mean %s?", name, s)
	}
	return fmt.Sprintf("%s is not a lint code; write one of %s", name, strings.Join(names, ", "))
}

// silenced reports whether a silencing comment covers d's first line.
func (c *checker) silenced(d diag.Diagnostic) bool {
	if d.File == nil || d.Code == diag.UnknownIgnore {
		return false
	}
	m := c.ignores[d.File]
	if m == nil {
		return false
	}
	for _, code := range m[d.File.Position(d.Span.Start).Line] {
		if code == d.Code {
			return true
		}
	}
	return false
}

// codeByName finds any diagnostic code by its printed name.
func codeByName(name string) (diag.Code, bool) {
	for c := diag.Code(1); c <= diag.MaxCompilerCode; c++ {
		if c.String() == name {
			return c, true
		}
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// Side tables

// def records that node declares obj.
func (c *checker) def(node ast.Node, obj *Object) {
	if node == nil || obj == nil {
		return
	}
	c.info.Defs[node] = obj
	c.addRef(node, obj, true)
}

// use records that node refers to obj.
func (c *checker) use(node ast.Node, obj *Object) {
	if node == nil || obj == nil {
		return
	}
	c.info.Uses[node] = obj
	obj.used++
	c.addRef(node, obj, false)
}

func (c *checker) addRef(node ast.Node, obj *Object, def bool) {
	if c.file == nil {
		return
	}
	tf := c.file.Tok
	refs, ok := c.pkg.refs[tf]
	if !ok {
		refs = make([]Ref, 0, len(tf.Src)/12+8)
	}
	c.pkg.refs[tf] = append(refs, Ref{File: tf, Span: node.Span(), Node: node, Obj: obj, Def: def})
}

// record stores the type of e and returns it.
func (c *checker) record(e ast.Expr, t types.Type) types.Type {
	if t == nil {
		t = types.Typ[types.Invalid]
	}
	c.info.Types[e] = t
	return t
}

// newObject makes an object declared at node in the current file.
func (c *checker) newObject(kind ObjectKind, name string, t types.Type, node ast.Node) *Object {
	c.nextID++
	o := &Object{Kind: kind, Name: name, Type: t, id: c.nextID}
	if node != nil && c.file != nil {
		o.File = c.file.Tok
		o.Span = node.Span()
	}
	return o
}
