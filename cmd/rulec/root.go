package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0 // success, nothing to report
	exitFail  = 1 // the command ran and found problems (errors, unformatted files, failed tests)
	exitUsage = 2 // bad usage, or an I/O error that kept the command from running
)

// env is what a subcommand may touch: its arguments and the standard
// streams. Commands never read globals, so tests run them in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	summary string
	run     func(e *env, args []string) int
}

// commands lists the subcommands; each lives in a file of its own name.
func commands() map[string]command {
	return map[string]command{
		"build":   {"compile a ruleset to a bytecode artifact", runBuild},
		"check":   {"parse, type-check and lint rules files", runCheck},
		"disasm":  {"print a bytecode artifact rule by rule", runDisasm},
		"explain": {"show clause by clause why a rule does or does not match a record", runExplain},
		"fmt":     {"format rules files canonically", runFmt},
		"lsp":     {"the language server on stdio", runLSP},
		"run":     {"dry run: events through the rules, printing what would happen", runRun},
		"test":    {"run the rule tests (*.test files) of ruleset folders", runTest},
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "rulec: unknown command %q\n", args[0])
		usage(e.stderr, cmds)
		return exitUsage
	}
	return c.run(e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: rulec <command> [flags] [PATH...]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nRun 'rulec <command> -h' for a command's flags.\n")
	io.WriteString(w, b.String())
}

// newFlags returns the flag set of a subcommand, printing usage (its text,
// then the flags) on standard error.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	fl.Usage = func() {
		io.WriteString(e.stderr, usage)
		fl.PrintDefaults()
	}
	return fl
}

// parseFlags parses a subcommand's arguments; when it returns false, the
// command ends with the exit code given (0 after -h).
func parseFlags(fl *flag.FlagSet, args []string) (int, bool) {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}
