package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// FuzzCheck checks that the checker never panics, whatever the parser
// makes of the input, that every diagnostic lies inside its file, and
// that the language server's queries never panic. Seeds: every chunk of
// the corpus, the txtar cases, and the standard schema.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob("testdata/check/*.rules")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, ch := range splitChunks(data) {
			f.Add(ch.src)
		}
	}
	archives, _ := filepath.Glob("testdata/txtar/*.txtar")
	for _, file := range archives {
		a, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range a.Files {
			if filepath.Ext(af.Name) == Ext {
				f.Add(af.Data)
			}
		}
	}
	f.Add(stdSource)
	noFS := func(string) ([]Source, error) { return nil, errors.New("no imports while fuzzing") }
	f.Fuzz(func(t *testing.T, src []byte) {
		pkg, diags := Check([]Source{{Name: "fuzz.rules", Src: src}}, Config{Error: func(diag.Diagnostic) {}, Import: noFS})
		if pkg == nil || pkg.Info == nil || pkg.Schema == nil {
			t.Fatal("Check returned an incomplete package")
		}
		for _, d := range diags {
			if d.File == nil {
				t.Errorf("diagnostic without a file: %v", d)
				continue
			}
			if !d.Span.IsValid() || int(d.Span.End) > len(d.File.Src) {
				t.Errorf("diagnostic span %v outside %s (%d bytes): %v", d.Span, d.File.Name, len(d.File.Src), d)
			}
		}
		for p := 0; p <= len(src); p += 1 + len(src)/64 {
			if ref, ok := pkg.ObjectAt("fuzz.rules", token.Pos(p)); ok {
				pkg.References(ref.Obj)
			}
			pkg.NamesAt("fuzz.rules", token.Pos(p))
		}
	})
}
