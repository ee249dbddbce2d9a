package main

// This file defines `rulec disasm`: print a bytecode artifact rule by
// rule.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/automat-rules/automat/compiler/bytecode"
)

const disasmUsage = `usage: rulec disasm FILE

Prints the bytecode artifact FILE (written by rulec build): each rule's
header, its code fragment by fragment, and the rule index. A file that is
not an artifact, was written by another format version, or is damaged is
refused.

Exit status: 0 on success, 1 when FILE is refused, 2 on bad usage or a
file that cannot be read.
`

func runDisasm(e *env, args []string) int {
	fl := flag.NewFlagSet("disasm", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	fl.Usage = func() { io.WriteString(e.stderr, disasmUsage) }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(e.stderr, "rulec disasm: want exactly one FILE")
		fl.Usage()
		return exitUsage
	}
	name := fl.Arg(0)
	data, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec disasm: %v\n", err)
		return exitUsage
	}
	p, err := bytecode.Decode(data)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec disasm: %s: %v\n", name, err)
		return exitFail
	}
	if err := p.Disassemble(e.stdout); err != nil {
		fmt.Fprintf(e.stderr, "rulec disasm: %v\n", err)
		return exitUsage
	}
	return exitOK
}
