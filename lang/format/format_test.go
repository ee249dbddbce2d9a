package format

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/parser"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// dump renders a tree without positions, to compare trees modulo
// positions.
func dump(t testing.TB, name string, src []byte) string {
	t.Helper()
	f, diags := parser.ParseFile(name, src)
	if diags.HasErrors() {
		t.Fatalf("%s does not parse: %v", name, diags)
	}
	var b bytes.Buffer
	bare := *f
	bare.Comments = nil // compared below, modulo trailing blanks
	if err := ast.Dump(&b, nil, &bare); err != nil {
		t.Fatal(err)
	}
	// Comments are compared by text: formatting moves them, never drops
	// or rewrites one (but trims trailing blanks).
	for _, c := range f.Comments {
		b.WriteString(strings.TrimRight(c.Text, " \t\r") + "\n") // trailing blanks are trimmed
	}
	return b.String()
}

// TestGolden formats each testdata/*.input, compares with its .golden,
// formats the golden again (idempotence) and compares the trees.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.input")
	if len(inputs) == 0 {
		t.Fatal("no inputs")
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, diags := Source(in, src)
			if diags != nil {
				t.Fatalf("diagnostics: %v", diags)
			}
			golden := strings.TrimSuffix(in, ".input") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("format(%s) differs from %s:\n%s", in, golden, got)
			}
			again, _ := Source(golden, want)
			if !bytes.Equal(again, want) {
				t.Errorf("formatting %s again changes it:\n%s", golden, again)
			}
			if dump(t, in, src) != dump(t, golden, got) {
				t.Errorf("formatting changed the tree of %s", in)
			}
		})
	}
}

func TestRefusesSyntaxErrors(t *testing.T) {
	src := []byte("rule \"a\" when order.total => 5 do log(text: \"x\")\n")
	out, diags := Source("bad.rules", src)
	if out != nil || !diags.HasErrors() {
		t.Fatalf("formatted a file with errors: %q, %v", out, diags)
	}
}

// FuzzFormat: for any input that parses, formatting is idempotent and
// keeps the tree and every comment.
func FuzzFormat(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.input")
	ex, _ := filepath.Glob("../../examples/*/*.rules")
	for _, p := range append(seeds, ex...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := parser.ParseFile("f.rules", src)
		if diags.HasErrors() {
			return
		}
		once := File(file)
		twice, d2 := Source("f.rules", once)
		if d2.HasErrors() {
			t.Fatalf("formatted text does not parse: %v\n%s", d2, once)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent:\n%s\n---\n%s", once, twice)
		}
		if dump(t, "a", src) != dump(t, "b", once) {
			t.Fatalf("tree changed:\n%s", once)
		}
	})
}
