package compiler

// This file defines the parse pass: the embedded standard schema, the
// given sources and, transitively, the files they import.

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser"
)

//go:embed schema/std.rules
var stdSource []byte

// StdSource returns the text of the standard schema, for documentation and
// for editors that show it read-only.
func StdSource() []byte { return append([]byte(nil), stdSource...) }

// parseStd parses the standard schema once per process; the tree is never
// modified, so every Package shares it.
var parseStd = sync.OnceValues(func() (*ast.File, diag.List) {
	return parser.ParseFile(StdName, stdSource)
})

func (c *checker) parseAll() {
	std, errs := parseStd()
	c.pkg.Std = std
	c.pkg.files[StdName] = std
	c.file = std
	for _, d := range errs {
		c.report(d)
	}

	c.takeTemplates()
	seen := make(map[string]bool)
	queue := append([]Source(nil), c.srcs...)
	for _, s := range queue {
		seen[filepath.Clean(s.Name)] = true
	}
	parse := c.cfg.ParseFile
	if parse == nil {
		parse = parser.ParseFile
	}
	parsed := parseParallel(queue, parse)
	for i := 0; i < len(queue); i++ {
		s := queue[i]
		var f *ast.File
		var errs diag.List
		if i < len(parsed) {
			f, errs = parsed[i].f, parsed[i].errs
		} else {
			f, errs = parse(s.Name, s.Src)
		}
		if f == nil {
			continue
		}
		c.pkg.Files = append(c.pkg.Files, f)
		c.pkg.files[f.Tok.Name] = f
		c.file = f
		c.collectIgnores(f)
		for _, d := range errs {
			c.report(d)
		}
		if c.pkg.Name == "" && f.Ruleset != nil && f.Ruleset.Name != nil {
			c.pkg.Name = f.Ruleset.Name.Value
		}
		for _, d := range f.Decls {
			imp, ok := d.(*ast.ImportDecl)
			if !ok || imp.Path == nil {
				continue
			}
			for _, src := range c.importDecl(s.Name, imp) {
				if key := filepath.Clean(src.Name); !seen[key] {
					seen[key] = true
					queue = append(queue, src)
				}
			}
		}
	}
}

type parseResult struct {
	f    *ast.File
	errs diag.List
}

// parseParallel parses the given sources on all processors; files are
// independent, and the results are used in source order.
func parseParallel(srcs []Source, parse func(string, []byte) (*ast.File, diag.List)) []parseResult {
	out := make([]parseResult, len(srcs))
	workers := min(runtime.GOMAXPROCS(0), len(srcs))
	if workers <= 1 {
		for i, s := range srcs {
			out[i].f, out[i].errs = parse(s.Name, s.Src)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(srcs) {
					return
				}
				out[i].f, out[i].errs = parse(srcs[i].Name, srcs[i].Src)
			}
		})
	}
	wg.Wait()
	return out
}

// importDecl returns the sources an import names, reporting a path that
// cannot be read.
func (c *checker) importDecl(from string, imp *ast.ImportDecl) []Source {
	rel := imp.Path.Value
	if rel == "" || !imp.Path.IsPlain() {
		c.errorf(imp.Path.Span(), diag.UnknownImport, "write the imported file or folder as a plain relative path, such as import \"shared/statuses.rules\"")
		return nil
	}
	if filepath.IsAbs(rel) {
		c.errorf(imp.Path.Span(), diag.UnknownImport, "import %q is absolute: write it relative to this file's folder", rel)
		return nil
	}
	path := filepath.Join(filepath.Dir(from), filepath.FromSlash(rel))
	imp_ := c.cfg.Import
	if imp_ == nil {
		imp_ = func(p string) ([]Source, error) { return Load(p) }
	}
	srcs, err := imp_(path)
	if err != nil {
		c.errorf(imp.Path.Span(), diag.UnknownImport, "cannot import %q: %s", rel, importError(err))
		return nil
	}
	return srcs
}

// importError shortens a file system error for a diagnostic.
func importError(err error) string {
	msg := err.Error()
	if pe, ok := err.(interface{ Unwrap() error }); ok && pe.Unwrap() != nil {
		msg = pe.Unwrap().Error()
	}
	if msg == "no such file or directory" {
		return "no such file or folder relative to this file"
	}
	return fmt.Sprint(msg)
}
