package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/automat-rules/automat/lang/format"
)

// runFmt is `rulec fmt [-w] [-d] [-l] [--fail] [PATH...]`.
func runFmt(e *env, args []string) int {
	fl := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	write := fl.Bool("w", false, "write the result to the file instead of stdout")
	diff := fl.Bool("d", false, "print a diff of the changes instead of the formatted text")
	list := fl.Bool("l", false, "list the files whose formatting differs")
	fail := fl.Bool("fail", false, "exit 1 when a file is not formatted (for pre-commit hooks)")
	fl.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: rulec fmt [-w] [-d] [-l] [--fail] [PATH...]\n\nFormats .rules files (folders recursively) in the canonical layout; with no PATH, stdin to stdout.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return exitUsage
	}
	if fl.NArg() == 0 {
		src, err := io.ReadAll(e.stdin)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec fmt: reading stdin: %v\n", err)
			return exitUsage
		}
		out, diags := format.Source("<stdin>", src)
		if diags.HasErrors() {
			writeText(e.stderr, diags, false)
			return exitFail
		}
		switch {
		case *diff:
			io.WriteString(e.stdout, unifiedDiff("<stdin>", src, out))
		case *list:
			if !bytes.Equal(src, out) {
				fmt.Fprintln(e.stdout, "<stdin>")
			}
		default:
			e.stdout.Write(out)
		}
		if *fail && !bytes.Equal(src, out) {
			return exitFail
		}
		return exitOK
	}
	files, err := rulesFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec fmt: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec fmt: %v\n", err)
			return exitUsage
		}
		shown := relPath(name)
		out, diags := format.Source(shown, src)
		if diags.HasErrors() {
			writeText(e.stderr, diags, false)
			code = exitFail
			continue
		}
		changed := !bytes.Equal(src, out)
		if *list && changed {
			fmt.Fprintln(e.stdout, shown)
		}
		if *diff && changed {
			io.WriteString(e.stdout, unifiedDiff(shown, src, out))
		}
		if *write && changed {
			if err := writeAtomic(name, out); err != nil {
				fmt.Fprintf(e.stderr, "rulec fmt: %v\n", err)
				return exitUsage
			}
		}
		if !*write && !*list && !*diff {
			e.stdout.Write(out)
		}
		if *fail && changed {
			code = exitFail
		}
	}
	return code
}

// rulesFiles expands the paths: files as given, folders to their .rules
// files (recursively, sorted).
func rulesFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".rules") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walking %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// relPath shows name relative to the current directory when it is below it.
func relPath(name string) string {
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return name
}

// writeAtomic replaces name by data through a temporary file in the same
// folder and a rename, keeping the file's mode, so an interrupted write
// never leaves half a file.
func writeAtomic(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".rulec-fmt-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
