package publicecr_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ecr-reconcile/ecr-reconcile/internal/publicecr"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// client is the adapter over a real ecrpublic client talking to the
// emulator, configured for another Region than ECR Public's.
func client(t *testing.T, emu *emulator.Emulator) *publicecr.Client {
	t.Helper()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAPUBLICADAPTER000", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 2; o.MaxBackoff = 0 })
		},
	}
	return publicecr.New(cfg)
}

// ECR Public's exceptions are classified as the engine's errors of the same
// meaning, the IAM service is ecr-public, and the SDK's error chain is kept.
func TestErrorsReadAsECRExceptions(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	c := client(t, emu)
	ctx := context.Background()

	_, err := c.DescribeRepositories(ctx, "", []string{"missing"})
	if !errors.Is(err, reconcile.ErrRepositoryNotFound) || !strings.Contains(err.Error(), "'missing'") {
		t.Errorf("missing repository: %v", err)
	}
	var se reconcile.ServiceError
	if !errors.As(err, &se) || se.IAMService() != "ecr-public" {
		t.Errorf("not an ecr-public error: %v", err)
	}

	emu.PutPublicRepository(emulator.PublicRepository{Name: "app"})
	text, err := c.GetRepositoryPolicy(ctx, reconcile.RepositoryRef{Name: "app"})
	if text != nil || err != nil {
		t.Errorf("no policy: %v, %v", text, err)
	}
	_, err = c.CreateRepository(ctx, reconcile.CreateRequest{Ref: reconcile.RepositoryRef{Name: "app"}})
	if !errors.Is(err, reconcile.ErrRepositoryExists) {
		t.Errorf("existing repository: %v", err)
	}

	emu.AddFault(emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultThrottle})
	_, err = c.DescribeRepositories(ctx, "", []string{"app"})
	var exhausted *retry.MaxAttemptsError
	if !errors.As(err, &exhausted) || exhausted.Attempt != 2 {
		t.Errorf("throttled: %v", err)
	}
	if got := reconcile.AWSError("DescribeRepositories", err).Error(); !strings.HasPrefix(got, "ecr-public:DescribeRepositories gave up after 2 attempts") {
		t.Errorf("message = %s", got)
	}
	for _, call := range emu.Calls() {
		if call.Region != "us-east-1" || call.Service != "ecr-public" {
			t.Errorf("call %+v: not ECR Public in us-east-1", call)
		}
	}
}

// The settings ECR Public does not have are never sent.
func TestUnsupportedSettings(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	c := client(t, emu)
	_, err := c.GetLifecyclePolicy(context.Background(), reconcile.RepositoryRef{Name: "app"})
	if err == nil || !strings.Contains(err.Error(), "ECR Public does not support lifecycle policies") || len(emu.Calls()) != 0 {
		t.Errorf("err %v, calls %v", err, emu.Calls())
	}
}

// With the account known in advance (an assumed role), the tags read goes
// out with the describe, on ECR Public's ARN: one round, no second read.
func TestKnownAccountReadsTagsEarly(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	emu.PutPublicRepository(emulator.PublicRepository{Name: "app", Tags: map[string]string{"team": "web"}})
	rec := &reconcile.Reconciler{ECR: client(t, emu), Options: reconcile.Options{Region: "us-east-1", Account: emu.AccountID()}}
	res, err := rec.Reconcile(context.Background(), reconcile.Spec{Name: "app", Tags: map[string]string{"team": "web"}})
	if err != nil || res.Changed() {
		t.Fatalf("reconcile: %+v, %v", res, err)
	}
	if n := emu.Count("ListTagsForResource"); n != 1 || len(emu.Calls()) != 2 {
		t.Errorf("%d tag reads, calls %v; want one tag read beside the describe", n, emu.Calls())
	}
}
