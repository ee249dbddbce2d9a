// Package pgtest gives tests a real, throwaway PostgreSQL: a cluster
// started once per test binary (initdb + pg_ctl on a free loopback port,
// data in a temporary folder, removed at the end) and a fresh database per
// test. As root (CI), the cluster runs as the unprivileged user postgres,
// because initdb refuses root.
//
// $AUTOMAT_TEST_PG, when set, is the DSN of a server to use instead (a
// database is still created per test). Without PostgreSQL binaries the
// tests are skipped, unless $CI or $AUTOMAT_REQUIRE_PG is set: then they
// fail, so CI never passes by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// cluster is the test binary's server; started on first use.
type cluster struct {
	once    sync.Once
	dsn     string // server DSN (database postgres)
	dir     string // removed at stop; "" for an outside server
	bin     string
	user    string // "postgres" when running as root, else ""
	durable bool   // commits synced to disk (MainDurable)
	err     error
}

// The one cluster of a test binary: Main stops it. A test binary is one
// process, so one shared value is the natural scope.
var srv cluster

// Main runs the tests and stops the cluster if one was started. Call it
// from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	srv.stop()
	return code
}

// MainDurable is Main with a cluster that syncs its commits to disk
// (fsync, synchronous_commit and full_page_writes on, as in production):
// for benchmarks whose figures must mean something. Main's cluster does
// not sync, for speed: tests kill daemons, never the server.
func MainDurable(m *testing.M) int {
	srv.durable = true
	return Main(m)
}

// DSN returns the DSN of a new empty database, dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	srv.once.Do(srv.start)
	if srv.err != nil {
		if errors.Is(srv.err, errNoBinaries) && os.Getenv("CI") == "" && os.Getenv("AUTOMAT_REQUIRE_PG") == "" {
			t.Skipf("PostgreSQL: %v (set $AUTOMAT_TEST_PG to a server DSN, or install postgresql)", srv.err)
		}
		t.Fatalf("PostgreSQL: %v", srv.err)
	}
	name := "automat_test_" + randomHex(6)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.dsn)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL: create database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, srv.dsn)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return withDatabase(srv.dsn, name)
}

// ServerDSN returns the DSN of the server's postgres database (for tools
// such as pgbench), starting the cluster if needed.
func ServerDSN(t testing.TB) string {
	t.Helper()
	DSN(t) // starts the server, or skips
	return srv.dsn
}

// Bin returns the folder of the server's binaries ("" for an outside
// server).
func Bin() string { return srv.bin }

var errNoBinaries = errors.New("no initdb on PATH or in /usr/lib/postgresql/*/bin")

func withDatabase(dsn, db string) string {
	i := strings.LastIndex(dsn, "/")
	rest := ""
	if q := strings.IndexByte(dsn[i:], '?'); q >= 0 {
		rest = dsn[i+q:]
	}
	return dsn[:i+1] + db + rest
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *cluster) start() {
	if dsn := os.Getenv("AUTOMAT_TEST_PG"); dsn != "" {
		c.dsn = dsn
		return
	}
	c.bin = findBin()
	if c.bin == "" {
		c.err = errNoBinaries
		return
	}
	dir, err := os.MkdirTemp("", "automat-pg-")
	if err != nil {
		c.err = err
		return
	}
	c.dir = dir
	if os.Geteuid() == 0 {
		c.user = "postgres"
		u, err := user.Lookup(c.user)
		if err != nil {
			c.err = fmt.Errorf("running as root needs the user postgres to run the cluster: %w", err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			c.err = err
			return
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"); err != nil {
		c.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return
	}
	port, err := freePort()
	if err != nil {
		c.err = err
		return
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", port, dir)
	if !c.durable {
		// Tests kill daemons, never the server, and want speed.
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		c.err = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		return
	}
	c.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

func (c *cluster) stop() {
	if c.dir == "" {
		return
	}
	data := filepath.Join(c.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		c.run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(c.dir)
}

// run runs a server binary, as postgres when running as root.
func (c *cluster) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.user != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.user, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = os.TempDir()
	// The server pg_ctl starts must not hold our pipes open.
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// findBin finds the folder of initdb: PATH, then Debian's layout.
func findBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(ms) == 0 {
		return ""
	}
	return filepath.Dir(ms[len(ms)-1])
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
