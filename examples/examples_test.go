// Package examples holds one ruleset per product Automat replaces. Its
// test keeps them parseable, in canonical format and documented; the
// compiler's tests check that they type-check and lint clean.
package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/format"
	"github.com/automat-rules/automat/lang/parser"
)

func TestExamplesParseAndAreFormatted(t *testing.T) {
	files, err := filepath.Glob("*/*.rules")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, name := range files {
		dirs[filepath.Dir(name)] = true
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out, diags := format.Source(name, src)
		if len(diags) > 0 {
			t.Errorf("%s: %v", name, diags)
			continue
		}
		if !bytes.Equal(out, src) {
			t.Errorf("%s is not in canonical format; run: rulec fmt -w examples", name)
		}
	}
	for _, d := range []string{"balikobot", "masstrade", "jzone", "bitrix24", "xsale"} {
		if !dirs[d] {
			t.Errorf("examples/%s has no rules", d)
		}
	}
}

// TestExamplesDocumented wants every named rule in its folder's README.md
// (which says what product feature the rule mirrors) and a comment right
// above every rule.
func TestExamplesDocumented(t *testing.T) {
	files, _ := filepath.Glob("*/*.rules")
	for _, name := range files {
		readme, err := os.ReadFile(filepath.Join(filepath.Dir(name), "README.md"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := parser.ParseFile(name, src)
		for _, d := range f.Decls {
			r, ok := d.(*ast.RuleDecl)
			if !ok {
				continue
			}
			pos := f.Tok.Position(r.Span().Start)
			if r.Name != nil && !bytes.Contains(readme, []byte("`"+r.Name.Value+"`")) {
				t.Errorf("%s:%d: rule %s is not in README.md", name, pos.Line, r.Name.Raw)
			}
			lines := strings.Split(string(src), "\n")
			if pos.Line < 2 || !strings.HasPrefix(lines[pos.Line-2], "#") {
				t.Errorf("%s:%d: no comment explains this rule", name, pos.Line)
			}
		}
	}
}
