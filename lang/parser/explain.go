package parser

// This file turns a place where the grammar failed into one human
// message. participle only says which token it did not expect; what was
// expected is worked out here from the kind of unit being parsed and the
// tokens just before the failure.

import (
	"strings"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// describe names a token for a message.
func describe(t scanner.Token) string {
	switch t.Kind {
	case scanner.EOF:
		return "end of file"
	case scanner.String, scanner.BadString:
		return "string " + t.Text
	}
	return quote(t.Text)
}

// checkBrackets reports the first unbalanced bracket of a unit. A rule
// header's closing `do` is not part of its condition.
func (p *parser) checkBrackets(u *unit) bool {
	type open struct {
		i    int
		want string
	}
	var stack []open
	last := u.to - 1
	if u.kind == unitRule && p.toks[last].Text == "do" && last > u.from {
		last--
	}
	for i := u.from; i <= last; i++ {
		t := p.toks[i]
		if t.Kind != scanner.Punct {
			continue
		}
		switch t.Text {
		case "(":
			stack = append(stack, open{i, ")"})
		case "[":
			stack = append(stack, open{i, "]"})
		case "{":
			stack = append(stack, open{i, "}"})
		case ")", "]", "}":
			if len(stack) == 0 {
				p.errorf(t.Span, diag.BadBracket, "unexpected %q without a matching %q: remove it", t.Text, opener(t.Text))
				return false
			}
			top := stack[len(stack)-1]
			if top.want != t.Text {
				o := p.toks[top.i]
				p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadBracket,
					Message:    quote(t.Text) + " does not close " + quote(o.Text) + ": close it with " + quote(top.want),
					Suggestion: top.want,
					Related:    []diag.Related{{Span: o.Span, Message: quote(o.Text) + " opened here"}}})
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 && expectsMore(p.toks[last]) {
		// Half-typed (`email(to: order.buyer.`): what is missing first is
		// what the last token asks for, which the parser reports.
		return true
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		o := p.toks[top.i]
		end := p.toks[last]
		p.report(diag.Diagnostic{Span: end.Span, Severity: diag.Error, Code: diag.BadBracket,
			Message:    quote(o.Text) + " is never closed: add " + quote(top.want),
			Suggestion: end.Text + top.want,
			Related:    []diag.Related{{Span: o.Span, Message: quote(o.Text) + " opened here"}}})
		return false
	}
	return true
}

func opener(closer string) string {
	switch closer {
	case ")":
		return "("
	case "]":
		return "["
	}
	return "{"
}

// trailing reports tokens left after a complete declaration or statement.
func (p *parser) trailing(u *unit, i int) {
	t := p.toks[i]
	span := token.Span{Start: t.Span.Start, End: p.toks[u.to-1].Span.End}
	what := map[unitKind]string{
		unitRuleset: "the ruleset name", unitImport: "the import", unitConst: "the const declaration",
		unitStmt: "the statement", unitRecord: "the record", unitEnum: "the enum", unitStatuses: "the statuses",
		unitAction: "the action declaration", unitExpr: "the expression", unitRule: "the rule header",
	}[u.kind]
	if u.kind == unitAction && t.Kind == scanner.Ident && i > u.from && isPunct(p.toks[i-1], ")") {
		p.report(diag.Diagnostic{Span: t.Span, Severity: diag.Error, Code: diag.BadSyntax,
			Message: "the result type follows \"->\": write -> " + t.Text, Suggestion: "-> " + t.Text})
		return
	}
	if u.kind == unitStmt || u.kind == unitExpr {
		p.errorf(span, diag.BadSyntax, "unexpected %s after %s: remove it", describe(t), what)
		return
	}
	p.errorf(span, diag.BadSyntax, "unexpected %s after %s: remove it, or start a new line with a declaration", describe(t), what)
}

// ctx is the neighbourhood of the token where the grammar failed.
type ctx struct {
	p    *parser
	u    *unit
	i    int           // index of the failing token in p.toks (u.to at the end)
	cur  scanner.Token // the failing token, or EOF
	prev scanner.Token // the token before it, or an EOF token
}

func (c *ctx) at(k int) scanner.Token {
	if k < c.u.from || k >= c.u.to {
		return scanner.Token{Kind: scanner.EOF}
	}
	return c.p.toks[k]
}

func isKw(t scanner.Token, words ...string) bool {
	if t.Kind != scanner.Keyword {
		return false
	}
	for _, w := range words {
		if t.Text == w {
			return true
		}
	}
	return false
}

func isPunct(t scanner.Token, ops ...string) bool {
	if t.Kind != scanner.Punct {
		return false
	}
	for _, o := range ops {
		if t.Text == o {
			return true
		}
	}
	return false
}

// startsOperand reports whether t can begin an operand.
func startsOperand(t scanner.Token) bool {
	switch t.Kind {
	case scanner.Ident, scanner.String, scanner.BadString, scanner.Number, scanner.Duration, scanner.BadNumber:
		return true
	case scanner.Punct:
		return t.Text == "(" || t.Text == "[" || t.Text == "-"
	}
	return isKw(t, "true", "false", "null", "now", "any", "all", "none", "count", "not")
}

// explain builds the diagnostic for a syntax error at token i of unit u.
func (p *parser) explain(u *unit, i int) diag.Diagnostic {
	c := &ctx{p: p, u: u, i: i, cur: scanner.Token{Kind: scanner.EOF}, prev: scanner.Token{Kind: scanner.EOF}}
	if i < u.to {
		c.cur = p.toks[i]
	} else {
		end := p.toks[u.to-1].Span.End
		c.cur.Span = token.Span{Start: end, End: end}
	}
	if i > u.from {
		c.prev = p.toks[i-1]
	}
	msg, fix, span := c.message()
	if !span.IsValid() {
		span = c.cur.Span
		// Something missing is shown where it is missing: after the
		// previous token when the failing one is on a later line.
		missing := c.cur.Kind == scanner.EOF || strings.HasPrefix(msg, "expected") && p.line(c.prev.Span.End) != p.line(c.cur.Span.Start)
		if missing && c.prev.Kind != scanner.EOF {
			span = c.prev.Span
		}
	}
	return diag.Diagnostic{File: p.file, Span: span, Severity: diag.Error, Code: diag.BadSyntax, Message: msg, Suggestion: fix}
}

var noSpan = token.Span{Start: token.NoPos, End: token.NoPos}

// message returns the message, an optional fix and an optional span
// (noSpan means the failing token, or the last one at the end).
func (c *ctx) message() (string, string, token.Span) {
	cur, prev := c.cur, c.prev
	rule := ruleRef(c.u.rule)

	if m, ok := c.keywordAsName(); ok {
		return m, "", noSpan
	}

	// The unit kinds whose first tokens have their own wording.
	switch c.u.kind {
	case unitRuleset:
		return `expected the ruleset's name as a string after "ruleset", as in ruleset "my-shop"`, "", noSpan
	case unitImport:
		return `expected the file or folder to import as a string after "import", as in import "shared/statuses.rules"`, "", noSpan
	case unitConst:
		switch {
		case isKw(prev, "const"):
			return `expected a name after "const", as in const vip_limit = 5000`, "", noSpan
		case c.i == c.u.from+2:
			return `expected "=" and a value after "const ` + prev.Text + `"`, "", noSpan
		case c.i == c.u.from+3:
			return `expected a value after "const ` + c.at(c.u.from+1).Text + ` ="`, "", noSpan
		}
	case unitRecord, unitEnum, unitStatuses, unitAction:
		if m, fix, ok := c.declMessage(); ok {
			return m, fix, noSpan
		}
	case unitStmt:
		if m, fix, ok := c.stmtMessage(); ok {
			return m, fix, noSpan
		}
	case unitRule:
		if m, fix, span, ok := c.headerMessage(); ok {
			return m, fix, span
		}
	}
	if m, fix, span, ok := c.exprMessage(); ok {
		return m, fix, span
	}
	if c.u.kind == unitRule {
		if cur.Kind == scanner.Ident && (cur.Text == "then" || cur.Text == "THEN") {
			return `write "do" before the actions, not "then"`, "do", cur.Span
		}
		if cur.Kind == scanner.EOF || !c.hasKeywordAfter("do") {
			return `expected "do" after the condition of ` + rule, "", noSpan
		}
		return "unexpected " + describe(cur) + " after the condition of " + rule + `: join conditions with "and" or "or"`, "", noSpan
	}
	if cur.Kind == scanner.EOF {
		return "unexpected end of the " + unitName(c.u.kind) + " after " + describe(prev), "", noSpan
	}
	return "unexpected " + describe(cur), "", noSpan
}

func (c *ctx) hasKeywordAfter(word string) bool {
	for k := c.i; k < c.u.to; k++ {
		if isKw(c.p.toks[k], word) {
			return true
		}
	}
	return false
}

// seenBefore reports whether a keyword occurs in the unit before the
// failing token.
func (c *ctx) seenBefore(word string) bool {
	for k := c.u.from; k < c.i; k++ {
		if isKw(c.p.toks[k], word) {
			return true
		}
	}
	return false
}

func (c *ctx) headerMessage() (string, string, token.Span, bool) {
	cur, prev := c.cur, c.prev
	rule := ruleRef(c.u.rule)
	switch {
	case isKw(prev, "rule"):
		if cur.Kind == scanner.Ident {
			return "a rule's name is a string: write rule " + quote(cur.Text), quote(cur.Text), cur.Span, true
		}
		return `expected the rule's name as a string after "rule", as in rule "pickup ready"`, "", noSpan, true
	case isKw(prev, "on"):
		return `expected an event such as order.created, or schedule "...", after "on"`, "", noSpan, true
	case isKw(prev, "schedule"):
		return `expected a cron spec string after "schedule", as in schedule "*/15 * * * *"`, "", noSpan, true
	case !c.seenBefore("when"):
		if isPunct(prev, ",") && c.seenBefore("on") {
			return `expected another trigger after ","`, "", noSpan, true
		}
		if c.seenBefore("on") && !isKw(cur, "when", "do") && cur.Kind != scanner.EOF {
			return "unexpected " + describe(cur) + ` after the triggers of ` + rule + `: separate triggers with "," and continue with "when"`, "", noSpan, true
		}
		if prev.Kind == scanner.String && c.i == c.u.from+2 && cur.Kind == scanner.EOF {
			return `expected "on" or "when" after the name of ` + rule, "", noSpan, true
		}
		return `expected "when" and a condition in ` + rule, "", noSpan, true
	case isKw(prev, "when"):
		return `expected a condition after "when"`, "", noSpan, true
	case isKw(prev, "once") && !isKw(cur, "do"):
		if cur.Kind == scanner.EOF || !c.hasKeywordAfter("do") {
			return `expected "per" or "do" after "once" in ` + rule, "", noSpan, true
		}
		return `expected "per" or "do" after "once"`, "", noSpan, true
	case isKw(prev, "per"):
		return `expected a value after "once per", as in once per shipment.status`, "", noSpan, true
	case isKw(prev, "always") && !isKw(cur, "do"):
		return `expected "do" after "always" in ` + rule, "", noSpan, true
	}
	return "", "", noSpan, false
}

func (c *ctx) stmtMessage() (string, string, bool) {
	cur, prev := c.cur, c.prev
	first := c.at(c.u.from)
	switch {
	case c.i == c.u.from:
		if isKw(cur, "do") {
			return `"do" appears twice in ` + ruleRef(c.u.rule), "", true
		}
		return "unexpected " + describe(cur) + " in the body of " + ruleRef(c.u.rule) + `: expected an action call, "let" or "wait"`, "", true
	case isKw(prev, "let"):
		return `expected a name after "let", as in let code = generate_code(pattern: "PK-####")`, "", true
	case isKw(first, "let") && c.i == c.u.from+2:
		return `expected "=" after "let ` + prev.Text + `"`, "", true
	case isKw(first, "let") && c.i > c.u.from+3 && c.i == c.afterPath(c.u.from+3) && !isPunct(cur, "("):
		return `expected "(" and the arguments after the action name ` + quote(c.text(c.u.from+3, c.i)) + `: let binds the result of an action call`, "", true
	case isKw(first, "let") && c.i == c.u.from+3:
		return `expected an action call after "let ` + c.at(c.u.from+1).Text + ` =", as in generate_code(pattern: "PK-####")`, "", true
	case isKw(prev, "wait") && cur.Kind == scanner.Number:
		return `write the unit right after the number, as in wait ` + cur.Text + `d (units: s, m, h, d, w)`, "", true
	case isKw(prev, "wait") && !isKw(cur, "until"):
		return `expected a duration (such as 2d) or "until" after "wait"`, "", true
	case isKw(prev, "until"):
		return `expected a condition after "wait until"`, "", true
	case isKw(prev, "max"):
		return `expected a duration after "max", as in max 3d`, "", true
	case first.Kind == scanner.Ident && c.afterPath(c.u.from) == c.i && !isPunct(cur, "("):
		if cur.Kind == scanner.EOF {
			return `expected "(" and the arguments after the action name ` + quote(c.text(c.u.from, c.i)), "", true
		}
		return "expected an action call in the body of " + ruleRef(c.u.rule) + `, such as email(...): conditions belong after "when"`, "", true
	}
	return "", "", false
}

// afterPath returns the index just after the path starting at k.
func (c *ctx) afterPath(k int) int {
	for k < c.u.to && c.p.toks[k].Kind == scanner.Ident {
		k++
		if k < c.u.to && isPunct(c.p.toks[k], ".") && k+1 < c.u.to && c.p.toks[k+1].Kind == scanner.Ident {
			k++
			continue
		}
		break
	}
	return k
}

// text returns the source text of tokens [a, b).
func (c *ctx) text(a, b int) string {
	if a >= b {
		return ""
	}
	return string(c.p.file.Src[c.p.toks[a].Span.Start:c.p.toks[b-1].Span.End])
}

func (c *ctx) declMessage() (string, string, bool) {
	cur, prev := c.cur, c.prev
	kw := c.at(c.u.from).Text
	name := c.at(c.u.from + 1).Text
	switch {
	case c.i == c.u.from+1:
		what := map[string]string{"record": "record", "extend": "record to extend", "enum": "enum", "statuses": "record whose statuses these are", "action": "action"}[kw]
		return "expected the name of the " + what + " after " + quote(kw), "", true
	case c.i == c.u.from+2 && kw != "action":
		return `expected "{" after ` + quote(kw+" "+name), "", true
	}
	switch kw {
	case "record", "extend":
		switch {
		case isPunct(cur, ","):
			return `fields are not separated by commas: remove the ","`, "", true
		case prev.Kind == scanner.Ident && c.at(c.i-2).Text == "list" && isPunct(c.at(c.i-3), ":"):
			return `expected "<" after "list": write list<` + prev.Text + `>`, "", true
		case isPunct(prev, "{") || (cur.Kind != scanner.Ident && !isPunct(cur, "}") && !isPunct(prev, ":", "<")):
			if isPunct(cur, "}") {
				break
			}
			return "expected a field " + quote("name: type") + ` or "}" in ` + kw + " " + name, "", true
		case prev.Kind == scanner.Ident && !isPunct(cur, ":") && !isPunct(c.at(c.i-2), ":", "<"):
			return `expected ":" and a type after field ` + quote(prev.Text), "", true
		}
		if m, ok := c.typeMessage(); ok {
			return m, "", true
		}
		return "expected a field " + quote("name: type") + ` or "}" in ` + kw + " " + name, "", true
	case "enum":
		switch {
		case isPunct(prev, "{") && isPunct(cur, "}"):
			return "enum " + name + ` has no values: list them, as in enum ` + name + ` { a, b }`, "", true
		case isPunct(prev, "{", ","):
			return "expected a value name in enum " + name, "", true
		}
		return `expected "," or "}" after the value ` + quote(prev.Text) + " in enum " + name, "", true
	case "statuses":
		switch {
		case isPunct(cur, ","):
			return `status entries are not separated by commas: remove the ","`, "", true
		case isPunct(prev, "->"):
			return `expected a phase after "->", such as new_confirmed, processing, completed or cancelled`, "", true
		case prev.Kind == scanner.String || prev.Kind == scanner.BadString:
			return `expected "->" and a phase after the status ` + prev.Text, "", true
		case cur.Kind == scanner.Ident:
			return "a status name is a string: write " + quote(cur.Text) + ` -> phase`, quote(cur.Text), true
		}
		return "expected a status entry " + quote(`"name" -> phase`) + ` or "}" in statuses ` + name, "", true
	case "action":
		switch {
		case isPunct(prev, "."):
			return `expected the action's name after "."`, "", true
		case prev.Kind == scanner.Ident && c.i == c.afterPath(c.u.from+1):
			return `expected "(" and the parameters after action ` + quote(c.text(c.u.from+1, c.i)), "", true
		case isPunct(prev, "(", ","):
			return "expected a parameter " + quote("name: type"), "", true
		case isPunct(prev, "->"):
			return `expected the result type after "->", such as string`, "", true
		case prev.Kind == scanner.Ident && isPunct(c.at(c.i-2), "(", ","):
			return `expected ":" and a type after parameter ` + quote(prev.Text), "", true
		case isPunct(prev, ")") && !c.insideParens():
			return `expected "->" and a result type, or a doc string, after the parameters of action ` + quote(c.text(c.u.from+1, c.afterPath(c.u.from+1))), "", true
		}
		if m, ok := c.typeMessage(); ok {
			return m, "", true
		}
		return `expected "," or ")" after the parameter`, "", true
	}
	return "", "", false
}

// insideParens reports whether the failing token is inside an open (.
func (c *ctx) insideParens() bool {
	depth := 0
	for k := c.u.from; k < c.i; k++ {
		switch {
		case isPunct(c.p.toks[k], "("):
			depth++
		case isPunct(c.p.toks[k], ")"):
			depth--
		}
	}
	return depth > 0
}

func (c *ctx) typeMessage() (string, bool) {
	cur, prev := c.cur, c.prev
	switch {
	case isPunct(prev, ":"):
		return "expected a type after " + quote(c.at(c.i-2).Text+":") + ", such as string, number, money, bool, time, duration, a record or list<T>", true
	case isPunct(prev, "<"):
		return `expected the element type after "<", as in list<string>`, true
	case !isPunct(cur, ">") && c.openAngle():
		return `expected ">" to close "list<"`, true
	}
	return "", false
}

// openAngle reports whether a "<" before the failing token is not closed.
func (c *ctx) openAngle() bool {
	depth := 0
	for k := c.u.from; k < c.i; k++ {
		switch {
		case isPunct(c.p.toks[k], "<"):
			depth++
		case isPunct(c.p.toks[k], ">"):
			depth--
		}
	}
	return depth > 0
}

// enclosing returns the innermost bracket open at the failing token and
// the index of its opener, or -1.
func (c *ctx) enclosing() (scanner.Token, int) {
	var stack []int
	for k := c.u.from; k < c.i; k++ {
		t := c.p.toks[k]
		switch {
		case isPunct(t, "(", "["):
			stack = append(stack, k)
		case isPunct(t, ")", "]") && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return scanner.Token{Kind: scanner.EOF}, -1
	}
	k := stack[len(stack)-1]
	return c.p.toks[k], k
}

// exprMessage explains an error inside an expression.
func (c *ctx) exprMessage() (string, string, token.Span, bool) {
	cur, prev := c.cur, c.prev
	open, k := c.enclosing()
	before := c.at(k - 1) // what precedes the bracket: a call's name, a quantifier
	inQuant := k >= 0 && isKw(before, "any", "all", "none", "count")
	inCall := k >= 0 && isPunct(open, "(") && before.Kind == scanner.Ident

	switch {
	case isKw(prev, "any", "all", "none", "count"):
		return `expected "(" after ` + quote(prev.Text) + ", as in " + prev.Text + `(item in order.items where item.stock <= 0)`, "", noSpan, true
	case inQuant && c.i == k+1:
		return "expected a name after " + quote(before.Text+"(") + ", as in " + before.Text + `(item in order.items where ...)`, "", noSpan, true
	case inQuant && c.i == k+2:
		return `expected "in" after ` + quote(before.Text+"("+prev.Text), "", noSpan, true
	case inQuant && c.i == k+3:
		return `expected the list to range over after "in", such as order.items`, "", noSpan, true
	case inQuant && !c.hasBetween(k, "where") && !isPunct(prev, ".") && !isKw(cur, "where"):
		return `expected "where" or ")" after the list in ` + quote(before.Text+"(...)"), "", noSpan, true
	case isPunct(prev, "."):
		// A path cut short before the next clause or declaration (what an
		// editor sees while the user types) is reported at the dot.
		if cur.Kind == scanner.EOF || isKw(cur, "rule", "on", "when", "do", "record", "extend", "enum", "statuses", "action", "const", "import", "ruleset") {
			return `expected a field name after "."`, "", prev.Span, true
		}
		if cur.Kind == scanner.Keyword {
			return quote(cur.Text) + " is a keyword and cannot be a field name", "", noSpan, true
		}
		return `expected a field name after "."`, "", noSpan, true
	case isKw(prev, "is"):
		if startsOperand(cur) && !isKw(cur, "not") {
			return `"is" only tests "is empty" and "is null": compare values with "="`, "=", prev.Span, true
		}
		return `expected "empty" or "null" after "is"`, "", noSpan, true
	case isKw(prev, "not") && isKw(c.at(c.i-2), "is"):
		if startsOperand(cur) {
			span := token.Span{Start: c.at(c.i - 2).Span.Start, End: prev.Span.End}
			return `"is not" only tests "is not empty" and "is not null": compare values with "!="`, "!=", span, true
		}
		return `expected "empty" or "null" after "is not"`, "", noSpan, true
	case isKw(prev, "not") && c.i-1 > c.u.from && endsOperand(c.at(c.i-2)):
		return `"not" after a value must be followed by "in", "contains", "starts with" or "matches"; to negate a condition put "not" before it`, "", noSpan, true
	case isKw(prev, "matches"):
		return `expected a regular expression string after "matches", as in matches "^PK-[0-9]+$"`, "", noSpan, true
	case isKw(prev, "when"):
		return `expected a condition after "when"`, "", noSpan, true
	case isKw(prev, "where"):
		return `expected a condition after "where"`, "", noSpan, true
	case isKw(prev, "and", "or", "not"):
		return "expected a condition after " + quote(prev.Text), "", noSpan, true
	case isKw(prev, "in", "contains", "with"):
		what := prev.Text
		if what == "with" {
			what = "starts with"
		}
		return "expected a value after " + quote(what), "", noSpan, true
	case isPunct(prev, "-") && (cur.Kind == scanner.Duration || cur.Kind == scanner.Ident) && (c.i-1 == c.u.from || !endsOperand(c.at(c.i-2))):
		return `expected a number after "-": only number literals can be negative`, "", noSpan, true
	case isPunct(prev, "=", "!=", ">", ">=", "<", "<=", "+", "-", "*", "/"):
		return "expected a value after " + quote(prev.Text), "", noSpan, true
	case isPunct(prev, ":") && inCall:
		return "expected a value for argument " + quote(c.at(c.i-2).Text), "", noSpan, true
	case isPunct(prev, "(") && inCall:
		return "expected an argument or \")\" after " + quote(before.Text+"("), "", noSpan, true
	case isPunct(prev, ",") && inCall:
		return `expected another argument after ","`, "", noSpan, true
	case isPunct(prev, "[", ",") && k >= 0 && isPunct(open, "["):
		return `expected a list element`, "", noSpan, true
	case isPunct(prev, "("):
		return `expected a condition or value after "("`, "", noSpan, true
	}
	if !endsOperand(prev) {
		return "", "", noSpan, false
	}
	if next := c.at(c.i + 1); isPunct(cur, ",") && k < 0 && prev.Kind == scanner.Number && next.Kind == scanner.Number &&
		prev.Span.End == cur.Span.Start && cur.Span.End == next.Span.Start {
		fixed := prev.Text + "." + next.Text
		return "decimal numbers are written with a point: " + fixed, fixed, token.Span{Start: prev.Span.Start, End: next.Span.End}, true
	}
	// A complete operand is followed by something that cannot continue it.
	switch {
	case inCall && prev.Kind == scanner.Ident && isPunct(c.at(c.i-2), "(", ",") && startsOperand(cur):
		return `expected ":" after the argument name ` + quote(prev.Text), "", noSpan, true
	case inCall:
		if isKw(cur, "do") || cur.Kind == scanner.EOF {
			break
		}
		return `expected "," or ")" after the argument of ` + quote(before.Text+"(...)"), "", noSpan, true
	case k >= 0 && isPunct(open, "["):
		return `expected "," or "]" after the list element`, "", noSpan, true
	case k >= 0 && isPunct(open, "(") && !inQuant:
		return `expected "and", "or" or ")" after ` + describe(prev), "", noSpan, true
	case inQuant:
		return `expected ")" to close ` + quote(before.Text+"(...)"), "", noSpan, true
	}
	if isPunct(cur, "=") && c.u.kind == unitRule {
		return "", "", noSpan, false
	}
	if cur.Kind == scanner.Keyword && strings.Contains(" always once per ", " "+cur.Text+" ") && c.u.kind != unitRule {
		return quote(cur.Text) + ` belongs after a rule's condition, before "do"`, "", noSpan, true
	}
	return "", "", noSpan, false
}

// hasBetween reports whether a keyword occurs between token k and the
// failing token.
func (c *ctx) hasBetween(k int, word string) bool {
	for j := k; j < c.i; j++ {
		if isKw(c.p.toks[j], word) {
			return true
		}
	}
	return false
}

// keywordAsName explains a reserved word written where a name goes: after
// let, const, the keyword of a declaration, or as an argument, field,
// parameter or quantifier variable.
func (c *ctx) keywordAsName() (string, bool) {
	cur, prev := c.cur, c.prev
	if cur.Kind != scanner.Keyword || isKw(cur, "not", "true", "false", "null", "now", "any", "all", "none", "count") && !isKw(prev, "let", "const") {
		return "", false
	}
	named := isKw(prev, "let", "const", "record", "extend", "enum", "statuses", "action")
	named = named || c.u.kind == unitRecord && isPunct(prev, "{") && !isPunct(cur, "}")
	named = named || c.u.kind == unitAction && isPunct(prev, "(", ",")
	named = named || isPunct(prev, "(", ",") && isPunct(c.at(c.i+1), ":")
	if !named {
		return "", false
	}
	return quote(cur.Text) + " is a reserved word and cannot be used as a name: choose another, such as " + cur.Text + "_value", true
}

// expectsMore reports whether t cannot end anything: an operator, a dot,
// a colon, a comma or an opening bracket.
func expectsMore(t scanner.Token) bool {
	switch t.Kind {
	case scanner.Punct:
		return t.Text != ")" && t.Text != "]" && t.Text != "}" && t.Text != "?"
	case scanner.Keyword:
		switch t.Text {
		case "and", "or", "not", "in", "contains", "starts", "with", "matches", "is", "where", "any", "all", "none", "count":
			return true
		}
	}
	return false
}

// unitName names what a unit holds, for "unexpected end of ..." messages.
func unitName(k unitKind) string {
	switch k {
	case unitStmt:
		return "statement"
	case unitRule:
		return "rule"
	case unitExpr:
		return "expression"
	}
	return "declaration"
}
