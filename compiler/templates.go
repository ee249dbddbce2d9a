package compiler

// This file defines e-mail templates: text files stored with the ruleset
// (templates/NAME.txt, optionally templates/NAME.html) whose {paths} are
// checked like any path, in the scope of each rule that uses them.

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/parser"
	"github.com/automat-rules/automat/lang/token"
)

// TemplateDir is the folder of a ruleset that holds its templates.
const TemplateDir = "templates"

// IsTemplate reports whether a source name is a template: a .txt (the
// text part, with an optional "Subject: ..." first line) or .html (the
// HTML part) file in a folder named templates.
func IsTemplate(name string) bool {
	ext := filepath.Ext(name)
	return (ext == ".txt" || ext == ".html") && filepath.Base(filepath.Dir(name)) == TemplateDir
}

// TemplateUse is a template as one action call uses it: its parts parsed
// for that call, their paths resolved in the calling rule's scope. Parts
// the template lacks are nil.
type TemplateUse struct {
	Name    string
	Subject *ast.StringLit
	Text    *ast.StringLit
	HTML    *ast.StringLit
	// Files are the token.Files the parts' spans refer to (text part,
	// HTML part).
	TextFile, HTMLFile *token.File
}

// template is a template's sources.
type template struct {
	txt, html *token.File
}

// takeTemplates moves the template sources out of c.srcs into
// c.templates and reports their syntax errors once.
func (c *checker) takeTemplates() {
	var rules []Source
	for _, s := range c.srcs {
		if !IsTemplate(s.Name) {
			rules = append(rules, s)
			continue
		}
		if c.templates == nil {
			c.templates = make(map[string]*template)
		}
		name := strings.TrimSuffix(filepath.Base(s.Name), filepath.Ext(s.Name))
		t := c.templates[name]
		if t == nil {
			t = &template{}
			c.templates[name] = t
		}
		f := token.NewFile(s.Name, s.Src)
		if filepath.Ext(s.Name) == ".html" {
			t.html = f
		} else {
			t.txt = f
		}
		use := parseTemplate(name, t)
		for _, d := range use.diags {
			c.report(d)
		}
	}
	c.srcs = rules
	for name, t := range c.templates {
		if t.txt == nil {
			c.report(diag.Diagnostic{File: t.html, Span: token.Span{}, Severity: diag.Error, Code: diag.UnknownTemplate,
				Message: fmt.Sprintf("template %q has an HTML part but no text part: add %s/%s.txt (mail clients that show no HTML need it)", name, TemplateDir, name)})
		}
	}
}

type parsedTemplate struct {
	use   *TemplateUse
	diags diag.List
}

// parseTemplate parses a template's parts afresh (each use resolves its
// own copy of the paths).
func parseTemplate(name string, t *template) parsedTemplate {
	u := &TemplateUse{Name: name, TextFile: t.txt, HTMLFile: t.html}
	var diags diag.List
	if f := t.txt; f != nil {
		body := 0
		if bytes.HasPrefix(f.Src, []byte("Subject:")) {
			eol := bytes.IndexByte(f.Src, '\n')
			if eol < 0 {
				eol = len(f.Src)
			}
			start := len("Subject:")
			for start < eol && f.Src[start] == ' ' {
				start++
			}
			end := eol
			if end > start && f.Src[end-1] == '\r' {
				end--
			}
			var d diag.List
			u.Subject, d = parser.ParseText(f, start, end)
			diags = append(diags, d...)
			body = min(eol+1, len(f.Src))
			// One blank line separates the subject from the body.
			if rest := f.Src[body:]; bytes.HasPrefix(rest, []byte("\r\n")) {
				body += 2
			} else if bytes.HasPrefix(rest, []byte("\n")) {
				body++
			}
		}
		var d diag.List
		u.Text, d = parser.ParseText(f, body, len(f.Src))
		diags = append(diags, d...)
	}
	if f := t.html; f != nil {
		var d diag.List
		u.HTML, d = parser.ParseText(f, 0, len(f.Src))
		diags = append(diags, d...)
	}
	return parsedTemplate{u, diags}
}

// template checks the template named by a call's `template` argument in
// the current rule's scope. Without templates in the ruleset (a language
// server that sees only .rules files), names are not checked.
func (c *checker) template(call *ast.CallExpr, lit *ast.StringLit) {
	if c.templates == nil || !lit.IsPlain() {
		return
	}
	name := lit.Value
	t := c.templates[name]
	if t == nil || t.txt == nil {
		var names []string
		for n := range c.templates {
			names = append(names, n)
		}
		sort.Strings(names)
		if s := nearestName(name, names); s != "" {
			c.suggestf(lit.Span(), diag.UnknownTemplate, s, "unknown template %q; did you mean %q?", name, s)
		} else {
			c.errorf(lit.Span(), diag.UnknownTemplate, "unknown template %q: add %s/%s.txt next to the rules (templates: %s)", name, TemplateDir, name, strings.Join(names, ", "))
		}
		return
	}
	u := parseTemplate(name, t).use
	saved := c.file
	for _, part := range []struct {
		lit *ast.StringLit
		f   *token.File
	}{{u.Subject, t.txt}, {u.Text, t.txt}, {u.HTML, t.html}} {
		if part.lit == nil {
			continue
		}
		c.file = &ast.File{Tok: part.f}
		c.interpolations(part.lit)
	}
	c.file = saved
	c.info.Templates[call] = u
}
