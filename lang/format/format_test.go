package format

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

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
		b.WriteString(strings.TrimRightFunc(c.Text, unicode.IsSpace) + "\n") // trailing blanks are trimmed
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

type seed struct {
	name string
	src  []byte
}

// seeds are the golden inputs and the examples: every testdata source,
// in a fixed order.
func seeds(t testing.TB) []seed {
	names, _ := filepath.Glob("testdata/*.input")
	ex, _ := filepath.Glob("../../examples/*/*.rules")
	var out []seed
	for _, name := range append(names, ex...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seed{name, b})
	}
	return out
}

// TestCommentsAnywhere inserts comments (with and without blank lines
// around them) at random places of every seed; whenever the result still
// parses, formatting must keep every comment, keep the tree and be
// idempotent.
func TestCommentsAnywhere(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	inserts := []string{"# c\n", "# d\n  ", "\n\n# e\n", "// f\n "}
	checked := 0
	for _, s := range seeds(t) {
		name := s.name
		for range 60 {
			src := append([]byte(nil), s.src...)
			for range 1 + r.IntN(5) {
				var at []int
				for i, c := range src {
					if c == ' ' || c == '\n' {
						at = append(at, i+1)
					}
				}
				i := at[r.IntN(len(at))]
				src = append(src[:i:i], append([]byte(inserts[r.IntN(len(inserts))]), src[i:]...)...)
			}
			f, diags := parser.ParseFile(name, src)
			if diags.HasErrors() {
				continue
			}
			checked++
			out := File(f)
			again, diags := Source(name, out)
			if diags.HasErrors() || !bytes.Equal(again, out) {
				t.Fatalf("not idempotent for %q:\n%s---\n%s%v", src, out, again, diags)
			}
			if dump(t, name, src) != dump(t, name, out) {
				t.Fatalf("tree or comments changed for %q:\n%s", src, out)
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d inputs parsed", checked)
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
	for _, s := range seeds(f) {
		f.Add(s.src)
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

// TestDocsExample keeps the example of docs/format.md in canonical format.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/format.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```\n")
	example, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("docs/format.md has no example block")
	}
	got, diags := Source("format.md", []byte(example))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if string(got) != example {
		t.Errorf("the example of docs/format.md is not canonical; formatted:\n%s", got)
	}
}

// ruleset10k is a generated ruleset of 10,000 rules in one file, with
// comments, Czech text and conditions to break.
func ruleset10k() []byte {
	var src bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&src, "# pravidlo %d\nrule \"r%d\"\non order.created\nwhen order.total>%d\n and (order.status=\"Vyřízena\" or order.paid=unpaid) once\ndo\n  sms(to:order.buyer.phone,text:\"Objednávka {order.number} č. %d\")\n  wait 2d\n\n", i, i, i, i)
	}
	return src.Bytes()
}

// BenchmarkSource10kRules parses and formats 10,000 rules.
func BenchmarkSource10kRules(b *testing.B) {
	src := ruleset10k()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, diags := Source("big.rules", src); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkFile10kRules formats 10,000 rules already parsed.
func BenchmarkFile10kRules(b *testing.B) {
	src := ruleset10k()
	f, _ := parser.ParseFile("big.rules", src)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		File(f)
	}
}

// TestFileKeepsBadNodesVerbatim: File on a tree with syntax errors (Source
// refuses those, File may be called on them) copies what did not parse as
// written, and prints each comment exactly once.
func TestFileKeepsBadNodesVerbatim(t *testing.T) {
	src := "when order.total>1 do log(text: \"ok\") # good\n" +
		"rule \"broken\" # inside the broken rule\nwhen order.total > # still inside\n do log(text: \"x\")\n" +
		"record r { a: string }\n"
	f, diags := parser.ParseFile("bad.rules", []byte(src))
	if !diags.HasErrors() {
		t.Fatal("expected syntax errors")
	}
	out := string(File(f))
	for _, want := range []string{"# good", "# inside the broken rule", "# still inside", "> # still inside"} {
		if n := strings.Count(out, want); n != 1 {
			t.Errorf("%q printed %d times in:\n%s", want, n, out)
		}
	}
	if !strings.Contains(out, "when order.total > 1 do log(text: \"ok\") # good\n") || !strings.Contains(out, "record r {\n  a: string\n}\n") {
		t.Errorf("the good declarations are not formatted:\n%s", out)
	}
}
