package awsauth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
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

// offline is a client configuration in us-east-1 that must not be used.
func offline(t *testing.T) awsclient.Options {
	t.Helper()
	return awsclient.Options{Region: "us-east-1", HTTPClient: noNetwork(t)}
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
	_, err := Load(context.Background(), Options{Getenv: envMap(staticEnv), Client: awsclient.Options{HTTPClient: noNetwork(t)}})
	if !errors.Is(err, awsclient.ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
}

func TestLoadStaticEnvCredentials(t *testing.T) {
	t.Parallel()
	var mask maskRecorder
	res, err := Load(context.Background(), Options{
		Getenv: envMap(staticEnv),
		Mask:   mask.Mask,
		Client: awsclient.Options{Region: "eu-central-1", HTTPClient: noNetwork(t)},
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
		Getenv: envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKIA"}),
		Client: offline(t),
	})
	if err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("err = %v, want one about AWS_SECRET_ACCESS_KEY", err)
	}
}

func TestLoadRoleWithoutCredentialsOrToken(t *testing.T) {
	t.Parallel()
	called := false
	_, err := Load(context.Background(), Options{
		Getenv:       envMap(nil),
		RoleToAssume: "arn:aws:iam::123456789012:role/deploy",
		IDToken: func(context.Context, string) (string, error) {
			called = true
			return "", errors.New("should not be called")
		},
		Client: offline(t),
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
		Getenv:       envMap(nil),
		RoleToAssume: "arn:aws:iam::123456789012:role/deploy",
		Audience:     "my-audience",
		HasIDToken:   func() bool { return true },
		IDToken: func(_ context.Context, audience string) (string, error) {
			gotAudience = audience
			return "", errors.New("HTTP 403")
		},
		Client: offline(t),
	})
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	if gotAudience != "my-audience" {
		t.Errorf("audience = %q, want my-audience", gotAudience)
	}
	for _, want := range []string{"could not get a GitHub OIDC token", "HTTP 403", "id-token: write"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// OIDC needs an audience; the action always passes one (action.yml's default).
func TestLoadOIDCWithoutAudience(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), Options{
		Getenv:       envMap(nil),
		RoleToAssume: "arn:aws:iam::123456789012:role/deploy",
		HasIDToken:   func() bool { return true },
		Client:       offline(t),
	})
	if err == nil || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("err = %v, want one about the audience", err)
	}
}
