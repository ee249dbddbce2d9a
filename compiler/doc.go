// Package compiler is the checking stage of Automat: it turns the parsed
// files of a ruleset into a checked [Package] (every name resolved, every
// expression typed, every mistake reported as a [diag.Diagnostic]) that the
// code generator (compiler/codegen) compiles to bytecode and the language
// server (lsp/) queries for hover, definition, references, rename and
// completion.
//
// # Pipeline
//
// [Check] runs the passes of one ordered table (passes.go), each under a
// stable name that [Config].Trace reports:
//
//	parse    lang/parser.ParseFile on every source and every import
//	schema   the embedded standard schema (schema/std.rules) plus the
//	         ruleset's record/extend/enum/statuses/action/const declarations
//	rules    the subject, triggers, frequency, condition and body of each
//	         rule, type-checked; fills [Info]
//	lint     the warnings of SPEC §2.1 (unused declarations, conditions
//	         always true or false, repeated or duplicate messages, unnamed
//	         once rules, set_status cycles, waits never re-checked)
//
// # Entry points
//
//	srcs, err := compiler.Load("examples/balikobot")   // files or folders
//	pkg, diags := compiler.Check(srcs, compiler.Config{Error: collect})
//
// [Check] always returns a non-nil [Package], even for a ruleset full of
// errors: the language server needs partial information. A diagnostic's
// File is the [token.File] of the [ast.File] it belongs to.
//
// # Reporting
//
// Diagnostics go to [Config].Error as they are found. When Error is nil,
// checking stops at the first error (warnings do not stop it), as go/types
// does; `rulec check` and the language server pass a function and collect
// everything. [Config].MaxErrors stops checking after that many errors.
// The returned [diag.List] holds every diagnostic reported, sorted, without
// duplicates.
//
// Lints are warnings and can be silenced on one line with a comment on that
// line or alone on the line before it:
//
//	when order.total > 5 and order.total < 3   # automat:ignore AlwaysFalse
//
// Several codes are separated by commas. Errors cannot be silenced.
//
// # Side tables
//
// The syntax tree is never changed. What the checker learns goes into
// [Info]: the type of every expression ([Info.Types]), the [Object] every
// declaring name defines ([Info.Defs]) and every name refers to
// ([Info.Uses]), keyed by the *[ast.Ident] or, for statuses, enum values
// written as strings and rule names, by the *[ast.StringLit]; how each
// path is rooted ([Info.Paths]); the value of each constant expression
// ([Info.Consts]); and how each action call binds its arguments
// ([Info.Calls]). The code generator reads these, never the names. [Package.ObjectAt] and
// [Package.References] answer the language server's questions from them.
//
// # Objects
//
// An [Object] is one named thing: a record, field, enum, enum value,
// status, phase, const, let, quantifier variable, action, parameter, rule
// or event. Objects are compared by pointer; each has a kind, name, type,
// doc string and the file and span of its declaring name (the standard
// schema's objects point into [Package.Std]).
//
// # Scope of a rule (SPEC §1.5)
//
// A path's first name is looked up, innermost first, among the quantifier
// variables around it, the `let` names of earlier statements, the rule's
// subject (`order` in an order rule), the subject's to-one references by
// field name (`order` in a shipment rule means shipment.order), and the
// consts. Where an enum or status value is expected (a comparison with an
// enum-typed side, an `in` list, an action parameter of enum type), a bare
// name or a string is first looked up among that enum's values.
package compiler
