package compiler

// This file defines Load, which reads a ruleset's sources from files and
// folders.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Ext is the file name extension of rules files.
const Ext = ".rules"

// Load reads the sources of one ruleset. Each path is a rules file or a
// folder, whose *.rules files (not those of its subfolders) are read in
// name order; paths are taken in the order given and a file named twice is
// read once. A folder's templates/*.txt and *.html files (e-mail
// templates, see [IsTemplate]) are read too. Imports are followed later, by [Check]. Load fails on a path
// that does not exist, cannot be read, or is a folder without rules files.
func Load(paths ...string) ([]Source, error) {
	var srcs []Source
	seen := make(map[string]bool)
	add := func(name string) error {
		clean := filepath.Clean(name)
		if seen[clean] {
			return nil
		}
		seen[clean] = true
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		srcs = append(srcs, Source{Name: name, Src: b})
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		names, err := rulesFiles(p)
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: no %s files in this folder", p, Ext)
		}
		for _, n := range names {
			if err := add(n); err != nil {
				return nil, err
			}
		}
		tmpls, err := templateFiles(filepath.Join(p, TemplateDir))
		if err != nil {
			return nil, err
		}
		for _, n := range tmpls {
			if err := add(n); err != nil {
				return nil, err
			}
		}
	}
	return srcs, nil
}

// templateFiles lists the template files of a templates folder, sorted;
// none when the folder does not exist.
func templateFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		name := filepath.Join(dir, e.Name())
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && IsTemplate(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// rulesFiles lists the rules files directly in dir, sorted by name.
func rulesFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), Ext) && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	return names, nil
}
