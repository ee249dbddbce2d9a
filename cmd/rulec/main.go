// Command rulec is the Automat rules compiler and toolbox: check, fmt,
// build, disasm, test, run, explain and lsp (SPEC §2.1).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
