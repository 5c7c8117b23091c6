package action_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// An interrupted large batch names a bounded number of repositories in its
// annotation, and its job summary stays within the summary's bound.
func TestInterruptedLargeBatchIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var names strings.Builder
	const n = 2200
	for i := range n {
		fmt.Fprintf(&names, "platform/%s/service-%04d\n", strings.Repeat("x", 220), i)
	}
	vars := map[string]string{}
	for k, v := range e.vars {
		vars[k] = v
	}
	vars[ghrunner.InputVar("repositories")] = names.String()
	var out testsupport.SyncBuffer
	a := githubactions.New(
		githubactions.WithGetenv(testsupport.Action(t).WithInputDefaults(func(k string) string { return vars[k] })),
		githubactions.WithWriter(&out),
	)
	// The signal comes while the repositories are read.
	ctx, cancel := context.WithCancelCause(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeRepositories") {
			cancel(&run.Interrupted{Signal: syscall.SIGTERM})
		}
		e.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	err := action.Run(ctx, a, func(o *awsclient.Options) { o.Endpoint = srv.URL })
	if err == nil {
		t.Fatal("an interrupted run succeeded")
	}
	errs := annotations(out.String(), "error")
	var interrupted string
	for _, a := range errs {
		if strings.Contains(a, "interrupted") {
			interrupted = a
		}
	}
	if interrupted == "" || len(interrupted) > 16<<10 || !strings.Contains(interrupted, fmt.Sprintf("and %d more", n-20)) {
		t.Errorf("the interrupted annotation (%d bytes) is not bounded: %.400s…", len(interrupted), interrupted)
	}
	for _, a := range errs {
		if len(a) > 16<<10 {
			t.Errorf("an error annotation of %d bytes: %.300s…", len(a), a)
		}
	}
	if sum := e.summary(t); len(sum) > report.MaxSummaryBytes || !strings.HasPrefix(sum, "### Interrupted") {
		t.Errorf("summary of %d bytes (bound %d): %.300s", len(sum), report.MaxSummaryBytes, sum)
	}
}

// A batch where many repositories fail names a bounded number of them in
// its failure; the results output has them all.
func TestLargeBatchFailureIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "ecr:GetAuthorizationToken"})
	var names strings.Builder
	const n = 60
	for i := range n {
		fmt.Fprintf(&names, "platform/%s/service-%04d\n", strings.Repeat("x", 200), i)
	}
	_, err := e.run(t, map[string]string{"repositories": names.String()})
	if err == nil {
		t.Fatal("the batch succeeded")
	}
	// The error the step ends with, shown by the entry point.
	failure := err.Error()
	if !strings.Contains(failure, "60 of 60 repositories failed") || !strings.Contains(failure, fmt.Sprintf("and %d more; see the results output", n-20)) || len(failure) > 8<<10 {
		t.Errorf("failure annotation (%d bytes): %.400s", len(failure), failure)
	}
}
