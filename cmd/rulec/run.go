package main

// This file defines `rulec run`: the dry run of SPEC §2.1 — events from a
// JSON-lines file through the rules with in-memory state and a simulated
// clock, printing what would happen and doing nothing.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

const runUsage = `usage: rulec run --events FILE [--format text|json] [PATH...]

Dry run: feeds the events of FILE (JSON lines, SPEC §3; "-" reads standard
input) through the ruleset made of the files and folders named (without a
PATH, the current folder), with in-memory state, and prints every action
that would run and every run that stops. Nothing is sent anywhere.

A line {"type": "clock", "at": TIME} advances the simulated clock: schedule
ticks and waits due until then run first, in time order. Without clock lines
the clock follows each event's "at". Blank lines and lines starting with #
are skipped.

--format json prints one JSON object per line (SPEC §4):
  {"at", "rule", "event", "record", "action", "args"} for an action,
  with "result" for generate_code and "skipped" when a required argument
  was null, and {"at", "rule", "event", "record", "stopped"} for a run
  that stopped.

Exit status: 0 when every line was processed, 1 when an event was rejected
or a rule failed at run time (reported on standard error, naming the line),
2 on bad usage, an I/O error or a ruleset with errors.

Flags:
`

// maxEventLine bounds one line of an events file.
const maxEventLine = 16 << 20

func runRun(e *env, args []string) int {
	fl := newFlags(e, "run", runUsage)
	events := fl.String("events", "", "read events from `FILE` (required; - is standard input)")
	format := fl.String("format", "text", "output `format`: text or json")
	color := fl.String("color", "auto", "colour in text output: `auto` (on a terminal), always or never")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if *events == "" {
		fmt.Fprintln(e.stderr, "rulec run: --events FILE is required")
		fl.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "rulec run: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	human, ok := colorMode(e, "run", *color)
	if !ok {
		return exitUsage
	}
	rs, code := loadRules(e, "run", fl.Args())
	if rs == nil {
		return code
	}
	var in io.Reader = e.stdin
	name := "-"
	if *events != "-" {
		f, err := os.Open(*events)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec run: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in, name = f, *events
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	var p printer
	if *format == "json" {
		p = &jsonPrinter{w: out}
	} else {
		p = newTextPrinter(out, human)
	}
	failed, err := dryRun(context.Background(), rs, in, name, p.print, e.stderr, memstore.LogLimit(1))
	p.flush()
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec run: %v\n", err)
		return exitUsage
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// dryRun feeds the lines of in through a Sim of rs, calling emit with
// every log entry; rejected lines and run-time errors are reported on
// stderr as name:line: message, and make failed true.
func dryRun(ctx context.Context, rs *engine.Ruleset, in io.Reader, name string, emit func(*store.LogEntry), stderr io.Writer, opts ...memstore.Option) (failed bool, err error) {
	return dryRunSim(ctx, rs, in, name, emit, stderr, nil, opts...)
}

// dryRunSim is dryRun that also hands out the Sim (for rulec test's
// explanations of failures).
func dryRunSim(ctx context.Context, rs *engine.Ruleset, in io.Reader, name string, emit func(*store.LogEntry), stderr io.Writer, simOut **engine.Sim, opts ...memstore.Option) (failed bool, err error) {
	lineOf := make(map[string]int) // event id → line, for error messages
	line := 0
	trace := func(l *store.LogEntry) {
		if l.Kind == store.KindError {
			failed = true
			where := name
			if n, ok := lineOf[l.Event]; ok {
				where = fmt.Sprintf("%s:%d", name, n)
			}
			msg := l.Error
			if l.Rule != "" {
				msg = fmt.Sprintf("rule %q on %s: %s", l.Rule, l.Record, msg)
			}
			fmt.Fprintf(stderr, "%s: %s\n", where, msg)
		}
		emit(l)
	}
	sim, err := engine.NewSim(rs, trace, opts...)
	if err != nil {
		return false, err
	}
	if simOut != nil {
		*simOut = sim
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxEventLine)
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		input, err := engine.ParseInput(text)
		if err != nil {
			failed = true
			fmt.Fprintf(stderr, "%s:%d: %v\n", name, line, err)
			continue
		}
		if ev := input.Event; ev != nil {
			// The engine checks the data against the schema as it
			// decodes it, and logs a mistake as an error entry.
			if _, seen := lineOf[ev.ID]; !seen {
				lineOf[ev.ID] = line
			}
		}
		if err := sim.Feed(ctx, input); err != nil {
			return failed, fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d is longer than %d bytes", line+1, maxEventLine)
		}
		return failed, fmt.Errorf("%s: %w", name, err)
	}
	return failed, nil
}

// loadRules loads the ruleset at paths (the current folder when none) for
// command cmd, printing its diagnostics; on failure it returns nil and
// the exit code.
func loadRules(e *env, cmd string, paths []string) (*engine.Ruleset, int) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	rs, diags, err := engine.Load(paths...)
	cwd, _ := os.Getwd()
	for i := range diags {
		diags[i].File = relFile(diags[i].File, cwd)
	}
	var errs diag.List
	for _, d := range diags {
		if d.Severity == diag.Error {
			errs = append(errs, d)
		}
	}
	writeText(e.stderr, errs, false)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec %s: %v\n", cmd, err)
		return nil, exitUsage
	}
	return rs, exitOK
}

// colorMode reads a --color flag.
func colorMode(e *env, cmd, mode string) (human, ok bool) {
	switch mode {
	case "auto":
		return isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "", true
	case "always":
		return true, true
	case "never":
		return false, true
	}
	fmt.Fprintf(e.stderr, "rulec %s: --color must be auto, always or never\n", cmd)
	return false, false
}

// printer writes the entries a dry run reports: actions and stopped runs.
type printer interface {
	print(l *store.LogEntry)
	flush()
}

// runLine is the JSON shape of SPEC §4.
type runLine struct {
	At      time.Time       `json:"at"`
	Rule    string          `json:"rule"`
	Event   string          `json:"event"`
	Record  store.Ref       `json:"record"`
	Action  string          `json:"action,omitempty"`
	Args    json.RawMessage `json:"args,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Skipped string          `json:"skipped,omitempty"`
	Stopped string          `json:"stopped,omitempty"`
}

// lineOf returns the output line of an entry, or false for entries a dry
// run does not print.
func lineOfEntry(l *store.LogEntry) (runLine, bool) {
	r := runLine{At: l.At.UTC(), Rule: l.Rule, Event: l.Event, Record: l.Record}
	switch {
	case l.Kind == store.KindAction:
		r.Action, r.Args, r.Result = l.Action, l.Args, l.Result
		if l.State == store.Skipped {
			r.Skipped = l.Message
		}
	case l.Kind == store.KindStopped:
		r.Stopped = l.Message
	default:
		return r, false
	}
	return r, true
}

type jsonPrinter struct{ w *bufio.Writer }

func (p *jsonPrinter) print(l *store.LogEntry) {
	r, ok := lineOfEntry(l)
	if !ok {
		return
	}
	p.w.Write(r.marshal())
	p.w.WriteByte('\n')
}

// marshal returns the line's JSON without HTML escaping ("100 >= 99"
// stays readable).
func (r *runLine) marshal() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(r)
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

func (p *jsonPrinter) flush() {}

// textPrinter aligns its columns a block of lines at a time, so a long
// run streams.
type textPrinter struct {
	tw    *tabwriter.Writer
	human bool
	n     int
}

func newTextPrinter(w io.Writer, human bool) *textPrinter {
	return &textPrinter{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0), human: human}
}

func (p *textPrinter) paint(code, s string) string {
	if !p.human {
		return s
	}
	return code + s + ansiReset
}

func (p *textPrinter) print(l *store.LogEntry) {
	r, ok := lineOfEntry(l)
	if !ok {
		return
	}
	var what string
	switch {
	case r.Stopped != "":
		what = p.paint(ansiYellow, "stopped") + "\t" + r.Stopped
	case r.Skipped != "":
		what = p.paint(ansiYellow, r.Action+" skipped") + "\t" + r.Skipped
	default:
		what = p.paint(ansiCyan, r.Action) + "\t" + argsText(r.Args)
		if len(r.Result) > 0 {
			what += " → " + strings.Trim(string(r.Result), `"`)
		}
	}
	fmt.Fprintf(p.tw, "%s\t%s\t%s\t%s\n", r.At.Format("2006-01-02 15:04:05"), p.paint(ansiBold, r.Rule), r.Record, what)
	if p.n++; p.n%64 == 0 {
		p.tw.Flush()
	}
}

func (p *textPrinter) flush() { p.tw.Flush() }

// argsText shows an action's arguments as name=value pairs, quoting
// values with spaces.
func argsText(args json.RawMessage) string {
	if len(args) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.UseNumber()
	var parts []string
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return string(args)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			break
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			break
		}
		s := fmt.Sprint(v)
		switch v := v.(type) {
		case nil:
			s = "null"
		case string:
			if v == "" || strings.ContainsAny(v, " \t\n\"=") {
				s = fmt.Sprintf("%q", v)
			}
		}
		parts = append(parts, fmt.Sprintf("%s=%s", k, s))
	}
	return strings.Join(parts, " ")
}
