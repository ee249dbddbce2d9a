package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestScenarios runs the engine's semantic scenarios: each
// testdata/scenarios/*.txtar holds a ruleset (*.rules sections), an
// events.jsonl section and the golden output of `rulec run --format json`
// (section out.jsonl, and stderr when the run reports errors). -update
// rewrites the golden sections.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var wantOut, wantErr string
			for _, f := range a.Files {
				switch f.Name {
				case "out.jsonl":
					wantOut = string(f.Data)
				case "stderr":
					wantErr = string(f.Data)
				default:
					name := filepath.Join(dir, filepath.FromSlash(f.Name))
					if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(name, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"run", "--format", "json", "--events", filepath.Join(dir, "events.jsonl"), dir}, nil, &stdout, &stderr)
			gotErr := strings.ReplaceAll(stderr.String(), dir+string(filepath.Separator), "")
			if code == exitUsage {
				t.Fatalf("rulec run: exit %d\n%s", code, gotErr)
			}
			if *update {
				var files []txtar.File
				for _, f := range a.Files {
					if f.Name != "out.jsonl" && f.Name != "stderr" {
						files = append(files, f)
					}
				}
				files = append(files, txtar.File{Name: "out.jsonl", Data: stdout.Bytes()})
				if gotErr != "" {
					files = append(files, txtar.File{Name: "stderr", Data: []byte(gotErr)})
				}
				a.Files = files
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := stdout.String(); got != wantOut {
				t.Errorf("output:\n%s\nwant:\n%s", got, wantOut)
			}
			if gotErr != wantErr {
				t.Errorf("stderr:\n%s\nwant:\n%s", gotErr, wantErr)
			}
			if wantCode := map[bool]int{true: exitFail, false: exitOK}[wantErr != ""]; code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
		})
	}
}

// TestExampleRuleTests runs `rulec test` on every example folder: each
// must have at least three rule tests, and all must pass.
func TestExampleRuleTests(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "../../examples/..."}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("rulec test examples: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	dirs, _ := filepath.Glob("../../examples/*/*.rules")
	seen := make(map[string]bool)
	for _, d := range dirs {
		seen[filepath.Dir(d)] = true
	}
	for dir := range seen {
		re := regexp.MustCompile(`(?m)^ok   ` + regexp.QuoteMeta(dir) + `\t(\d+) tests`)
		m := re.FindStringSubmatch(stdout.String())
		if m == nil {
			t.Errorf("%s: no passing rule tests in the output:\n%s", dir, stdout.String())
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 3 {
			t.Errorf("%s: %d rule tests, want at least 3", dir, n)
		}
	}
}
