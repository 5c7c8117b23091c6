package cli_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/cli"
	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, emu *emulator.Emulator, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	actionYAML, rerr := os.ReadFile("../../action.yml")
	if rerr != nil {
		t.Fatal(rerr)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIACLITEST000000000", "AWS_SECRET_ACCESS_KEY": "cli-secret", "AWS_REGION": "us-west-2"}
	var opts []action.Option
	if emu != nil {
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		opts = append(opts, action.WithClient(func(o *awsclient.Options) { o.Endpoint = srv.URL }))
	}
	var out, errOut syncBuffer
	err = cli.Run(context.Background(), cli.Env{
		Args: args, Getenv: func(k string) string { return env[k] },
		Stdout: &out, Stderr: &errOut, ActionYAML: actionYAML, Version: "v9.9.9", Options: opts,
	})
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	var e *cli.ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	_, stderr, err := run(t, nil, "--help")
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, s := range []string{"Usage: ecr-reconcile", "-repository string", "-image-tag-mutability-exclusion-filters", "-on-reconcile-error", "(default fail)", "Exit codes"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("help lacks %q:\n%s", s, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, err := run(t, nil, "--version")
	if err != nil || strings.TrimSpace(out) != "ecr-reconcile v9.9.9" {
		t.Errorf("--version = %q, %v", out, err)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--no-such-flag"}, {"--repository", "app", "extra"}} {
		if _, _, err := run(t, nil, args...); exitCode(err) != cli.ExitInvalid {
			t.Errorf("%v: exit %d, want %d", args, exitCode(err), cli.ExitInvalid)
		}
	}
}

func TestInvalidInputExitsTwoWithoutCalls(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	out, _, err := run(t, emu, "--repository", "Bad Name")
	if exitCode(err) != cli.ExitInvalid {
		t.Fatalf("exit %d, want %d", exitCode(err), cli.ExitInvalid)
	}
	if !strings.Contains(out, `Error: input "repository"`) || strings.Contains(out, "::error") {
		t.Errorf("error not shown as plain text:\n%s", out)
	}
	if len(emu.Calls()) != 0 {
		t.Errorf("calls made: %v", emu.Calls())
	}
}

func TestDryRunThenApply(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{Region: "us-west-2"})
	out, _, err := run(t, emu, "--repository", "team/app", "--scan-on-push", "true", "--tags", "team=core", "--dry-run", "true")
	if err != nil {
		t.Fatalf("dry-run: %v\n%s", err, out)
	}
	if len(emu.Writes()) != 0 || emu.RepositoryCount() != 0 {
		t.Errorf("dry-run wrote: %v", emu.Writes())
	}
	for _, s := range []string{"▼ Plan for team/app: would be created", "+ scan-on-push", "created=true", "repository-uri=123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app"} {
		if !strings.Contains(out, s) {
			t.Errorf("dry-run output lacks %q:\n%s", s, out)
		}
	}
	out, _, err = run(t, emu, "--repository", "team/app", "--scan-on-push", "true", "--tags", "team=core")
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if r, ok := emu.Repository("", "team/app"); !ok || !r.ScanOnPush || r.Tags["team"] != "core" {
		t.Errorf("repository = %+v", r)
	}
}

func TestAWSFailureExitsOne(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	emu.SetAllowedActions([]string{})
	out, _, err := run(t, emu, "--repository", "app", "--timeout-seconds", "20")
	if exitCode(err) != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", exitCode(err), cli.ExitFailed, out)
	}
	if !strings.Contains(out, "ecr:DescribeRepositories") {
		t.Errorf("failure does not name the denied action:\n%s", out)
	}
}
