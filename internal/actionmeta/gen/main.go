// Command gen writes the files made from action.yml: run/action.yml, the
// inputs and outputs reference in README.md (between its marker lines) and
// internal/inputref's Refs (actionmeta.InputRefPath).
// It runs by `go generate ./internal/actionmeta`; CI runs it and then
// `git diff --exit-code`, so a change to action.yml that is not regenerated
// fails.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
)

func main() {
	root := flag.String("root", ".", "the repository's root directory")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	action, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		return err
	}
	meta, err := actionmeta.Parse(action)
	if err != nil {
		return err
	}

	runPath := filepath.Join(root, "run", "action.yml")
	current, err := os.ReadFile(runPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	runAction, err := actionmeta.RunAction(action, current)
	if err != nil {
		return err
	}
	if err := writeIfChanged(runPath, current, runAction); err != nil {
		return err
	}

	refsPath := filepath.Join(root, filepath.FromSlash(actionmeta.InputRefPath))
	refs, err := actionmeta.InputRefs(meta)
	if err != nil {
		return err
	}
	currentRefs, err := os.ReadFile(refsPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := writeIfChanged(refsPath, currentRefs, refs); err != nil {
		return err
	}

	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	out, err := actionmeta.Readme(readme, meta)
	if err != nil {
		return err
	}
	out, err = actionmeta.Includes(out, func(path string) ([]byte, error) {
		return os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	})
	if err != nil {
		return err
	}
	return writeIfChanged(readmePath, readme, out)
}

// writeIfChanged leaves an up-to-date file untouched (its time included).
func writeIfChanged(path string, old, b []byte) error {
	if bytes.Equal(old, b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644) //nolint:gosec // a checked-in file, readable like the rest of the tree
}
