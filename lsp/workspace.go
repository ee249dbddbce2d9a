package lsp

// This file defines the open documents, text synchronisation and the
// workspace checks whose results feed diagnostics and the queries.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

// document is one open buffer. It is never modified: an edit replaces it.
type document struct {
	uri     protocol.DocumentURI
	path    string
	version int32
	text    []byte

	tokOnce sync.Once
	tf      *token.File
}

// tok returns the line table of the document, built on first use.
func (d *document) tok() *token.File {
	d.tokOnce.Do(func() { d.tf = token.NewFile(d.path, d.text) })
	return d.tf
}

func uriToPath(u protocol.DocumentURI) string {
	if strings.HasPrefix(string(u), "file://") {
		return uri.URI(u).Filename()
	}
	return string(u)
}

func pathToURI(p string) protocol.DocumentURI {
	if p == compiler.StdName || !filepath.IsAbs(p) {
		return protocol.DocumentURI(p)
	}
	return uri.File(p)
}

// applyChange applies one incremental change, given in UTF-16 positions,
// to text.
func applyChange(text []byte, ch protocol.TextDocumentContentChangeEvent) ([]byte, error) {
	f := token.NewFile("", text)
	start, err := f.OffsetUTF16(int(ch.Range.Start.Line), int(ch.Range.Start.Character))
	if err != nil {
		if int(ch.Range.Start.Line) == f.LineCount() {
			start = token.Pos(len(text))
		} else {
			return nil, fmt.Errorf("change start: %w", err)
		}
	}
	end, err := f.OffsetUTF16(int(ch.Range.End.Line), int(ch.Range.End.Character))
	if err != nil {
		if int(ch.Range.End.Line) == f.LineCount() {
			end = token.Pos(len(text))
		} else {
			return nil, fmt.Errorf("change end: %w", err)
		}
	}
	if end < start {
		return nil, errors.New("change range ends before it starts")
	}
	out := make([]byte, 0, len(text)-int(end-start)+len(ch.Text))
	out = append(out, text[:start]...)
	out = append(out, ch.Text...)
	return append(out, text[end:]...), nil
}

func (s *server) DidOpen(_ context.Context, p *protocol.DidOpenTextDocumentParams) error {
	d := &document{uri: p.TextDocument.URI, path: uriToPath(p.TextDocument.URI), version: p.TextDocument.Version, text: []byte(p.TextDocument.Text)}
	s.mu.Lock()
	s.docs[d.uri] = d
	s.mu.Unlock()
	s.ws.changed()
	return nil
}

func (s *server) DidChange(_ context.Context, p *protocol.DidChangeTextDocumentParams) error {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		s.mu.Unlock()
		return fmt.Errorf("didChange for %s, which is not open", p.TextDocument.URI)
	}
	text := d.text
	for _, ch := range p.ContentChanges {
		var err error
		if text, err = applyChange(text, ch); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("didChange %s: %w", p.TextDocument.URI, err)
		}
	}
	s.docs[d.uri] = &document{uri: d.uri, path: d.path, version: p.TextDocument.Version, text: text}
	s.mu.Unlock()
	s.ws.changed()
	return nil
}

func (s *server) DidClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	// The file on disk may differ from the closed buffer: clear what was
	// published for the buffer, and recheck from disk.
	_ = s.client.PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{}})
	s.ws.changed()
	return nil
}

func (s *server) DidSave(context.Context, *protocol.DidSaveTextDocumentParams) error { return nil }

func (s *server) DidChangeWatchedFiles(context.Context, *protocol.DidChangeWatchedFilesParams) error {
	s.ws.changed()
	return nil
}

// doc returns the open document for u, or nil.
func (s *server) doc(u protocol.DocumentURI) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[u]
}

// snapshot is the checked state of one folder at one generation of edits.
type snapshot struct {
	gen   uint64
	pkg   *compiler.Package
	diags diag.List
	files []string // every file name checked, for clearing diagnostics
}

// workspace checks folders and caches the result per folder until the
// next edit.
type workspace struct {
	s *server

	mu      sync.Mutex
	gen     uint64 // bumped by every edit
	cache   map[string]*snapshot
	timer   *time.Timer
	stopped bool
}

func (w *workspace) init(s *server) {
	w.s = s
	w.cache = map[string]*snapshot{}
}

// changed records an edit and (re)starts the debounce timer.
func (w *workspace) changed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen++
	if w.stopped {
		return
	}
	if w.timer != nil && w.timer.Stop() {
		w.s.wg.Done() // the stopped func will never run
	}
	w.s.wg.Add(1)
	gen := w.gen
	w.timer = time.AfterFunc(w.s.cfg.Debounce, func() {
		defer w.s.wg.Done()
		w.publish(gen)
	})
}

func (w *workspace) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	if w.timer != nil && w.timer.Stop() {
		w.s.wg.Done() // the stopped func will never run
	}
	w.timer = nil
}

func (w *workspace) current() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen
}

// publish checks every folder with an open document and sends the
// diagnostics, unless an edit arrived meanwhile (a newer check follows).
func (w *workspace) publish(gen uint64) {
	w.s.mu.Lock()
	folders := map[string]bool{}
	for _, d := range w.s.docs {
		folders[filepath.Dir(d.path)] = true
	}
	w.s.mu.Unlock()
	names := make([]string, 0, len(folders))
	for f := range folders {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, folder := range names {
		snap := w.snapshot(folder)
		if snap.gen != gen || w.current() != gen {
			return // stale: the edit's own timer publishes
		}
		byFile := map[string][]protocol.Diagnostic{}
		for _, name := range snap.files {
			byFile[name] = []protocol.Diagnostic{} // [] clears, null would not
		}
		for _, d := range snap.diags {
			if d.File == nil || d.File.Name == compiler.StdName {
				continue
			}
			byFile[d.File.Name] = append(byFile[d.File.Name], toProtocolDiag(d))
		}
		for name, ds := range byFile {
			err := w.s.client.PublishDiagnostics(context.Background(), &protocol.PublishDiagnosticsParams{URI: pathToURI(name), Diagnostics: ds})
			if err != nil {
				w.s.cfg.Logf("lsp: publishing diagnostics: %v", err)
				return
			}
		}
	}
}

// snapshotFor returns the checked state of the folder holding u.
func (s *server) snapshotFor(u protocol.DocumentURI) *snapshot {
	return s.ws.snapshot(filepath.Dir(uriToPath(u)))
}

// snapshot checks folder (open buffers overlaid on the disk) or returns
// the cached result of the current generation.
func (w *workspace) snapshot(folder string) *snapshot {
	w.mu.Lock()
	gen := w.gen
	if c := w.cache[folder]; c != nil && c.gen == gen {
		w.mu.Unlock()
		return c
	}
	w.mu.Unlock()

	overlay := map[string][]byte{}
	w.s.mu.Lock()
	for _, d := range w.s.docs {
		overlay[filepath.Clean(d.path)] = d.text
	}
	w.s.mu.Unlock()

	srcs := loadOverlay(folder, overlay)
	cfg := compiler.Config{
		Error: func(diag.Diagnostic) {}, // collect everything, not just the first error
		Import: func(p string) ([]compiler.Source, error) {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return loadOverlay(p, overlay), nil
			}
			if b, ok := overlay[filepath.Clean(p)]; ok {
				return []compiler.Source{{Name: p, Src: b}}, nil
			}
			return compiler.Load(p)
		},
	}
	pkg, diags := compiler.Check(srcs, cfg)
	snap := &snapshot{gen: gen, pkg: pkg, diags: diags}
	for _, f := range pkg.Files {
		snap.files = append(snap.files, f.Tok.Name)
	}
	w.mu.Lock()
	if w.gen == gen {
		w.cache[folder] = snap
	}
	w.mu.Unlock()
	return snap
}

// loadOverlay lists folder's *.rules files in path order, taking the text
// of open buffers over the disk, and adds buffers not yet saved.
func loadOverlay(folder string, overlay map[string][]byte) []compiler.Source {
	seen := map[string]bool{}
	var srcs []compiler.Source
	entries, _ := os.ReadDir(folder)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rules") {
			continue
		}
		p := filepath.Join(folder, e.Name())
		seen[p] = true
		if b, ok := overlay[p]; ok {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
		}
	}
	for p, b := range overlay {
		if filepath.Dir(p) == filepath.Clean(folder) && !seen[p] {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	return srcs
}

// toRange converts a span of f to an LSP range in UTF-16 units.
func toRange(f *token.File, sp token.Span) protocol.Range {
	sl, sc := f.UTF16(sp.Start)
	el, ec := f.UTF16(sp.End)
	return protocol.Range{
		Start: protocol.Position{Line: uint32(sl), Character: uint32(sc)},
		End:   protocol.Position{Line: uint32(el), Character: uint32(ec)},
	}
}

// toPos converts an LSP position to a byte offset in f.
func toPos(f *token.File, p protocol.Position) (token.Pos, error) {
	return f.OffsetUTF16(int(p.Line), int(p.Character))
}

func toProtocolDiag(d diag.Diagnostic) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverityError
	switch d.Severity {
	case diag.Warning:
		sev = protocol.DiagnosticSeverityWarning
	case diag.Info:
		sev = protocol.DiagnosticSeverityInformation
	}
	out := protocol.Diagnostic{
		Range:    toRange(d.File, d.Span),
		Severity: sev,
		Code:     d.Code.String(),
		Source:   "automat",
		Message:  d.Message,
	}
	for _, r := range d.Related {
		if r.File == nil {
			continue
		}
		out.RelatedInformation = append(out.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: pathToURI(r.File.Name), Range: toRange(r.File, r.Span)},
			Message:  r.Message,
		})
	}
	return out
}
