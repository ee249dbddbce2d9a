// Package scanner turns the text of an Automat rules file into tokens. It
// is total: every byte of input ends up in some token, and malformed input
// becomes [BadString], [BadNumber] or [Invalid] tokens instead of an error,
// so the parser can report each problem once and carry on, and the
// language server can complete on whatever the user has typed so far.
//
// The parser (lang/parser) feeds the tokens, without comments, to its
// participle grammar; comments are kept for the formatter.
package scanner

import (
	"unicode"
	"unicode/utf8"

	"github.com/automat-rules/automat/lang/token"
)

// Kind classifies a token.
type Kind uint8

// Token kinds.
const (
	EOF       Kind = iota
	Ident          // order, status, Vyřízena
	Keyword        // rule, when, do, and, ...
	String         // "text {path}" with its quotes, escapes still raw
	Number         // 100, 99.90
	Duration       // 30s, 1d12h
	Punct          // ( ) [ ] { } , : . = != > >= < <= + - * / -> ?
	Comment        // # ... or // ... up to the end of the line
	BadString      // a string not closed on its line
	BadNumber      // 5x, 1.5d
	Invalid        // a character or operator Automat does not have: $, =>, ==, &&
)

var kindNames = [...]string{
	EOF: "EOF", Ident: "Ident", Keyword: "Keyword", String: "String",
	Number: "Number", Duration: "Duration", Punct: "Punct", Comment: "Comment",
	BadString: "BadString", BadNumber: "BadNumber", Invalid: "Invalid",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind?"
}

// Token is one lexeme: its kind, its exact source text and where it is.
type Token struct {
	Kind Kind
	Text string
	Span token.Span
}

// keywords are reserved words (SPEC §1.3). Type names such as `string` or
// `number` are deliberately not reserved: `order.number` is a field.
var keywords = map[string]bool{
	"ruleset": true, "import": true, "const": true, "record": true, "extend": true,
	"enum": true, "statuses": true, "action": true,
	"rule": true, "on": true, "when": true, "do": true, "schedule": true,
	"always": true, "once": true, "per": true,
	"let": true, "wait": true, "until": true, "max": true,
	"not": true, "and": true, "or": true, "in": true, "contains": true,
	"starts": true, "with": true, "matches": true, "is": true, "empty": true,
	"null": true, "true": true, "false": true, "now": true,
	"any": true, "all": true, "none": true, "count": true, "where": true,
}

// IsKeyword reports whether word is reserved.
func IsKeyword(word string) bool { return keywords[word] }

// Keywords returns the reserved words in no particular order.
func Keywords() []string {
	out := make([]string, 0, len(keywords))
	for k := range keywords {
		out = append(out, k)
	}
	return out
}

// foreign maps operators of other languages to the Automat spelling a
// diagnostic should suggest.
var foreign = map[string]string{
	"=>": ">=", "=<": "<=", "==": "=", "<>": "!=", "&&": "and", "||": "or",
	"!": "not", "&": "and", "|": "or",
}

// Replacement returns the Automat operator to use instead of an [Invalid]
// operator token from another language, and whether there is one.
func Replacement(op string) (string, bool) {
	r, ok := foreign[op]
	return r, ok
}

// Scan returns the tokens of src, comments included, ending with one EOF
// token. Offsets in the spans are relative to src.
func Scan(src string) []Token {
	s := scanner{src: src, toks: make([]Token, 0, len(src)/4+1)}
	s.run()
	return s.toks
}

type scanner struct {
	src  string
	off  int
	toks []Token
}

func (s *scanner) emit(k Kind, start int) {
	s.toks = append(s.toks, Token{Kind: k, Text: s.src[start:s.off], Span: token.Span{Start: token.Pos(start), End: token.Pos(s.off)}})
}

func (s *scanner) run() {
	for {
		s.skipSpace()
		if s.off >= len(s.src) {
			s.toks = append(s.toks, Token{Kind: EOF, Span: token.Span{Start: token.Pos(s.off), End: token.Pos(s.off)}})
			return
		}
		start := s.off
		c := s.src[s.off]
		switch {
		case c == '#' || (c == '/' && s.peek(1) == '/'):
			s.toEOL()
			s.emit(Comment, start)
		case c == '"':
			s.emit(s.string(), start)
		case c >= '0' && c <= '9':
			s.emit(s.number(), start)
		case c < utf8.RuneSelf && isIdentASCII(c) || c >= utf8.RuneSelf && s.identRuneAt(s.off):
			s.ident()
			if keywords[s.src[start:s.off]] {
				s.emit(Keyword, start)
			} else {
				s.emit(Ident, start)
			}
		default:
			s.emit(s.punct(), start)
		}
	}
}

func (s *scanner) peek(n int) byte {
	if s.off+n < len(s.src) {
		return s.src[s.off+n]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			s.off++
		default:
			if s.src[s.off] >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s.src[s.off:])
				if r == '\u00a0' || r == '\ufeff' || unicode.IsSpace(r) {
					s.off += size
					continue
				}
			}
			return
		}
	}
}

func (s *scanner) toEOL() {
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.off++
	}
	// A CRLF file's comment must not swallow the CR into its text.
	if s.off > 0 && s.src[s.off-1] == '\r' && s.off < len(s.src) {
		s.off--
	}
}

// string scans a string literal; escapes and interpolations are checked
// by the parser, which needs their positions anyway.
func (s *scanner) string() Kind {
	s.off++ // opening quote
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case '"':
			s.off++
			return String
		case '\\':
			if s.off+1 < len(s.src) && s.src[s.off+1] != '\n' {
				s.off++
			}
		case '\n', '\r':
			return BadString
		}
		s.off++
	}
	return BadString
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentASCII(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func (s *scanner) identRuneAt(off int) bool {
	r, _ := utf8.DecodeRuneInString(s.src[off:])
	return unicode.IsLetter(r) || r == '_'
}

// identContinues reports whether the rune at off may continue an
// identifier (letters, digits, underscore, and combining marks so that a
// decomposed "ř" stays one word).
func (s *scanner) identContinues(off int) (bool, int) {
	c := s.src[off]
	if c < utf8.RuneSelf {
		return isIdentASCII(c) || isDigit(c), 1
	}
	r, size := utf8.DecodeRuneInString(s.src[off:])
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r), size
}

func (s *scanner) ident() {
	for s.off < len(s.src) {
		ok, size := s.identContinues(s.off)
		if !ok {
			return
		}
		s.off += size
	}
}

// number scans a decimal (100, 99.90) or a duration (30s, 1d12h). Digits
// followed by letters that do not form a duration become one [BadNumber]
// token, so `5x` is reported once and not as a number and a stray name.
func (s *scanner) number() Kind {
	start := s.off
	s.digits()
	frac := false
	if s.peek(0) == '.' && isDigit(s.peek(1)) {
		frac = true
		s.off++
		s.digits()
	}
	if s.off >= len(s.src) {
		return Number
	}
	if ok, _ := s.identContinues(s.off); !ok {
		return Number
	}
	// Letters follow: a duration, or garbage.
	s.ident()
	if !frac && validDuration(s.src[start:s.off]) {
		return Duration
	}
	for s.off < len(s.src) && (s.src[s.off] == '.' && isDigit(s.peek(1))) {
		s.off++
		s.ident()
	}
	return BadNumber
}

func (s *scanner) digits() {
	for s.off < len(s.src) && isDigit(s.src[s.off]) {
		s.off++
	}
}

// validDuration reports whether text is one or more (digits, unit) pairs
// with units among s, m, h, d, w.
func validDuration(text string) bool {
	i := 0
	for i < len(text) {
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if j == i || j == len(text) {
			return false
		}
		switch text[j] {
		case 's', 'm', 'h', 'd', 'w':
		default:
			return false
		}
		i = j + 1
	}
	return i > 0
}

var twoChar = map[string]bool{
	"!=": true, ">=": true, "<=": true, "->": true,
	"=>": false, "=<": false, "==": false, "<>": false, "&&": false, "||": false,
}

func (s *scanner) punct() Kind {
	if s.off+1 < len(s.src) {
		if valid, ok := twoChar[s.src[s.off:s.off+2]]; ok {
			s.off += 2
			if valid {
				return Punct
			}
			return Invalid
		}
	}
	c := s.src[s.off]
	switch c {
	case '(', ')', '[', ']', '{', '}', ',', ':', '.', '=', '>', '<', '+', '-', '*', '/', '?':
		s.off++
		return Punct
	}
	// Anything else is one invalid character (a whole rune, never half of
	// a UTF-8 sequence).
	_, size := utf8.DecodeRuneInString(s.src[s.off:])
	s.off += size
	return Invalid
}
