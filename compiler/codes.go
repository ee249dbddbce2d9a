package compiler

// This file defines the one-line summary of every diagnostic code, used
// for SARIF rule descriptions and editor hovers; docs/diagnostics.md has
// the long form with examples and fixes.

import "github.com/automat-rules/automat/lang/diag"

var summaries = map[diag.Code]string{
	diag.BadToken:    "A character that cannot start any token",
	diag.BadString:   "A string literal that is not closed, has an unknown escape or a malformed interpolation",
	diag.BadNumber:   "A malformed number or duration, or a number too large to hold exactly",
	diag.BadOperator: "An operator from another language, such as == or &&",
	diag.BadSyntax:   "A declaration, condition or statement that does not follow the grammar",
	diag.BadBracket:  "A bracket that is not closed, or a closing bracket without its opener",

	diag.UnknownName:          "A path starts with a name that is not in scope",
	diag.UnknownField:         "A record has no field of that name",
	diag.UnknownType:          "A type name that is not a basic type, record or enum",
	diag.UnknownRecord:        "extend or statuses names a record that does not exist",
	diag.UnknownEnumValue:     "A value that is not one of the enum's values",
	diag.UnknownStatus:        "A status that the ruleset's statuses block does not declare",
	diag.UnknownPhase:         "A statuses entry maps to something that is not a phase",
	diag.UnknownAction:        "A call names an action that is not declared",
	diag.UnknownParam:         "A named argument that is not a parameter of the action",
	diag.UnknownEvent:         "A trigger names an event the record does not have",
	diag.UnknownImport:        "An imported file or folder cannot be read",
	diag.MissingArgument:      "A call leaves out a required parameter",
	diag.DuplicateArgument:    "A call gives the same parameter twice",
	diag.ExtraArgument:        "A call has more positional arguments than parameters",
	diag.MisplacedArgument:    "A positional argument follows a named one",
	diag.InvalidArgument:      "An argument's type does not fit its parameter",
	diag.InvalidOperand:       "An operator applied to values it does not work on",
	diag.InvalidComparison:    "The two sides of a comparison cannot be compared",
	diag.InvalidCondition:     "A condition that is not true or false",
	diag.InvalidRegexp:        "The pattern after matches is not a valid regular expression",
	diag.InvalidSchedule:      "The cron spec of a schedule trigger does not parse",
	diag.InvalidQuantifier:    "any, all, none or count over something that is not a list",
	diag.InvalidPath:          "A path goes on past a value that has no fields",
	diag.InvalidCall:          "An action used as a value, or let on an action without a result",
	diag.InvalidInterpolation: "A record or list interpolated into a string",
	diag.InvalidConst:         "A const whose value is not a constant",
	diag.InvalidStatuses:      "A statuses block for a record that cannot have user statuses",
	diag.InvalidType:          "A type that cannot be used where it is written",
	diag.NullComparison:       "A comparison with null, which is always false or always true",
	diag.MissingSubject:       "The rule's subject record cannot be determined",
	diag.MixedSubjects:        "A rule's triggers belong to different record types",
	diag.UnreachableRecord:    "A path starts with a record that the rule's subject does not reach",
	diag.Redeclared:           "A name declared twice",
	diag.UnusedDeclaration:    "A declaration that nothing uses",
	diag.AlwaysTrue:           "A condition that holds for every record",
	diag.AlwaysFalse:          "A condition that holds for no record",
	diag.RepeatedMessage:      "A message sent at every tick of a schedule",
	diag.DuplicateMessage:     "The same message sent on a status change and on the phase change it causes",
	diag.UnnamedOnce:          "A once rule without a name",
	diag.StatusCycle:          "Rules that set order statuses in a loop",
	diag.WaitNeverRechecked:   "A wait until that no later event of the rule's record can end",
	diag.UnknownIgnore:        "A silencing comment that names no lint",
	diag.UnknownTemplate:      "A template the ruleset does not have",
}

// Summary returns a one-line description of a diagnostic code, or "".
func Summary(code diag.Code) string { return summaries[code] }

// Codes returns every diagnostic code, syntax and compiler, in order.
func Codes() []diag.Code {
	var out []diag.Code
	for c := diag.Code(1); c <= diag.MaxCode; c++ {
		out = append(out, c)
	}
	for c := diag.UnknownName; c <= diag.MaxCompilerCode; c++ {
		out = append(out, c)
	}
	return out
}
