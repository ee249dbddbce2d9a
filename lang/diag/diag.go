// Package diag defines the one diagnostic type used by every stage of
// Automat: the parser, the type checker, the lints, `rulec check` and the
// language server. A [Diagnostic] holds a byte [token.Span] in a
// [token.File]; text, JSON, SARIF and LSP renderings are built from it at
// the edges and never stored.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/automat-rules/automat/lang/token"
)

// Severity orders diagnostics by how serious they are.
type Severity uint8

// Severities, most serious first.
const (
	Error Severity = iota
	Warning
	Info
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "info"
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// Related points at a second place that explains a diagnostic, such as
// the `(` an unclosed group started at.
type Related struct {
	File    *token.File
	Span    token.Span
	Message string
}

// Diagnostic is one problem found in a ruleset. Message is lower case
// without a final period and says what to do; Suggestion, when not empty,
// is the replacement text for Span that a quick fix applies.
type Diagnostic struct {
	File       *token.File
	Span       token.Span
	Severity   Severity
	Code       Code
	Message    string
	Suggestion string
	Related    []Related
}

// Start returns the position of the first character of d.
func (d Diagnostic) Start() token.Position { return d.pos(d.Span.Start) }

// End returns the position just after the last character of d.
func (d Diagnostic) End() token.Position { return d.pos(d.Span.End) }

func (d Diagnostic) pos(p token.Pos) token.Position {
	if d.File == nil {
		return token.Position{Line: 1, Column: 1}
	}
	return d.File.Position(p)
}

// Error renders d as "file:line:col: severity: message [CODE]", the text
// format of `rulec check`.
func (d Diagnostic) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", d.Start(), d.Severity, d.Message)
	if d.Code != 0 {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	return b.String()
}

// List is a list of diagnostics; it implements error.
type List []Diagnostic

// Sort orders the list by file name, position, then message.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if an, bn := fileName(a.File), fileName(b.File); an != bn {
			return an < bn
		}
		if a.Span.Start != b.Span.Start {
			return a.Span.Start < b.Span.Start
		}
		if a.Span.End != b.Span.End {
			return a.Span.End < b.Span.End
		}
		return a.Message < b.Message
	})
}

func fileName(f *token.File) string {
	if f == nil {
		return ""
	}
	return f.Name
}

// RemoveDuplicates sorts the list and drops diagnostics equal in file,
// span, code and message to the one before them.
func (l *List) RemoveDuplicates() {
	l.Sort()
	out := (*l)[:0]
	for i, d := range *l {
		if i > 0 {
			p := out[len(out)-1]
			if p.File == d.File && p.Span == d.Span && p.Code == d.Code && p.Message == d.Message {
				continue
			}
		}
		out = append(out, d)
	}
	*l = out
}

// HasErrors reports whether any diagnostic is an [Error].
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns l as an error, or nil when l is empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Error renders the first diagnostic and how many more there are.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no diagnostics"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}
