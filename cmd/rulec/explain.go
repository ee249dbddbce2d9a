package main

// This file defines `rulec explain`: each clause of a rule's condition
// with its value on one record, so a user sees why a rule did or did not
// fire.

import (
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

	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/store"
)

const explainUsage = `usage: rulec explain --record FILE [--at TIME] [--format text|json] RULE [PATH...]

Shows, clause by clause, why RULE (its name, or the ID rulec check prints
for an unnamed rule) does or does not match the record in FILE, with the
ruleset made of the files and folders named (without a PATH, the current
folder).

FILE holds an event (SPEC §3), a record {"type", "id", "data"}, or the
record's data alone (then the rule's subject type is assumed). "now" is
--at, else the event's "at", else the current time.

Exit status: 0 when the condition holds, 1 when it does not, 2 on bad
usage, an unreadable record or a ruleset with errors.

Flags:
`

func runExplain(e *env, args []string) int {
	fl := newFlags(e, "explain", explainUsage)
	recFile := fl.String("record", "", "read the record from `FILE` (required; - is standard input)")
	atFlag := fl.String("at", "", "evaluate with now = `TIME` (RFC 3339)")
	format := fl.String("format", "text", "output `format`: text or json")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if *recFile == "" || fl.NArg() == 0 {
		fmt.Fprintln(e.stderr, "rulec explain: --record FILE and a RULE are required")
		fl.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "rulec explain: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	ruleName := fl.Arg(0)
	rs, code := loadRules(e, "explain", fl.Args()[1:])
	if rs == nil {
		return code
	}
	i := rs.Rule(ruleName)
	if i < 0 {
		fmt.Fprintf(e.stderr, "rulec explain: no rule %q in the ruleset%s\n", ruleName, ruleHint(rs, ruleName))
		return exitUsage
	}
	rule := &rs.Prog.Rules[i]
	var data []byte
	var err error
	if *recFile == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(*recFile)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec explain: %v\n", err)
		return exitUsage
	}
	subject := rs.Prog.Records[rule.Subject].Name
	ref, recData, at, err := readRecord(data, subject)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec explain: %s: %v\n", *recFile, err)
		return exitUsage
	}
	if *atFlag != "" {
		if at, err = record.ParseTime(*atFlag); err != nil {
			fmt.Fprintf(e.stderr, "rulec explain: --at: %v\n", err)
			return exitUsage
		}
	}
	if at.IsZero() {
		at = time.Now()
	}
	if ref.Type != subject {
		fmt.Fprintf(e.stderr, "rulec explain: rule %q is about %s records, and %s holds a %s record\n", rule.Display(), subject, *recFile, ref.Type)
		return exitUsage
	}
	x, err := engine.Explain(context.Background(), rs, i, recData, at)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec explain: %s: %v\n", *recFile, err)
		return exitUsage
	}
	x.Record = ref
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(x)
	} else {
		writeExplanation(e.stdout, rs, rule, x)
	}
	if !x.Holds {
		return exitFail
	}
	return exitOK
}

// readRecord accepts an event, a {"type","id","data"} record or bare data.
func readRecord(data []byte, subject string) (store.Ref, []byte, time.Time, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return store.Ref{}, nil, time.Time{}, fmt.Errorf("want a JSON object: %v", err)
	}
	if _, ok := probe["record"]; ok {
		in, err := engine.ParseInput(bytes.TrimSpace(data))
		if err != nil {
			return store.Ref{}, nil, time.Time{}, err
		}
		if in.Event == nil {
			return store.Ref{}, nil, time.Time{}, errors.New("a clock line holds no record")
		}
		return in.Event.Record, in.Event.Data, in.Event.At, nil
	}
	if d, ok := probe["data"]; ok {
		var ref store.Ref
		if t, ok := probe["type"]; ok {
			json.Unmarshal(t, &ref.Type)
		}
		if id, ok := probe["id"]; ok {
			json.Unmarshal(id, &ref.ID)
		}
		if ref.Type == "" {
			ref.Type = subject
		}
		return ref, d, time.Time{}, nil
	}
	ref := store.Ref{Type: subject}
	if id, ok := probe["id"]; ok {
		json.Unmarshal(id, &ref.ID)
	}
	return ref, data, time.Time{}, nil
}

// ruleHint suggests a rule name close to the one asked for.
func ruleHint(rs *engine.Ruleset, name string) string {
	var names []string
	for _, r := range rs.Prog.Rules {
		if r.Name != "" && strings.Contains(strings.ToLower(r.Name), strings.ToLower(name)) {
			names = append(names, fmt.Sprintf("%q", r.Name))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

func writeExplanation(w io.Writer, rs *engine.Ruleset, r *bytecode.Rule, x *engine.Explanation) {
	where := ""
	if f := r.Loc.File; f >= 0 && int(f) < len(rs.Prog.Files) {
		where = fmt.Sprintf(" (%s:%d)", rs.Prog.Files[f], r.Loc.Line)
	}
	fmt.Fprintf(w, "rule %q%s on %s at %s\n", r.Display(), where, x.Record, x.At.Format(time.RFC3339))
	fmt.Fprintf(w, "triggers: %s; frequency: %s\n", strings.Join(x.Triggers, ", "), x.Frequency)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for k, c := range x.Clauses {
		fmt.Fprintf(tw, "  %d.\t%s\t%s\n", k+1, c.Text, c.Value)
	}
	tw.Flush()
	if x.Holds {
		fmt.Fprintln(w, "the condition holds: the rule fires on this record when one of its triggers arrives")
	} else {
		fmt.Fprintln(w, "the condition does not hold: the rule does not fire on this record")
	}
	for _, n := range x.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
