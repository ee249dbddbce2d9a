package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/automat-rules/automat/runtime/daemon"
)

// runMigrate applies the store's migrations and exits.
func runMigrate(e *env, args []string) int {
	fs := flag.NewFlagSet("automatd migrate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sf := addStoreFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	url, _, err := sf.resolve()
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd migrate: %v\n", err)
		return exitUsage
	}
	msg, err := daemon.Migrate(context.Background(), url)
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd migrate: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(e.stdout, msg)
	return exitOK
}
