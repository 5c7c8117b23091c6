package ghout

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
)

// A signal while the inputs are read (a policy file on a slow disk) makes
// their read fail; that is an interruption, exit 130/143, not an invalid
// input.
func TestSignalWhileLoadingIsAnInterruption(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	d := Door{Log: NewLogger(a, nil), Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&run.Interrupted{Signal: syscall.SIGINT})
	loadErr := inputs.Errors{{Input: "repository-policy", Err: context.Cause(ctx)}}

	err := d.Failed(ctx, loadErr)
	var stopped *run.Interrupted
	if !errors.As(err, &stopped) || errors.Is(err, ErrInvalidInput) {
		t.Fatalf("Failed = %v, want the interruption", err)
	}
	if log := out.String(); !strings.Contains(log, "ecr-reconcile%3A interrupted") || strings.Contains(log, "invalid input") {
		t.Errorf("log:\n%s", log)
	}
}
