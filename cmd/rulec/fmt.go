package main

// This file defines `rulec fmt`, the canonical formatter on the command
// line (the layout itself is lang/format's; docs/format.md shows it).

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

// fmtFlags are the flags of one `rulec fmt` call.
type fmtFlags struct {
	write, diff, list, fail bool
}

// runFmt is `rulec fmt [-w] [-d] [-l] [--fail] [PATH...]`. It exits 1 on a
// syntax error (the file is left as it is) or, with --fail, when a file
// needs formatting, and 2 on a usage or I/O error.
func runFmt(e *env, args []string) int {
	var f fmtFlags
	fl := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fl.SetOutput(e.stderr)
	fl.BoolVar(&f.write, "w", false, "write the result to the file instead of stdout")
	fl.BoolVar(&f.diff, "d", false, "print a diff of the changes instead of the formatted text")
	fl.BoolVar(&f.list, "l", false, "list the files whose formatting differs")
	fl.BoolVar(&f.fail, "fail", false, "exit 1 when a file is not formatted (for pre-commit hooks)")
	fl.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: rulec fmt [-w] [-d] [-l] [--fail] [PATH...]\n\nFormats .rules files (folders recursively) in the canonical layout; with no PATH, stdin to stdout.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return exitUsage
	}
	if fl.NArg() == 0 {
		if f.write {
			fmt.Fprintln(e.stderr, "rulec fmt: -w needs a PATH: standard input cannot be rewritten")
			return exitUsage
		}
		src, err := io.ReadAll(e.stdin)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec fmt: reading stdin: %v\n", err)
			return exitUsage
		}
		code, _ := f.one(e, "<stdin>", "", src)
		return code
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
		c, err := f.one(e, relPath(name), name, src)
		if err != nil {
			fmt.Fprintf(e.stderr, "rulec fmt: %v\n", err)
			return exitUsage
		}
		code = max(code, c)
	}
	return code
}

// one formats src, shown as shown, and does what the flags ask: print it,
// list it, diff it, or rewrite path (empty for stdin). It returns exitFail
// on a syntax error or, with --fail, when src needs formatting, and an
// error when the file cannot be rewritten.
func (f fmtFlags) one(e *env, shown, path string, src []byte) (int, error) {
	out, diags := format.Source(shown, src)
	if diags.HasErrors() {
		writeText(e.stderr, diags, false)
		return exitFail, nil
	}
	changed := !bytes.Equal(src, out)
	if f.list && changed {
		fmt.Fprintln(e.stdout, shown)
	}
	if f.diff && changed {
		io.WriteString(e.stdout, unifiedDiff(shown, src, out))
	}
	if f.write && changed && path != "" {
		if err := writeAtomic(path, out); err != nil {
			return exitUsage, err
		}
	}
	if !f.write && !f.list && !f.diff {
		e.stdout.Write(out)
	}
	if f.fail && changed {
		return exitFail, nil
	}
	return exitOK, nil
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
	if rel, err := filepath.Rel(wd, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return rel
	}
	return name
}

// writeAtomic replaces name by data through a synced temporary file in the
// same folder and a rename, keeping the file's mode, so an interrupted
// write never leaves half a file. A symbolic link is followed: the file it
// points to is rewritten and the link stays.
func writeAtomic(name string, data []byte) error {
	if target, err := filepath.EvalSymlinks(name); err == nil {
		name = target
	}
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".rulec-fmt-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(st.Mode().Perm())
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
