package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/automat-rules/automat/internal/pgtest"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite testscript files with actual output")

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	testscript.Main(withCluster{m}, map[string]func(){
		"automatd": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// withCluster runs the tests with pgtest's PostgreSQL cluster, started by
// the first test that asks for a database and stopped at the end. The
// processes testscript and the crash tests re-execute never start one.
type withCluster struct{ m *testing.M }

func (w withCluster) Run() int { return pgtest.Main(w.m) }

// TestScripts runs the command-line tests in testdata/script. Each script
// gets $ADDR, a free local address for the daemon to listen on.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			addr, err := freeAddr()
			env.Setenv("ADDR", addr)
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"http":   cmdHTTP,
			"signal": cmdSignal,
		},
	})
}

// freeAddr returns a local address nothing listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// cmdHTTP sends a request and prints the response body:
//
//	http [-token T] [-status N] [-wait DUR] [-match RE] METHOD URL [BODY | @FILE]
//
// It fails unless the status is N (default: any 2xx). With -wait it
// retries (also while nothing listens) until the status is right and the
// body matches RE, or DUR has passed.
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! http (use -status)")
	}
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	token := fs.String("token", "", "bearer token")
	status := fs.Int("status", 0, "wanted status (0: any 2xx)")
	wait := fs.Duration("wait", 0, "retry for this long")
	match := fs.String("match", "", "regexp the body must match")
	if err := fs.Parse(args); err != nil || fs.NArg() < 2 || fs.NArg() > 3 {
		ts.Fatalf("usage: http [-token T] [-status N] [-wait DUR] [-match RE] METHOD URL [BODY | @FILE]")
	}
	method, url := fs.Arg(0), fs.Arg(1)
	var body []byte
	if fs.NArg() == 3 {
		body = []byte(fs.Arg(2))
		if name, ok := strings.CutPrefix(fs.Arg(2), "@"); ok {
			data, err := os.ReadFile(ts.MkAbs(name))
			ts.Check(err)
			body = data
		}
	}
	var re *regexp.Regexp
	if *match != "" {
		re = regexp.MustCompile(*match)
	}
	deadline := time.Now().Add(*wait)
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		code, data, err := send(client, method, url, *token, body)
		ok := err == nil && (*status == 0 && code/100 == 2 || code == *status) && (re == nil || re.Match(data))
		if ok || time.Now().After(deadline) {
			if err != nil {
				ts.Fatalf("%s %s: %v", method, url, err)
			}
			fmt.Fprintf(ts.Stdout(), "%s", data)
			if !ok {
				ts.Fatalf("%s %s: status %d, body %s", method, url, code, data)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func send(client *http.Client, method, url, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// cmdSignal sends a signal to the process whose id is in a pid file:
//
//	signal HUP|TERM|INT PIDFILE
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: signal HUP|TERM|INT PIDFILE")
	}
	sigs := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "TERM": syscall.SIGTERM, "INT": syscall.SIGINT}
	sig, ok := sigs[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %q", args[0])
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	ts.Check(err)
	ts.Check(syscall.Kill(pid, sig))
}
