package emulator

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	testAccount = "123456789012"
	staticKey   = "AKIDSTATICEXAMPLE"
)

type fixture struct {
	emu *Emulator
	url string
}

// start serves a fresh emulator over real HTTP for the test's lifetime.
func start(t testing.TB, opts Options) *fixture {
	t.Helper()
	emu := New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &fixture{emu: emu, url: srv.URL}
}

func (f *fixture) config(creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:      f.emu.Region(),
		Credentials: creds,
		// No backoff: retries are exercised, waiting is not.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = noBackoff{}
				o.MaxAttempts = 3
			})
		},
	}
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func static(key string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(key, "secret", "")
}

// ecr returns an ECR client signing with the static test key.
func (f *fixture) ecr(optFns ...func(*ecr.Options)) *ecr.Client {
	return f.ecrAs(static(staticKey), optFns...)
}

func (f *fixture) ecrAs(creds aws.CredentialsProvider, optFns ...func(*ecr.Options)) *ecr.Client {
	return ecr.NewFromConfig(f.config(creds), append([]func(*ecr.Options){func(o *ecr.Options) {
		o.BaseEndpoint = aws.String(f.url)
	}}, optFns...)...)
}

func (f *fixture) sts(creds aws.CredentialsProvider, optFns ...func(*sts.Options)) *sts.Client {
	return sts.NewFromConfig(f.config(creds), append([]func(*sts.Options){func(o *sts.Options) {
		o.BaseEndpoint = aws.String(f.url)
	}}, optFns...)...)
}

// noRetries makes a client give up after the first attempt.
func noRetries(o *ecr.Options) { o.Retryer = aws.NopRetryer{} }

// create makes a repository through the API and fails the test on error.
func create(t *testing.T, c *ecr.Client, name string) {
	t.Helper()
	if _, err := c.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
		t.Fatalf("CreateRepository(%s): %v", name, err)
	}
}

// asError asserts that err wraps an error of type T and returns it.
func asError[T error](t *testing.T, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("got error %v (%T), want %T", err, err, target)
	}
	return target
}

// wantErr asserts that err wraps an error of type T.
func wantErr[T error](t *testing.T, err error) {
	t.Helper()
	_ = asError[T](t, err)
}

// wantCode asserts that err is an API error with this code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	_ = wantAPIError(t, err, code)
}

// wantAPIError asserts that err is an API error with this code and returns it.
func wantAPIError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	ae := asError[smithy.APIError](t, err)
	if ae.ErrorCode() != code {
		t.Fatalf("error code %q, want %q (%v)", ae.ErrorCode(), code, err)
	}
	return ae
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}
