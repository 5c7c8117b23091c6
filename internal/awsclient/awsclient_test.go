package awsclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// lines collects Logf/Debugf output from the goroutines making calls.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, s)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

func load(t *testing.T, o awsclient.Options) aws.Config {
	t.Helper()
	cfg, err := awsclient.Load(context.Background(), o,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIACLIENTTEST000000", "secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func emulated(t *testing.T, opts emulator.Options, o awsclient.Options) (*emulator.Emulator, *ecr.Client) {
	t.Helper()
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	o.Region, o.Endpoint, o.HTTPClient = emu.Region(), srv.URL, srv.Client()
	return emu, ecr.NewFromConfig(load(t, o))
}

func TestLoadNeedsRegion(t *testing.T) {
	t.Parallel()
	if _, err := awsclient.Load(context.Background(), awsclient.Options{}); !errors.Is(err, awsclient.ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}

// Endpoint overrides every service; without it the SDK resolves endpoints
// itself (from AWS_ENDPOINT_URL* in the process environment, the contract
// tests cover that through the binary).
func TestEndpoint(t *testing.T) {
	t.Parallel()
	cfg := load(t, awsclient.Options{Region: "us-east-1", Endpoint: "http://emulator.example:1"})
	if got := aws.ToString(ecr.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://emulator.example:1" {
		t.Errorf("ECR BaseEndpoint = %q", got)
	}
	if plain := load(t, awsclient.Options{Region: "us-east-1"}); plain.BaseEndpoint != nil {
		t.Errorf("BaseEndpoint = %q without an override", *plain.BaseEndpoint)
	}
}

func TestRetryerSettings(t *testing.T) {
	t.Parallel()
	r := load(t, awsclient.Options{Region: "us-east-1"}).Retryer()
	if r.MaxAttempts() != awsclient.DefaultMaxAttempts {
		t.Errorf("default MaxAttempts = %d, want %d", r.MaxAttempts(), awsclient.DefaultMaxAttempts)
	}
	if _, ok := r.(*retry.Standard); !ok {
		t.Errorf("default retryer is %T, want *retry.Standard", r)
	}
	// The max backoff bounds the delay (jitter is in [0, max]).
	for attempt := 1; attempt < 20; attempt++ {
		d, err := r.RetryDelay(attempt, errors.New("x"))
		if err != nil {
			t.Fatal(err)
		}
		if d > awsclient.DefaultMaxBackoff {
			t.Fatalf("delay %v exceeds %v", d, awsclient.DefaultMaxBackoff)
		}
	}
	r = load(t, awsclient.Options{Region: "us-east-1", MaxAttempts: 3, MaxBackoff: time.Millisecond, Adaptive: true}).Retryer()
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Errorf("adaptive retryer is %T, want *retry.AdaptiveMode", r)
	}
	if r.MaxAttempts() != 3 {
		t.Errorf("MaxAttempts = %d, want 3", r.MaxAttempts())
	}
	for attempt := 1; attempt < 10; attempt++ {
		if d, _ := r.RetryDelay(attempt, errors.New("x")); d > time.Millisecond {
			t.Fatalf("delay %v exceeds 1ms", d)
		}
	}
}

// Every code the SDK's standard retryer retries, with what this package
// decides for ECR and STS.
func TestRetryRules(t *testing.T) {
	t.Parallel()
	r := load(t, awsclient.Options{Region: "us-east-1"}).Retryer()
	retried := map[string]bool{"Throttling": true, "ThrottlingException": true, "IDPCommunicationError": true}
	seen := map[string]bool{}
	for _, set := range []map[string]struct{}{retry.DefaultRetryableErrorCodes, retry.DefaultThrottleErrorCodes} {
		for code := range set {
			seen[code] = true
			err := &apiError{code: code, status: 400}
			if got := r.IsErrorRetryable(err); got != retried[code] {
				t.Errorf("%s: retried = %v, want %v", code, got, retried[code])
			}
		}
	}
	for code := range retried {
		if !seen[code] {
			if !r.IsErrorRetryable(&apiError{code: code, status: 400}) {
				t.Errorf("%s is not retried", code)
			}
		}
	}
	for status := range retry.DefaultRetryableHTTPStatusCodes {
		if !r.IsErrorRetryable(&apiError{code: "ServerException", status: status}) {
			t.Errorf("HTTP %d is not retried", status)
		}
	}
	// A quota is not retried even behind a status that usually is.
	if r.IsErrorRetryable(&apiError{code: "LimitExceededException", status: 503}) {
		t.Error("LimitExceededException behind HTTP 503 is retried")
	}
}

type apiError struct {
	code   string
	status int
}

func (e *apiError) Error() string                 { return e.code }
func (e *apiError) ErrorCode() string             { return e.code }
func (e *apiError) ErrorMessage() string          { return e.code }
func (e *apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }
func (e *apiError) HTTPStatusCode() int           { return e.status }

// A registry at its repository quota: CreateRepository fails at once, with
// the quota named and how to raise it.
func TestRepositoryQuotaIsNotRetried(t *testing.T) {
	t.Parallel()
	var log lines
	emu, client := emulated(t, emulator.Options{RepositoryQuota: 1}, awsclient.Options{MaxAttempts: 5, MaxBackoff: time.Millisecond, Logf: log.add})
	ctx := context.Background()
	if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("first")}); err != nil {
		t.Fatal(err)
	}
	emu.ResetCalls()
	_, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("second")})
	if err == nil {
		t.Fatal("CreateRepository beyond the quota succeeded")
	}
	if n := emu.Count("CreateRepository"); n != 1 {
		t.Errorf("CreateRepository was sent %d times, want 1", n)
	}
	var qe *awsclient.QuotaError
	if !errors.As(err, &qe) {
		t.Fatalf("error %v (%T) is not a QuotaError", err, err)
	}
	var lee *types.LimitExceededException
	if !errors.As(err, &lee) {
		t.Errorf("the ECR exception is not kept: %v", err)
	}
	for _, want := range []string{"Registered repositories", "L-CFEB8E8D", "Service Quotas", "aws service-quotas request-service-quota-increase", "not throttling", "--region us-east-1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if l := log.all(); len(l) != 0 {
		t.Errorf("retry lines for a call that must not be retried: %q", l)
	}
}

func TestTooManyTagsNamesTheLimit(t *testing.T) {
	t.Parallel()
	_, client := emulated(t, emulator.Options{}, awsclient.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond})
	tags := make([]types.Tag, 51)
	for i := range tags {
		tags[i] = types.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
	}
	_, err := client.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app"), Tags: tags})
	var qe *awsclient.QuotaError
	if !errors.As(err, &qe) || !strings.Contains(err.Error(), "Tags per resource") || !strings.Contains(err.Error(), "cannot be raised") {
		t.Fatalf("err = %v", err)
	}
}

// An endpoint that accepts connections and never answers: every attempt
// times out, each retry is announced, and the error names the attempt limit
// and the per-attempt timeout, not the step's deadline.
func TestSilentEndpoint(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	var log, debug lines
	cfg := load(t, awsclient.Options{
		Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client(),
		MaxAttempts: 3, MaxBackoff: time.Millisecond, AttemptTimeout: 100 * time.Millisecond,
		Logf: log.add, Debugf: debug.add,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := ecr.NewFromConfig(cfg).DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err == nil {
		t.Fatal("call succeeded, want timeout error")
	}
	if ctx.Err() != nil {
		t.Fatalf("call hung until the test deadline (%v): %v", time.Since(start), err)
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server saw %d attempts, want 3 (err: %v)", got, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error matches context.DeadlineExceeded, so it reads as the step's deadline: %v", err)
	}
	var exhausted *retry.MaxAttemptsError
	if !errors.As(err, &exhausted) || exhausted.Attempt != 3 {
		t.Errorf("error is not a MaxAttemptsError of 3 attempts: %v", err)
	}
	for _, want := range []string{"none of the 3 attempts", "per-attempt timeout of 100ms", "not timeout-seconds"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	l := log.all()
	if len(l) != 2 {
		t.Fatalf("retry lines = %q, want 2", l)
	}
	for i, line := range l {
		for _, want := range []string{"Retrying ecr DescribeRegistry", "of 3", "no response within the per-attempt timeout of 100ms"} {
			if !strings.Contains(line, want) {
				t.Errorf("retry line %d lacks %q: %q", i, want, line)
			}
		}
	}
	d := debug.all()
	if len(d) != 3 {
		t.Errorf("debug lines = %q, want 3", d)
	}
	for _, line := range d {
		if strings.Contains(line, "HTTP 0") || !strings.Contains(line, "no response") {
			t.Errorf("debug line %q should say no response", line)
		}
	}
}

// Retry lines carry no text from the response: a server whose error body
// holds workflow commands and newlines cannot reach the log through them.
func TestRetryLinesAreSafe(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"slow\n::error::injected\n::stop-commands::tok"}`))
	}))
	t.Cleanup(srv.Close)
	var log lines
	cfg := load(t, awsclient.Options{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client(),
		MaxAttempts: 3, MaxBackoff: time.Millisecond, Logf: log.add})
	_, err := ecr.NewFromConfig(cfg).DescribeRegistry(context.Background(), &ecr.DescribeRegistryInput{})
	if err == nil {
		t.Fatal("call succeeded")
	}
	l := log.all()
	if len(l) != 2 {
		t.Fatalf("retry lines = %q, want 2 (err %v)", l, err)
	}
	for _, line := range l {
		if strings.ContainsAny(line, "\r\n") || strings.Contains(line, "::") || !strings.Contains(line, "ThrottlingException (HTTP 400)") {
			t.Errorf("unsafe or unclear retry line %q", line)
		}
	}
	if !strings.Contains(err.Error(), "the limit of 3 attempts per call ended it, not timeout-seconds") {
		t.Errorf("error does not name the attempt limit: %v", err)
	}
}

// An endpoint that fails first and then stops answering: the call still
// ends on the attempt limit, and its error must not read as the step's
// deadline.
func TestFailingThenSilentEndpoint(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	cfg := load(t, awsclient.Options{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client(),
		MaxAttempts: 3, MaxBackoff: time.Millisecond, AttemptTimeout: 100 * time.Millisecond})
	_, err := ecr.NewFromConfig(cfg).DescribeRegistry(context.Background(), &ecr.DescribeRegistryInput{})
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "2 of the 3 attempts timed out") {
		t.Fatalf("err = %v", err)
	}
}

// A client made for another Region from the shared configuration (several
// Regions in one step) names its own Region in a quota error.
func TestQuotaErrorNamesTheCallsRegion(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{RepositoryQuota: 1})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := load(t, awsclient.Options{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client(), MaxAttempts: 2, MaxBackoff: time.Millisecond})
	client := ecr.NewFromConfig(cfg, func(o *ecr.Options) { o.Region = "eu-west-1" })
	ctx := context.Background()
	var err error
	for _, name := range []string{"first", "second"} {
		if _, err = client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
			break
		}
	}
	var qe *awsclient.QuotaError
	if !errors.As(err, &qe) || qe.Region != "eu-west-1" || !strings.Contains(err.Error(), "--region eu-west-1") {
		t.Fatalf("error %v, want a QuotaError naming eu-west-1", err)
	}
}
