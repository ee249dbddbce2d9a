package diag

import "strconv"

// This file defines the stable diagnostic codes. It is append-only: a
// code's number and name never change once released, so that silencing
// comments, SARIF rules and editor settings keep working. Syntax codes
// start with "Bad"; type codes with "Invalid" or "Unknown"; lints name the
// suspicious thing.

// Code identifies a kind of diagnostic. The zero value means "no code".
type Code uint16

const (
	_ Code = iota

	// BadToken: a character that cannot start any token.
	//
	//	when order.total > 100 $ do log(text: "x")
	BadToken

	// BadString: a string literal that is not closed on its line, or that
	// holds an unknown escape or a malformed {interpolation}.
	//
	//	do log(text: "Order {order.number)
	BadString

	// BadNumber: a malformed number or duration literal such as `5x` or
	// `1.5d` (durations are whole units: s, m, h, d, w).
	BadNumber

	// BadOperator: an operator from another language, such as `=>`, `==`,
	// `<>`, `&&`, `||` or `!`; the message names the Automat operator.
	BadOperator

	// BadSyntax: a declaration, condition or statement that does not follow
	// the grammar; the message says what was expected where.
	BadSyntax

	// BadBracket: a `(`, `[` or `{` that is not closed, or a closing one
	// without its opener.
	BadBracket
)

// Compiler codes (compiler/): names that do not resolve, type errors, and
// the lints. They start at 100 so that the syntax codes above can grow.
// Errors come first; the lints, which are warnings and can be silenced
// with `# automat:ignore Code`, start at UnusedDeclaration.
const (
	// UnknownName: the first name of a path is not a let, a quantifier
	// variable, the rule's subject, one of its to-one references or a
	// const.
	//
	//	when ordr.total > 100 do log(text: "big")   # did you mean "order"?
	UnknownName Code = iota + 100

	// UnknownField: a record has no field of that name.
	//
	//	when shipment.staus = delivered do ...      # did you mean "status"?
	UnknownField

	// UnknownType: a type name in a field, parameter or result is not a
	// basic type, a record or an enum.
	//
	//	extend order { gift: boolean }              # did you mean "bool"?
	UnknownType

	// UnknownRecord: `extend` or `statuses` names a record that does not
	// exist.
	//
	//	statuses ordr { "Nová" -> new_confirmed }
	UnknownRecord

	// UnknownEnumValue: a bare name or string compared with an enum is not
	// one of its values.
	//
	//	when order.paid = "unpayed" do ...          # did you mean "unpaid"?
	UnknownEnumValue

	// UnknownStatus: a status string is not declared in the record's
	// `statuses` block.
	//
	//	when order.status = "Vyrizena" do ...       # did you mean "Vyřízena"?
	UnknownStatus

	// UnknownPhase: a `statuses` entry maps to something that is not one
	// of the fixed phases new_unconfirmed, new_confirmed, processing,
	// completed, cancelled.
	//
	//	statuses order { "Balí se" -> procesing }
	UnknownPhase

	// UnknownAction: a call names an action that is not declared.
	//
	//	do send_email(to: order.buyer.email)        # did you mean "email"?
	UnknownAction

	// UnknownParam: a named argument is not a parameter of the action.
	//
	//	do sms(to: order.buyer.phone, txt: "hi")    # did you mean "text"?
	UnknownParam

	// UnknownEvent: a trigger names an event the record type does not
	// have.
	//
	//	on order.status_change                      # did you mean "status_changed"?
	UnknownEvent

	// UnknownImport: an imported file or folder does not exist or cannot
	// be read.
	//
	//	import "shared/statuses.rules"
	UnknownImport

	// MissingArgument: a call leaves out a parameter that has no `?` in
	// its declared type.
	//
	//	do email(template: "x")                     # email needs to:
	MissingArgument

	// DuplicateArgument: a call gives the same parameter twice.
	//
	//	do sms(to: a, to: b, text: "x")
	DuplicateArgument

	// ExtraArgument: a call has more positional arguments than the action
	// has parameters.
	//
	//	do log("a", "b")
	ExtraArgument

	// MisplacedArgument: a positional argument follows a named one.
	//
	//	do sms(to: order.buyer.phone, "hello")
	MisplacedArgument

	// InvalidArgument: an argument's type does not fit its parameter.
	//
	//	do log(text: order.total)                   # write "{order.total}"
	InvalidArgument

	// InvalidOperand: an operator is applied to values it does not work
	// on, such as `and` on a number or `+` on strings.
	//
	//	when order.total + order.number > 5 do ...
	InvalidOperand

	// InvalidComparison: the two sides of a comparison, `in`, `contains`,
	// `starts with` or `matches` cannot be compared.
	//
	//	when order.created_at > 100 do ...
	InvalidComparison

	// InvalidCondition: a `when`, `wait until` or `where` condition is not
	// a bool.
	//
	//	when order.total do ...
	InvalidCondition

	// InvalidRegexp: the pattern after `matches` is not a valid RE2
	// regular expression.
	//
	//	when order.number matches "([0-9]+" do ...
	InvalidRegexp

	// InvalidSchedule: the cron spec of `on schedule` does not parse
	// (five fields, or @every/@daily/... descriptors).
	//
	//	on schedule "*/15 * * *"
	InvalidSchedule

	// InvalidQuantifier: any/all/none/count ranges over something that is
	// not a list.
	//
	//	when any(i in order.buyer where i.name = "x") do ...
	InvalidQuantifier

	// InvalidPath: a path goes on past a value that has no fields (a
	// string, a list, ...).
	//
	//	when order.items.name contains "but" do ...   # use any(i in order.items ...)
	InvalidPath

	// InvalidCall: an action is called where a value is needed, or `let`
	// binds the result of an action that returns nothing.
	//
	//	let x = email(to: order.buyer.email, template: "t")
	InvalidCall

	// InvalidInterpolation: a `{...}` in a string names a record or a list,
	// which have no text form.
	//
	//	do log(text: "items: {order.items}")
	InvalidInterpolation

	// InvalidConst: a const's value is not a constant (it reads a record,
	// calls an action or uses now).
	//
	//	const limit = order.total
	InvalidConst

	// InvalidStatuses: `statuses` is declared for a record without a
	// `status` field of the record's statuses type, or a status is mapped
	// twice.
	//
	//	statuses product { "Nový" -> new_confirmed }
	InvalidStatuses

	// InvalidType: a type expression cannot be used where it is written,
	// such as `list<T>?` as a parameter, or a type that contains itself.
	//
	//	record node { next: node }
	InvalidType

	// NullComparison: a comparison with the literal null, which is always
	// false (`=`) or always true (`!=`); test with `is null`.
	//
	//	when order.notes = null do ...              # write order.notes is null
	NullComparison

	// MissingSubject: the rule has no `on` trigger and its condition does
	// not start with a record path, so its subject is unknown.
	//
	//	when true do log(text: "x")
	MissingSubject

	// MixedSubjects: the triggers of one rule belong to different record
	// types, or the condition starts with a record unrelated to them.
	//
	//	on order.created, shipment.created when ...
	MixedSubjects

	// UnreachableRecord: a path starts with a record type that is not the
	// rule's subject nor one of its to-one references.
	//
	//	on order.created when shipment.status = delivered do ...
	UnreachableRecord

	// Redeclared: a name is declared twice in one scope: records, enums,
	// actions, consts, fields of a record, enum values, statuses, rule
	// names, lets of a rule.
	//
	//	const limit = 1
	//	const limit = 2
	Redeclared

	// UnusedDeclaration (lint): a const, let, quantifier variable,
	// user-declared action, enum or record is never used.
	//
	//	const vip_limit = 5000
	UnusedDeclaration

	// AlwaysTrue (lint): a condition, or a part of it, holds for every
	// record.
	//
	//	when order.status = "Nová" or order.status != "Nová" do ...
	AlwaysTrue

	// AlwaysFalse (lint): a condition, or a part of it, holds for no
	// record, so the rule never runs.
	//
	//	when order.total > 5 and order.total < 3 do ...
	AlwaysFalse

	// RepeatedMessage (lint): a rule on a `schedule` trigger with the
	// default frequency `always` sends a message (email, sms, notify),
	// which repeats at every tick while the condition holds.
	//
	//	on schedule "@hourly" when order.paid = unpaid do email(...)
	RepeatedMessage

	// DuplicateMessage (lint): the same message is sent by a rule on a
	// status change and by a rule on the phase change that status change
	// causes, so the customer gets it twice.
	//
	//	on order.status_changed when order.status = "Vyřízena" do email(to: t, template: "done")
	//	on order.phase_changed when order.phase = completed do email(to: t, template: "done")
	DuplicateMessage

	// UnnamedOnce (lint): a `once` rule without a name; its identity is
	// its text, so editing it would send everything again.
	//
	//	when shipment.status = delivered once do sms(...)
	UnnamedOnce

	// StatusCycle (lint): rules set statuses in a cycle (A sets "X" when
	// the status is "Y", B sets "Y" when it is "X"); the engine stops the
	// chain at depth 16.
	//
	//	when order.status = "A" do set_status(status: "B")
	//	when order.status = "B" do set_status(status: "A")
	StatusCycle

	// WaitNeverRechecked (lint): `wait until` whose condition no later
	// event of the rule's record can change: it reads nothing of the
	// record, or reads it only through a reference to another entity
	// (a shipment rule waiting for order.paid), so the wait only ever
	// ends at `max`, or never.
	//
	//	on shipment.created when ... do wait until order.paid = paid max 3d ...
	WaitNeverRechecked

	// UnknownIgnore (lint): an `automat:ignore` comment names a code that
	// does not exist or that is not a lint.
	//
	//	# automat:ignore AlwaysFalsy
	UnknownIgnore

	// UnknownTemplate: an action names a template the ruleset's templates
	// folder does not hold (or one with an HTML part only).
	//
	//	email(to: order.buyer.email, template: "pickup_redy")
	UnknownTemplate
)

// MaxCompilerCode is the highest compiler code defined.
const MaxCompilerCode = UnknownTemplate

// names holds the printed form of each code; a test checks that every code
// has one and a doc example in docs/diagnostics.md.
var names = [...]string{
	BadToken:    "BadToken",
	BadString:   "BadString",
	BadNumber:   "BadNumber",
	BadOperator: "BadOperator",
	BadSyntax:   "BadSyntax",
	BadBracket:  "BadBracket",

	// Compiler codes.
	UnknownName:          "UnknownName",
	UnknownField:         "UnknownField",
	UnknownType:          "UnknownType",
	UnknownRecord:        "UnknownRecord",
	UnknownEnumValue:     "UnknownEnumValue",
	UnknownStatus:        "UnknownStatus",
	UnknownPhase:         "UnknownPhase",
	UnknownAction:        "UnknownAction",
	UnknownParam:         "UnknownParam",
	UnknownEvent:         "UnknownEvent",
	UnknownImport:        "UnknownImport",
	MissingArgument:      "MissingArgument",
	DuplicateArgument:    "DuplicateArgument",
	ExtraArgument:        "ExtraArgument",
	MisplacedArgument:    "MisplacedArgument",
	InvalidArgument:      "InvalidArgument",
	InvalidOperand:       "InvalidOperand",
	InvalidComparison:    "InvalidComparison",
	InvalidCondition:     "InvalidCondition",
	InvalidRegexp:        "InvalidRegexp",
	InvalidSchedule:      "InvalidSchedule",
	InvalidQuantifier:    "InvalidQuantifier",
	InvalidPath:          "InvalidPath",
	InvalidCall:          "InvalidCall",
	InvalidInterpolation: "InvalidInterpolation",
	InvalidConst:         "InvalidConst",
	InvalidStatuses:      "InvalidStatuses",
	InvalidType:          "InvalidType",
	NullComparison:       "NullComparison",
	MissingSubject:       "MissingSubject",
	MixedSubjects:        "MixedSubjects",
	UnreachableRecord:    "UnreachableRecord",
	Redeclared:           "Redeclared",
	UnusedDeclaration:    "UnusedDeclaration",
	AlwaysTrue:           "AlwaysTrue",
	AlwaysFalse:          "AlwaysFalse",
	RepeatedMessage:      "RepeatedMessage",
	DuplicateMessage:     "DuplicateMessage",
	UnnamedOnce:          "UnnamedOnce",
	StatusCycle:          "StatusCycle",
	WaitNeverRechecked:   "WaitNeverRechecked",
	UnknownIgnore:        "UnknownIgnore",
	UnknownTemplate:      "UnknownTemplate",
}

// String returns the code's stable name, as printed in brackets after a
// message.
func (c Code) String() string {
	if int(c) < len(names) && names[c] != "" {
		return names[c]
	}
	return "Code" + strconv.Itoa(int(c))
}

// MaxCode is the highest code defined.
const MaxCode = BadBracket
