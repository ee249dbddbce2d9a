package compiler

// This file defines the exported API of the compiler: sources, the
// configuration, the checked Package with its schema, rules and side
// tables, and the objects names resolve to.

import (
	"time"

	"github.com/automat-rules/automat/compiler/types"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// Source is one rules file to check: its name (a path, used in
// diagnostics and to resolve its imports) and its text.
type Source struct {
	Name string
	Src  []byte
}

// Config configures [Check]. The zero value checks with the file system
// as importer, stops at the first error and runs every lint.
type Config struct {
	// Error is called with each diagnostic as it is found, errors and
	// warnings alike. When nil, checking stops at the first error.
	Error func(diag.Diagnostic)

	// MaxErrors stops checking once that many errors have been reported;
	// 0 means no limit. Warnings do not count.
	MaxErrors int

	// Import returns the sources of an import. path is the imported path
	// joined to the directory of the importing file (filepath.Join), a
	// file or a folder. When nil, [Load] reads the file system; the
	// language server passes a function that prefers unsaved buffers.
	Import func(path string) ([]Source, error)

	// ParseFile parses one source; when nil, lang/parser.ParseFile is
	// used. The language server passes a function that returns the tree
	// it already has for an unchanged document: trees are never modified
	// by the checker, so they may be shared between checks.
	ParseFile func(name string, src []byte) (*ast.File, diag.List)

	// DisableLints lists lint codes not to run (see [Lints]).
	DisableLints []diag.Code

	// Trace, when not nil, is called after each pass with its name and
	// how long it took.
	Trace func(pass string, d time.Duration)
}

// Package is a checked ruleset. It is never nil and holds whatever could
// be learnt even when there were errors; nothing in it is modified after
// [Check] returns, so it may be shared between goroutines.
type Package struct {
	// Name is the `ruleset "name"` of the first file that has one, or "".
	Name string

	// Files are the ruleset's parsed files: the sources given to [Check]
	// in order, then imported files in the order their imports were met.
	Files []*ast.File

	// Std is the parsed standard schema (compiler/schema/std.rules);
	// its token.File is named [StdName].
	Std *ast.File

	// Schema holds the records, enums and actions: the standard ones,
	// then the ruleset's, in declaration order.
	Schema *Schema

	// Consts are the ruleset's constants in declaration order.
	Consts []*Const

	// Rules are the ruleset's rules in evaluation order (files in order,
	// rules in source order), including rules with errors.
	Rules []*Rule

	// Info holds the checker's side tables.
	Info *Info

	refs   map[*token.File][]Ref // every Def and Use, sorted by position
	files  map[string]*ast.File  // by token.File name, Std included
	states []*ruleState          // per rule, for NamesAt
}

// StdName is the file name of the embedded standard schema in diagnostics
// and object positions.
const StdName = "automat:std.rules"

// Schema is the data model rules are checked against.
type Schema struct {
	Records []*types.Record
	Enums   []*types.Enum // plain enums and statuses enums, `phase` included
	Actions []*Action

	objects map[any]*Object           // *types.Record, *types.Enum, *types.Field, *Action, *Param
	values  map[*types.Enum][]*Object // parallel to Enum.Values
	events  map[string]*Object        // "order.created"
}

// EnumValue returns the object of one value of an enum (an enum value, a
// status or a phase), or nil.
func (s *Schema) EnumValue(e *types.Enum, value string) *Object {
	if i := e.Index(value); i >= 0 && i < len(s.values[e]) {
		return s.values[e][i]
	}
	return nil
}

// Event returns the object of an event ("order.status_changed"), or nil.
func (s *Schema) Event(name string) *Object { return s.events[name] }

// Record returns the record type called name, or nil.
func (s *Schema) Record(name string) *types.Record {
	for _, r := range s.Records {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Enum returns the enum type called name (`phase`, `order_status`), or
// nil.
func (s *Schema) Enum(name string) *types.Enum {
	for _, e := range s.Enums {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Action returns the action called name ("email",
// "shoptet.set_order_status"), or nil.
func (s *Schema) Action(name string) *Action {
	for _, a := range s.Actions {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Object returns the object declaring a schema element: a *types.Record,
// *types.Enum, *types.Field, *[Action] or *[Param]; nil if unknown.
func (s *Schema) Object(elem any) *Object { return s.objects[elem] }

// Events returns the event names a record type has ("created",
// "status_changed", ...), in a fixed order.
func (s *Schema) Events(record string) []string { return eventsOf(s, record) }

// Action is a declared action: its name, typed parameters, result type
// (nil when it returns nothing) and doc string.
type Action struct {
	Name   string
	Params []*Param
	Result types.Type
	Doc    string
	// Message reports whether the action sends a message to a person
	// (email, sms, notify); the duplicate- and repeated-message lints
	// look at these.
	Message bool
	Decl    *ast.ActionDecl
}

// Param returns the parameter called name, or nil.
func (a *Action) Param(name string) *Param {
	for _, p := range a.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Param is a parameter of an [Action]. A parameter of optional type may be
// left out of a call.
type Param struct {
	Name  string
	Type  types.Type
	Index int
}

// Const is a ruleset constant.
type Const struct {
	Name  string
	Type  types.Type
	Value ast.Expr
	Decl  *ast.ConstDecl
	Obj   *Object
}

// Rule is a checked rule.
type Rule struct {
	// Index is the rule's position in [Package.Rules].
	Index int
	// Name is the rule's name, or "" for an unnamed rule.
	Name string
	// ID identifies the rule in the once-ledger and the event log: its
	// name, or for an unnamed rule "anon:" and a hash of its source text
	// with whitespace and comments normalised (so moving the rule keeps
	// its ID, editing it does not).
	ID      string
	Decl    *ast.RuleDecl
	File    *ast.File
	Subject *types.Record // nil when it could not be determined
	// Triggers are the rule's `on` entries; empty means every event of the
	// subject type.
	Triggers []Trigger
	Freq     ast.FreqKind
	Per      ast.Expr // for `once per`, else nil
	Obj      *Object
}

// Trigger is one `on` entry of a rule.
type Trigger struct {
	// Event is the full event name ("order.status_changed"), or "" for a
	// schedule.
	Event string
	// Schedule is the cron spec of a schedule trigger, as written.
	Schedule string
	Span     token.Span
}

// Info holds what the checker learnt about the syntax trees. Keys are
// nodes of [Package.Files] and [Package.Std].
type Info struct {
	// Types maps every checked expression to its type. A bare name or a
	// string literal in an enum context has that enum type.
	Types map[ast.Expr]types.Type

	// Defs maps each declaring name to the object it declares:
	// *ast.Ident for records, fields, enums, enum values, consts, lets,
	// quantifier variables, actions (the last part of the name) and
	// params; *ast.StringLit for statuses and rule names.
	Defs map[ast.Node]*Object

	// Uses maps each referring name to its object: *ast.Ident for path
	// parts, type names, record names after extend/statuses, phases,
	// action names in calls, named arguments, trigger parts; *ast.StringLit
	// for enum and status values written as strings.
	Uses map[ast.Node]*Object

	// Paths says how each path expression is rooted and which fields it
	// reads.
	Paths map[*ast.PathExpr]*Path

	// Consts holds the value of each constant expression: literals, const
	// names, enum values and arithmetic on them.
	Consts map[ast.Expr]Constant

	// Calls binds each action call of a rule body to its action and its
	// arguments to parameters.
	Calls map[*ast.CallExpr]*Call

	// Templates holds the template each call with a constant `template`
	// argument uses, checked in the call's scope.
	Templates map[*ast.CallExpr]*TemplateUse
}

// Call is a checked action call: Args[i] is the argument given for
// Action.Params[i] (named or positional), or nil when it was left out.
type Call struct {
	Action *Action
	Args   []ast.Expr
}

// PathBase says where a path starts.
type PathBase uint8

// Path bases.
const (
	BadBase   PathBase = iota
	Subject            // the rule's subject record (Fields may be empty)
	Let                // a let name (Root is the let Object)
	Var                // a quantifier variable (Root is the var Object)
	ConstBase          // a const (Root is the const Object); no Fields
	EnumValue          // an enum or status value written as a bare name
)

// Path is the resolution of a [ast.PathExpr]. In a shipment rule
// `order.buyer.email` is Base Subject with Fields shipment.order,
// order.buyer, party.email: implicit subject references are spelled out.
type Path struct {
	Base   PathBase
	Root   *Object
	Fields []*types.Field
}

// Constant is a compile-time value: exactly one field is meaningful,
// according to Type.
type Constant struct {
	Type types.Type
	// Text is the value of a string or enum constant, and the exact
	// decimal of a number or money constant ("99.90").
	Text     string
	Bool     bool
	Duration time.Duration
	List     []Constant
}

// ObjectKind is the kind of a named thing.
type ObjectKind uint8

// Object kinds.
const (
	BadObject ObjectKind = iota
	RecordObject
	FieldObject
	EnumObject
	EnumValueObject
	StatusObject // a user status from a statuses declaration
	PhaseObject  // a value of the fixed `phase` enum
	ConstObject
	LetObject
	VarObject // a quantifier variable
	ActionObject
	ParamObject
	RuleObject
	EventObject
	TypeObject // a basic type name: string, number, money, ...
)

var objectKindNames = [...]string{
	BadObject: "bad", RecordObject: "record", FieldObject: "field", EnumObject: "enum",
	EnumValueObject: "enum value", StatusObject: "status", PhaseObject: "phase",
	ConstObject: "const", LetObject: "let", VarObject: "variable", ActionObject: "action",
	ParamObject: "parameter", RuleObject: "rule", EventObject: "event", TypeObject: "type",
}

func (k ObjectKind) String() string {
	if int(k) < len(objectKindNames) {
		return objectKindNames[k]
	}
	return "object?"
}

// Object is a named thing a declaration introduces. Objects are compared by
// pointer.
type Object struct {
	Kind ObjectKind
	// Name is the name as declared: "email", "Vyřízena", "unpaid",
	// "shoptet.set_order_status", a rule's name.
	Name string
	// Type is the object's type: a field's, a const's or let's value type,
	// an enum value's enum, a record object's record type, an action's
	// result (nil when none), a rule's subject.
	Type types.Type
	// Doc is the doc string of a field or action, or the rule of a status
	// ("phase processing").
	Doc string
	// File and Span locate the declaring name (nil File for basic types).
	File *token.File
	Span token.Span
	// Parent is the record of a field, the enum of a value or status, the
	// action of a param, the record of an event; else nil.
	Parent *Object

	used int // references found by the checker, for the unused lint
	id   int // unique in its Package, for keys
}

// Ref is one occurrence of an object in the source: its declaration (Def)
// or a use.
type Ref struct {
	File *token.File
	Span token.Span // for a *ast.StringLit node, quotes included
	Node ast.Node   // *ast.Ident or *ast.StringLit
	Obj  *Object
	Def  bool
}
