// Package grammar holds the participle grammar of Automat rules files: the
// structs whose tags are the productions of SPEC §1.3, the token types the
// parser's replaying lexer gives them, and one parser per kind of chunk
// (a rule header, a statement, each declaration). It is internal to
// lang/parser, which splits a file into chunks, parses each chunk with the
// matching parser here and converts the result into lang/ast nodes; no
// participle type leaves lang/parser.
//
// Leaves are captured as whole [lexer.Token] values, whose Pos.Offset is
// the byte offset in the file; lists of leaves (the parts of a path, the
// values of an enum) are read from the Tokens field participle fills with
// the tokens a struct matched.
package grammar

import (
	"errors"
	"io"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Tok is a token as participle sees it.
type Tok = lexer.Token

// Token types of the replaying lexer. Keywords have their own type, so
// @Ident never captures a reserved word; a BadString is given to the
// grammar as a String (the parser reports it once and carries on).
const (
	EOF                       = lexer.EOF
	Ident     lexer.TokenType = 1
	Keyword   lexer.TokenType = 2
	String    lexer.TokenType = 3
	Number    lexer.TokenType = 4
	Duration  lexer.TokenType = 5
	Punct     lexer.TokenType = 6
	BadNumber lexer.TokenType = 7
	Invalid   lexer.TokenType = 8
)

// Definition is the participle lexer definition: it only names the token
// types. The parser never lexes through it; it replays tokens of
// lang/scanner with lexer.Upgrade and ParseFromLexer.
type Definition struct{}

var symbols = map[string]lexer.TokenType{
	"EOF": EOF, "Ident": Ident, "Keyword": Keyword, "String": String, "Number": Number,
	"Duration": Duration, "Punct": Punct, "BadNumber": BadNumber, "Invalid": Invalid,
}

// Symbols returns the token types by name.
func (Definition) Symbols() map[string]lexer.TokenType { return symbols }

// Lex is not used: tokens come from lang/scanner.
func (Definition) Lex(string, io.Reader) (lexer.Lexer, error) {
	return nil, errors.New("grammar: tokens are replayed from lang/scanner")
}

// ---------------------------------------------------------------------------
// Declarations and rules

// Ruleset is `ruleset "name"`.
type Ruleset struct {
	Ruleset Tok `parser:"@'ruleset'"`
	Name    Tok `parser:"@String"`
}

// Import is `import "path"`.
type Import struct {
	Import Tok `parser:"@'import'"`
	Path   Tok `parser:"@String"`
}

// Const is `const name = value`.
type Const struct {
	Const Tok   `parser:"@'const'"`
	Name  Tok   `parser:"@Ident"`
	Eq    Tok   `parser:"@'='"`
	Value *Expr `parser:"@@"`
}

// RuleHeader is a rule up to and including `do`; the statements after it
// are parsed one at a time.
type RuleHeader struct {
	Rule     *Tok       `parser:"( @'rule'"`
	Name     *Tok       `parser:"  @String )?"`
	On       *Tok       `parser:"( @'on'"`
	Triggers []*Trigger `parser:"  @@ ( ',' @@ )* )?"`
	When     Tok        `parser:"@'when'"`
	Cond     *Expr      `parser:"@@"`
	Freq     *Freq      `parser:"@@?"`
	Do       Tok        `parser:"@'do'"`
}

// Rule is a whole rule. The parser tries it first; only when it fails
// does it parse the header and each statement on their own, to recover.
type Rule struct {
	Header *RuleHeader `parser:"@@"`
	Body   []*Stmt     `parser:"@@+"`
}

// Trigger is an event path or `schedule "spec"`.
type Trigger struct {
	Schedule *Tok  `parser:"  @'schedule'"`
	Spec     *Tok  `parser:"  @String"`
	Event    *Path `parser:"| @@"`
}

// Freq is `always`, `once` or `once per Expr`.
type Freq struct {
	Always *Tok  `parser:"  @'always'"`
	Once   *Tok  `parser:"| @'once'"`
	Per    *Tok  `parser:"  ( @'per'"`
	PerX   *Expr `parser:"    @@ )?"`
}

// Stmt is one statement of a rule body.
type Stmt struct {
	Call *Call `parser:"  @@"`
	Let  *Let  `parser:"| @@"`
	Wait *Wait `parser:"| @@"`
}

// Let is `let name = call(...)`.
type Let struct {
	Let  Tok   `parser:"@'let'"`
	Name Tok   `parser:"@Ident"`
	Eq   Tok   `parser:"@'='"`
	Call *Call `parser:"@@"`
}

// Wait is `wait DURATION` or `wait until Expr [max DURATION]`.
type Wait struct {
	Tokens []Tok
	Wait   Tok   `parser:"@'wait'"`
	Until  *Tok  `parser:"( @'until'"`
	Cond   *Expr `parser:"  @@"`
	Max    *Tok  `parser:"  ( @'max'"`
	MaxDur *Tok  `parser:"    @(Duration | BadNumber) )?"`
	Dur    *Tok  `parser:"| @(Duration | BadNumber) )"`
}

// Call is `name(args)` or `connector.name(args)` as a statement. Like an
// expression, it is parsed by hand (expr.go), with the same code as a
// call inside an expression.
type Call struct {
	Fun  *Path
	Args *Args
}

// Args is a parenthesised argument list.
type Args struct {
	Lparen Tok
	Args   []*Arg
	Rparen Tok
}

// Arg is `name: Expr` or `Expr`. The name is parsed as an expression
// too, so that no backtracking is needed; the parser checks that it is a
// single name.
type Arg struct {
	X     *Expr
	Colon *Tok
	Value *Expr
}

// Record is `record Name { fields }` or `extend Name { fields }`.
type Record struct {
	Keyword Tok      `parser:"@('record' | 'extend')"`
	Name    Tok      `parser:"@Ident"`
	Lbrace  Tok      `parser:"@'{'"`
	Fields  []*Field `parser:"@@*"`
	Rbrace  Tok      `parser:"@'}'"`
}

// Field is `name: Type "doc"`.
type Field struct {
	Name Tok   `parser:"@Ident ':'"`
	Type *Type `parser:"@@"`
	Doc  *Tok  `parser:"@String?"`
}

// Type is `Name`, `Name<Type>`, optionally followed by `?`.
type Type struct {
	Name     Tok   `parser:"@Ident"`
	Langle   *Tok  `parser:"( @'<'"`
	Elem     *Type `parser:"  @@"`
	Rangle   *Tok  `parser:"  @'>' )?"`
	Optional *Tok  `parser:"@'?'?"`
}

// Enum is `enum Name { a, b }`.
type Enum struct {
	Tokens []Tok
	Enum   Tok      `parser:"@'enum'"`
	Name   Tok      `parser:"@Ident"`
	Lbrace Tok      `parser:"@'{'"`
	Values []string `parser:"@Ident ( ',' @Ident )*"`
	Rbrace Tok      `parser:"@'}'"`
}

// Statuses is `statuses Type { "status" -> phase ... }`.
type Statuses struct {
	Statuses Tok            `parser:"@'statuses'"`
	Type     Tok            `parser:"@Ident"`
	Lbrace   Tok            `parser:"@'{'"`
	Entries  []*StatusEntry `parser:"@@*"`
	Rbrace   Tok            `parser:"@'}'"`
}

// StatusEntry is `"status" -> phase`.
type StatusEntry struct {
	Status Tok `parser:"@String"`
	Arrow  Tok `parser:"@'->'"`
	Phase  Tok `parser:"@Ident"`
}

// Action is `action name(params) -> Result "doc"`.
type Action struct {
	Action Tok      `parser:"@'action'"`
	Name   *Path    `parser:"@@ '('"`
	Params []*Param `parser:"( @@ ( ',' @@ )* )?"`
	Rparen Tok      `parser:"@')'"`
	Arrow  *Tok     `parser:"( @'->'"`
	Result *Type    `parser:"  @@ )?"`
	Doc    *Tok     `parser:"@String?"`
}

// Param is `name: Type`.
type Param struct {
	Name Tok   `parser:"@Ident ':'"`
	Type *Type `parser:"@@"`
}

// ---------------------------------------------------------------------------
// Expressions
//
// Expressions are parsed by hand (expr.go) through participle's Parseable
// interface, by precedence climbing: as nested participle structs, one
// level per precedence with a disjunction for every operand, they made
// parsing about ten times slower (see docs/performance.md). The nodes
// below are what that parser builds.

// Expr is one node of an expression tree; exactly one field is set.
type Expr struct {
	Binary  *Binary
	Unary   *Unary
	Is      *Is
	Primary *Primary
}

// Binary is `X op Y`. Op is the operator's first token (for `starts
// with`, `starts`); Not is the `not` of `not in`, `not contains`, `not
// starts with`, `not matches`, or a misplaced one before a symbol (`not
// =`), which the parser reports.
type Binary struct {
	X   *Expr
	Not *Tok
	Op  Tok
	Y   *Expr
}

// Unary is `not X`.
type Unary struct {
	Not Tok
	X   *Expr
}

// Is is `X is [not] empty|null`.
type Is struct {
	X    *Expr
	Is   Tok
	Not  *Tok
	What Tok
}

// Primary is an operand; exactly one of Quant, Path, List, Paren, Lit and
// Num is set (Args with Path for a call, Minus with Num for a negative
// number).
type Primary struct {
	Quant *Quant
	Path  *Path
	Args  *Args
	List  *List
	Paren *Paren
	Lit   *Tok
	Minus *Tok
	Num   *Tok
}

// Path is `Ident { "." Ident }`. The parts are the Ident tokens of
// Tokens (Parts is only filled where participle parses the path).
type Path struct {
	Tokens []Tok
	Parts  []string `parser:"@Ident ( '.' @Ident )*"`
}

// List is `[ Expr, ... ]`.
type List struct {
	Lbrack Tok
	Elems  []*Expr
	Rbrack Tok
}

// Paren is `( Expr )`.
type Paren struct {
	Lparen Tok
	X      *Expr
	Rparen Tok
}

// Quant is `any|all|none|count ( Ident in Path [where Expr] )`.
type Quant struct {
	Kind   Tok
	Var    Tok
	In     *Path
	Where  *Tok
	Cond   *Expr
	Rparen Tok
}

// ---------------------------------------------------------------------------
// Parsers

// Parsers holds one participle parser per kind of chunk. They use no
// lookahead: once an optional part has consumed a token it must match, so
// participle reports the failure where it happened (in `when a > do`, at
// "do") instead of backing out to an earlier token. Parsers are safe
// for concurrent use once built.
type Parsers struct {
	Ruleset  *participle.Parser[Ruleset]
	Import   *participle.Parser[Import]
	Const    *participle.Parser[Const]
	Rule     *participle.Parser[Rule]
	Header   *participle.Parser[RuleHeader]
	Stmt     *participle.Parser[Stmt]
	Record   *participle.Parser[Record]
	Enum     *participle.Parser[Enum]
	Statuses *participle.Parser[Statuses]
	Action   *participle.Parser[Action]
	Expr     *participle.Parser[Expr]
}

// Build builds every parser; it fails only on a bug in the grammar.
func Build() (*Parsers, error) {
	opts := []participle.Option{participle.Lexer(Definition{}), participle.UseLookahead(0)}
	var ps Parsers
	var err error
	build := func(f func() error) {
		if err == nil {
			err = f()
		}
	}
	build(func() (e error) { ps.Ruleset, e = participle.Build[Ruleset](opts...); return })
	build(func() (e error) { ps.Import, e = participle.Build[Import](opts...); return })
	build(func() (e error) { ps.Const, e = participle.Build[Const](opts...); return })
	build(func() (e error) { ps.Rule, e = participle.Build[Rule](opts...); return })
	build(func() (e error) { ps.Header, e = participle.Build[RuleHeader](opts...); return })
	build(func() (e error) { ps.Stmt, e = participle.Build[Stmt](opts...); return })
	build(func() (e error) { ps.Record, e = participle.Build[Record](opts...); return })
	build(func() (e error) { ps.Enum, e = participle.Build[Enum](opts...); return })
	build(func() (e error) { ps.Statuses, e = participle.Build[Statuses](opts...); return })
	build(func() (e error) { ps.Action, e = participle.Build[Action](opts...); return })
	build(func() (e error) { ps.Expr, e = participle.Build[Expr](opts...); return })
	if err != nil {
		return nil, err
	}
	return &ps, nil
}
