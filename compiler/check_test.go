package compiler

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/automat-rules/automat/lang/diag"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// render prints a diagnostic with its exact range and suggestion, the
// form the golden files hold.
func render(d diag.Diagnostic) string {
	s, e := d.Start(), d.End()
	out := fmt.Sprintf("%s:%d:%d-%d:%d: %s: %s [%s]", s.Filename, s.Line, s.Column, e.Line, e.Column, d.Severity, d.Message, d.Code)
	if d.Suggestion != "" {
		out += fmt.Sprintf(" (suggest %s)", d.Suggestion)
	}
	for _, r := range d.Related {
		if r.File != nil {
			p := r.File.Position(r.Span.Start)
			out += fmt.Sprintf("\n\trelated %s:%d:%d: %s", r.File.Name, p.Line, p.Column, r.Message)
		}
	}
	return out
}

// checkAll checks srcs collecting every diagnostic.
func checkAll(srcs []Source, cfg Config) (*Package, diag.List) {
	var got diag.List
	cfg.Error = func(d diag.Diagnostic) { got = append(got, d) }
	pkg, list := Check(srcs, cfg)
	if len(got) != len(list) {
		// Check returns the reported diagnostics without duplicates.
		got.RemoveDuplicates()
	}
	return pkg, list
}

// chunk is one ruleset of a chunked test file: its text padded with
// empty lines so that line numbers are those of the whole file.
type chunk struct {
	src       []byte
	startLine int
}

func splitChunks(data []byte) []chunk {
	lines := strings.SplitAfter(string(data), "\n")
	var chunks []chunk
	start := 0
	flush := func(end int) {
		var b strings.Builder
		b.WriteString(strings.Repeat("\n", start))
		for _, l := range lines[start:end] {
			b.WriteString(l)
		}
		chunks = append(chunks, chunk{src: []byte(b.String()), startLine: start + 1})
	}
	for i, l := range lines {
		if strings.TrimRight(l, "\r\n") == "---" {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	return chunks
}

// expectation is one `### Code "regexp"` marker.
type expectation struct {
	line    int
	code    string
	re      *regexp.Regexp
	matched bool
}

var markerRE = regexp.MustCompile(`###\s*(\w+)\s*"((?:[^"\\]|\\.)*)"`)

func expectations(t *testing.T, src []byte) []*expectation {
	var out []*expectation
	for i, line := range strings.Split(string(src), "\n") {
		for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
			pat := strings.ReplaceAll(m[2], `\"`, `"`)
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Fatalf("line %d: bad marker regexp %q: %v", i+1, pat, err)
			}
			out = append(out, &expectation{line: i + 1, code: m[1], re: re})
		}
	}
	return out
}

// TestCorpus checks every chunk of testdata/check/*.rules: each
// diagnostic must be announced by a marker on its line, each marker must
// be met, and the rendered diagnostics must equal the .golden file.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/check/*.rules")
	if err != nil || len(files) == 0 {
		t.Fatal("no corpus files", err)
	}
	cases := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var golden strings.Builder
			for _, ch := range splitChunks(data) {
				exps := expectations(t, ch.src)
				if len(exps) > 0 {
					cases++
				}
				_, diags := checkAll([]Source{{Name: filepath.Base(file), Src: ch.src}}, Config{})
				fmt.Fprintf(&golden, "== chunk at line %d\n", ch.startLine)
				for _, d := range diags {
					golden.WriteString(render(d) + "\n")
					line := d.Start().Line
					found := false
					for _, e := range exps {
						if !e.matched && e.line == line && e.code == d.Code.String() && e.re.MatchString(d.Message) {
							e.matched, found = true, true
							break
						}
					}
					if !found {
						t.Errorf("unexpected diagnostic:\n\t%s", render(d))
					}
				}
				for _, e := range exps {
					if !e.matched {
						t.Errorf("%s:%d: missing %s diagnostic matching %q", filepath.Base(file), e.line, e.code, e.re)
					}
				}
			}
			compareGolden(t, strings.TrimSuffix(file, ".rules")+".golden", golden.String())
		})
	}
	if cases+txtarCases(t) < 80 {
		t.Errorf("the corpus has %d ill-typed or suspicious rulesets; want at least 80", cases)
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (run go test -update and review the diff):\n%s", path, diffLines(string(want), got))
	}
}

// diffLines shows the lines only in want (-) or got (+).
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	inW, inG := make(map[string]int), make(map[string]int)
	for _, l := range w {
		inW[l]++
	}
	for _, l := range g {
		inG[l]++
	}
	var b strings.Builder
	for _, l := range w {
		if inG[l] == 0 {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if inW[l] == 0 {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}

// txtarCases counts the txtar cases that expect at least one diagnostic.
func txtarCases(t *testing.T) int {
	files, _ := filepath.Glob("testdata/txtar/*.txtar")
	n := 0
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range a.Files {
			if af.Name == "out/diagnostics" && len(bytes.TrimSpace(af.Data)) > 0 {
				n++
			}
		}
	}
	return n
}

// TestTxtar checks the multi-file cases in testdata/txtar: every file of
// the archive is written to a folder, the .rules files at its top form the
// ruleset (imports reach the others), and the rendered diagnostics must
// equal the out/diagnostics section.
func TestTxtar(t *testing.T) {
	files, _ := filepath.Glob("testdata/txtar/*.txtar")
	if len(files) == 0 {
		t.Fatal("no txtar cases")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range a.Files {
				if strings.HasPrefix(f.Name, "out/") {
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			srcs, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := checkAll(srcs, Config{})
			var b strings.Builder
			for _, d := range diags {
				b.WriteString(strings.ReplaceAll(render(d), dir+string(filepath.Separator), "") + "\n")
			}
			got := b.String()
			idx := -1
			for i, f := range a.Files {
				if f.Name == "out/diagnostics" {
					idx = i
				}
			}
			if *update {
				if idx < 0 {
					a.Files = append(a.Files, txtar.File{Name: "out/diagnostics"})
					idx = len(a.Files) - 1
				}
				a.Files[idx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if idx < 0 {
				t.Fatal("no out/diagnostics section (run go test -update)")
			}
			if want := string(a.Files[idx].Data); want != got {
				t.Errorf("diagnostics differ (run go test -update and review):\n%s", diffLines(want, got))
			}
		})
	}
}
