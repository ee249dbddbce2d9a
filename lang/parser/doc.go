// Package parser is the first stage of the Automat front end: it turns the
// text of a rules file into the syntax tree of lang/ast, which the
// formatter, the compiler and the language server read. The entry point is
// [ParseFile]; [ParseExpr] parses a lone expression for tests and tools.
//
// # Design
//
// The grammar of SPEC §1.3 is written as participle structs in
// internal/grammar and runs over the tokens of lang/scanner, which is total
// (every byte ends up in a token). participle stops at the first error and
// has no recovery, so the parser never hands it a whole file:
//
//  1. The file is scanned once. Comments are set aside for the formatter.
//  2. A pre-pass reports problems visible in single tokens and repairs
//     them so the grammar can carry on: a foreign operator (`=>`, `==`,
//     `&&`, `!`) is replaced by the Automat one its message suggests, a
//     stray character or comma is dropped, an unterminated string is kept
//     as a string, `starts` gets its missing `with`.
//  3. The token stream is cut into declaration chunks at the keywords that
//     start one (rule, record, extend, enum, statuses, action, const,
//     import, ruleset); `on` and `when` start a new rule unless the current
//     chunk is a rule header still waiting for them. None of these words
//     can occur inside another declaration, so a broken declaration never
//     swallows the next one.
//  4. Each chunk is parsed on its own with the participle parser of its
//     kind (lexer.Upgrade over the chunk's tokens, then ParseFromLexer).
//     A rule is first parsed whole; when that fails it is parsed again in
//     pieces to recover: its header (up to `do`) as one unit, and its body
//     cut into statements at `let`, `wait`, and at a name that directly
//     follows a complete operand (`...) sms(`), each a unit of its own.
//  5. Each unit is checked for balanced brackets, then parsed. A unit that
//     fails becomes an *ast.BadDecl (carrying the rule's name when the
//     header got that far) or an *ast.BadStmt spanning its tokens, and
//     yields exactly one diagnostic with an absolute range.
//
// Expressions and calls are parsed by precedence climbing behind
// participle's Parseable interface (internal/grammar/expr.go); the grammar
// uses no lookahead, so a failure is reported where it happened. Files of
// many declarations are parsed on all processors. docs/parser.md describes
// the design and docs/performance.md its speed.
//
// participle's own error only names the token it did not expect. The
// message is worked out from the kind of unit and the tokens around the
// failure (explain.go): "expected "do" after the condition of rule "x"",
// ""is" only tests "is empty" and "is null": compare values with "="". A
// syntax error right after a malformed string or number already reported
// is not reported again.
//
// Every node gets its exact byte span from the offsets of the tokens
// participle captured; participle's line and column are never used.
// String literals are decoded here (escapes, {path} interpolations with
// the position of every name, {{ and }} for literal braces).
package parser
