package lsp

// This file defines the marker tests: each testdata/*.txtar is a
// workspace whose .rules files carry expectations in `#@` comments,
// checked against the real server over stdio. testdata/README.md is the
// manual.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/diag"
)

var markerRE = regexp.MustCompile(`#@(\w+)\(((?:[^()"]|"(?:[^"\\]|\\.)*")*)\)`)

// marker is one `#@kind(args)` annotation.
type marker struct {
	file  string
	line  int    // 0-based
	kind  string // diag, hover, ...
	args  []string
	code  string // the line's text before its first "#@"
	start int    // byte offset of the line in the file
}

func (m marker) String() string { return fmt.Sprintf("%s:%d: #@%s", m.file, m.line+1, m.kind) }

// parseArgs splits marker arguments on commas outside strings and
// unquotes Go-quoted ones.
func parseArgs(s string) []string {
	var out []string
	inq, start := false, 0
	split := func(end int) {
		a := strings.TrimSpace(s[start:end])
		if uq, err := strconv.Unquote(a); err == nil {
			a = uq
		}
		out = append(out, a)
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			inq = !inq
		case ',':
			if !inq {
				split(i)
				start = i + 1
			}
		}
	}
	split(len(s))
	return out
}

// workspace is a marker test's files and markers.
type workspace struct {
	dir     string
	texts   map[string]string // by file name in the archive
	names   []string          // sorted
	markers []marker
	marks   map[string]marker
}

func loadWorkspace(t *testing.T, path string) *workspace {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ws := &workspace{dir: t.TempDir(), texts: map[string]string{}, marks: map[string]marker{}}
	for _, f := range ar.Files {
		p := filepath.Join(ws.dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(f.Name, ".rules") {
			continue
		}
		text := string(f.Data)
		ws.texts[f.Name] = text
		ws.names = append(ws.names, f.Name)
		off := 0
		for i, line := range strings.SplitAfter(text, "\n") {
			if ms := markerRE.FindAllStringSubmatch(line, -1); len(ms) > 0 {
				code := line[:strings.Index(line, "#@")]
				for _, m := range ms {
					mk := marker{file: f.Name, line: i, kind: m[1], args: parseArgs(m[2]), code: code, start: off}
					if mk.kind == "mark" {
						ws.marks[mk.args[0]] = mk
						continue
					}
					ws.markers = append(ws.markers, mk)
				}
			}
			off += len(line)
		}
	}
	sort.Strings(ws.names)
	return ws
}

func TestMarkers(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no marker tests")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ws := loadWorkspace(t, path)
			c := startServer(t, ws.dir)
			for _, n := range ws.names {
				c.open(n, ws.texts[n])
			}
			want := checkDiagnostics(t, ws)
			for _, n := range ws.names {
				ws.checkDiags(t, c, n, want[c.uri(n)])
			}
			for _, m := range ws.markers {
				ws.run(t, c, m)
			}
		})
	}
}

// checkDiagnostics returns what `rulec check` reports for each folder of
// the workspace (compiler.Load + compiler.Check, as cmd/rulec does), by
// URI, with ranges converted to UTF-16 by the test's own code.
func checkDiagnostics(t *testing.T, ws *workspace) map[protocol.DocumentURI][]string {
	folders := map[string]bool{}
	for _, n := range ws.names {
		folders[filepath.Dir(filepath.Join(ws.dir, n))] = true
	}
	out := map[protocol.DocumentURI][]string{}
	for folder := range folders {
		srcs, err := compiler.Load(folder)
		if err != nil {
			t.Fatal(err)
		}
		var diags diag.List
		compiler.Check(srcs, compiler.Config{Error: func(d diag.Diagnostic) { diags = append(diags, d) }})
		diags.RemoveDuplicates()
		for _, d := range diags {
			if d.File == nil || d.File.Name == compiler.StdName {
				continue
			}
			if dir := filepath.Dir(d.File.Name); dir != folder && folders[dir] {
				continue // an import from another open folder reports its own
			}
			text := string(d.File.Src)
			start, end := posAt(text, int(d.Span.Start)), posAt(text, int(d.Span.End))
			u := protocolURI(d.File.Name)
			out[u] = append(out[u], diagKey(d.Code.String(), protocol.Range{Start: start, End: end}, d.Message))
		}
	}
	return out
}

func diagKey(code string, r protocol.Range, msg string) string {
	return fmt.Sprintf("%d:%d-%d:%d %s %s", r.Start.Line+1, r.Start.Character, r.End.Line+1, r.End.Character, code, msg)
}

// checkDiags waits for the published diagnostics of a file to be those of
// `rulec check`, then requires the #@diag markers to announce each one.
func (ws *workspace) checkDiags(t *testing.T, c *client, name string, want []string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	ok := func(p protocol.PublishDiagnosticsParams) bool {
		got = got[:0]
		for _, d := range p.Diagnostics {
			got = append(got, diagKey(d.Code.(string), d.Range, d.Message))
		}
		sort.Strings(got)
		return strings.Join(got, "\n") == strings.Join(want, "\n")
	}
	func() {
		defer func() {
			if t.Failed() {
				t.Logf("%s: server published\n%s\nrulec check reports\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}()
		c.waitDiags(name, ok)
	}()
	published := c.diags[c.uri(name)].Diagnostics
	announced := map[string]int{}
	for _, m := range ws.markers {
		if m.file != name || m.kind != "diag" {
			continue
		}
		found := false
		for _, d := range published {
			if d.Code == m.args[0] && int(d.Range.Start.Line) == m.line {
				if len(m.args) > 1 && d.Range != m.rangeOf(t, ws, m.args[1]) {
					continue
				}
				found = true
				announced[d.Code.(string)+"@"+strconv.Itoa(m.line)]++
				break
			}
		}
		if !found {
			t.Errorf("%s: no diagnostic %s here%s", m, m.args[0], fmtRange(m, t, ws))
		}
	}
	for _, d := range published {
		k := d.Code.(string) + "@" + strconv.Itoa(int(d.Range.Start.Line))
		if announced[k] == 0 {
			t.Errorf("%s:%d: diagnostic %s not announced by a #@diag marker: %s", name, d.Range.Start.Line+1, d.Code, d.Message)
			continue
		}
		announced[k]--
	}
}

func fmtRange(m marker, t *testing.T, ws *workspace) string {
	if len(m.args) > 1 {
		return fmt.Sprintf(" with range %+v", m.rangeOf(t, ws, m.args[1]))
	}
	return ""
}

func protocolURI(path string) protocol.DocumentURI { return uri.File(path) }

// offset returns the byte offset in the file of the first occurrence of
// word on the marker's line.
func (m marker) offset(t *testing.T, word string) int {
	t.Helper()
	i := strings.Index(m.code, word)
	if i < 0 {
		t.Fatalf("%s: %q is not on the line", m, word)
	}
	return m.start + i
}

// at returns the position of word on the marker's line; end selects the
// position just after it.
func (m marker) at(t *testing.T, ws *workspace, word string, end bool) protocol.Position {
	t.Helper()
	off := m.offset(t, word)
	if end {
		off += len(word)
	}
	return posAt(ws.texts[m.file], off)
}

func (m marker) rangeOf(t *testing.T, ws *workspace, word string) protocol.Range {
	t.Helper()
	return protocol.Range{Start: m.at(t, ws, word, false), End: m.at(t, ws, word, true)}
}

func (m marker) tdpp(t *testing.T, c *client, ws *workspace, word string, end bool) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: c.doc(m.file), Position: m.at(t, ws, word, end)}
}

// checkMark requires loc to be the place #@mark(name) names: its line, or
// with a word, the word's exact range.
func (ws *workspace) checkMark(t *testing.T, c *client, m marker, loc protocol.Location, name string) {
	t.Helper()
	target, ok := ws.marks[name]
	if !ok {
		t.Fatalf("%s: no #@mark(%s)", m, name)
	}
	if loc.URI != c.uri(target.file) || int(loc.Range.Start.Line) != target.line {
		t.Errorf("%s: location %s:%d, want %s:%d (mark %s)", m, loc.URI, loc.Range.Start.Line+1, target.file, target.line+1, name)
		return
	}
	if len(target.args) > 1 {
		if want := target.rangeOf(t, ws, target.args[1]); loc.Range != want {
			t.Errorf("%s: range %+v, want %+v (mark %s)", m, loc.Range, want, name)
		}
	}
}

func (ws *workspace) run(t *testing.T, c *client, m marker) {
	t.Helper()
	need := func(n int) {
		if len(m.args) < n {
			t.Fatalf("%s: wants %d arguments, has %d", m, n, len(m.args))
		}
	}
	switch m.kind {
	case "diag":
	case "hover":
		need(2)
		var h *protocol.Hover
		c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false)}, &h)
		if h == nil {
			t.Errorf("%s: no hover on %q", m, m.args[0])
			return
		}
		if !regexp.MustCompile(m.args[1]).MatchString(h.Contents.Value) {
			t.Errorf("%s: hover on %q = %q, want match %q", m, m.args[0], h.Contents.Value, m.args[1])
		}
		if h.Range == nil || *h.Range != m.rangeOf(t, ws, m.args[0]) {
			t.Errorf("%s: hover range %+v, want the range of %q %+v", m, h.Range, m.args[0], m.rangeOf(t, ws, m.args[0]))
		}
	case "def":
		need(2)
		var locs []protocol.Location
		c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false)}, &locs)
		if len(locs) != 1 {
			t.Errorf("%s: definition of %q = %+v, want one location", m, m.args[0], locs)
			return
		}
		ws.checkMark(t, c, m, locs[0], m.args[1])
	case "refs", "highlight":
		need(2)
		var n int
		if m.kind == "refs" {
			var locs []protocol.Location
			c.call(protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false),
				Context: protocol.ReferenceContext{IncludeDeclaration: true}}, &locs)
			n = len(locs)
		} else {
			var hs []protocol.DocumentHighlight
			c.call(protocol.MethodTextDocumentDocumentHighlight, &protocol.DocumentHighlightParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false)}, &hs)
			n = len(hs)
		}
		if want, _ := strconv.Atoi(m.args[1]); n != want {
			t.Errorf("%s: %d %s of %q, want %d", m, n, m.kind, m.args[0], want)
		}
	case "rename":
		need(3)
		var edit protocol.WorkspaceEdit
		c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false), NewName: m.args[1]}, &edit)
		n := 0
		for u, es := range edit.Changes {
			n += len(es)
			name, _ := filepath.Rel(ws.dir, strings.TrimPrefix(string(u), "file://"))
			if len(m.args) > 3 && name == m.file {
				// The file after the edit must contain the given text.
				if after := applyEdits(t, ws.texts[name], es); !strings.Contains(after, m.args[3]) {
					t.Errorf("%s: after rename, %s lacks %q:\n%s", m, name, m.args[3], after)
				}
			}
		}
		if want, _ := strconv.Atoi(m.args[2]); n != want {
			t.Errorf("%s: rename of %q made %d edits, want %d: %+v", m, m.args[0], n, want, edit.Changes)
		}
	case "renamefail":
		need(3)
		var edit protocol.WorkspaceEdit
		err := c.try(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], false), NewName: m.args[1]}, &edit)
		if err == nil || !regexp.MustCompile(m.args[2]).MatchString(err.Error()) {
			t.Errorf("%s: rename of %q to %q: error %v, want match %q", m, m.args[0], m.args[1], err, m.args[2])
		}
	case "complete", "snippet", "edit":
		need(2)
		var list protocol.CompletionList
		c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], true)}, &list)
		items := map[string]protocol.CompletionItem{}
		var labels []string
		for _, it := range list.Items {
			items[it.Label] = it
			labels = append(labels, it.Label)
		}
		switch m.kind {
		case "complete":
			for _, want := range m.args[1:] {
				if l, ok := strings.CutPrefix(want, "!"); ok {
					if _, has := items[l]; has {
						t.Errorf("%s: completion after %q offers %q, which it must not", m, m.args[0], l)
					}
				} else if _, has := items[want]; !has {
					t.Errorf("%s: completion after %q lacks %q; offers %q", m, m.args[0], want, labels)
				}
			}
		case "snippet": // #@snippet(text, label, "new text")
			need(3)
			it, ok := items[m.args[1]]
			if !ok || it.TextEdit == nil || it.TextEdit.NewText != m.args[2] {
				t.Errorf("%s: completion %q after %q inserts %+v, want %q", m, m.args[1], m.args[0], it.TextEdit, m.args[2])
			}
		case "edit": // #@edit(text, label, "replaced text")
			need(3)
			it, ok := items[m.args[1]]
			if want := m.rangeOf(t, ws, m.args[2]); !ok || it.TextEdit == nil || it.TextEdit.Range != want {
				t.Errorf("%s: completion %q replaces %+v, want %q at %+v", m, m.args[1], it.TextEdit, m.args[2], want)
			}
		}
	case "fix":
		need(2)
		var actions []protocol.CodeAction
		line := uint32(m.line)
		c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{TextDocument: c.doc(m.file),
			Range: protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line, Character: 1000}}}, &actions)
		found := false
		for _, a := range actions {
			if a.Edit == nil || len(a.Diagnostics) == 0 || a.Diagnostics[0].Code != m.args[0] {
				continue
			}
			after := applyEdits(t, ws.texts[m.file], a.Edit.Changes[c.uri(m.file)])
			if strings.Contains(strings.Split(after, "\n")[m.line], m.args[1]) || len(m.args) > 2 && strings.Contains(after, m.args[1]) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no quick fix for %s giving %q; actions %+v", m, m.args[0], m.args[1], actions)
		}
	case "sig":
		need(3)
		var h *protocol.SignatureHelp
		c.call(protocol.MethodTextDocumentSignatureHelp, &protocol.SignatureHelpParams{TextDocumentPositionParams: m.tdpp(t, c, ws, m.args[0], true)}, &h)
		if h == nil || len(h.Signatures) != 1 {
			t.Errorf("%s: signature help after %q = %+v", m, m.args[0], h)
			return
		}
		if !regexp.MustCompile(m.args[1]).MatchString(h.Signatures[0].Label) || strconv.Itoa(int(h.ActiveParameter)) != m.args[2] {
			t.Errorf("%s: signature %q active %d, want match %q active %s", m, h.Signatures[0].Label, h.ActiveParameter, m.args[1], m.args[2])
		}
	case "sem":
		need(2)
		toks := ws.semanticTokens(t, c, m.file)
		r := m.rangeOf(t, ws, m.args[0])
		got := "none"
		for _, st := range toks {
			if st.line == r.Start.Line && st.char == r.Start.Character && st.char+st.length == r.End.Character {
				got = st.typ
			}
		}
		if got != m.args[1] {
			t.Errorf("%s: semantic token of %q is %s, want %s", m, m.args[0], got, m.args[1])
		}
	case "symbol":
		need(1)
		var syms []protocol.DocumentSymbol
		c.call(protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: c.doc(m.file)}, &syms)
		var walk func([]protocol.DocumentSymbol) bool
		walk = func(ss []protocol.DocumentSymbol) bool {
			for _, s := range ss {
				if s.Name == m.args[0] && int(s.SelectionRange.Start.Line) == m.line || walk(s.Children) {
					return true
				}
			}
			return false
		}
		if !walk(syms) {
			t.Errorf("%s: no outline entry %q on this line", m, m.args[0])
		}
	default:
		t.Fatalf("%s: unknown marker", m)
	}
}

// decodedTok is a decoded semantic token.
type decodedTok struct {
	line, char, length uint32
	typ                string
}

func (ws *workspace) semanticTokens(t *testing.T, c *client, name string) []decodedTok {
	t.Helper()
	var st protocol.SemanticTokens
	c.call(protocol.MethodSemanticTokensFull, &protocol.SemanticTokensParams{TextDocument: c.doc(name)}, &st)
	if len(st.Data)%5 != 0 {
		t.Fatalf("semantic tokens: %d numbers", len(st.Data))
	}
	// The legend the server advertised gives the type names.
	var legend struct {
		Legend protocol.SemanticTokensLegend `json:"legend"`
	}
	b, _ := json.Marshal(c.init.Capabilities.SemanticTokensProvider)
	if err := json.Unmarshal(b, &legend); err != nil || len(legend.Legend.TokenTypes) == 0 {
		t.Fatalf("no semantic tokens legend in %s", b)
	}
	var out []decodedTok
	var line, char uint32
	for i := 0; i < len(st.Data); i += 5 {
		if st.Data[i] > 0 {
			line += st.Data[i]
			char = st.Data[i+1]
		} else {
			char += st.Data[i+1]
		}
		out = append(out, decodedTok{line, char, st.Data[i+2], string(legend.Legend.TokenTypes[st.Data[i+3]])})
	}
	return out
}
