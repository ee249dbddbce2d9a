// Package examples holds one ruleset per product Automat replaces. Its
// test keeps them parseable and in canonical format; compiler's tests
// check that they type-check clean.
package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/automat-rules/automat/lang/format"
)

func TestExamplesParseAndAreFormatted(t *testing.T) {
	files, err := filepath.Glob("*/*.rules")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, name := range files {
		dirs[filepath.Dir(name)] = true
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out, diags := format.Source(name, src)
		if len(diags) > 0 {
			t.Errorf("%s: %v", name, diags)
			continue
		}
		if !bytes.Equal(out, src) {
			t.Errorf("%s is not in canonical format; run: rulec fmt -w examples", name)
		}
	}
	for _, d := range []string{"balikobot", "masstrade", "jzone", "bitrix24", "xsale"} {
		if !dirs[d] {
			t.Errorf("examples/%s has no rules", d)
		}
	}
}
