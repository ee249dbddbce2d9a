// Package mailtmpl holds the named e-mail templates of a ruleset (issue 8):
// each has a subject, a plain-text part and an HTML part, with `{path}`
// placeholders written as in the rule language's string interpolation
// (`{order.number}`, a literal brace is `{{` or `}}`).
//
// The compiler lists a template's placeholders with
// [Template.Placeholders] to check them like any path; the e-mail
// connector (runtime/action) renders a template with [Template.Render].
// Values interpolated into the HTML part are HTML-escaped; the subject
// never carries a line break.
//
// The package has no dependencies beyond the standard library, so the
// compiler can import it without pulling in the connectors.
//
// On disk, a ruleset keeps its templates in a templates/ folder (see
// [Load]): NAME.txt is the text part, NAME.html the HTML part (at least one
// of the two), and either may start with a `Subject: ...` line followed by
// an empty line.
package mailtmpl

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Part names a part of a template.
type Part string

// The parts of a template.
const (
	Subject Part = "subject"
	Text    Part = "text"
	HTML    Part = "html"
)

// A Placeholder is one `{path}` in a template part.
type Placeholder struct {
	Path string // "order.number"
	Part Part
	// File is the file the part was read from ("" for a template built
	// from strings); Start and End are the byte offsets of the braces in
	// it (End past the closing brace), or in the part's text when File is
	// "".
	File       string
	Start, End int
}

// segment is a piece of a part: literal text or a placeholder.
type segment struct {
	lit  string
	path string // "" for literal text
}

// part is a parsed template part.
type part struct {
	src      string
	file     string
	base     int // offset of src in file
	segments []segment
	places   []Placeholder
}

// Template is one named e-mail template. The zero value has no parts.
type Template struct {
	Name    string
	subject *part
	text    *part
	html    *part
}

// Parse builds a template from the texts of its parts; an empty string
// leaves a part out. A template needs a text or an HTML part (the subject
// may come from the action's `subject` argument).
func Parse(name, subject, text, htmlPart string) (*Template, error) {
	t := &Template{Name: name}
	var err error
	if t.subject, err = parsePart(Subject, subject, "", 0); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	if t.text, err = parsePart(Text, text, "", 0); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	if t.html, err = parsePart(HTML, htmlPart, "", 0); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	if t.text == nil && t.html == nil {
		return nil, fmt.Errorf("template %s: no text and no HTML part", name)
	}
	return t, nil
}

// parsePart parses src, the text of part p found at offset base of file;
// an empty src is no part (nil).
func parsePart(p Part, src, file string, base int) (*part, error) {
	if src == "" {
		return nil, nil
	}
	pt := &part{src: src, file: file, base: base}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pt.segments = append(pt.segments, segment{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '{' && i+1 < len(src) && src[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(src) && src[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, posError(pt, p, i, "a lone } (write }} for a literal brace)")
		case c == '{':
			end := strings.IndexAny(src[i+1:], "{}\n")
			if end < 0 || src[i+1+end] != '}' {
				return nil, posError(pt, p, i, "unclosed { (write {{ for a literal brace)")
			}
			inner := strings.TrimSpace(src[i+1 : i+1+end])
			if !validPath(inner) {
				return nil, posError(pt, p, i, fmt.Sprintf("{%s} is not a path like {order.number}", inner))
			}
			flush()
			pt.segments = append(pt.segments, segment{path: inner})
			pt.places = append(pt.places, Placeholder{Path: inner, Part: p, File: file, Start: base + i, End: base + i + end + 2})
			i += end + 2
		case c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i++ // CRLF line ends read as LF
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return pt, nil
}

func posError(pt *part, p Part, off int, msg string) error {
	if pt.file != "" {
		return fmt.Errorf("%s: byte %d: %s", pt.file, pt.base+off, msg)
	}
	return fmt.Errorf("%s part, byte %d: %s", p, off, msg)
}

// validPath reports whether s is a dotted path of identifiers (Unicode
// letters, digits and _, not starting with a digit).
func validPath(s string) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i, r := range id {
			if !(unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

// Placeholders returns the template's placeholders in the order subject,
// text, HTML, each part's in source order (a path used twice is listed
// twice, with its own position).
func (t *Template) Placeholders() []Placeholder {
	var out []Placeholder
	for _, p := range []*part{t.subject, t.text, t.html} {
		if p != nil {
			out = append(out, p.places...)
		}
	}
	return out
}

// Paths returns the distinct placeholder paths of the template, sorted.
func (t *Template) Paths() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range t.Placeholders() {
		if !seen[p.Path] {
			seen[p.Path] = true
			out = append(out, p.Path)
		}
	}
	sort.Strings(out)
	return out
}

// HasSubject reports whether the template has a subject of its own.
func (t *Template) HasSubject() bool { return t.subject != nil }

// Message is a rendered template.
type Message struct {
	Subject string
	Text    string // "" when the template has no text part
	HTML    string // "" when the template has no HTML part
}

// Lookup returns the value of a placeholder's path as text, and false
// when it has none (a null value is "", true).
type Lookup func(path string) (string, bool)

// MissingError reports the placeholders that had no value.
type MissingError struct {
	Template string
	Paths    []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("template %s: no value for {%s}", e.Template, strings.Join(e.Paths, "}, {"))
}

// Render fills the template's placeholders with values from lookup.
// Values put into the HTML part are HTML-escaped; line breaks in the
// subject become spaces. Every missing value is reported at once, in a
// [*MissingError].
func (t *Template) Render(lookup Lookup) (Message, error) {
	var missing []string
	render := func(p *part, esc func(string) string) string {
		if p == nil {
			return ""
		}
		var b strings.Builder
		for _, s := range p.segments {
			if s.path == "" {
				b.WriteString(s.lit)
				continue
			}
			v, ok := lookup(s.path)
			if !ok {
				if !contains(missing, s.path) {
					missing = append(missing, s.path)
				}
				continue
			}
			b.WriteString(esc(v))
		}
		return b.String()
	}
	same := func(s string) string { return s }
	m := Message{
		Subject: oneLine(render(t.subject, same)),
		Text:    render(t.text, same),
		HTML:    render(t.html, html.EscapeString),
	}
	if len(missing) > 0 {
		return Message{}, &MissingError{Template: t.Name, Paths: missing}
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// oneLine replaces line breaks (and other control characters) by spaces
// and trims the result: a subject is one header line.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// Set is the named templates of a ruleset. A nil *Set has no templates.
type Set struct {
	byName map[string]*Template
}

// NewSet returns a set of the given templates; two with one name are an
// error.
func NewSet(ts ...*Template) (*Set, error) {
	s := &Set{byName: make(map[string]*Template, len(ts))}
	for _, t := range ts {
		if _, dup := s.byName[t.Name]; dup {
			return nil, fmt.Errorf("template %s is defined twice", t.Name)
		}
		s.byName[t.Name] = t
	}
	return s, nil
}

// Get returns the template called name, or nil.
func (s *Set) Get(name string) *Template {
	if s == nil {
		return nil
	}
	return s.byName[name]
}

// Names returns the templates' names, sorted.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Load reads the templates in folder dir of fsys: for each NAME, the files
// NAME.txt (the text part) and NAME.html (the HTML part), at least one of
// them. Either file may start with a header line `Subject: ...` followed by
// an empty line; when both have one, the two must be equal. Other files
// are ignored. A missing dir is an empty set.
func Load(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return NewSet()
	}
	if err != nil {
		return nil, err
	}
	type files struct{ text, html string }
	names := map[string]*files{}
	var order []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ext := path.Ext(e.Name())
		if ext != ".txt" && ext != ".html" {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ext)
		f := names[name]
		if f == nil {
			f = &files{}
			names[name] = f
			order = append(order, name)
		}
		p := path.Join(dir, e.Name())
		if ext == ".txt" {
			f.text = p
		} else {
			f.html = p
		}
	}
	sort.Strings(order)
	var ts []*Template
	for _, name := range order {
		f := names[name]
		t := &Template{Name: name}
		var subjects []*part
		for _, x := range []struct {
			file string
			kind Part
			dst  **part
		}{{f.text, Text, &t.text}, {f.html, HTML, &t.html}} {
			if x.file == "" {
				continue
			}
			data, err := fs.ReadFile(fsys, x.file)
			if err != nil {
				return nil, err
			}
			if !utf8.Valid(data) {
				return nil, fmt.Errorf("%s: not UTF-8 text", x.file)
			}
			src := string(data)
			subj, body, subjOff, bodyOff := splitSubject(src)
			if subj != "" {
				sp, err := parsePart(Subject, subj, x.file, subjOff)
				if err != nil {
					return nil, err
				}
				subjects = append(subjects, sp)
			}
			if *x.dst, err = parsePart(x.kind, body, x.file, bodyOff); err != nil {
				return nil, err
			}
		}
		if t.text == nil && t.html == nil {
			return nil, fmt.Errorf("template %s: %s and %s are empty", name, f.text, f.html)
		}
		if len(subjects) == 2 && subjects[0].src != subjects[1].src {
			return nil, fmt.Errorf("template %s: %s and %s have different subjects; keep one", name, f.text, f.html)
		}
		if len(subjects) > 0 {
			t.subject = subjects[0]
		}
		ts = append(ts, t)
	}
	return NewSet(ts...)
}

// splitSubject splits a leading "Subject: ..." line and the empty line
// after it from src. It returns the subject, the rest, and their byte
// offsets in src.
func splitSubject(src string) (subject, body string, subjOff, bodyOff int) {
	const key = "subject:"
	nl := strings.IndexByte(src, '\n')
	if nl < 0 || len(src) < len(key) || !strings.EqualFold(src[:len(key)], key) {
		return "", src, 0, 0
	}
	line := src[len(key):nl]
	trimmed := strings.TrimLeft(line, " \t")
	subjOff = len(key) + len(line) - len(trimmed)
	subject = strings.TrimRight(trimmed, " \t\r")
	bodyOff = nl + 1
	if strings.HasPrefix(src[bodyOff:], "\n") {
		bodyOff++
	} else if strings.HasPrefix(src[bodyOff:], "\r\n") {
		bodyOff += 2
	}
	return subject, src[bodyOff:], subjOff, bodyOff
}
