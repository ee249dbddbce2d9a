package main

// This file defines `rulec build`: check a ruleset and compile it to the
// versioned, checksummed bytecode artifact that automatd loads.

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/lang/diag"
)

const buildUsage = `usage: rulec build -o FILE [PATH...]

Checks the ruleset made of the files and folders named (a folder
contributes its *.rules files; without a PATH, the current folder) and
compiles it to a bytecode artifact FILE for automatd. Diagnostics are
printed as rulec check prints them; a ruleset with errors writes nothing.

Exit status: 0 when FILE was written, 1 when the ruleset has errors, 2 on
bad usage or an I/O error.

Flags:
`

func runBuild(e *env, args []string) int {
	fl := newFlags(e, "build", buildUsage)
	out := fl.String("o", "", "write the artifact to `FILE` (required)")
	if code, ok := parseFlags(fl, args); !ok {
		return code
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "rulec build: -o FILE is required")
		fl.Usage()
		return exitUsage
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	srcs, err := compiler.Load(paths...)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec build: %v\n", err)
		return exitUsage
	}
	var diags diag.List
	pkg, _ := compiler.Check(srcs, compiler.Config{Error: func(d diag.Diagnostic) { diags = append(diags, d) }})
	diags.RemoveDuplicates()
	cwd, _ := os.Getwd()
	for i := range diags {
		diags[i].File = relFile(diags[i].File, cwd)
	}
	writeText(e.stderr, diags, false)
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "rulec build: %s not written: the ruleset has errors\n", *out)
		return exitFail
	}
	prog, err := codegen.Compile(pkg)
	if err != nil {
		fmt.Fprintf(e.stderr, "rulec build: %v\n", err)
		return exitFail
	}
	data := bytecode.Encode(prog)
	if err := writeFileAtomic(*out, data); err != nil {
		fmt.Fprintf(e.stderr, "rulec build: %v\n", err)
		return exitUsage
	}
	h, _ := bytecode.ReadHeader(data)
	fmt.Fprintf(e.stdout, "wrote %s: %d rules, %d instructions, %d bytes, checksum %s\n",
		*out, len(prog.Rules), len(prog.Code), len(data), hex.EncodeToString(h.Checksum[:8]))
	return exitOK
}

// writeFileAtomic writes data to a temporary file next to name and
// renames it into place, so a reader never sees half an artifact.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
