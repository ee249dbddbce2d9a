package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFmtExitCodes checks the exit codes testscripts cannot tell apart:
// 0 done, 1 syntax error or --fail, 2 usage or I/O error.
func TestFmtExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tidy := write("tidy.rules", "when order.total > 1 do log(text: \"x\")\n")
	messy := write("messy.rules", "when order.total>1 do log(text: \"x\")\n")
	bad := write("bad.rules", "rule \"x\" when do log(text: \"x\")\n")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"stdin", nil, "when order.total>1 do log(text: \"x\")", exitOK},
		{"stdin syntax error", nil, "when", exitFail},
		{"stdin fail", []string{"--fail"}, "when order.total>1 do log(text: \"x\")", exitFail},
		{"stdin -w", []string{"-w"}, "", exitUsage},
		{"tidy", []string{"-l", "--fail", tidy}, "", exitOK},
		{"messy -l", []string{"-l", messy}, "", exitOK},
		{"messy --fail", []string{"-d", "--fail", messy}, "", exitFail},
		{"syntax error", []string{bad}, "", exitFail},
		{"syntax error and missing file", []string{bad, filepath.Join(dir, "nope.rules")}, "", exitUsage},
		{"missing file", []string{filepath.Join(dir, "nope.rules")}, "", exitUsage},
		{"unknown flag", []string{"--bogus"}, "", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := run(append([]string{"fmt"}, tt.args...), strings.NewReader(tt.stdin), &out, &errOut)
			if got != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, tt.want, errOut.String())
			}
		})
	}
}

// TestFmtWriteKeepsModeAndLinks: -w replaces the file atomically with the
// same mode, rewrites the target of a symbolic link and leaves no
// temporary file behind.
func TestFmtWriteKeepsModeAndLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.rules")
	if err := os.WriteFile(target, []byte("when order.total>1 do log(text: \"x\")\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.rules")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"fmt", "-w", link}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if want := "when order.total > 1 do log(text: \"x\")\n"; string(got) != want {
		t.Errorf("target = %q, want %q", got, want)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 (%v)", st.Mode().Perm(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}
