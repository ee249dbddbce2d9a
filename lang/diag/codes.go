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

// names holds the printed form of each code; a test checks that every code
// has one and a doc example in docs/diagnostics.md.
var names = [...]string{
	BadToken:    "BadToken",
	BadString:   "BadString",
	BadNumber:   "BadNumber",
	BadOperator: "BadOperator",
	BadSyntax:   "BadSyntax",
	BadBracket:  "BadBracket",
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
