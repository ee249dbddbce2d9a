package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/automat-rules/automat/runtime/daemon"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the daemon stopped on an error, or a command failed
	exitUsage = 2 // bad flags or configuration
)

const usageText = `usage:
  automatd --rules PATH [flags]        one tenant "default", token from $AUTOMAT_TOKEN or printed once
  automatd --config FILE [flags]       tenants, tokens and stores from a configuration file
  automatd migrate (--config FILE | --store URL)
                                       apply the store's migrations and exit
  automatd log (--config FILE | --store URL) [--tenant T] [filters]
                                       print the event log, newest first

flags:
`

// env is what a command may touch: its streams and the environment.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// options, when set, adjusts the daemon's options (tests install
	// connectors that crash on cue).
	options func(*daemon.Options)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(&env{stdout: stdout, stderr: stderr, getenv: os.Getenv}, args)
}

func runEnv(e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "migrate":
			return runMigrate(e, args[1:])
		case "log":
			return runLog(e, args[1:])
		case "help":
			fmt.Fprint(e.stdout, usageText)
			newServeFlags(e.stdout).fs.PrintDefaults()
			return exitOK
		}
	}
	return runServe(e, args)
}

// serveFlags are the flags of the daemon itself.
type serveFlags struct {
	fs                  *flag.FlagSet
	config, rules       *string
	listen, store       *string
	logLevel, logFormat *string
	pidFile             *string
}

func newServeFlags(w io.Writer) *serveFlags {
	fs := flag.NewFlagSet("automatd", flag.ContinueOnError)
	fs.SetOutput(w)
	f := &serveFlags{fs: fs}
	f.config = fs.String("config", "", "the configuration `file` (YAML)")
	f.rules = fs.String("rules", "", "a folder of .rules files or a `rulec build` artifact: run it for one tenant, \"default\"")
	f.listen = fs.String("listen", "", "the HTTP `address` (default "+daemon.DefaultListen+"; overrides the file)")
	f.store = fs.String("store", "", "the store `url`: sqlite:PATH, memory: or postgres://... (default "+daemon.DefaultStore+"; overrides the file)")
	f.logLevel = fs.String("log-level", "info", "debug, info, warn or error")
	f.logFormat = fs.String("log-format", "text", "text or json")
	f.pidFile = fs.String("pid-file", "", "write the process id to this `file` (removed on exit)")
	fs.Usage = func() {
		fmt.Fprint(w, usageText)
		fs.PrintDefaults()
	}
	return f
}

func runServe(e *env, args []string) int {
	f := newServeFlags(e.stderr)
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "automatd: unexpected argument %q\n", f.fs.Arg(0))
		f.fs.Usage()
		return exitUsage
	}
	log, err := newLogger(e.stderr, *f.logLevel, *f.logFormat)
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd: %v\n", err)
		return exitUsage
	}
	cfg, code := loadConfig(e, *f.config, *f.rules, *f.listen, *f.store)
	if cfg == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	opts := daemon.Options{Logger: log}
	if e.options != nil {
		e.options(&opts)
	}
	d, err := daemon.New(ctx, cfg, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd: %v\n", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "automatd: %v\n", err)
		d.Stop() //nolint:errcheck // the listen error is the one to report
		return exitFail
	}
	if *f.pidFile != "" {
		if err := os.WriteFile(*f.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			fmt.Fprintf(e.stderr, "automatd: %v\n", err)
			ln.Close()
			d.Stop() //nolint:errcheck
			return exitFail
		}
		defer os.Remove(*f.pidFile)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Info("SIGHUP: reloading rulesets")
			d.Reload() //nolint:errcheck // logged, and shown at /v1/ruleset
		}
	}()
	if err := d.Serve(ctx, ln); err != nil {
		fmt.Fprintf(e.stderr, "automatd: %v\n", err)
		return exitFail
	}
	return exitOK
}

// loadConfig builds the configuration from a file or from --rules alone,
// applies the overriding flags and resolves it. In the flag-only mode the
// token of tenant "default" comes from $AUTOMAT_TOKEN, or is generated
// and printed once.
func loadConfig(e *env, file, rules, listen, storeURL string) (*daemon.Config, int) {
	var cfg *daemon.Config
	switch {
	case file != "" && rules != "":
		fmt.Fprintln(e.stderr, "automatd: use --config or --rules, not both (a file lists each tenant's rules)")
		return nil, exitUsage
	case file != "":
		c, err := daemon.LoadConfig(file)
		if err != nil {
			fmt.Fprintf(e.stderr, "automatd: %v\n", err)
			return nil, exitUsage
		}
		cfg = c
	case rules != "":
		tok := strings.TrimSpace(e.getenv("AUTOMAT_TOKEN"))
		if tok == "" {
			b := make([]byte, 24)
			rand.Read(b)
			tok = base64.RawURLEncoding.EncodeToString(b)
			fmt.Fprintf(e.stderr, "automatd: the API token of tenant %q (printed once; set $AUTOMAT_TOKEN to choose it):\n%s\n", daemon.DefaultTenant, tok)
		}
		cfg = &daemon.Config{Tenants: []daemon.TenantConfig{{Name: daemon.DefaultTenant, Rules: rules, Tokens: []string{tok}}}}
	default:
		fmt.Fprintln(e.stderr, "automatd: give --rules PATH (one tenant) or --config FILE; see automatd -h")
		return nil, exitUsage
	}
	if listen != "" {
		cfg.Listen = listen
	}
	if storeURL != "" {
		cfg.Store = storeURL
	}
	if err := cfg.Resolve(e.getenv); err != nil {
		name := "the configuration"
		if file != "" {
			name = file
		}
		fmt.Fprintf(e.stderr, "automatd: %s is not valid:\n%s\n", name, indent(err.Error()))
		return nil, exitUsage
	}
	return cfg, exitOK
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
