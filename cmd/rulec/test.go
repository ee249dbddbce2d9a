package main

// This file defines `rulec test`: rule tests written next to the rules.
// A test file (NAME.test, txtar) holds one or more tests, each a stream of
// events and the actions it must (and must not) produce. docs/testing.md
// describes the format.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"golang.org/x/tools/txtar"
)

const testUsage = `usage: rulec test [-run REGEXP] [-v] [PATH...]

Runs the rule tests of each ruleset folder named (DIR/... for every folder
below DIR; without a PATH, the current folder): every *.test file of a
folder is run against the ruleset of the folder's *.rules files. A PATH may
also name one .test file.

A .test file is a txtar archive; see docs/testing.md. In short:

  # what the tests are about
  -- ready for pickup/events --
  {"id": "e1", "type": "shipment.status_changed", "at": "...", "record": {...}}
  -- ready for pickup/want --
  {"rule": "pickup ready", "action": "sms", "args": {"to": "+420777111222"}}
  ! {"rule": "out for delivery"}

Each want line is a pattern of one line of 'rulec run --format json': the
fields given must be equal (objects compared field by field, so args may
list only some arguments). The patterns must match the actions and stopped
runs in order, and every one of them, unless a line "..." allows any lines
there. A line starting with "!" must match no line.

Exit status: 0 when every test passed, 1 when one failed, 2 on bad usage,
an unreadable test file or a ruleset with errors.

Flags:
`

// testExt is the extension of rule test files.
const testExt = ".test"

func runTest(e *env, args []string) int {
	fl := newFlags(e, "test", testUsage)
	runRE := fl.String("run", "", "run only the tests whose name matches `REGEXP`")
	verbose := fl.Bool("v", false, "print every test and the output of failing ones in full")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	var filter *regexp.Regexp
	if *runRE != "" {
		var err error
		if filter, err = regexp.Compile(*runRE); err != nil {
			fmt.Fprintf(e.stderr, "rulec test: -run: %v\n", err)
			return exitUsage
		}
	}
	suites, err := testSuites(fl.Args())
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec test: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, s := range suites {
		c := s.run(e, filter, *verbose)
		if c > code {
			code = c
		}
	}
	return code
}

// suite is one ruleset folder and its test files.
type suite struct {
	dir   string
	files []string
}

// testSuites finds the folders and test files named by paths.
func testSuites(paths []string) ([]suite, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	byDir := make(map[string]*suite)
	var order []string
	add := func(dir, file string) error {
		s := byDir[dir]
		if s == nil {
			s = &suite{dir: dir}
			byDir[dir] = s
			order = append(order, dir)
		}
		if file != "" {
			s.files = append(s.files, file)
			return nil
		}
		files, err := filepath.Glob(filepath.Join(dir, "*"+testExt))
		if err != nil {
			return err
		}
		s.files = append(s.files, files...)
		return nil
	}
	for _, p := range paths {
		if p == "..." || strings.HasSuffix(p, "/...") {
			root := strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")
			if root == "" {
				root = "."
			}
			dirs, err := rulesFolders(root)
			if err != nil {
				return nil, err
			}
			for _, d := range dirs {
				if err := add(d, ""); err != nil {
					return nil, err
				}
			}
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			err = add(filepath.Clean(p), "")
		} else if strings.HasSuffix(p, testExt) {
			err = add(filepath.Dir(p), p)
		} else {
			err = fmt.Errorf("%s: not a folder or a %s file", p, testExt)
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]suite, 0, len(order))
	for _, d := range order {
		s := byDir[d]
		sort.Strings(s.files)
		out = append(out, *s)
	}
	return out, nil
}

// ruleTest is one test of a file.
type ruleTest struct {
	name   string
	file   string
	events []byte
	want   []byte
}

func (s *suite) run(e *env, filter *regexp.Regexp, verbose bool) int {
	if len(s.files) == 0 {
		fmt.Fprintf(e.stdout, "?    %s\t[no test files]\n", s.dir)
		return exitOK
	}
	rs, code := loadRules(e, "test", []string{s.dir})
	if rs == nil {
		return code
	}
	var tests []ruleTest
	for _, f := range s.files {
		ts, err := readTests(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec test: %v\n", err)
			return exitUsage
		}
		tests = append(tests, ts...)
	}
	start := time.Now()
	ran, failed := 0, 0
	for _, t := range tests {
		if filter != nil && !filter.MatchString(t.name) {
			continue
		}
		ran++
		var report strings.Builder
		ok := t.run(rs, &report, verbose)
		if !ok {
			failed++
			fmt.Fprintf(e.stdout, "--- FAIL: %s: %s\n%s", t.file, t.name, report.String())
		} else if verbose {
			fmt.Fprintf(e.stdout, "--- PASS: %s: %s\n", t.file, t.name)
		}
	}
	took := time.Since(start).Seconds()
	if failed > 0 {
		fmt.Fprintf(e.stdout, "FAIL %s\t%d of %d tests failed\t%.3fs\n", s.dir, failed, ran, took)
		return exitFail
	}
	fmt.Fprintf(e.stdout, "ok   %s\t%d tests\t%.3fs\n", s.dir, ran, took)
	return exitOK
}

// readTests reads the tests of one file: sections NAME/events and
// NAME/want, or events and want for a test named after the file.
func readTests(file string) ([]ruleTest, error) {
	a, err := txtar.ParseFile(file)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*ruleTest)
	var order []string
	base := strings.TrimSuffix(filepath.Base(file), testExt)
	for _, f := range a.Files {
		// The part follows the last slash: test names may hold slashes.
		name, part := base, f.Name
		if i := strings.LastIndexByte(f.Name, '/'); i >= 0 {
			name, part = f.Name[:i], f.Name[i+1:]
		}
		name = strings.TrimSpace(name)
		t := byName[name]
		if t == nil {
			t = &ruleTest{name: name, file: file}
			byName[name] = t
			order = append(order, name)
		}
		switch strings.TrimSpace(part) {
		case "events":
			t.events = f.Data
		case "want":
			t.want = f.Data
		default:
			return nil, fmt.Errorf("%s: section %q: want NAME/events or NAME/want", file, f.Name)
		}
	}
	out := make([]ruleTest, 0, len(order))
	for _, n := range order {
		t := byName[n]
		if t.events == nil {
			return nil, fmt.Errorf("%s: test %q has no events section", file, n)
		}
		if t.want == nil {
			return nil, fmt.Errorf("%s: test %q has no want section", file, n)
		}
		out = append(out, *t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no tests", file)
	}
	return out, nil
}

// pattern is one line of a want section.
type pattern struct {
	line  int
	text  string
	any   bool // "..."
	not   bool // "! {...}"
	value map[string]any
}

func parsePatterns(data []byte) ([]pattern, error) {
	var out []pattern
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxEventLine)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		p := pattern{line: n, text: text}
		switch {
		case text == "...":
			p.any = true
			out = append(out, p)
			continue
		case strings.HasPrefix(text, "!"):
			p.not = true
			text = strings.TrimSpace(text[1:])
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&p.value); err != nil {
			return nil, fmt.Errorf("want line %d: %v", n, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// subset reports whether want's fields are all in got with equal values;
// objects are compared field by field, everything else exactly.
func subset(want, got any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, got)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		gv, ok := gm[k]
		if !ok || !subset(wv, gv) {
			return false
		}
	}
	return true
}

// run runs one test, writing what went wrong to report.
func (t *ruleTest) run(rs *engine.Ruleset, report *strings.Builder, verbose bool) bool {
	pats, err := parsePatterns(t.want)
	if err != nil {
		fmt.Fprintf(report, "    %s: %v\n", t.file, err)
		return false
	}
	var lines []runLine
	var stderr bytes.Buffer
	var sim *engine.Sim
	emit := func(l *store.LogEntry) {
		if r, ok := lineOfEntry(l); ok {
			lines = append(lines, r)
		}
	}
	failed, err := dryRunSim(context.Background(), rs, bytes.NewReader(t.events), t.name+"/events", emit, &stderr, &sim)
	ok := true
	if err != nil || failed {
		ok = false
		fmt.Fprintf(report, "    events: %s", indent(stderr.String()))
		if err != nil {
			fmt.Fprintf(report, "    events: %v\n", err)
		}
	}
	got := make([]map[string]any, len(lines))
	texts := make([]string, len(lines))
	for i, l := range lines {
		b := l.marshal()
		texts[i] = string(b)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		dec.Decode(&got[i])
	}
	// Negative patterns first: they hold over the whole output.
	var seq []pattern
	for _, p := range pats {
		if !p.not {
			seq = append(seq, p)
			continue
		}
		for i := range got {
			if subset(p.value, got[i]) {
				ok = false
				fmt.Fprintf(report, "    want line %d: no line like %s\n         got: %s\n", p.line, strings.TrimSpace(p.text[1:]), texts[i])
			}
		}
	}
	k := 0
	loose := false
	var missing []pattern
	for _, p := range seq {
		if p.any {
			loose = true
			continue
		}
		found := -1
		if loose {
			for i := k; i < len(got); i++ {
				if subset(p.value, got[i]) {
					found = i
					break
				}
			}
		} else if k < len(got) && subset(p.value, got[k]) {
			found = k
		}
		if found < 0 {
			ok = false
			missing = append(missing, p)
			if k < len(got) && !loose {
				fmt.Fprintf(report, "    want line %d: %s\n         got: %s\n", p.line, p.text, texts[k])
				k++
			} else {
				fmt.Fprintf(report, "    want line %d: %s\n         got: nothing more\n", p.line, p.text)
			}
			continue
		}
		k = found + 1
		loose = false
	}
	if !loose && k < len(got) {
		ok = false
		for _, s := range texts[k:] {
			fmt.Fprintf(report, "    unexpected: %s\n", s)
		}
	}
	if !ok {
		for _, p := range missing {
			explainMissing(report, rs, sim, p)
		}
		if verbose {
			fmt.Fprintf(report, "    output (%d lines):\n", len(texts))
			for _, s := range texts {
				fmt.Fprintf(report, "      %s\n", s)
			}
		}
	}
	return ok
}

// explainMissing shows the clause values of the rule a missing pattern
// names, on the last state of the records the test sent.
func explainMissing(report *strings.Builder, rs *engine.Ruleset, sim *engine.Sim, p pattern) {
	name, _ := p.value["rule"].(string)
	if name == "" || sim == nil {
		return
	}
	i := rs.Rule(name)
	if i < 0 {
		fmt.Fprintf(report, "    note: the ruleset has no rule %q\n", name)
		return
	}
	r := &rs.Prog.Rules[i]
	typ := rs.Prog.Records[r.Subject].Name
	wantID := ""
	if rec, ok := p.value["record"].(map[string]any); ok {
		wantID, _ = rec["id"].(string)
	}
	snaps, _ := sim.Snapshots(typ)
	for _, s := range snaps {
		if wantID != "" && s.Ref.ID != wantID {
			continue
		}
		x, err := engine.Explain(context.Background(), rs, i, s.Data, sim.Now())
		if err != nil {
			continue
		}
		verdict := "does not hold"
		if x.Holds {
			verdict = "holds"
		}
		fmt.Fprintf(report, "    rule %q on %s now (%s): the condition %s\n", name, s.Ref, sim.Now().Format(time.RFC3339), verdict)
		for k, c := range x.Clauses {
			fmt.Fprintf(report, "      %d. %s = %s\n", k+1, c.Text, c.Value)
		}
		for _, n := range x.Notes {
			fmt.Fprintf(report, "      %s\n", n)
		}
	}
}

func indent(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n            ") + "\n"
}
