// Package codegen is the code generation stage of the Automat compiler: it
// turns a checked compiler.Package into a bytecode.Program that the VM
// (runtime/vm) runs. It reads the checker's side tables (types, resolved
// paths, constants, definitions) and never the source text, except to
// label clauses.
//
// What it does:
//
//   - lays out records (one slot per field, in schema order) and emits
//     field reads by slot;
//   - compiles conditions to jumping code: `and`/`or`/`not` are branches
//     (short-circuit), and each comparison is one test-and-jump
//     instruction, specialised for the operands' kind; a subject field
//     compared with a constant is a single [bytecode.OpTestField];
//   - folds constants (the checker's Info.Consts): constant conditions
//     become jumps or nothing, the constant side of `contains` and
//     `starts with` is case-folded once, strings are put in NFC, `in`
//     lists become constant sets that the VM hashes;
//   - emits each rule's condition, `once per` expression, clauses, action
//     arguments and `wait until` conditions as fragments of one
//     contiguous program;
//   - builds the rule index: per event, the rules it can trigger, with a
//     discrimination step on a top-level `field = constant` (or `field in
//     [constants]`) conjunct of enum, string or number fields.
//
// The entry point is [Compile].
package codegen

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lang/value"
)

// Compile generates the bytecode of a checked package. The package must
// have been checked without errors; Compile fails on the first construct
// it cannot compile (which the checker should have rejected).
func Compile(pkg *compiler.Package) (p *bytecode.Program, err error) {
	g := &gen{
		pkg:     pkg,
		info:    pkg.Info,
		p:       &bytecode.Program{Ruleset: pkg.Name},
		records: make(map[*types.Record]int32),
		enums:   make(map[*types.Enum]int32),
		actions: make(map[string]int32),
		files:   make(map[*token.File]int32),
		consts:  make(map[bytecode.Const]uint32),
		sets:    make(map[string]uint32),
		regexps: make(map[string]uint32),
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(genError)
			if !ok {
				panic(r)
			}
			p, err = nil, e.err
		}
	}()
	g.schema()
	for _, r := range pkg.Rules {
		g.rule(r)
	}
	g.index()
	if err := g.p.Validate(); err != nil {
		return nil, fmt.Errorf("codegen: internal error: %w", err)
	}
	return g.p, nil
}

// genError carries a compile failure out of the generator.
type genError struct{ err error }

func (g *gen) failf(n ast.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n != nil && g.file != nil {
		msg = fmt.Sprintf("%s: %s", g.file.Tok.Position(n.Span().Start), msg)
	}
	panic(genError{fmt.Errorf("codegen: %s", msg)})
}

type gen struct {
	pkg  *compiler.Package
	info *compiler.Info
	p    *bytecode.Program

	records map[*types.Record]int32
	enums   map[*types.Enum]int32
	actions map[string]int32
	files   map[*token.File]int32
	consts  map[bytecode.Const]uint32
	sets    map[string]uint32
	regexps map[string]uint32

	// the rule being compiled
	cur       *compiler.Rule
	file      *ast.File
	subject   int32
	loc       bytecode.Loc
	locals    int // next free local
	lets      map[*compiler.Object]int
	vars      map[*compiler.Object]int
	labels    []int32 // pc of each label, -1 until placed
	fixups    []fixup
	ruleDiscs []*discKey // the discrimination key of each rule (or nil), by rule index
}

type fixup struct {
	pc    int32
	label label
}

// label is a jump target to be placed later.
type label int

// ---------------------------------------------------------------------------
// Schema

func (g *gen) schema() {
	s := g.pkg.Schema
	for i, r := range s.Records {
		g.records[r] = int32(i)
	}
	for i, e := range s.Enums {
		g.enums[e] = int32(i)
	}
	for _, r := range s.Records {
		rt := bytecode.RecordType{Name: r.Name, Fields: make([]bytecode.Field, len(r.Fields))}
		for j, f := range r.Fields {
			rt.Fields[j] = bytecode.Field{Name: f.Name, Type: g.typ(f.Type)}
		}
		g.p.Records = append(g.p.Records, rt)
	}
	for _, e := range s.Enums {
		g.p.Enums = append(g.p.Enums, bytecode.EnumType{Name: e.Name, Values: e.Values, Phases: e.Phases, Record: e.Record})
	}
	for i, a := range s.Actions {
		ba := bytecode.Action{Name: a.Name, Params: make([]bytecode.Param, len(a.Params))}
		for j, prm := range a.Params {
			ba.Params[j] = bytecode.Param{Name: prm.Name, Type: g.typ(prm.Type)}
		}
		if a.Result != nil {
			ba.Result = g.typ(a.Result)
		}
		g.p.Actions = append(g.p.Actions, ba)
		g.actions[a.Name] = int32(i)
	}
}

// typ converts a checker type to its bytecode form.
func (g *gen) typ(t types.Type) bytecode.Type {
	bt := bytecode.Type{Optional: types.IsOptional(t), Record: -1, Enum: -1}
	u := types.Unwrap(t)
	if l, ok := u.(*types.List); ok {
		bt.Kind = bytecode.List
		u = types.Unwrap(l.Elem)
		bt.Elem = g.kind(u)
		if bt.Elem == bytecode.List {
			g.failf(nil, "lists of lists are not supported (%s)", t)
		}
	} else {
		bt.Kind = g.kind(u)
	}
	switch u := u.(type) {
	case *types.Record:
		bt.Record = g.records[u]
	case *types.Enum:
		bt.Enum = g.enums[u]
	}
	return bt
}

// kind returns the VM kind of a type.
func (g *gen) kind(t types.Type) bytecode.Kind {
	switch u := types.Unwrap(t).(type) {
	case *types.Basic:
		switch u.Kind {
		case types.String:
			return bytecode.String
		case types.Number, types.Money:
			return bytecode.Number
		case types.Bool:
			return bytecode.Bool
		case types.Time:
			return bytecode.Time
		case types.Duration:
			return bytecode.Duration
		case types.Null:
			return bytecode.Null
		}
	case *types.Enum:
		return bytecode.Enum
	case *types.Record:
		return bytecode.Record
	case *types.List:
		return bytecode.List
	}
	g.failf(nil, "no VM kind for type %v", t)
	return bytecode.Null
}

// ---------------------------------------------------------------------------
// Emission

func (g *gen) pc() int32 { return int32(len(g.p.Code)) }

func (g *gen) emit(in bytecode.Instr) int32 {
	pc := g.pc()
	g.p.Code = append(g.p.Code, in)
	g.p.Locs = append(g.p.Locs, g.loc)
	return pc
}

func (g *gen) op(op bytecode.Opcode) { g.emit(bytecode.Instr{Op: op}) }

// at makes n the source of the instructions emitted next and returns the
// previous source, for restoring.
func (g *gen) at(n ast.Node) bytecode.Loc {
	old := g.loc
	if n != nil {
		g.loc = g.locOf(n.Span())
	}
	return old
}

func (g *gen) locOf(s token.Span) bytecode.Loc {
	tf := g.file.Tok
	fi, ok := g.files[tf]
	if !ok {
		fi = int32(len(g.p.Files))
		g.p.Files = append(g.p.Files, tf.Name)
		g.files[tf] = fi
	}
	pos := tf.Position(s.Start)
	return bytecode.Loc{File: fi, Start: int32(s.Start), End: int32(s.End), Line: int32(pos.Line), Col: int32(pos.Column)}
}

func (g *gen) newLabel() label {
	g.labels = append(g.labels, -1)
	return label(len(g.labels) - 1)
}

func (g *gen) place(l label) { g.labels[l] = g.pc() }

// jump emits a jump-like instruction whose C is label l.
func (g *gen) jump(in bytecode.Instr, l label) {
	pc := g.emit(in)
	g.fixups = append(g.fixups, fixup{pc, l})
}

// patch resolves the jumps of the fragment just emitted.
func (g *gen) patch() {
	for _, f := range g.fixups {
		t := g.labels[f.label]
		if t < 0 {
			panic("codegen: label never placed")
		}
		g.p.Code[f.pc].C = t
	}
	g.fixups = g.fixups[:0]
	g.labels = g.labels[:0]
}

// konst adds a constant to the pool (once) and returns its index.
func (g *gen) konst(c bytecode.Const) uint32 {
	// Numbers keep their written scale (it shows in interpolations):
	// 99.90 and 99.9 are two constants.
	if i, ok := g.consts[c]; ok {
		return i
	}
	i := uint32(len(g.p.Consts))
	g.p.Consts = append(g.p.Consts, c)
	g.consts[c] = i
	return i
}

// constOf converts a checker constant to a pool constant of kind k (the
// kind of the operation it takes part in).
func (g *gen) constOf(n ast.Node, k compiler.Constant, want bytecode.Kind) bytecode.Const {
	switch {
	case types.Is(k.Type, types.Null):
		return bytecode.Const{Kind: bytecode.Null}
	case types.IsNumeric(k.Type):
		d, err := value.ParseDecimal(k.Text)
		if err != nil {
			g.failf(n, "bad number constant %q", k.Text)
		}
		return bytecode.Const{Kind: bytecode.Number, Num: d}
	case types.Is(k.Type, types.Bool):
		var i int64
		if k.Bool {
			i = 1
		}
		return bytecode.Const{Kind: bytecode.Bool, Int: i}
	case types.Is(k.Type, types.Duration):
		return bytecode.Const{Kind: bytecode.Duration, Int: int64(k.Duration)}
	}
	text := norm.NFC.String(k.Text)
	if e, ok := types.Unwrap(k.Type).(*types.Enum); ok && want == bytecode.Enum {
		return bytecode.Const{Kind: bytecode.Enum, Str: text, Int: int64(e.Index(text))}
	}
	if want == bytecode.Enum {
		// A string constant compared with an enum of the same kind: the
		// caller chose Enum only for enum-typed constants.
		g.failf(n, "string constant %q in an enum comparison", text)
	}
	return bytecode.Const{Kind: bytecode.String, Str: text}
}

// ---------------------------------------------------------------------------
// Rules

func (g *gen) rule(r *compiler.Rule) {
	if r.Subject == nil || r.Decl == nil {
		g.failf(nil, "rule %q has no subject (was the package checked without errors?)", r.ID)
	}
	g.cur, g.file = r, r.File
	g.subject = g.records[r.Subject]
	g.lets = make(map[*compiler.Object]int)
	g.vars = make(map[*compiler.Object]int)
	rd := r.Decl
	g.at(rd)
	br := bytecode.Rule{
		Name:    r.Name,
		ID:      r.ID,
		Subject: g.subject,
		Freq:    bytecode.Always,
		Per:     -1,
		Loc:     g.locOf(rd.Span()),
	}
	br.Code[0] = g.pc()
	for _, t := range r.Triggers {
		br.Triggers = append(br.Triggers, bytecode.Trigger{Event: t.Event, Schedule: t.Schedule})
	}
	// Lets take the first locals.
	for _, s := range rd.Body {
		if ls, ok := s.(*ast.LetStmt); ok && ls.Name != nil {
			if o := g.info.Defs[ls.Name]; o != nil {
				g.lets[o] = len(g.lets)
			}
		}
	}
	br.Lets = len(g.lets)
	g.locals = br.Lets
	g.p.MaxLocals = max(g.p.MaxLocals, br.Lets)

	br.Cond = g.condFragment(rd.Cond)
	if r.Freq == ast.Once {
		br.Freq = bytecode.Once
		if r.Per != nil {
			br.Freq = bytecode.OncePer
			br.Per = g.valueFragment(r.Per)
		}
	}
	for _, leaf := range Clauses(rd.Cond) {
		br.Clauses = append(br.Clauses, bytecode.Clause{
			Text: g.source(leaf),
			Loc:  g.locOf(leaf.Span()),
			PC:   g.valueFragment(leaf),
		})
	}
	for _, s := range rd.Body {
		if st, ok := g.stmt(s); ok {
			br.Body = append(br.Body, st)
		}
	}
	br.Code[1] = g.pc()
	g.p.Rules = append(g.p.Rules, br)
	g.ruleDiscs = append(g.ruleDiscs, g.discriminate(rd.Cond))
}

// source returns the text of n as written.
func (g *gen) source(n ast.Node) string {
	s := n.Span()
	src := g.file.Tok.Src
	if s.IsValid() && int(s.End) <= len(src) {
		return string(src[s.Start:s.End])
	}
	return ""
}

// Clauses returns the leaves of a condition (what `and`, `or`, `not` and
// parentheses join) in the order the generated program numbers its
// clauses, so that clause values from the VM can be matched to the source
// (the event log, `rulec explain`).
func Clauses(e ast.Expr) []ast.Expr {
	var out []ast.Expr
	var walk func(ast.Expr)
	walk = func(e ast.Expr) {
		switch x := e.(type) {
		case nil:
		case *ast.ParenExpr:
			walk(x.X)
		case *ast.UnaryExpr:
			walk(x.X)
		case *ast.BinaryExpr:
			if x.Op == ast.OpAnd || x.Op == ast.OpOr {
				walk(x.X)
				walk(x.Y)
				return
			}
			out = append(out, e)
		default:
			out = append(out, e)
		}
	}
	walk(e)
	return out
}

// condFragment emits a condition fragment and returns its entry.
func (g *gen) condFragment(e ast.Expr) int32 {
	entry := g.pc()
	old := g.at(e)
	defer func() { g.loc = old }()
	if e == nil {
		g.op(bytecode.OpRetTrue)
		return entry
	}
	f := g.newLabel()
	g.branch(e, false, f)
	g.op(bytecode.OpRetTrue)
	g.place(f)
	g.op(bytecode.OpRetFalse)
	g.patch()
	g.trackStack(entry, true)
	return entry
}

// valueFragment emits a fragment computing e and returns its entry.
func (g *gen) valueFragment(e ast.Expr) int32 {
	entry := g.pc()
	old := g.at(e)
	defer func() { g.loc = old }()
	g.value(e)
	g.op(bytecode.OpReturn)
	g.patch()
	g.trackStack(entry, false)
	return entry
}

// textFragment compiles a template part as a fragment returning its
// text; its code is located at the call that uses the template.
func (g *gen) textFragment(lit *ast.StringLit, html bool) int32 {
	entry := g.pc()
	g.interpText(lit, html)
	g.op(bytecode.OpReturn)
	g.patch()
	g.trackStack(entry, false)
	return entry
}

// trackStack raises MaxStack to what the fragment at entry needs.
func (g *gen) trackStack(entry int32, cond bool) {
	d, err := bytecode.StackDepth(g.p.Code, entry, g.pc(), cond)
	if err != nil {
		g.failf(nil, "internal error: %v", err)
	}
	g.p.MaxStack = max(g.p.MaxStack, d)
}

func (g *gen) stmt(s ast.Stmt) (bytecode.Stmt, bool) {
	old := g.at(s)
	defer func() { g.loc = old }()
	st := bytecode.Stmt{Cond: -1, Let: -1, Loc: g.locOf(s.Span())}
	switch s := s.(type) {
	case *ast.CallStmt:
		st.Kind = bytecode.StmtCall
		g.call(&st, s.Call)
	case *ast.LetStmt:
		st.Kind = bytecode.StmtLet
		g.call(&st, s.Call)
		if s.Name != nil {
			if o := g.info.Defs[s.Name]; o != nil {
				st.Let = int32(g.lets[o])
			}
		}
	case *ast.WaitStmt:
		st.Kind = bytecode.StmtWait
		if s.Dur != nil {
			st.Wait = int64(s.Dur.Value)
		}
	case *ast.WaitUntilStmt:
		st.Kind = bytecode.StmtWaitUntil
		st.Cond = g.condFragment(s.Cond)
		if s.Dur != nil {
			st.Wait = int64(s.Dur.Value)
		}
	default:
		return st, false
	}
	return st, true
}

func (g *gen) call(st *bytecode.Stmt, call *ast.CallExpr) {
	c := g.info.Calls[call]
	if c == nil || c.Action == nil {
		g.failf(call, "unchecked action call")
	}
	ai, ok := g.actions[c.Action.Name]
	if !ok {
		g.failf(call, "unknown action %s", c.Action.Name)
	}
	st.Action = ai
	for i, arg := range c.Args {
		if arg == nil {
			continue
		}
		prm := c.Action.Params[i]
		st.Args = append(st.Args, bytecode.Arg{Param: int32(i), Name: prm.Name, PC: g.valueFragment(arg)})
	}
	if u := g.info.Templates[call]; u != nil {
		g.templateArgs(st, c, u)
	}
}

// templateArgs adds the rendered parts of a call's template as arguments
// outside the action's parameters (Param -1): "subject" (unless the call
// gives one), "text" and "html", whose interpolated values are
// HTML-escaped. Connectors send them as they are.
func (g *gen) templateArgs(st *bytecode.Stmt, c *compiler.Call, u *compiler.TemplateUse) {
	given := func(name string) bool {
		for _, a := range st.Args {
			if a.Name == name {
				return true
			}
		}
		return false
	}
	for _, part := range []struct {
		name string
		lit  *ast.StringLit
		html bool
	}{{"subject", u.Subject, false}, {"text", u.Text, false}, {"html", u.HTML, true}} {
		if part.lit == nil || given(part.name) {
			continue
		}
		st.Args = append(st.Args, bytecode.Arg{Param: -1, Name: part.name, PC: g.textFragment(part.lit, part.html)})
	}
}

// ---------------------------------------------------------------------------
// Locals

// allocLocals reserves n consecutive locals and returns the first.
func (g *gen) allocLocals(n int) int {
	first := g.locals
	g.locals += n
	g.p.MaxLocals = max(g.p.MaxLocals, g.locals)
	if g.locals > 1<<16-1 {
		g.failf(nil, "too many nested quantifiers")
	}
	return first
}

func (g *gen) freeLocals(n int) { g.locals -= n }

// ---------------------------------------------------------------------------
// Helpers on the checker's tables

func (g *gen) typeOf(e ast.Expr) types.Type {
	if t := g.info.Types[e]; t != nil {
		return t
	}
	g.failf(e, "expression has no type")
	return nil
}

func (g *gen) constant(e ast.Expr) (compiler.Constant, bool) {
	k, ok := g.info.Consts[e]
	return k, ok
}

// subjectSlot returns the slot of a path that reads one field of the
// subject, or -1.
func (g *gen) subjectSlot(e ast.Expr) int {
	p, ok := unparen(e).(*ast.PathExpr)
	if !ok {
		return -1
	}
	if _, isConst := g.info.Consts[p]; isConst {
		return -1
	}
	res := g.info.Paths[p]
	if res == nil || res.Base != compiler.Subject || len(res.Fields) != 1 {
		return -1
	}
	return res.Fields[0].Index
}

// subjectPath2 returns the slots of a path that reads a field of a
// record that is a field of the subject (order.buyer.email).
func (g *gen) subjectPath2(e ast.Expr) (a, d uint16, ok bool) {
	p, isPath := unparen(e).(*ast.PathExpr)
	if !isPath {
		return 0, 0, false
	}
	if _, isConst := g.info.Consts[p]; isConst {
		return 0, 0, false
	}
	res := g.info.Paths[p]
	if res == nil || res.Base != compiler.Subject || len(res.Fields) != 2 {
		return 0, 0, false
	}
	if _, isRecord := types.Unwrap(res.Fields[0].Type).(*types.Record); !isRecord {
		return 0, 0, false
	}
	return uint16(res.Fields[0].Index), uint16(res.Fields[1].Index), true
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// opKind returns the kind in which two operands of a comparison are
// compared: Number for numbers and money, Enum for two values of one enum,
// String for text (strings, or an enum and a string), else the kind of
// both.
func (g *gen) opKind(xt, yt types.Type) bytecode.Kind {
	ux, uy := types.Unwrap(xt), types.Unwrap(yt)
	if types.Is(ux, types.Null) {
		ux = uy
	}
	if types.Is(uy, types.Null) {
		uy = ux
	}
	switch {
	case types.IsNumeric(ux) && types.IsNumeric(uy):
		return bytecode.Number
	case types.IsText(ux) && types.IsText(uy):
		ex, okx := ux.(*types.Enum)
		ey, oky := uy.(*types.Enum)
		if okx && oky && ex == ey {
			return bytecode.Enum
		}
		return bytecode.String
	}
	return g.kind(ux)
}

// elemType returns the element type of a list type.
func elemType(t types.Type) types.Type {
	if l, ok := types.Unwrap(t).(*types.List); ok {
		return l.Elem
	}
	return t
}

// nfc is the text of plain strings as the VM compares them.
func nfc(s string) string { return norm.NFC.String(s) }

// fold is the constant side of contains / starts with.
func fold(s string) string { return value.Fold(nfc(s)) }

// setKey renders a set's identity for sharing equal sets.
func setKey(s bytecode.Set, p *bytecode.Program) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", s.Kind)
	for _, e := range s.Elems {
		fmt.Fprintf(&b, "%d,", e)
	}
	return b.String()
}
