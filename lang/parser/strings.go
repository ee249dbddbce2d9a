package parser

// This file decodes string literals: escapes, and the split into literal
// text and {path} interpolations, each with its exact byte range.

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser/internal/grammar"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// quote wraps s in double quotes for a message, as the user wrote it
// (no Go escaping: a backslash stays one backslash).
func quote(s string) string { return `"` + s + `"` }

// str decodes a string token and reports malformed escapes and
// interpolations.
func (p *parser) str(t grammar.Tok) *ast.StringLit {
	return decodeString(pos(t), t.Value, p.report)
}

// strQuiet decodes a string without reporting anything (its unit reports
// its own problems).
func (p *parser) strQuiet(t scanner.Token) *ast.StringLit {
	return decodeString(t.Span.Start, t.Text, func(diag.Diagnostic) {})
}

// decodeString decodes raw, the source text of a string literal starting
// at from (quotes included; the closing quote is missing in an
// unterminated string, which the pre-pass reports).
func decodeString(from token.Pos, raw string, report func(diag.Diagnostic)) *ast.StringLit {
	s := &ast.StringLit{From: from, To: from + token.Pos(len(raw)), Raw: raw}
	errAt := func(a, b int, msg, fix string) {
		report(diag.Diagnostic{Span: token.Span{Start: from + token.Pos(a), End: from + token.Pos(b)},
			Severity: diag.Error, Code: diag.BadString, Message: msg, Suggestion: fix})
	}
	end := len(raw)
	if end >= 2 && raw[end-1] == '"' && closed(raw) {
		end-- // the closing quote
	}
	if !strings.ContainsAny(raw[1:end], `\{}`) {
		// The common case: plain text, nothing to decode.
		s.Value = raw[1:end]
		if end > 1 {
			s.Parts = []*ast.StringPart{{From: from + 1, To: from + token.Pos(end), Text: s.Value}}
		}
		return s
	}
	decodeParts(s, from, raw, 1, end, true, errAt)
	return s
}

// decodeParts splits raw[start:end] into literal text and interpolations
// (appended to s.Parts, with s.Value set); escapes says whether
// backslash escapes are decoded (string literals) or kept (templates).
func decodeParts(s *ast.StringLit, from token.Pos, raw string, start, end int, escapes bool, errAt func(a, b int, msg, fix string)) {
	var val, text strings.Builder
	litStart := start
	flush := func(at int) {
		if at > litStart {
			s.Parts = append(s.Parts, &ast.StringPart{From: from + token.Pos(litStart), To: from + token.Pos(at), Text: text.String()})
		}
		text.Reset()
	}
	lit := func(str string) {
		val.WriteString(str)
		text.WriteString(str)
	}
	for i := start; i < end; {
		c := raw[i]
		switch {
		case c == '\\' && escapes:
			n, dec, ok := escape(raw[i:end])
			if !ok {
				seq := raw[i : i+n]
				if n == 1 {
					errAt(i, i+1, `a string cannot end with "\": write "\\" for a backslash`, `\\`)
				} else if seq[1] == 'u' {
					errAt(i, i+n, "malformed escape "+quote(seq)+`: write \u{`+"hex digits} for a character, as in \\u{20AC}", "")
				} else {
					errAt(i, i+n, "unknown escape "+quote(seq)+`: write "\\`+seq[1:]+`" for a backslash (as in regular expressions); escapes are \" \\ \n \t \u{...}`, `\\`+seq[1:])
				}
				lit(seq)
			} else {
				lit(dec)
			}
			i += n
		case c == '{':
			if i+1 < end && raw[i+1] == '{' {
				lit("{")
				i += 2
				continue
			}
			j := strings.IndexByte(raw[i:end], '}')
			if j < 0 {
				errAt(i, end, `"{" is never closed in the string: end the interpolation with "}", or write "{{" for a literal brace`, "")
				lit(raw[i:end])
				i = end
				continue
			}
			j += i
			inner := raw[i+1 : j]
			path, msg := interpolation(from+token.Pos(i+1), inner)
			if path == nil {
				errAt(i, j+1, msg, "")
				lit(raw[i : j+1])
				i = j + 1
				continue
			}
			flush(i)
			s.Parts = append(s.Parts, &ast.StringPart{From: from + token.Pos(i), To: from + token.Pos(j+1), Path: path})
			val.WriteString(raw[i : j+1])
			i = j + 1
			litStart = i
		case c == '}':
			if i+1 < end && raw[i+1] == '}' {
				lit("}")
				i += 2
				continue
			}
			errAt(i, i+1, `a lone "}" in a string: write "}}" for a literal brace`, "}}")
			lit("}")
			i++
		default:
			_, size := utf8.DecodeRuneInString(raw[i:end])
			lit(raw[i : i+size])
			i += size
		}
	}
	flush(end)
	s.Value = val.String()
}

// ParseText parses the text of a template (an e-mail's subject, text or
// HTML part) in f, from offset start to end: literal text with {path}
// interpolations, "{{" and "}}" for literal braces; backslashes are
// literal. Spans are offsets in f.
func ParseText(f *token.File, start, end int) (*ast.StringLit, diag.List) {
	var diags diag.List
	raw := string(f.Src[:end])
	s := &ast.StringLit{From: token.Pos(start), To: token.Pos(end), Raw: raw[start:end]}
	decodeParts(s, 0, raw, start, end, false, func(a, b int, msg, fix string) {
		diags = append(diags, diag.Diagnostic{File: f, Span: token.Span{Start: token.Pos(a), End: token.Pos(b)},
			Severity: diag.Error, Code: diag.BadString, Message: strings.Replace(msg, "the string", "the template", 1), Suggestion: fix})
	})
	return s, diags
}

// closed reports whether raw ends with a closing quote that is not
// escaped.
func closed(raw string) bool {
	n := 0
	for i := len(raw) - 2; i >= 1 && raw[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

// escape decodes the escape sequence at the start of s (s[0] is the
// backslash). It returns the sequence's length in bytes, its text, and
// whether it is valid.
func escape(s string) (int, string, bool) {
	if len(s) < 2 {
		return 1, "", false
	}
	switch s[1] {
	case '"':
		return 2, `"`, true
	case '\\':
		return 2, `\`, true
	case 'n':
		return 2, "\n", true
	case 't':
		return 2, "\t", true
	case 'u':
		if len(s) < 3 || s[2] != '{' {
			return 2, "", false
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return len(s), "", false
		}
		hex := s[3:j]
		r, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || len(hex) == 0 || len(hex) > 6 || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
			return j + 1, "", false
		}
		return j + 1, string(rune(r)), true
	}
	_, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size, "", false
}

// interpolation parses the text between { and } as a path starting at
// offset at. It returns nil and a message when it is not one.
func interpolation(at token.Pos, inner string) (*ast.PathExpr, string) {
	if strings.TrimSpace(inner) == "" {
		return nil, `empty interpolation "{}": put a path inside, as in {order.number}, or write "{{}}" for literal braces`
	}
	bad := quote("{"+inner+"}") + ` is not a path: interpolate a name such as {order.number}, or write "{{" and "}}" for literal braces`
	toks := scanner.Scan(inner)
	x := &ast.PathExpr{}
	off := 0
	for i, t := range toks {
		if t.Kind == scanner.EOF {
			if off != len(inner) || len(x.Parts) == 0 || i%2 == 0 {
				return nil, bad
			}
			break
		}
		if int(t.Span.Start) != off {
			return nil, bad // spaces or comments inside the braces
		}
		off = int(t.Span.End)
		if i%2 == 1 {
			if t.Kind != scanner.Punct || t.Text != "." {
				return nil, bad
			}
			continue
		}
		if t.Kind == scanner.Keyword {
			return nil, quote("{"+inner+"}") + ": " + quote(t.Text) + ` is a keyword, not a name; write "{{" and "}}" for literal braces`
		}
		if t.Kind != scanner.Ident {
			return nil, bad
		}
		x.Parts = append(x.Parts, &ast.Ident{Pos: at + t.Span.Start, Name: t.Text})
	}
	return x, ""
}
