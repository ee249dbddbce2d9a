package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// FuzzParse checks that the parser is total: it never panics, every node
// and diagnostic lies inside the file with Start <= End, children inside
// their parents, and the whole-rule fast path gives exactly what the
// statement-by-statement recovery path gives. The seed corpus is every
// testdata file and every chunk of the error files.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.rules")
	// The examples and the standard schema, when present, seed it too.
	more, _ := filepath.Glob("../../examples/*/*.rules")
	files = append(append(files, more...), "../../compiler/schema/std.rules")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f.Add(data)
		for _, chunk := range strings.Split(string(data), "\n---\n") {
			f.Add([]byte(chunk))
		}
	}
	f.Add(generateRules(8))
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := ParseFile("fuzz.rules", src)
		if file == nil {
			t.Fatal("ParseFile returned a nil file")
		}
		checkSpans(t, file)
		checkDiags(t, file.Tok, diags)

		slow := newParser("fuzz.rules", src)
		slow.slowRules = true
		sf, sdiags := slow.parseFile()
		if got, want := dumpNode(t, file.Tok, file), dumpNode(t, sf.Tok, sf); got != want {
			t.Fatalf("the fast path and the recovery path disagree:\nrecovery:\n%s\nfast:\n%s", want, got)
		}
		if got, want := renderAll(diags), renderAll(sdiags); got != want {
			t.Fatalf("the fast path and the recovery path report differently:\nrecovery:\n%s\nfast:\n%s", want, got)
		}
	})
}

func renderAll(diags diag.List) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(render(d) + "\n")
	}
	return b.String()
}

func checkDiags(t *testing.T, f *token.File, diags diag.List) {
	t.Helper()
	size := token.Pos(len(f.Src))
	for _, d := range diags {
		if d.Span.Start < 0 || d.Span.Start > d.Span.End || d.Span.End > size {
			t.Errorf("diagnostic %q has span %d-%d in a file of %d bytes", d.Message, d.Span.Start, d.Span.End, size)
		}
		if d.Message == "" || d.Code == 0 {
			t.Errorf("diagnostic without message or code: %+v", d)
		}
		if strings.Contains(d.Message, "unexpected token") || strings.Contains(d.Message, "(expected") {
			t.Errorf("raw participle message: %q", d.Message)
		}
		for _, r := range d.Related {
			if r.Span.Start < 0 || r.Span.Start > r.Span.End || r.Span.End > size {
				t.Errorf("related place of %q has span %d-%d in a file of %d bytes", d.Message, r.Span.Start, r.Span.End, size)
			}
		}
	}
}
