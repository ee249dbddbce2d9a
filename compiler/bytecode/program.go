package bytecode

import (
	"fmt"
	"sort"
	"time"

	"github.com/automat-rules/automat/lang/value"
)

// This file defines Program, the compiled ruleset, and its tables.

// Program is a compiled ruleset. Indices between its tables are int32
// positions (a Field's Record is an index into Records, an instruction's B
// an index into Consts, ...); [Program.Validate] checks every one of them,
// so a decoded artifact cannot make the VM index out of range.
type Program struct {
	// Ruleset is the `ruleset "name"`, or "".
	Ruleset string
	// Files are the source file names that Locs refer to.
	Files []string

	// The schema: record layouts, enums and actions, in the compiler's
	// order (standard schema first). Record and field indices are those of
	// the checked schema: a record value has one slot per field, in order.
	Records []RecordType
	Enums   []EnumType
	Actions []Action

	// Consts is the constant pool; Sets the constant sets of long `in`
	// lists (hashed by the VM at load time); Regexps the sources of the
	// regular expressions of `matches` (validated by the compiler,
	// compiled by the VM at load time).
	Consts  []Const
	Sets    []Set
	Regexps []string

	// Code holds every rule's fragments, rule after rule; Locs has the
	// source range of each instruction (same length as Code).
	Code []Instr
	Locs []Loc

	// Rules are in evaluation order (files in path order, then source
	// order).
	Rules []Rule

	// Events is the rule index: for each event name the rules it
	// triggers, sorted by Name. See [Event].
	Events []Event

	// MaxStack and MaxLocals size the VM's stack and locals for any
	// fragment of the program.
	MaxStack  int
	MaxLocals int
}

// RecordType is the layout of a record: one slot per field.
type RecordType struct {
	Name   string
	Fields []Field
}

// Field is one slot of a record layout.
type Field struct {
	Name string
	Type Type
}

// Type is the full static type of a field, a parameter or an action's
// result: a kind, whether it may be null, and for records, enums and lists
// what they hold.
type Type struct {
	Kind     Kind
	Optional bool
	// Elem is the element kind of a list (never List: lists of lists are
	// not part of the language's data model).
	Elem Kind
	// Record is the record type of a Record kind, or of a list's elements;
	// else -1.
	Record int32
	// Enum is the enum of an Enum kind, or of a list's elements; else -1.
	Enum int32
}

// ElemType returns the type of a list's elements (t itself for a
// non-list).
func (t Type) ElemType() Type {
	if t.Kind != List {
		return t
	}
	return Type{Kind: t.Elem, Record: t.Record, Enum: t.Enum}
}

// EnumType is an enum: its values in declaration order. For the user
// statuses of a record (`statuses order {...}`), Phases holds the phase of
// each value and Record the record's name.
type EnumType struct {
	Name   string
	Values []string
	Phases []string
	Record string
}

// Index returns the position of v in e.Values, or -1.
func (e *EnumType) Index(v string) int {
	for i, x := range e.Values {
		if x == v {
			return i
		}
	}
	return -1
}

// Action is a declared action and its typed parameters.
type Action struct {
	Name   string
	Params []Param
	// Result is the type of the action's result; Kind Null when it
	// returns nothing.
	Result Type
}

// Param is a parameter of an [Action].
type Param struct {
	Name string
	Type Type
}

// Const is a constant of the pool. Which fields hold the value depends on
// Kind: Bool (Int 0 or 1), Number (Num), String (Str), Enum (Str, and Int
// the index of the value, -1 when undeclared), Time (Int, Unix
// nanoseconds), Duration (Int, nanoseconds); Null has none.
type Const struct {
	Kind Kind
	Num  value.Decimal
	Str  string
	Int  int64
}

// String renders the constant as the disassembler prints it.
func (c Const) String() string {
	switch c.Kind {
	case Null:
		return "null"
	case Bool:
		if c.Int != 0 {
			return "true"
		}
		return "false"
	case Number:
		return c.Num.String()
	case String, Enum:
		return fmt.Sprintf("%q", c.Str)
	case Duration:
		return value.FormatDuration(time.Duration(c.Int))
	case Time:
		return fmt.Sprintf("time(%d)", c.Int)
	}
	return fmt.Sprintf("const(%s)", c.Kind)
}

// Set is the constant list of an `in` test, hashed by the VM when it
// loads the program (enum sets become bit sets of value indices).
type Set struct {
	Kind  Kind
	Elems []uint32 // constants
}

// Loc is a source range: a byte span in Files[File], and the 1-based line
// and column (in Unicode characters) of its start, so that runtime errors
// can name the place without the source at hand. File is -1 for code
// without a source.
type Loc struct {
	File       int32
	Start, End int32
	Line, Col  int32
}

// Freq is a rule's frequency (SPEC §1.5).
type Freq uint8

// Frequencies.
const (
	Always  Freq = iota
	Once         // at most once per (rule, record)
	OncePer      // at most once per (rule, record, value of Rule.Per)
)

var freqNames = [...]string{Always: "always", Once: "once", OncePer: "once per"}

func (f Freq) String() string {
	if int(f) < len(freqNames) {
		return freqNames[f]
	}
	return fmt.Sprintf("freq(%d)", uint8(f))
}

// Rule is a compiled rule: where its fragments start and what its body
// does. A pc of -1 means "none".
type Rule struct {
	// Name is the rule's name, or "" for an unnamed rule; ID is the stable
	// identifier of the once-ledger and the log (compiler.Rule.ID).
	Name string
	ID   string
	// Subject is the record type of the rule's subject.
	Subject  int32
	Triggers []Trigger
	Freq     Freq
	// Cond is the entry of the condition (ends in OpRetTrue/OpRetFalse).
	Cond int32
	// Per is the entry of the `once per` expression (ends in OpReturn).
	Per int32
	// Clauses are the leaves of the condition, each with a fragment that
	// returns its value, for `rulec explain` and the log's `clauses`.
	Clauses []Clause
	Body    []Stmt
	// Lets is the number of `let` names; they occupy locals 0…Lets-1.
	Lets int
	// Code is the range [Code[0], Code[1]) of the rule's instructions.
	Code [2]int32
	Loc  Loc
}

// Display returns the rule's name for messages: its name, or its ID.
func (r *Rule) Display() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Trigger is one `on` entry: an event name, or a cron spec.
type Trigger struct {
	Event    string
	Schedule string
}

// Clause is one leaf of a rule's condition (a comparison, a test, a
// quantifier): its source text and range, and a fragment returning its
// value.
type Clause struct {
	Text string
	Loc  Loc
	PC   int32
}

// StmtKind is the kind of a statement of a rule's body.
type StmtKind uint8

// Statement kinds.
const (
	StmtCall      StmtKind = iota // an action call
	StmtLet                       // let name = action call; the result goes to local Let
	StmtWait                      // wait Wait
	StmtWaitUntil                 // wait until Cond [max Wait]
)

var stmtNames = [...]string{StmtCall: "call", StmtLet: "let", StmtWait: "wait", StmtWaitUntil: "wait until"}

func (k StmtKind) String() string {
	if int(k) < len(stmtNames) {
		return stmtNames[k]
	}
	return fmt.Sprintf("stmt(%d)", uint8(k))
}

// Stmt is one statement of a rule's body.
type Stmt struct {
	Kind StmtKind
	// Action indexes Program.Actions (call and let).
	Action int32
	// Args are the arguments in parameter order; parameters left out of
	// the call are absent.
	Args []Arg
	// Let is the local receiving the action's result (let).
	Let int32
	// Wait is the duration of `wait`, or the `max` of `wait until` (0
	// when absent), in nanoseconds.
	Wait int64
	// Cond is the entry of the `wait until` condition, else -1.
	Cond int32
	Loc  Loc
}

// Arg is one argument of an action call: the parameter's index and name
// and the entry of the fragment computing it. Param is -1 for a part of
// the call's template (subject, text, html), rendered by the engine for
// the connector. When the fragment yields
// null and the parameter is not optional, the engine skips the action and
// logs the argument's name (SPEC §1.5).
type Arg struct {
	Param int32
	Name  string
	PC    int32
}

// Event is one entry of the rule index: the rules an event of that name
// can trigger, split into those that must always be evaluated (Rules) and
// those filed under the value of a field by a discrimination step (Discs).
// The name is "type.event" ("order.status_changed"); "type.*" lists the
// rules that run on any event of the type (those without `on`), for event
// names the schema does not list.
type Event struct {
	Name   string
	Record int32
	Rules  []int32 // ascending
	Discs  []Disc
}

// Disc is one discrimination step: the rules whose condition requires
// `path = constant` (or `path in [constants]`) as a top-level conjunct,
// filed by constant. At run time only the bucket of the record's value is
// evaluated.
type Disc struct {
	// Path are the slots from the subject to the tested field, through
	// to-one records.
	Path []uint16
	// Kind is Enum (keys are enum constants, looked up by value index)
	// or String, Number (keys looked up by value).
	Kind Kind
	// Keys are constants, one per bucket; Buckets the rules of each key,
	// ascending.
	Keys    []uint32
	Buckets [][]int32
}

// Event returns the index entry of an event name, or nil.
func (p *Program) Event(name string) *Event {
	i := sort.Search(len(p.Events), func(i int) bool { return p.Events[i].Name >= name })
	if i < len(p.Events) && p.Events[i].Name == name {
		return &p.Events[i]
	}
	return nil
}

// Record returns the index of the record type called name, or -1.
func (p *Program) Record(name string) int {
	for i := range p.Records {
		if p.Records[i].Name == name {
			return i
		}
	}
	return -1
}

// RuleAt returns the index of the rule whose code holds pc, or -1.
func (p *Program) RuleAt(pc int32) int {
	i := sort.Search(len(p.Rules), func(i int) bool { return p.Rules[i].Code[1] > pc })
	if i < len(p.Rules) && p.Rules[i].Code[0] <= pc {
		return i
	}
	return -1
}

// LocAt returns the source range of the instruction at pc.
func (p *Program) LocAt(pc int32) Loc {
	if pc >= 0 && int(pc) < len(p.Locs) {
		return p.Locs[pc]
	}
	return Loc{File: -1}
}
