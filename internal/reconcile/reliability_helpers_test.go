package reconcile_test

// The reliability tests (reliability_*_test.go) prove, against the emulator
// and through the same client configuration the action uses (awsauth.Load,
// not the fixture's client), that a reconcile ends in the declared state
// under the faults real AWS produces (throttling, 5xx, resets, hangs,
// eventual consistency, partial failure, races) and that the action needs
// exactly the IAM actions it documents (docs/iam).

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

const (
	attempts       = 5
	attemptTimeout = 300 * time.Millisecond
)

// world is an emulator and a reconciler whose client is configured by the
// action's own awsauth.Load, with retry timings scaled down for tests.
type world struct {
	emu *emulator.Emulator
	cfg aws.Config
	rec *reconcile.Reconciler
}

func newWorld(t *testing.T, opts emulator.Options) *world {
	t.Helper()
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIARELIABILITY00000",
		"AWS_SECRET_ACCESS_KEY": "reliability-secret",
	}
	auth, err := awsauth.Load(context.Background(), awsauth.Options{
		Getenv: func(k string) string { return env[k] },
		Client: awsclient.Options{
			Region:         region,
			Endpoint:       srv.URL,
			MaxAttempts:    attempts,
			MaxBackoff:     5 * time.Millisecond,
			AttemptTimeout: attemptTimeout,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &reconcile.Reconciler{ECR: ecrsdk.New(auth.ECRClient()), Options: reconcile.Options{Region: region}}
	quick(&rec.Options)
	return &world{emu: emu, cfg: auth.Config, rec: rec}
}

const otherPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"CIPush","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":["ecr:PutImage","ecr:InitiateLayerUpload","ecr:UploadLayerPart","ecr:CompleteLayerUpload"]}]}`

// spec manages every setting (fullSpec), with the policy and tags the
// fault and race tests look for in the emulator.
func spec(name string) reconcile.Spec {
	s := fullSpec(name)
	s.RepositoryPolicy = &reconcile.Document{Text: testsupport.PullPolicy}
	s.Tags = map[string]string{"team": "core"}
	return s
}

// assertDeclared checks the end state in the emulator, then that a fault-free
// reconcile finds nothing to change.
func (w *world) assertDeclared(t *testing.T, s reconcile.Spec) {
	t.Helper()
	w.emu.ClearFaults()
	r, ok := w.emu.Repository("", s.Name)
	if !ok {
		t.Fatalf("repository %s does not exist", s.Name)
	}
	if r.Policy == "" || r.Lifecycle == "" || r.Tags["team"] != "core" || !r.ScanOnPush || r.Mutability != "IMMUTABLE_WITH_EXCLUSION" {
		t.Errorf("end state is not the declared one: %+v", r)
	}
	if n := w.emu.RepositoryCount(); n != 1 {
		t.Errorf("%d repositories, want 1", n)
	}
	w.emu.ResetCalls()
	res, err := w.rec.Reconcile(context.Background(), s)
	if err != nil {
		t.Fatalf("fault-free reconcile: %v", err)
	}
	if res.Changed() || len(w.emu.Writes()) != 0 {
		t.Errorf("fault-free reconcile still had work: %+v, writes %v", res.ChangedOnly(), w.emu.Writes())
	}
}
