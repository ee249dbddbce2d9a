package main

// This file defines `rulec check`: parse, type-check and lint rulesets and
// print the diagnostics as text (file:line:col: severity: message [CODE]),
// JSON (SPEC §4) or SARIF 2.1.0.

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
)

const checkUsage = `usage: rulec check [--format text|json|sarif] [--strict] [--max-errors N] [PATH...]

Parses, type-checks and lints rulesets. The files and folders named form
one ruleset (a folder contributes its *.rules files); DIR/... checks every
folder under DIR that holds *.rules files as a ruleset of its own. Without
a PATH the current folder is checked.

Exit status: 0 when there is no error (no warning either with --strict),
1 when there is, 2 on bad usage or a file that cannot be read.

Flags:
`

func runCheck(e *env, args []string) int {
	fl := newFlags(e, "check", checkUsage)
	format := fl.String("format", "text", "output `format`: text, json or sarif")
	strict := fl.Bool("strict", false, "fail (exit 1) on warnings too")
	maxErrors := fl.Int("max-errors", 0, "stop each ruleset after `N` errors (0: no limit)")
	color := fl.String("color", "auto", "colour and source snippets in text output: `auto` (on a terminal), always or never")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		fmt.Fprintf(e.stderr, "rulec check: unknown format %q: use text, json or sarif\n", *format)
		return exitUsage
	}
	if *maxErrors < 0 {
		fmt.Fprintf(e.stderr, "rulec check: --max-errors must be 0 or more\n")
		return exitUsage
	}
	human := false
	switch *color {
	case "auto":
		human = isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
	case "always":
		human = true
	case "never":
	default:
		fmt.Fprintf(e.stderr, "rulec check: --color must be auto, always or never\n")
		return exitUsage
	}
	human = human && *format == "text"

	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	rulesets, err := expandRulesets(paths)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec check: %v\n", err)
		return exitUsage
	}
	cwd, _ := os.Getwd()
	var all diag.List
	status := exitOK
	for _, rs := range rulesets {
		srcs, err := compiler.Load(rs...)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec check: %v\n", err)
			status = exitUsage
			continue
		}
		var diags diag.List
		cfg := compiler.Config{Error: func(d diag.Diagnostic) { diags = append(diags, d) }, MaxErrors: *maxErrors}
		compiler.Check(srcs, cfg)
		diags.RemoveDuplicates()
		if *maxErrors > 0 && countErrors(diags) >= *maxErrors {
			fmt.Fprintf(e.stderr, "rulec check: stopped after %d errors (--max-errors)\n", *maxErrors)
		}
		all = append(all, diags...)
	}
	for i := range all {
		all[i].File = relFile(all[i].File, cwd)
		for j := range all[i].Related {
			all[i].Related[j].File = relFile(all[i].Related[j].File, cwd)
		}
	}
	switch *format {
	case "text":
		writeText(e.stdout, all, human)
	case "json":
		writeJSON(e.stdout, all)
	case "sarif":
		writeSARIF(e.stdout, all)
	}
	if status != exitOK {
		return status
	}
	for _, d := range all {
		if d.Severity == diag.Error || *strict && d.Severity == diag.Warning {
			return exitFail
		}
	}
	return exitOK
}

func countErrors(l diag.List) int {
	n := 0
	for _, d := range l {
		if d.Severity == diag.Error {
			n++
		}
	}
	return n
}

// expandRulesets turns the PATH arguments into rulesets: every DIR/...
// pattern gives one ruleset per folder holding rules files; all other
// paths together form one ruleset.
func expandRulesets(paths []string) ([][]string, error) {
	var out [][]string
	var plain []string
	for _, p := range paths {
		if p != "..." && !strings.HasSuffix(p, "/...") && !strings.HasSuffix(p, string(filepath.Separator)+"...") {
			plain = append(plain, p)
			continue
		}
		root := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
		if root == "" {
			root = "."
		}
		dirs, err := rulesFolders(root)
		if err != nil {
			return nil, err
		}
		if len(dirs) == 0 {
			return nil, fmt.Errorf("%s: no folder with %s files", p, compiler.Ext)
		}
		for _, d := range dirs {
			out = append(out, []string{d})
		}
	}
	if len(plain) > 0 {
		out = append([][]string{plain}, out...)
	}
	return out, nil
}

// rulesFolders lists the folders under root that hold rules files,
// skipping hidden folders, folders starting with _, testdata and
// node_modules, as the go tool does.
func rulesFolders(root string) ([]string, error) {
	seen := make(map[string]bool)
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, compiler.Ext) && !strings.HasPrefix(name, ".") {
			dir := filepath.Dir(path)
			if !seen[dir] {
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

// relFile renames a file to its path relative to the current folder; the
// file's text and line table are shared.
func relFile(f *token.File, cwd string) *token.File {
	if f == nil || f.Name == compiler.StdName || cwd == "" {
		return f
	}
	abs, err := filepath.Abs(f.Name)
	if err != nil {
		return f
	}
	rel, err := filepath.Rel(cwd, abs)
	if err != nil || strings.HasPrefix(rel, "..") || rel == f.Name {
		return f
	}
	g := *f
	g.Name = rel
	return &g
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ---------------------------------------------------------------------------
// Text

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func writeText(w io.Writer, l diag.List, human bool) {
	var b strings.Builder
	errs, warns := 0, 0
	for _, d := range l {
		if d.Severity == diag.Error {
			errs++
		} else {
			warns++
		}
		if !human {
			b.WriteString(d.Error())
			b.WriteByte('\n')
			continue
		}
		sev, col := d.Severity.String(), ansiYellow
		if d.Severity == diag.Error {
			col = ansiRed
		}
		fmt.Fprintf(&b, "%s%s:%s %s%s%s: %s", ansiBold, d.Start(), ansiReset, col+ansiBold, sev, ansiReset, d.Message)
		if d.Code != 0 {
			fmt.Fprintf(&b, " %s[%s]%s", ansiCyan, d.Code, ansiReset)
		}
		b.WriteByte('\n')
		snippet(&b, d.File, d.Span, col)
		for _, r := range d.Related {
			if r.File == nil {
				continue
			}
			fmt.Fprintf(&b, "  %s: %s\n", r.File.Position(r.Span.Start), r.Message)
		}
	}
	if human && len(l) > 0 {
		fmt.Fprintf(&b, "%d error%s, %d warning%s\n", errs, plural(errs), warns, plural(warns))
	}
	io.WriteString(w, b.String())
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// snippet prints the first line of span with a caret line under it.
func snippet(b *strings.Builder, f *token.File, span token.Span, col string) {
	if f == nil || !span.IsValid() {
		return
	}
	start := f.Position(span.Start)
	ls, err := f.LineStart(start.Line)
	if err != nil {
		return
	}
	end := int(ls)
	for end < len(f.Src) && f.Src[end] != '\n' && f.Src[end] != '\r' {
		end++
	}
	line := string(f.Src[ls:end])
	fmt.Fprintf(b, "  %s\n  ", strings.ReplaceAll(line, "\t", " "))
	pre := utf8.RuneCountInString(string(f.Src[ls:min(int(span.Start), end)]))
	stop := min(int(span.End), end)
	width := utf8.RuneCountInString(string(f.Src[min(int(span.Start), end):stop]))
	if width < 1 {
		width = 1
	}
	fmt.Fprintf(b, "%s%s%s%s\n", strings.Repeat(" ", pre), col, strings.Repeat("^", width), ansiReset)
}

// ---------------------------------------------------------------------------
// JSON (SPEC §4)

type jsonDiag struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	Col        int    `json:"col"`
	EndLine    int    `json:"end_line"`
	EndCol     int    `json:"end_col"`
	Severity   string `json:"severity"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion"`
}

func writeJSON(w io.Writer, l diag.List) {
	out := make([]jsonDiag, 0, len(l))
	for _, d := range l {
		s, e := d.Start(), d.End()
		out = append(out, jsonDiag{
			File: s.Filename, Line: s.Line, Col: s.Column, EndLine: e.Line, EndCol: e.Column,
			Severity: d.Severity.String(), Code: codeName(d.Code), Message: d.Message, Suggestion: d.Suggestion,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(out)
}

func codeName(c diag.Code) string {
	if c == 0 {
		return ""
	}
	return c.String()
}

// ---------------------------------------------------------------------------
// SARIF 2.1.0

type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	HelpURI          string       `json:"helpUri"`
	DefaultConfig    sarifConfig  `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID           string            `json:"ruleId"`
	RuleIndex        int               `json:"ruleIndex"`
	Level            string            `json:"level"`
	Message          sarifMessage      `json:"message"`
	Locations        []sarifLocation   `json:"locations"`
	RelatedLocations []sarifLocation   `json:"relatedLocations,omitempty"`
	Fixes            []sarifFix        `json:"fixes,omitempty"`
	Properties       map[string]string `json:"properties,omitempty"`
}

type sarifLocation struct {
	ID               int                   `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifMessage         `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifact      `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion  `json:"deletedRegion"`
	InsertedContent sarifMessage `json:"insertedContent"`
}

const docsURI = "https://github.com/automat-rules/automat/blob/main/docs/diagnostics.md"

func sarifRegionOf(f *token.File, span token.Span) sarifRegion {
	if f == nil {
		return sarifRegion{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1}
	}
	s, e := f.Position(span.Start), f.Position(span.End)
	return sarifRegion{StartLine: s.Line, StartColumn: s.Column, EndLine: e.Line, EndColumn: e.Column}
}

func sarifURI(f *token.File) string {
	if f == nil {
		return ""
	}
	return filepath.ToSlash(f.Name)
}

func writeSARIF(w io.Writer, l diag.List) {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "rulec", InformationURI: "https://github.com/automat-rules/automat",
		}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	index := make(map[diag.Code]int)
	for _, d := range l {
		i, ok := index[d.Code]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[d.Code] = i
			level := "warning"
			if d.Severity == diag.Error {
				level = "error"
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: codeName(d.Code), ShortDescription: sarifMessage{compiler.Summary(d.Code)},
				HelpURI: docsURI + "#" + strings.ToLower(codeName(d.Code)), DefaultConfig: sarifConfig{level},
			})
		}
		res := sarifResult{
			RuleID: codeName(d.Code), RuleIndex: i, Level: sarifLevel(d.Severity), Message: sarifMessage{d.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifact{sarifURI(d.File)}, Region: sarifRegionOf(d.File, d.Span),
			}}},
		}
		for k, r := range d.Related {
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{
				ID: k + 1,
				PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: sarifArtifact{sarifURI(r.File)}, Region: sarifRegionOf(r.File, r.Span),
				},
				Message: &sarifMessage{r.Message},
			})
		}
		if d.Suggestion != "" {
			res.Fixes = []sarifFix{{
				Description: sarifMessage{"replace with " + d.Suggestion},
				ArtifactChanges: []sarifArtifactChange{{
					ArtifactLocation: sarifArtifact{sarifURI(d.File)},
					Replacements:     []sarifReplacement{{DeletedRegion: sarifRegionOf(d.File, d.Span), InsertedContent: sarifMessage{d.Suggestion}}},
				}},
			}}
		}
		run.Results = append(run.Results, res)
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(sarifLog{Version: "2.1.0", Schema: "https://json.schemastore.org/sarif-2.1.0.json", Runs: []sarifRun{run}})
}

func sarifLevel(s diag.Severity) string {
	switch s {
	case diag.Error:
		return "error"
	case diag.Warning:
		return "warning"
	}
	return "note"
}
