package lsp

// This file defines the marker tests: each testdata/*.txtar is a
// workspace whose .rules files carry expectations in `#@` comments,
// checked against the real server over stdio. See testdata/README.md.

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lang/token"
)

var markerRE = regexp.MustCompile(`#@(\w+)\(([^)]*)\)`)

type marker struct {
	file      string
	line      int // 0-based
	kind      string
	args      []string
	code      string // the line's text before its first "#@"
	lineStart token.Pos
}

func parseArgs(s string) []string {
	var out []string
	for _, a := range splitArgs(s) {
		a = strings.TrimSpace(a)
		if uq, err := strconv.Unquote(a); err == nil {
			a = uq
		}
		out = append(out, a)
	}
	return out
}

// splitArgs splits on commas outside double quotes.
func splitArgs(s string) []string {
	var out []string
	inq, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			inq = !inq
		case ',':
			if !inq {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func TestMarkers(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no marker tests")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var markers []marker
			marks := map[string]marker{}
			texts := map[string]*token.File{}
			for _, f := range ar.Files {
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				tf := token.NewFile(f.Name, f.Data)
				texts[f.Name] = tf
				for i, line := range strings.Split(string(f.Data), "\n") {
					ms := markerRE.FindAllStringSubmatch(line, -1)
					if len(ms) == 0 {
						continue
					}
					start, _ := tf.LineStart(i + 1)
					code := line[:strings.Index(line, "#@")]
					for _, m := range ms {
						mk := marker{file: f.Name, line: i, kind: m[1], args: parseArgs(m[2]), code: code, lineStart: start}
						if mk.kind == "mark" {
							marks[mk.args[0]] = mk
							continue
						}
						markers = append(markers, mk)
					}
				}
			}
			c := startServer(t, dir)
			names := make([]string, 0, len(texts))
			for n := range texts {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				c.open(n, string(texts[n].Src))
			}
			for _, n := range names {
				checkDiags(t, c, n, markers)
			}
			for _, m := range markers {
				runMarker(t, c, texts[m.file], m, marks)
			}
		})
	}
}

// at returns the LSP position of word on the marker's line; end selects
// the position just after it (for completion).
func (m marker) at(t *testing.T, tf *token.File, word string, end bool) protocol.Position {
	t.Helper()
	i := strings.Index(m.code, word)
	if i < 0 {
		t.Fatalf("%s:%d: %q not on the line", m.file, m.line+1, word)
	}
	if end {
		i += len(word)
	}
	l, col := tf.UTF16(m.lineStart + token.Pos(i))
	return protocol.Position{Line: uint32(l), Character: uint32(col)}
}

// checkDiags requires exactly the diagnostics the #@diag markers of a
// file announce: one per marker, by code and starting line.
func checkDiags(t *testing.T, c *client, name string, markers []marker) {
	t.Helper()
	want := map[string]int{}
	n := 0
	for _, m := range markers {
		if m.file == name && m.kind == "diag" {
			want[m.args[0]+"@"+strconv.Itoa(m.line)]++
			n++
		}
	}
	got := c.waitDiags(name, func(d []protocol.Diagnostic) bool { return len(d) >= n })
	for _, d := range got {
		key := d.Code.(string) + "@" + strconv.Itoa(int(d.Range.Start.Line))
		if want[key] == 0 {
			t.Errorf("%s:%d: unexpected diagnostic %s: %s", name, d.Range.Start.Line+1, d.Code, d.Message)
			continue
		}
		want[key]--
	}
	for k, v := range want {
		if v > 0 {
			t.Errorf("%s: missing diagnostic %s (code@line0)", name, k)
		}
	}
}

func runMarker(t *testing.T, c *client, tf *token.File, m marker, marks map[string]marker) {
	t.Helper()
	doc := protocol.TextDocumentIdentifier{URI: c.uri(m.file)}
	where := m.file + ":" + strconv.Itoa(m.line+1)
	switch m.kind {
	case "diag":
	case "hover":
		var h protocol.Hover
		c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: doc, Position: m.at(t, tf, m.args[0], false)}}, &h)
		if !regexp.MustCompile(m.args[1]).MatchString(h.Contents.Value) {
			t.Errorf("%s: hover on %q = %q, want match %q", where, m.args[0], h.Contents.Value, m.args[1])
		}
	case "def":
		var locs []protocol.Location
		c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: doc, Position: m.at(t, tf, m.args[0], false)}}, &locs)
		target, ok := marks[m.args[1]]
		if !ok {
			t.Fatalf("%s: no #@mark(%s)", where, m.args[1])
		}
		if len(locs) != 1 || locs[0].URI != c.uri(target.file) || int(locs[0].Range.Start.Line) != target.line {
			t.Errorf("%s: definition of %q = %+v, want %s:%d", where, m.args[0], locs, target.file, target.line+1)
		}
	case "complete":
		var list protocol.CompletionList
		c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: doc, Position: m.at(t, tf, m.args[0], true)}}, &list)
		labels := map[string]bool{}
		for _, it := range list.Items {
			labels[it.Label] = true
		}
		for _, want := range m.args[1:] {
			if strings.HasPrefix(want, "!") {
				if labels[want[1:]] {
					t.Errorf("%s: completion after %q offers %q, which it must not", where, m.args[0], want[1:])
				}
			} else if !labels[want] {
				t.Errorf("%s: completion after %q lacks %q (got %d items)", where, m.args[0], want, len(list.Items))
			}
		}
	case "refs":
		var locs []protocol.Location
		c.call(protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{
			TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: doc, Position: m.at(t, tf, m.args[0], false)},
			Context:                    protocol.ReferenceContext{IncludeDeclaration: true}}, &locs)
		if want, _ := strconv.Atoi(m.args[1]); len(locs) != want {
			t.Errorf("%s: %d references to %q, want %d: %+v", where, len(locs), m.args[0], want, locs)
		}
	case "rename":
		var edit protocol.WorkspaceEdit
		c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{
			TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: doc, Position: m.at(t, tf, m.args[0], false)},
			NewName:                    m.args[1]}, &edit)
		n := 0
		for _, es := range edit.Changes {
			for _, e := range es {
				n++
				if e.NewText != m.args[1] && e.NewText != strconv.Quote(m.args[1]) {
					t.Errorf("%s: rename edit %q", where, e.NewText)
				}
			}
		}
		if want, _ := strconv.Atoi(m.args[2]); n != want {
			t.Errorf("%s: rename of %q made %d edits, want %d", where, m.args[0], n, want)
		}
	case "fix":
		var actions []protocol.CodeAction
		start := m.at(t, tf, m.args[0], false)
		c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: doc,
			Range: protocol.Range{Start: start, End: m.at(t, tf, m.args[0], true)}}, &actions)
		found := false
		for _, a := range actions {
			for _, e := range a.Edit.Changes[doc.URI] {
				if e.NewText == m.args[1] && e.Range.Start == start {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no quick fix replacing %q by %q: %+v", where, m.args[0], m.args[1], actions)
		}
	default:
		t.Fatalf("%s: unknown marker #@%s", where, m.kind)
	}
}
