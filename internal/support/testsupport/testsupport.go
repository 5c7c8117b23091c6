// Package testsupport holds what the tests of several packages share: a
// log buffer safe for the run's goroutines, a line matcher, action.yml as
// the runner reads it, a policy, the error and seed helpers of the
// parsers' tests. Only tests import it
// (TestOnlyTestsImportIt).
package testsupport

import (
	"bytes"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
)

// PullPolicy is a repository policy that lets another account pull: the
// one a workflow most often declares.
const PullPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`

// SyncBuffer is a log writer safe for the goroutines of a run, which may
// mask secrets and write debug lines while others write.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// HasLine reports whether one line of text contains every part.
func HasLine(text string, parts ...string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// Root is the module's root directory, found from the test's working
// directory (its package's).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// ActionYAML is the text of the root action.yml.
func ActionYAML(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Action is the root action.yml parsed: its inputs, their defaults (which
// the runner applies) and its outputs.
func Action(t testing.TB) *actionmeta.Metadata {
	t.Helper()
	return ParseAction(t, filepath.Join(Root(t), "action.yml"))
}

// ParseAction parses the action metadata file at path.
func ParseAction(t testing.TB, path string) *actionmeta.Metadata {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := actionmeta.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// Step is a step's inputs as the runner passes them (what the step sets,
// else action.yml's default) and its environment. It is an inputs.Source.
type Step struct {
	Inputs map[string]string
	Env    map[string]string
	meta   *actionmeta.Metadata
}

// NewStep is a step with inputs and env, its defaults from action.yml.
func NewStep(t testing.TB, inputs, env map[string]string) Step {
	t.Helper()
	return Step{Inputs: inputs, Env: env, meta: Action(t)}
}

// GetInput is the input's value, else action.yml's default.
func (s Step) GetInput(name string) string {
	if v, ok := s.Inputs[name]; ok {
		return v
	}
	in, _ := s.meta.Input(name)
	return in.Default
}

// Getenv is the environment variable's value.
func (s Step) Getenv(key string) string { return s.Env[key] }

// StringLiteral is a string literal of a Go file: where it stands and its
// text as written, quotes included.
type StringLiteral struct{ Pos, Text string }

// StringLiterals returns the string literals of the Go files of dir, test
// files left out, and how many files it read; the one-home tests look for
// rules spelled where they do not live.
func StringLiterals(t testing.TB, dir string) ([]StringLiteral, int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []StringLiteral
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n++
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(f, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.STRING {
				out = append(out, StringLiteral{Pos: fset.Position(pos).String(), Text: lit})
			}
		}
	}
	return out, n
}

// WantErr fails unless err is non-nil and contains every substring of want.
func WantErr(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// Seed is the test package's testdata/seeds/name: an input as a workflow
// writes it, shared by a parser's test and its fuzz test.
func Seed(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
