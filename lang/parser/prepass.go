package parser

// This file defines the token pre-pass: problems visible in the tokens
// alone are reported here, once, with their exact range, and repaired so
// that the grammar sees a well-formed stream and the rest of the
// declaration still parses.

import (
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// prepass reports and repairs, in p.toks:
//   - operators of other languages (`=>`, `==`, `&&`, `!`, ...): replaced
//     by the Automat operator the message suggests;
//   - characters that start no token (`$`, `;`, `€`): dropped;
//   - unterminated strings: kept as strings (the parser remembers them so
//     that a syntax error they cause is not reported a second time);
//   - malformed numbers and durations (`5x`, `1.5h`): kept as BadNumber
//     tokens, which the grammar accepts where a number or duration goes;
//   - `starts` without `with`: the `with` is supplied;
//   - stray commas (`(,`, `,,`, `,)`): dropped.
//
// It also sets the comments aside. The result, without comments and EOF,
// is p.toks.
func (p *parser) prepass(toks []scanner.Token) {
	out := toks[:0] // filtered in place: out never gets ahead of i...
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Kind {
		case scanner.EOF:
			p.toks = out
			return
		case scanner.Comment:
			p.comments = append(p.comments, &ast.Comment{Pos: t.Span.Start, Text: t.Text})
			continue
		case scanner.Invalid:
			if t.Text == "<>" && len(out) > 0 && out[len(out)-1].Kind == scanner.Ident && out[len(out)-1].Text == "list" {
				// list<> is an empty type argument, not "not equal".
				out = p.insert(out, toks, i, scanner.Token{Kind: scanner.Punct, Text: "<", Span: token.Span{Start: t.Span.Start, End: t.Span.Start + 1}},
					scanner.Token{Kind: scanner.Punct, Text: ">", Span: token.Span{Start: t.Span.Start + 1, End: t.Span.End}})
				continue
			}
			r, ok := scanner.Replacement(t.Text)
			if !ok {
				r, ok = unicodeOps[t.Text]
			}
			if ok {
				p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadOperator,
					Message: foreignMessage(t.Text, r), Suggestion: r})
				kind := scanner.Punct
				if scanner.IsKeyword(r) {
					kind = scanner.Keyword
				}
				out = append(out, scanner.Token{Kind: kind, Text: r, Span: t.Span})
				continue
			}
			if t.Text == "'" {
				if s, n, ok := p.singleQuoted(toks, i); ok {
					p.report(diag.Diagnostic{Span: s.Span, Severity: diag.Error, Code: diag.BadString,
						Message: "strings are written in double quotes: " + s.Text, Suggestion: s.Text})
					out = append(out, s)
					i += n
					continue
				}
			}
			p.errorf(t.Span, diag.BadToken, "unexpected character %q: remove it", t.Text)
			continue
		case scanner.BadString:
			p.bad = append(p.bad, t.Span.Start)
			p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadString,
				Message: `unterminated string; close it with " on the same line`})
		case scanner.BadNumber:
			p.bad = append(p.bad, t.Span.Start)
			p.errorf(t.Span, diag.BadNumber, "%s", badNumberMessage(t.Text))
		case scanner.Keyword:
			if t.Text == "starts" && (i+1 >= len(toks) || toks[i+1].Text != "with" || toks[i+1].Kind != scanner.Keyword) {
				p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadSyntax,
					Message: `"starts" must be followed by "with"`, Suggestion: "starts with"})
				out = p.insert(out, toks, i, t, scanner.Token{Kind: scanner.Keyword, Text: "with", Span: token.Span{Start: t.Span.End, End: t.Span.End}})
				continue
			}
		case scanner.Punct:
			if t.Text == "," && p.strayComma(out, toks, i) {
				p.errorf(t.Span, diag.BadSyntax, `unexpected ",": remove the stray comma`)
				continue
			}
		}
		out = append(out, t)
	}
	p.toks = out
}

// insert appends two tokens that replace toks[i]. Filtering in place
// works while out is behind i; when a repair adds a token, the rest is
// copied to a new slice first so that nothing unread is overwritten.
func (p *parser) insert(out, toks []scanner.Token, i int, a, b scanner.Token) []scanner.Token {
	if len(out) < i {
		return append(out, a, b)
	}
	grown := make([]scanner.Token, len(out), len(toks)+8)
	copy(grown, out)
	return append(grown, a, b)
}

// strayComma reports whether the comma toks[i] has nothing to separate:
// it follows an opening bracket or another comma, or precedes a closing
// bracket.
func (p *parser) strayComma(out, toks []scanner.Token, i int) bool {
	if len(out) > 0 {
		if prev := out[len(out)-1]; prev.Kind == scanner.Punct {
			switch prev.Text {
			case "(", "[", "{", ",":
				return true
			}
		}
	}
	if i+1 < len(toks) {
		if next := toks[i+1]; next.Kind == scanner.Punct {
			switch next.Text {
			case ")", "]", "}":
				return true
			}
		}
	}
	return false
}

func foreignMessage(op, r string) string {
	switch op {
	case "==":
		return `unknown operator "==": compare with "="`
	case "=>", "=<", "<>":
		return `unknown operator "` + op + `"; did you mean "` + r + `"?`
	case "!":
		return `unknown operator "!": negate with "not"`
	}
	return `unknown operator "` + op + `": write "` + r + `"`
}

func badNumberMessage(text string) string {
	digits, frac := 0, false
	for digits < len(text) && (text[digits] >= '0' && text[digits] <= '9' || text[digits] == '.') {
		if text[digits] == '.' {
			frac = true
		}
		digits++
	}
	switch {
	case frac && digits < len(text):
		return "malformed duration " + quote(text) + ": durations are whole units (s, m, h, d, w), combined as in 1d12h"
	case digits < len(text) && isUnitLike(text[digits:]):
		return "malformed duration " + quote(text) + ": units are s, m, h, d and w, combined as in 1d12h"
	}
	return "malformed number " + quote(text) + ": numbers are digits with an optional decimal point, as in 99.90"
}

// isUnitLike reports whether the letters after a number look like an
// attempt at a duration (a letter, or letters and digits alternating).
func isUnitLike(s string) bool {
	return len(s) > 0 && (s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z')
}

// singleQuoted recognises 'text' written with single quotes on one line
// (from toks[i], a lone ') and returns it as a string token with double
// quotes, spanning the quoted text, and the number of further tokens it
// replaces.
func (p *parser) singleQuoted(toks []scanner.Token, i int) (scanner.Token, int, bool) {
	src := p.file.Src
	start := int(toks[i].Span.Start)
	end := start + 1
	for end < len(src) && src[end] != '\'' && src[end] != '\n' && src[end] != '"' {
		end++
	}
	if end >= len(src) || src[end] != '\'' {
		return scanner.Token{}, 0, false
	}
	n := 0
	for i+n+1 < len(toks) && int(toks[i+n+1].Span.Start) <= end {
		n++
	}
	text := `"` + string(src[start+1:end]) + `"`
	return scanner.Token{Kind: scanner.String, Text: text, Span: token.Span{Start: token.Pos(start), End: token.Pos(end + 1)}}, n, true
}

// unicodeOps are typographic operators a keyboard or a word processor
// may produce.
var unicodeOps = map[string]string{"≥": ">=", "≤": "<=", "≠": "!=", "−": "-", "×": "*", "÷": "/"}
