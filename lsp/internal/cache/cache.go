// Package cache holds the language server's state between requests: the
// open documents (immutable versions, collected in an immutable [View]
// per edit) and the checked [Snapshot] of each ruleset folder at a view.
//
// It sits between the protocol handlers (package lsp) and the compiler:
// handlers take the View current when a message arrived, ask the Cache
// for the Snapshot of a folder at that View, and convert what they find
// with the document's [mapper.Mapper]. Checks run on goroutines of their
// own and are shared: the debounced diagnostics and any number of
// requests waiting for the same folder at the same View wait for one
// check. Parsed trees of unchanged files are reused between checks
// (compiler.Config.ParseFile).
package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lsp/internal/mapper"
)

// ErrClosed is returned for checks asked of a closed Cache.
var ErrClosed = errors.New("the language server is shutting down")

// Document is one version of an open buffer. It is never modified: an
// edit makes a new Document.
type Document struct {
	URI     protocol.DocumentURI
	Path    string // the file name, cleaned; the URI itself when it is not a file
	Version int32
	Text    []byte

	once sync.Once
	m    *mapper.Mapper
}

// NewDocument returns version version of the buffer at u.
func NewDocument(u protocol.DocumentURI, version int32, text []byte) *Document {
	return &Document{URI: u, Path: URIToPath(u), Version: version, Text: text}
}

// Mapper returns the position mapper of this version, built on first use.
func (d *Document) Mapper() *mapper.Mapper {
	d.once.Do(func() { d.m = mapper.New(d.URI, token.NewFile(d.Path, d.Text)) })
	return d.m
}

// Folder returns the ruleset folder the document belongs to; for a buffer
// that is not a file (checked on its own) it returns the URI.
func (d *Document) Folder() string {
	if !IsFileURI(d.URI) {
		return string(d.URI)
	}
	return filepath.Dir(d.Path)
}

// IsFileURI reports whether u names a file on disk.
func IsFileURI(u protocol.DocumentURI) bool { return strings.HasPrefix(string(u), "file://") }

// URIToPath returns the cleaned file name of a file URI, or the URI
// itself for any other scheme.
func URIToPath(u protocol.DocumentURI) string {
	if IsFileURI(u) {
		return filepath.Clean(uri.URI(u).Filename())
	}
	return string(u)
}

// PathToURI returns the URI under which a checked file is published:
// a file URI for an absolute path, the name itself otherwise (buffers
// that are not files keep their URI as their name).
func PathToURI(p string) protocol.DocumentURI {
	if filepath.IsAbs(p) {
		return uri.File(p)
	}
	return protocol.DocumentURI(p)
}

// View is the set of open documents after one edit. Gen grows with
// every edit (of any document, or of files on disk); a View is never
// modified.
type View struct {
	Gen  uint64
	docs map[protocol.DocumentURI]*Document
}

// Doc returns the open document at u, or nil.
func (v *View) Doc(u protocol.DocumentURI) *Document { return v.docs[u] }

// Docs returns the open documents sorted by URI.
func (v *View) Docs() []*Document {
	out := make([]*Document, 0, len(v.docs))
	for _, d := range v.docs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URI < out[j].URI })
	return out
}

// Snapshot is a ruleset folder checked at one View: the same
// compiler.Check as `rulec check` over the folder's rules files, open
// buffers taking the place of their files on disk (imports included).
type Snapshot struct {
	View   *View
	Folder string // the URI of a lone buffer that is not a file
	Pkg    *compiler.Package
	Diags  diag.List
	// Files lists every checked file (imports included) by name.
	Files []string
}

// File returns the parsed file of the given name, or nil.
func (s *Snapshot) File(path string) *ast.File { return s.Pkg.File(path) }

// key identifies a check: a folder (or lone buffer) at a generation.
type key struct {
	folder string
	gen    uint64
}

// check is a check in progress or done; done is closed when snap is set.
type check struct {
	done chan struct{}
	snap *Snapshot
}

type parsed struct {
	src   []byte
	f     *ast.File
	diags diag.List
}

// Cache holds the open documents and the checks made of them. The zero
// value is not usable; call [New].
type Cache struct {
	mu     sync.Mutex
	view   *View
	checks map[key]*check
	latest map[string]*Snapshot // newest finished check per folder
	parsed map[string]parsed    // last parse of each file name
	closed bool
	wg     sync.WaitGroup // running checks
}

// New returns an empty Cache.
func New() *Cache {
	return &Cache{
		view:   &View{docs: map[protocol.DocumentURI]*Document{}},
		checks: map[key]*check{},
		latest: map[string]*Snapshot{},
		parsed: map[string]parsed{},
	}
}

// View returns the current View.
func (c *Cache) View() *View {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.view
}

// update makes the next View from the current one: edit changes a copy of
// the documents map (nil for a change on disk).
func (c *Cache) update(edit func(map[protocol.DocumentURI]*Document) error) (*View, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	docs := make(map[protocol.DocumentURI]*Document, len(c.view.docs)+1)
	for u, d := range c.view.docs {
		docs[u] = d
	}
	if edit != nil {
		if err := edit(docs); err != nil {
			return c.view, err
		}
	}
	c.view = &View{Gen: c.view.Gen + 1, docs: docs}
	return c.view, nil
}

// Open records an opened buffer.
func (c *Cache) Open(d *Document) *View {
	v, _ := c.update(func(docs map[protocol.DocumentURI]*Document) error {
		docs[d.URI] = d
		return nil
	})
	return v
}

// Change is one edit of a buffer: Range nil replaces the whole text.
type Change struct {
	Range *protocol.Range
	Text  string
}

// Change applies edits, in order, to the open buffer at u, giving it
// version version.
func (c *Cache) Change(u protocol.DocumentURI, version int32, changes []Change) (*View, error) {
	return c.update(func(docs map[protocol.DocumentURI]*Document) error {
		d := docs[u]
		if d == nil {
			return fmt.Errorf("%s is not open", u)
		}
		for i, ch := range changes {
			text, err := apply(d, ch)
			if err != nil {
				return fmt.Errorf("change %d of version %d: %w", i+1, version, err)
			}
			d = NewDocument(u, version, text)
		}
		docs[u] = d
		return nil
	})
}

// apply applies one change to a document's text.
func apply(d *Document, ch Change) ([]byte, error) {
	if ch.Range == nil {
		return []byte(ch.Text), nil
	}
	sp, err := d.Mapper().Span(*ch.Range)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(d.Text)-int(sp.End-sp.Start)+len(ch.Text))
	out = append(out, d.Text[:sp.Start]...)
	out = append(out, ch.Text...)
	return append(out, d.Text[sp.End:]...), nil
}

// CloseDoc forgets the buffer at u; its file (if any) is read from disk
// again.
func (c *Cache) CloseDoc(u protocol.DocumentURI) *View {
	v, _ := c.update(func(docs map[protocol.DocumentURI]*Document) error {
		delete(docs, u)
		return nil
	})
	return v
}

// FilesChanged records that files on disk changed: every check is stale.
func (c *Cache) FilesChanged() *View {
	v, _ := c.update(nil)
	return v
}

// Latest returns the newest finished Snapshot of folder at any View, or
// nil. Completion reads its schema: declarations change rarely, and a
// snapshot one keystroke old is far better than waiting for a check.
func (c *Cache) Latest(folder string) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest[folder]
}

// Snapshot returns folder checked at view v, starting the check unless it
// is running or done. It returns early with ctx's error when ctx ends
// first; the check goes on for whoever else waits for it.
func (c *Cache) Snapshot(ctx context.Context, v *View, folder string) (*Snapshot, error) {
	k := key{folder, v.Gen}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	ch := c.checks[k]
	if ch == nil {
		ch = &check{done: make(chan struct{})}
		c.checks[k] = ch
		c.wg.Add(1)
		go c.run(k, v, ch)
	}
	c.mu.Unlock()
	select {
	case <-ch.done:
		return ch.snap, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Cache) run(k key, v *View, ch *check) {
	defer c.wg.Done()
	snap := c.checkFolder(v, k.folder)
	c.mu.Lock()
	ch.snap = snap
	if old := c.latest[k.folder]; old == nil || old.View.Gen < v.Gen {
		c.latest[k.folder] = snap
	}
	// Finished checks older than this one are never asked for again by
	// new messages; drop them. Running ones finish for their waiters.
	for other, och := range c.checks {
		if other.folder == k.folder && other.gen < k.gen && och.snap != nil {
			delete(c.checks, other)
		}
	}
	c.mu.Unlock()
	close(ch.done)
}

// Close waits for running checks and refuses new ones.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
}

// checkFolder checks one folder (or lone buffer) at view v.
func (c *Cache) checkFolder(v *View, folder string) *Snapshot {
	overlay := map[string][]byte{}
	for _, d := range v.docs {
		overlay[d.Path] = d.Text
	}
	var srcs []compiler.Source
	if !filepath.IsAbs(folder) {
		// A buffer that is not a file: folder is its URI.
		if d := v.Doc(protocol.DocumentURI(folder)); d != nil {
			srcs = []compiler.Source{{Name: d.Path, Src: d.Text}}
		}
	} else {
		srcs = loadFolder(folder, overlay)
	}
	cfg := compiler.Config{
		Error:     func(diag.Diagnostic) {}, // collect everything, as `rulec check` does
		ParseFile: c.parse,
		Import: func(p string) ([]compiler.Source, error) {
			p = filepath.Clean(p)
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return loadFolder(p, overlay), nil
			}
			if b, ok := overlay[p]; ok {
				return []compiler.Source{{Name: p, Src: b}}, nil
			}
			return compiler.Load(p)
		},
	}
	pkg, diags := compiler.Check(srcs, cfg)
	snap := &Snapshot{View: v, Folder: folder, Pkg: pkg, Diags: diags}
	for _, f := range pkg.Files {
		snap.Files = append(snap.Files, f.Tok.Name)
	}
	return snap
}

// parse returns the tree of a file, reusing the last parse of the same
// name when the text is unchanged. Trees are never modified by the
// checker, so checks may share them.
func (c *Cache) parse(name string, src []byte) (*ast.File, diag.List) {
	c.mu.Lock()
	p, ok := c.parsed[name]
	c.mu.Unlock()
	if ok && bytes.Equal(p.src, src) {
		return p.f, slices.Clone(p.diags)
	}
	f, diags := parser.ParseFile(name, src)
	c.mu.Lock()
	c.parsed[name] = parsed{src: src, f: f, diags: diags}
	c.mu.Unlock()
	return f, slices.Clone(diags)
}

// loadFolder returns the folder's *.rules files in name order (as
// compiler.Load reads a folder), taking the text of open buffers over
// the disk, plus buffers of the folder not saved yet.
func loadFolder(folder string, overlay map[string][]byte) []compiler.Source {
	folder = filepath.Clean(folder)
	seen := map[string]bool{}
	var srcs []compiler.Source
	entries, _ := os.ReadDir(folder)
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, compiler.Ext) || strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(folder, name)
		seen[p] = true
		if b, ok := overlay[p]; ok {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
		} else if b, err := os.ReadFile(p); err == nil {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
		}
	}
	for p, b := range overlay {
		if filepath.Dir(p) == folder && !seen[p] && filepath.IsAbs(p) {
			srcs = append(srcs, compiler.Source{Name: p, Src: b})
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	return srcs
}
