package awsauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// maskRecorder records Mask calls.
type maskRecorder struct {
	mu      sync.Mutex
	secrets []string
}

func (m *maskRecorder) Mask(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets = append(m.secrets, s)
}

func (m *maskRecorder) has(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Contains(m.secrets, s)
}

func (m *maskRecorder) count(s string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.secrets {
		if v == s {
			n++
		}
	}
	return n
}

// noNetwork is an HTTP client whose every request fails the test.
func noNetwork(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected HTTP request: %s %s", r.Method, r.URL)
		return nil, errors.New("network disabled in this test")
	})}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var staticEnv = map[string]string{
	"AWS_ACCESS_KEY_ID":     "AKIAENVEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "env-secret",
	"AWS_SESSION_TOKEN":     "env-session-token",
}

func withEnv(base map[string]string, kv ...string) map[string]string {
	m := make(map[string]string, len(base)+len(kv)/2)
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLoadNoRegion(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), Options{Getenv: envMap(staticEnv), HTTPClient: noNetwork(t)})
	if !errors.Is(err, ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}

func TestLoadStaticEnvCredentials(t *testing.T) {
	t.Parallel()
	var mask maskRecorder
	res, err := Load(context.Background(), Options{
		Getenv:     envMap(withEnv(staticEnv, "AWS_REGION", "eu-central-1")),
		Mask:       mask.Mask,
		HTTPClient: noNetwork(t),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if res.Source != "environment credentials" {
		t.Errorf("Source = %q", res.Source)
	}
	if res.AccountID != "" {
		t.Errorf("AccountID = %q, want empty", res.AccountID)
	}
	if res.Config.Region != "eu-central-1" {
		t.Errorf("Region = %q", res.Config.Region)
	}
	creds, err := res.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if creds.AccessKeyID != "AKIAENVEXAMPLE" || creds.SecretAccessKey != "env-secret" || creds.SessionToken != "env-session-token" {
		t.Errorf("credentials = %+v", creds)
	}
	for _, s := range []string{"AKIAENVEXAMPLE", "env-secret", "env-session-token"} {
		if mask.count(s) != 1 {
			t.Errorf("Mask(%q) called %d times, want 1", s, mask.count(s))
		}
	}
}

func TestLoadPartialEnvCredentials(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), Options{
		Getenv:     envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKIA", "AWS_REGION": "us-east-1"}),
		HTTPClient: noNetwork(t),
	})
	if err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("err = %v, want one about AWS_SECRET_ACCESS_KEY", err)
	}
}

func TestLoadRoleWithoutCredentialsOrToken(t *testing.T) {
	t.Parallel()
	called := false
	_, err := Load(context.Background(), Options{
		Getenv:       envMap(map[string]string{"AWS_REGION": "us-east-1"}),
		RoleToAssume: "arn:aws:iam::123456789012:role/deploy",
		IDToken: func(context.Context, string) (string, error) {
			called = true
			return "", errors.New("should not be called")
		},
		HTTPClient: noNetwork(t),
	})
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	for _, want := range []string{"role-to-assume is set", "permissions: id-token: write", "aws-actions/configure-aws-credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if called {
		t.Error("IDToken called although HasIDToken (from env) is false")
	}
}

func TestLoadOIDCTokenFetchError(t *testing.T) {
	t.Parallel()
	var gotAudience string
	_, err := Load(context.Background(), Options{
		Getenv:       envMap(map[string]string{"AWS_REGION": "us-east-1"}),
		RoleToAssume: "arn:aws:iam::123456789012:role/deploy",
		HasIDToken:   func() bool { return true },
		IDToken: func(_ context.Context, audience string) (string, error) {
			gotAudience = audience
			return "", errors.New("HTTP 403")
		},
		HTTPClient: noNetwork(t),
	})
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	if gotAudience != DefaultAudience {
		t.Errorf("audience = %q, want %q", gotAudience, DefaultAudience)
	}
	for _, want := range []string{"could not get a GitHub OIDC token", "HTTP 403", "id-token: write"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestResultClientsEndpoints(t *testing.T) {
	t.Parallel()
	res, err := Load(context.Background(), Options{
		Getenv: envMap(withEnv(staticEnv,
			"AWS_REGION", "us-east-1",
			"AWS_ENDPOINT_URL", "http://global.example:1",
			"AWS_ENDPOINT_URL_ECR", "http://ecr.example:2")),
		HTTPClient: noNetwork(t),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if res.ECREndpoint != "http://ecr.example:2" || res.STSEndpoint != "http://global.example:1" {
		t.Errorf("endpoints = %q, %q", res.ECREndpoint, res.STSEndpoint)
	}
	if got := aws.ToString(res.ECRClient().Options().BaseEndpoint); got != "http://ecr.example:2" {
		t.Errorf("ECR BaseEndpoint = %q", got)
	}
	if got := aws.ToString(res.STSClient().Options().BaseEndpoint); got != "http://global.example:1" {
		t.Errorf("STS BaseEndpoint = %q", got)
	}
	// Caller options come last and win.
	override := res.ECRClient(func(o *ecr.Options) { o.BaseEndpoint = aws.String("http://override") })
	if got := aws.ToString(override.Options().BaseEndpoint); got != "http://override" {
		t.Errorf("overridden ECR BaseEndpoint = %q", got)
	}
	stsOverride := res.STSClient(func(o *sts.Options) { o.Region = "eu-west-3" })
	if stsOverride.Options().Region != "eu-west-3" {
		t.Errorf("STS option not applied")
	}

	// Without endpoint variables the SDK resolution is left alone.
	plain, err := Load(context.Background(), Options{
		Getenv:     envMap(withEnv(staticEnv, "AWS_REGION", "us-east-1")),
		HTTPClient: noNetwork(t),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if plain.ECREndpoint != "" || plain.STSEndpoint != "" {
		t.Errorf("endpoints = %q, %q, want empty", plain.ECREndpoint, plain.STSEndpoint)
	}
}

func TestRetryerSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	res, err := Load(ctx, Options{Getenv: envMap(withEnv(staticEnv, "AWS_REGION", "us-east-1")), HTTPClient: noNetwork(t)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	r := res.Config.Retryer()
	if r.MaxAttempts() != DefaultMaxAttempts {
		t.Errorf("default MaxAttempts = %d, want %d", r.MaxAttempts(), DefaultMaxAttempts)
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
		if d > DefaultMaxBackoff {
			t.Fatalf("delay %v exceeds %v", d, DefaultMaxBackoff)
		}
	}

	res, err = Load(ctx, Options{
		Getenv:      envMap(withEnv(staticEnv, "AWS_REGION", "us-east-1")),
		HTTPClient:  noNetwork(t),
		MaxAttempts: 3, MaxBackoff: time.Millisecond, Adaptive: true,
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	r = res.Config.Retryer()
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Errorf("adaptive retryer is %T, want *retry.AdaptiveMode", r)
	}
	if r.MaxAttempts() != 3 {
		t.Errorf("MaxAttempts = %d, want 3", r.MaxAttempts())
	}
	for attempt := 1; attempt < 10; attempt++ {
		d, _ := r.RetryDelay(attempt, errors.New("x"))
		if d > time.Millisecond {
			t.Fatalf("delay %v exceeds 1ms", d)
		}
	}
}

// A server that never answers: each attempt must time out and be retried,
// and the call must fail rather than hang.
func TestAttemptTimeoutRetries(t *testing.T) {
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

	res, err := Load(context.Background(), Options{
		Getenv:         envMap(withEnv(staticEnv, "AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL_ECR", srv.URL)),
		HTTPClient:     srv.Client(),
		MaxAttempts:    3,
		MaxBackoff:     time.Millisecond,
		AttemptTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = res.ECRClient().DescribeRegistry(ctx, &ecr.DescribeRegistryInput{})
	if err == nil {
		t.Fatal("call succeeded, want timeout error")
	}
	if ctx.Err() != nil {
		t.Fatalf("call hung until the test deadline (%v): %v", time.Since(start), err)
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server saw %d attempts, want 3 (err: %v)", got, err)
	}
}
