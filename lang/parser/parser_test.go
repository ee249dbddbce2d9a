package parser

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
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
		t.Errorf("%s differs (run go test -update and review the diff):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the lines that differ, a simple aid for reading failures.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  - %s\n  + %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// render prints a diagnostic fully: range, message, code, fix and related
// places.
func render(d diag.Diagnostic) string {
	s, e := d.Start(), d.End()
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d-%d:%d: %s: %s [%s]", s.Filename, s.Line, s.Column, e.Line, e.Column, d.Severity, d.Message, d.Code)
	if d.Suggestion != "" {
		fmt.Fprintf(&b, " (fix: %q)", d.Suggestion)
	}
	for _, r := range d.Related {
		rs, re := r.File.Position(r.Span.Start), r.File.Position(r.Span.End)
		fmt.Fprintf(&b, "\n\t%d:%d-%d:%d: %s", rs.Line, rs.Column, re.Line, re.Column, r.Message)
	}
	return b.String()
}

func TestValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.rules")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid testdata: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, diags := ParseFile(filepath.Base(path), src)
			for _, d := range diags {
				t.Errorf("unexpected diagnostic: %s", render(d))
			}
			checkSpans(t, f)
			var b bytes.Buffer
			if err := ast.Dump(&b, f.Tok, f); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(path, ".rules")+".ast", b.String())
		})
	}
}

// expectation is one `### CODE "regexp"` annotation.
type expectation struct {
	line int
	code string
	re   *regexp.Regexp
}

var (
	annotation = regexp.MustCompile("^\\s*(\\w+)\\s+(\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`)\\s*$")
	annStart   = regexp.MustCompile("###\\s*\\^?\\s*[A-Z]\\w*\\s+[\"`]")
)

// chunk is one `---`-separated part of a chunked test file. src keeps
// the chunk's text at its line in the file (earlier lines are blank) with
// the annotations cut off, so lines and columns are those of the file.
type testChunk struct {
	line int // first line, 1-based
	src  string
	want []expectation
}

// readChunks splits a chunked file. An annotation applies to its own
// line; one alone on a line and starting with ^ applies to the line
// above (for a line that ends inside an unterminated string).
func readChunks(t *testing.T, path string) []testChunk {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var chunks []testChunk
	cur := testChunk{line: 1}
	var body []string
	flush := func(next int) {
		cur.src = strings.Repeat("\n", cur.line-1) + strings.Join(body, "\n")
		chunks = append(chunks, cur)
		cur = testChunk{line: next}
		body = nil
	}
	for i, l := range lines {
		n := i + 1
		if l == "---" {
			flush(n + 1)
			continue
		}
		loc := annStart.FindStringIndex(l)
		if loc == nil {
			body = append(body, l)
			continue
		}
		code, ann := l[:loc[0]], l[loc[0]+3:]
		target := n
		if strings.TrimSpace(code) == "" && strings.HasPrefix(ann, " ^") {
			target = n - 1
			ann = strings.TrimPrefix(ann, " ^")
		}
		body = append(body, strings.TrimRight(code, " "))
		for _, a := range splitAnnotations(ann) {
			m := annotation.FindStringSubmatch(a)
			if m == nil {
				t.Fatalf("%s:%d: malformed annotation %q (want ### Code \"regexp\")", path, n, a)
			}
			pat, err := strconv.Unquote(m[2])
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
			cur.want = append(cur.want, expectation{line: target, code: m[1], re: re})
		}
	}
	flush(0)
	return chunks
}

// TestErrors parses every chunk of testdata/errors/*.rules and checks that
// the diagnostics are exactly the annotated ones, then compares the full
// rendering with the golden file.
func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.rules")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error testdata: %v", err)
	}
	total := 0
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var out strings.Builder
			for _, c := range readChunks(t, path) {
				if strings.TrimSpace(c.src) == "" {
					continue
				}
				total += len(c.want)
				name := filepath.Base(path)
				f, diags := ParseFile(name, []byte(c.src))
				checkSpans(t, f)
				fmt.Fprintf(&out, "--- line %d\n", c.line)
				for _, d := range diags {
					fmt.Fprintln(&out, render(d))
				}
				matched := make([]bool, len(diags))
			want:
				for _, w := range c.want {
					for i, d := range diags {
						if !matched[i] && d.Start().Line == w.line && d.Code.String() == w.code && w.re.MatchString(d.Message) {
							matched[i] = true
							continue want
						}
					}
					t.Errorf("%s:%d: missing %s diagnostic matching %q", name, w.line, w.code, w.re)
				}
				for i, d := range diags {
					if !matched[i] {
						t.Errorf("unexpected diagnostic %s", render(d))
					}
				}
			}
			golden(t, strings.TrimSuffix(path, ".rules")+".golden", out.String())
		})
	}
	if total < 40 && !t.Failed() {
		t.Errorf("only %d annotated syntax errors in testdata/errors; want at least 40", total)
	}
}

// checkSpans verifies the span invariants on every node: Start <= End,
// inside the file, and inside the parent.
func checkSpans(t *testing.T, f *ast.File) {
	t.Helper()
	size := token.Pos(len(f.Tok.Src))
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		s := n.Span()
		if s.Start < 0 || s.Start > s.End || s.End > size {
			t.Errorf("%T has span %d-%d in a file of %d bytes", n, s.Start, s.End, size)
		}
		if len(stack) > 0 {
			ps := stack[len(stack)-1].Span()
			if s.Start < ps.Start || s.End > ps.End {
				t.Errorf("%T %d-%d lies outside its parent %T %d-%d", n, s.Start, s.End, stack[len(stack)-1], ps.Start, ps.End)
			}
		}
		stack = append(stack, n)
		return true
	})
	for _, c := range f.Comments {
		if s := c.Span(); s.Start < 0 || s.End > size {
			t.Errorf("comment %q has span %d-%d in a file of %d bytes", c.Text, s.Start, s.End, size)
		}
	}
}

// splitAnnotations splits the text after the first ### at further
// annotations.
func splitAnnotations(s string) []string {
	var out []string
	for {
		loc := annStart.FindStringIndex(s)
		if loc == nil {
			return append(out, s)
		}
		out = append(out, s[:loc[0]])
		s = s[loc[0]+3:]
	}
}
