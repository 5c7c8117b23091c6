package run_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// recorder is a run.Log that keeps what it was given.
type recorder struct {
	mu                   sync.Mutex
	notes, infos, masked []string
	accounts             []string
}

func (r *recorder) Note(s string)           { r.mu.Lock(); defer r.mu.Unlock(); r.notes = append(r.notes, s) }
func (r *recorder) Info(s string)           { r.mu.Lock(); defer r.mu.Unlock(); r.infos = append(r.infos, s) }
func (r *recorder) DebugSink() func(string) { return nil }
func (r *recorder) Mask(s string)           { r.mu.Lock(); defer r.mu.Unlock(); r.masked = append(r.masked, s) }
func (r *recorder) MaskAccount(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accounts = append(r.accounts, id)
}

func start(t *testing.T, emu *emulator.Emulator, inputs map[string]string) (*run.Result, *recorder) {
	t.Helper()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	step := testsupport.NewStep(t, inputs, map[string]string{"AWS_ACCESS_KEY_ID": "AKIARUNTEST000000000", "AWS_SECRET_ACCESS_KEY": "run-secret", "AWS_REGION": "us-east-1"})
	cfg, err := run.Load(context.Background(), step, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := &recorder{}
	res := run.Run(context.Background(), cfg, run.Env{Getenv: step.Getenv, Log: log, Options: []run.Option{
		func(o *awsclient.Options) { o.Endpoint = srv.URL },
	}})
	return res, log
}

// The core returns what happened and prints none of it: the plan, the
// outputs and the summary are the doors' to render. While it runs it says
// only where the credentials came from.
func TestRunReturnsTheResultAndPrintsOnlyProgress(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	res, log := start(t, emu, map[string]string{"repository": "team/app", "tags": "team=core"})
	if res.Err != nil || res.Interrupted != nil || res.Failure() != nil {
		t.Fatalf("err %v, interrupted %v, failure %v", res.Err, res.Interrupted, res.Failure())
	}
	if len(res.Regions) != 1 || res.Regions[0].Name != "us-east-1" || len(res.Regions[0].Items) != 1 {
		t.Fatalf("regions = %+v", res.Regions)
	}
	if it := res.Regions[0].Items[0]; it.Result == nil || !it.Result.Created || it.Name != "team/app" {
		t.Errorf("item = %+v", it)
	}
	outputs := map[string]string{}
	for _, kv := range res.Outputs() {
		outputs[kv[0]] = kv[1]
	}
	if outputs["repository-uri"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app" || outputs["created"] != "true" || !strings.Contains(outputs["regions"], `"us-east-1"`) {
		t.Errorf("outputs = %v", outputs)
	}
	if !strings.Contains(res.Summary(), "`team/app`: created") {
		t.Errorf("summary:\n%s", res.Summary())
	}
	if len(log.notes) != 1 || !strings.HasPrefix(log.notes[0], "Credentials: ") || len(log.infos) != 0 {
		t.Errorf("printed while running: notes %q, infos %q", log.notes, log.infos)
	}
	if !slices.Contains(log.accounts, "123456789012") {
		t.Errorf("the account was not handed to the log to mask: %q", log.accounts)
	}
}

// A failed reconcile is data: the item carries the error, and Failure is
// the step's error, which the doors report.
func TestRunFailureIsInTheResult(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "ecr:ListTagsForResource", "sts:GetCallerIdentity"})
	emu.PutRepository(emulator.Repository{Name: "team/app"})
	res, _ := start(t, emu, map[string]string{"repository": "team/app", "tags": "team=core"})
	if res.Err != nil {
		t.Fatalf("err %v: the repository was read, so the run has a result", res.Err)
	}
	if err := res.Failure(); err == nil || !strings.Contains(err.Error(), "ecr:TagResource") {
		t.Errorf("failure = %v, want the denied TagResource", err)
	}
	if res.Outputs()[0][0] != run.OutputRepositoryURI {
		t.Errorf("outputs = %v", res.Outputs())
	}
}
