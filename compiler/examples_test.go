package compiler

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestExamplesClean checks every ruleset under examples/ (each folder
// holding rules files is one ruleset) and wants no diagnostic at all.
func TestExamplesClean(t *testing.T) {
	dirs := make(map[string]bool)
	filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, Ext) {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if len(dirs) == 0 {
		t.Skip("no examples yet")
	}
	var sorted []string
	for d := range dirs {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	for _, dir := range sorted {
		t.Run(dir, func(t *testing.T) {
			srcs, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := checkAll(srcs, Config{})
			for _, d := range diags {
				t.Errorf("%s", render(d))
			}
		})
	}
}
