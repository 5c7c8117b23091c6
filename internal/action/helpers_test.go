package action_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// env is one simulated step: an emulator, a workspace, the runner's files.
type env struct {
	emu       *emulator.Emulator
	url       string
	workspace string
	vars      map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, emulator.Options{})
}

// newEnvWith is newEnv with an emulator configured by opts.
func newEnvWith(t *testing.T, opts emulator.Options) *env {
	t.Helper()
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	e := &env{emu: emu, url: srv.URL, workspace: dir, vars: map[string]string{
		"GITHUB_ACTIONS":        "true",
		"GITHUB_WORKSPACE":      dir,
		"GITHUB_OUTPUT":         filepath.Join(dir, "output.txt"),
		"GITHUB_STEP_SUMMARY":   filepath.Join(dir, "summary.md"),
		"AWS_ACCESS_KEY_ID":     "AKIAENVENVENVENV0000",
		"AWS_SECRET_ACCESS_KEY": "env-secret-access-key",
		"AWS_REGION":            "us-east-1",
		"INPUT_TIMEOUT-SECONDS": "30",
	}}
	return e
}

// run performs the action in-process with the given inputs.
func (e *env) run(t *testing.T, inputs map[string]string, opts ...run.Option) (string, error) {
	t.Helper()
	vars := map[string]string{}
	for k, v := range e.vars {
		vars[k] = v
	}
	for k, v := range inputs {
		vars[ghrunner.InputVar(k)] = v
	}
	var out testsupport.SyncBuffer
	a := githubactions.New(
		githubactions.WithGetenv(testsupport.Action(t).WithInputDefaults(func(k string) string { return vars[k] })),
		githubactions.WithWriter(&out),
	)
	err := action.Run(context.Background(), a, append([]run.Option{func(o *awsclient.Options) {
		o.Endpoint = e.url
	}}, opts...)...)
	return out.String(), err
}

func (e *env) outputs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	if err != nil {
		t.Fatal(err)
	}
	out, err := ghrunner.ParseOutputs(string(b))
	if err != nil {
		t.Fatalf("output file does not parse: %v\n%s", err, b)
	}
	return out
}

func (e *env) summary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.vars["GITHUB_STEP_SUMMARY"])
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) resetFiles(t *testing.T) {
	t.Helper()
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		if err := os.Remove(e.vars[k]); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// rerunWritesNothing runs the step again with fresh output files and
// fails the test unless the run succeeds without a single write call: a
// re-run with nothing changed must be a no-op. It returns the log.
func (e *env) rerunWritesNothing(t *testing.T, in map[string]string) string {
	t.Helper()
	e.resetFiles(t)
	e.emu.ResetCalls()
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("re-run wrote %+v", w)
	}
	return log
}

func annotations(log, level string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "::"+level) {
			out = append(out, line)
		}
	}
	return out
}
