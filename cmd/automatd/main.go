// Command automatd is the Automat daemon (SPEC §2.2): it ingests order and
// shipment events over HTTP, runs the compiled rulesets and performs their
// actions. It is built in issue 6; until then it only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "automatd: the daemon is not built yet (issue 6); use rulec for now")
	os.Exit(2)
}
