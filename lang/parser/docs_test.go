package parser

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDiagnosticsDocs checks the syntax sections of docs/diagnostics.md:
// the first example of each Bad* code produces that code, and the fixed
// example after it parses cleanly. (compiler/docs_test.go checks the
// other codes.)
func TestDiagnosticsDocs(t *testing.T) {
	data, err := os.ReadFile("../../docs/diagnostics.md")
	if err != nil {
		t.Skipf("no docs/diagnostics.md: %v", err)
	}
	section := regexp.MustCompile("(?m)^## (Bad\\w+)\n")
	block := regexp.MustCompile("(?s)```rules\n(.*?)```")
	doc := string(data)
	locs := section.FindAllStringSubmatchIndex(doc, -1)
	if len(locs) < 6 {
		t.Fatalf("found %d Bad* sections in docs/diagnostics.md, want 6", len(locs))
	}
	for i, loc := range locs {
		code := doc[loc[2]:loc[3]]
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if next := strings.Index(doc[loc[1]:end], "\n## "); next >= 0 {
			end = loc[1] + next
		}
		blocks := block.FindAllStringSubmatch(doc[loc[1]:end], -1)
		if len(blocks) < 2 {
			t.Errorf("%s: want an example and a fixed example", code)
			continue
		}
		_, diags := ParseFile("example.rules", []byte(blocks[0][1]))
		found := false
		for _, d := range diags {
			found = found || d.Code.String() == code
		}
		if !found {
			t.Errorf("%s: the example does not produce it:\n%s\ngot: %v", code, blocks[0][1], diags)
		}
		if _, diags := ParseFile("fixed.rules", []byte(blocks[1][1])); len(diags) > 0 {
			t.Errorf("%s: the fixed example still has syntax errors: %v", code, diags)
		}
	}
}
