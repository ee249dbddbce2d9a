package compiler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"golang.org/x/tools/txtar"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/diag"
)

// codeDocs reads the const blocks of lang/diag/codes.go and returns each
// Code constant's doc comment by name.
func codeDocs(t *testing.T) map[string]string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../lang/diag/codes.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := make(map[string]string)
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		isCode := false
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Code" {
				isCode = true
			}
			if !isCode {
				continue
			}
			for _, n := range vs.Names {
				if n.Name != "_" {
					docs[n.Name] = vs.Doc.Text()
				}
			}
		}
	}
	return docs
}

// docSections splits docs/diagnostics.md into its "## Name" sections.
func docSections(t *testing.T) map[string]string {
	data, err := os.ReadFile("../docs/diagnostics.md")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	parts := regexp.MustCompile(`(?m)^## `).Split(string(data), -1)
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		out[strings.TrimSpace(name)] = body
	}
	return out
}

var rulesBlock = regexp.MustCompile("(?s)```rules\n(.*?)```")

// TestCodesDocumented fails when a diagnostic code lacks a doc comment
// with an example, a printed name, a summary, or a section in
// docs/diagnostics.md with an example and a fix; and checks that each
// code's example produces it and its fix does not.
func TestCodesDocumented(t *testing.T) {
	docs := codeDocs(t)
	sections := docSections(t)
	byName := make(map[string]diag.Code)
	for _, c := range Codes() {
		byName[c.String()] = c
	}
	if len(docs) != len(Codes()) {
		t.Errorf("codes.go declares %d codes, Codes() returns %d", len(docs), len(Codes()))
	}
	for name, doc := range docs {
		code, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("code %s has no name in the names table (or is outside 1..MaxCode and UnknownName..MaxCompilerCode)", name)
			continue
		case strings.TrimSpace(doc) == "":
			t.Errorf("code %s has no doc comment", name)
		case code >= diag.UnknownName && !strings.Contains(doc, "\n\t"):
			t.Errorf("code %s: doc comment has no indented example", name)
		}
		if Summary(code) == "" {
			t.Errorf("code %s has no summary in compiler/codes.go", name)
		}
		sec, ok := sections[name]
		if !ok {
			t.Errorf("docs/diagnostics.md has no section for %s", name)
			continue
		}
		blocks := rulesBlock.FindAllStringSubmatch(sec, -1)
		if len(blocks) < 2 || !strings.Contains(sec, "**Fix:**") {
			t.Errorf("docs/diagnostics.md: %s needs an example block, a **Fix:** and a fixed block", name)
			continue
		}
		if !hasCode(blocks[0][1], code) {
			t.Errorf("docs/diagnostics.md: the example of %s does not produce it:\n%s\ngot:\n%s", name, blocks[0][1], renderAll(blocks[0][1]))
		}
		if hasCode(blocks[1][1], code) {
			t.Errorf("docs/diagnostics.md: the fix of %s still produces it:\n%s", name, blocks[1][1])
		}
	}
}

// exampleSources reads a documentation example: one rules file, or a
// txtar of several files (rules and templates).
func exampleSources(src string) []Source {
	if !strings.Contains(src, "\n-- ") && !strings.HasPrefix(src, "-- ") {
		return []Source{{Name: "example.rules", Src: []byte(src)}}
	}
	var srcs []Source
	for _, f := range txtar.Parse([]byte(src)).Files {
		srcs = append(srcs, Source{Name: f.Name, Src: f.Data})
	}
	return srcs
}

func hasCode(src string, code diag.Code) bool {
	_, diags := checkAll(exampleSources(src), Config{})
	for _, d := range diags {
		if d.Code == code {
			return true
		}
	}
	return false
}

func renderAll(src string) string {
	_, diags := checkAll(exampleSources(src), Config{})
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(render(d) + "\n")
	}
	return b.String()
}
