package parser

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
)

// declSummary lists the declarations of f as "Kind name" lines.
func declSummary(f *ast.File) string {
	var b strings.Builder
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.RuleDecl:
			name := "-"
			if d.Name != nil {
				name = d.Name.Value
			}
			fmt.Fprintf(&b, "rule %s (%d statements)\n", name, len(d.Body))
			for _, s := range d.Body {
				fmt.Fprintf(&b, "  %T\n", s)
			}
		case *ast.BadDecl:
			name := "-"
			if d.Name != nil {
				name = d.Name.Value
			}
			fmt.Fprintf(&b, "bad %s %s\n", d.Keyword, name)
		case *ast.RecordDecl:
			fmt.Fprintf(&b, "record %s\n", d.Name.Name)
		case *ast.EnumDecl:
			fmt.Fprintf(&b, "enum %s\n", d.Name.Name)
		default:
			fmt.Fprintf(&b, "%T\n", d)
		}
	}
	return b.String()
}

func TestRecoveryKeepsGoodDeclarations(t *testing.T) {
	src := `rule "první" when order.total > 100 do log(text: "ok")

rule "rozbitá" when order.total > do log(text: "x")

rule "druhá" on order.created when order.paid = paid do
  email(to: order.buyer.email, template: "díky")
  sms(to: order.buyer.phone text: "chybí čárka")
  wait 2d
  notify(user: "sklad", text: "Objednávka {order.number}")

record sklad {
  kód string
}

enum priorita { nízká, vysoká }

rule "třetí" when order.status = "Nová" do log(text: "ok")
rule "napůl napsaná"
when order.buyer.`
	f, diags := ParseFile("recovery.rules", []byte(src))
	checkSpans(t, f)
	want := `rule první (1 statements)
  *ast.CallStmt
bad rule rozbitá
rule druhá (4 statements)
  *ast.CallStmt
  *ast.BadStmt
  *ast.WaitStmt
  *ast.CallStmt
bad record -
enum priorita
rule třetí (1 statements)
  *ast.CallStmt
bad rule napůl napsaná
`
	if got := declSummary(f); got != want {
		t.Errorf("declarations:\n%s\nwant:\n%s", got, want)
	}
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, render(d))
	}
	wantDiags := []string{
		`recovery.rules:3:35-3:37: error: expected a value after ">" [BadSyntax]`,
		`recovery.rules:7:29-7:33: error: expected "," or ")" after the argument of "sms(...)" [BadSyntax]`,
		`recovery.rules:12:7-12:13: error: expected ":" and a type after field "kód" [BadSyntax]`,
		`recovery.rules:19:17-19:18: error: expected a field name after "." [BadSyntax]`,
	}
	if got := strings.Join(msgs, "\n"); got != strings.Join(wantDiags, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", got, strings.Join(wantDiags, "\n"))
	}
}

// TestTruncatedFile cuts a valid file at every byte, as an editor sees it
// while the user types: every declaration that was complete before the
// cut (the next one has begun) must parse exactly as in the whole file.
func TestTruncatedFile(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/rules.rules")
	if err != nil {
		t.Fatal(err)
	}
	decls, _ := os.ReadFile("testdata/valid/declarations.rules")
	src = append(append(decls, '\n'), src...)
	full, diags := ParseFile("t.rules", src)
	if len(diags) > 0 {
		t.Fatalf("the whole file has errors: %v", diags)
	}
	dumps := make([]string, len(full.Decls))
	for i, d := range full.Decls {
		dumps[i] = dumpNode(t, full.Tok, d)
	}
	// Cut at every token's start, one byte into it, and its end: inside
	// words, strings, operators, and between them.
	cuts := map[int]bool{len(src): true}
	for _, tk := range scanner.Scan(string(src)) {
		cuts[int(tk.Span.Start)], cuts[int(tk.Span.End)] = true, true
		if tk.Span.End > tk.Span.Start+1 {
			cuts[int(tk.Span.Start)+1] = true
		}
	}
	for cut := 0; cut <= len(src); cut++ {
		if !cuts[cut] {
			continue
		}
		f, _ := ParseFile("t.rules", src[:cut])
		checkSpans(t, f)
		for i := 0; i+1 < len(full.Decls); i++ {
			next := full.Decls[i+1].Span().Start
			if int(next)+firstWordLen(src[next:]) > cut {
				break
			}
			if i >= len(f.Decls) {
				t.Fatalf("cut at %d: only %d declarations, want at least %d", cut, len(f.Decls), i+1)
			}
			if got := dumpNode(t, f.Tok, f.Decls[i]); got != dumps[i] {
				t.Fatalf("cut at %d: declaration %d differs:\n%s\nwant:\n%s", cut, i, got, dumps[i])
			}
		}
	}
}

func firstWordLen(b []byte) int {
	n := 0
	for n < len(b) && (b[n] >= 'a' && b[n] <= 'z') {
		n++
	}
	return n
}

func dumpNode(t *testing.T, f *token.File, n ast.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := ast.Dump(&b, f, n); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A path left dangling at the end of a line while the user types must not
// swallow the next rule's header.
func TestDanglingDotKeepsNextRule(t *testing.T) {
	src := "rule \"a\"\nwhen order.buyer.\n\nrule \"b\"\nwhen order.total > 1 do log(text: \"x\")\n"
	f, diags := ParseFile("x.rules", []byte(src))
	if len(diags) != 1 || diags[0].Start().Line != 2 {
		t.Fatalf("diagnostics = %v", diags)
	}
	if len(f.Decls) != 2 {
		t.Fatalf("%d declarations, want 2", len(f.Decls))
	}
	r, ok := f.Decls[1].(*ast.RuleDecl)
	if !ok || r.Name == nil || r.Name.Value != "b" {
		t.Fatalf("second declaration = %#v, want rule \"b\"", f.Decls[1])
	}
}
