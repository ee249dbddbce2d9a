// Command automatd is the Automat daemon (SPEC §2.2): it ingests order and
// shipment events over HTTP, runs the tenants' compiled rulesets on a
// durable store and performs their actions. See docs/daemon.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
