package awsauth

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const (
	testRole     = "arn:aws:iam::111122223333:role/deploy"
	testAudience = "sts.amazonaws.com"
)

// newEmulator starts an emulator behind an httptest server and returns the
// environment pointing the SDK at it.
func newEmulator(t *testing.T, opts emulator.Options) (*emulator.Emulator, *httptest.Server, map[string]string) {
	t.Helper()
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv, map[string]string{}
}

// clientFor points every client at the emulator.
func clientFor(emu *emulator.Emulator, srv *httptest.Server) awsclient.Options {
	return awsclient.Options{Region: emu.Region(), Endpoint: srv.URL, HTTPClient: srv.Client()}
}

// fastRetries keeps failing tests quick.
func fastRetries(o Options) Options {
	o.Client.MaxAttempts = 2
	o.Client.MaxBackoff = time.Millisecond
	o.Client.AttemptTimeout = 5 * time.Second
	return o
}

func stsCalls(emu *emulator.Emulator, op string) []emulator.Call {
	var out []emulator.Call
	for _, c := range emu.Calls() {
		if c.Service == "sts" && c.Operation == op {
			out = append(out, c)
		}
	}
	return out
}

func lastECRCall(t *testing.T, emu *emulator.Emulator) emulator.Call {
	t.Helper()
	calls := emu.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Service == "ecr" {
			return calls[i]
		}
	}
	t.Fatal("no ECR call recorded")
	return emulator.Call{}
}

func TestOIDCWebIdentity(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	const token = "header.payload-oidc.signature"
	var mask maskRecorder
	var maskedBeforeSTS atomic.Bool
	emu.SetWebIdentityValidator(func(tok string) error {
		maskedBeforeSTS.Store(mask.has(tok))
		if tok != token {
			return errors.New("unexpected token")
		}
		return nil
	})
	var audiences []string
	res, err := Load(context.Background(), Options{
		Getenv:              envMap(withEnv(env, "GITHUB_RUN_ID", "987654", "GITHUB_RUN_ATTEMPT", "3")),
		RoleToAssume:        testRole,
		RoleDurationSeconds: 1800,
		Audience:            "my-audience",
		HasIDToken:          func() bool { return true },
		IDToken: func(_ context.Context, audience string) (string, error) {
			audiences = append(audiences, audience)
			return token, nil
		},
		Mask:   mask.Mask,
		Client: clientFor(emu, srv),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	// Snapshot what was masked by the time Load returned.
	mask.mu.Lock()
	maskedAtReturn := slices.Clone(mask.secrets)
	mask.mu.Unlock()

	if want := "OIDC web identity -> " + testRole; res.Source != want {
		t.Errorf("Source = %q, want %q", res.Source, want)
	}
	if res.AccountID != "111122223333" {
		t.Errorf("AccountID = %q", res.AccountID)
	}
	if !slices.Equal(audiences, []string{"my-audience"}) {
		t.Errorf("IDToken audiences = %q, want [my-audience]", audiences)
	}
	calls := stsCalls(emu, "AssumeRoleWithWebIdentity")
	if len(calls) != 1 {
		t.Fatalf("AssumeRoleWithWebIdentity calls = %d, want 1 (all calls: %+v)", len(calls), emu.Calls())
	}
	p := calls[0].Params
	if p["RoleArn"] != testRole || p["RoleSessionName"] != "ecr-reconcile-987654-3" || p["DurationSeconds"] != "1800" || p["WebIdentityToken"] != token {
		t.Errorf("AssumeRoleWithWebIdentity params = %v", p)
	}
	if calls[0].AccessKeyID != "" {
		t.Errorf("AssumeRoleWithWebIdentity was signed with %q, want unsigned", calls[0].AccessKeyID)
	}
	if !maskedBeforeSTS.Load() {
		t.Error("the OIDC token was not masked before it was sent to STS")
	}

	creds, err := res.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	for _, s := range []string{token, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken} {
		if s == "" || !slices.Contains(maskedAtReturn, s) {
			t.Errorf("secret %q was not masked before Load returned (masked: %q)", s, maskedAtReturn)
		}
	}
	if role, ok := emu.Credentials(creds.AccessKeyID); !ok || role != testRole {
		t.Errorf("emu.Credentials(%q) = %q, %v; want %q", creds.AccessKeyID, role, ok, testRole)
	}

	// An ECR call made with the configuration uses the role's key.
	if _, err := res.ECRClient().DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{}); err != nil {
		t.Fatalf("DescribeRepositories: %v", err)
	}
	if got := lastECRCall(t, emu).AccessKeyID; got != creds.AccessKeyID {
		t.Errorf("ECR call signed with %q, want the assumed role's key %q", got, creds.AccessKeyID)
	}
	if n := len(stsCalls(emu, "AssumeRoleWithWebIdentity")); n != 1 {
		t.Errorf("credentials not cached: %d AssumeRoleWithWebIdentity calls", n)
	}
}

// The default token fetcher (no IDToken given) talks to the runner's token
// service named by ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN.
func TestOIDCWithRunnerTokenService(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	tokens := tokenServer(t, "runner-request-token", "jwt-from-runner")
	want := "jwt-from-runner|aud=" + testAudience
	emu.SetWebIdentityValidator(func(tok string) error {
		if tok != want {
			return errors.New("bad token " + tok)
		}
		return nil
	})
	var mask maskRecorder
	res, err := Load(context.Background(), fastRetries(Options{
		Getenv: envMap(withEnv(env,
			"ACTIONS_ID_TOKEN_REQUEST_URL", tokens.URL+"/token?api-version=2.0",
			"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-request-token")),
		RoleToAssume: testRole,
		Audience:     testAudience,
		Mask:         mask.Mask,
		Client:       clientFor(emu, srv),
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !mask.has(want) {
		t.Error("runner token not masked")
	}
	calls := stsCalls(emu, "AssumeRoleWithWebIdentity")
	if len(calls) != 1 || calls[0].Params["WebIdentityToken"] != want || calls[0].Params["RoleSessionName"] != "ecr-reconcile" {
		t.Errorf("AssumeRoleWithWebIdentity calls = %+v", calls)
	}
	if res.Source != "OIDC web identity -> "+testRole {
		t.Errorf("Source = %q", res.Source)
	}
}

func TestOIDCRejectedToken(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	emu.SetWebIdentityValidator(func(string) error { return errors.New("Incorrect token audience") })
	_, err := Load(context.Background(), fastRetries(Options{
		Getenv:       envMap(env),
		RoleToAssume: testRole,
		Audience:     testAudience,
		HasIDToken:   func() bool { return true },
		IDToken:      func(context.Context, string) (string, error) { return "jwt-token", nil },
		Client:       clientFor(emu, srv),
	}))
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	for _, want := range []string{"could not assume role " + testRole, "AssumeRoleWithWebIdentity"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// Whatever code the emulator uses, the error must tell the user what to check.
	for _, want := range []string{"InvalidIdentityToken", "identity provider", `"sts.amazonaws.com"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// STS answers InvalidIdentityToken for transient problems too, so the SDK
	// retries it (up to MaxAttempts).
	if n := len(stsCalls(emu, "AssumeRoleWithWebIdentity")); n != 2 {
		t.Errorf("AssumeRoleWithWebIdentity calls = %d, want 2 (MaxAttempts)", n)
	}
}

func TestOIDCAccessDeniedHint(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	emu.SetWebIdentityValidator(func(string) error {
		return &emulator.TokenError{Code: "AccessDenied", Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"}
	})
	_, err := Load(context.Background(), fastRetries(Options{
		Getenv:       envMap(env),
		RoleToAssume: testRole,
		Audience:     "custom-aud",
		HasIDToken:   func() bool { return true },
		IDToken:      func(context.Context, string) (string, error) { return "jwt-token", nil },
		Client:       clientFor(emu, srv),
	}))
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	for _, want := range []string{"AccessDenied", "trust policy", "`sub`", `"custom-aud"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(stsCalls(emu, "AssumeRoleWithWebIdentity")); n != 1 {
		t.Errorf("AccessDenied retried: %d calls, want 1", n)
	}
}

func TestRoleChainingWithExternalID(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	emu.RequireExternalID(testRole, "ext-123")
	var mask maskRecorder
	tokenCalled := false
	res, err := Load(context.Background(), Options{
		Getenv:              envMap(withEnv(env, "AWS_ACCESS_KEY_ID", "AKIAENVCHAIN", "AWS_SECRET_ACCESS_KEY", "env-secret")),
		RoleToAssume:        testRole,
		RoleSessionName:     "my session/name",
		RoleExternalID:      "ext-123",
		RoleDurationSeconds: 3600,
		// Environment credentials win over an available OIDC token.
		HasIDToken: func() bool { return true },
		IDToken: func(context.Context, string) (string, error) {
			tokenCalled = true
			return "jwt", nil
		},
		Mask:   mask.Mask,
		Client: clientFor(emu, srv),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if tokenCalled {
		t.Error("IDToken called although environment credentials exist")
	}
	if want := "environment credentials -> assumed " + testRole + " (role chaining)"; res.Source != want {
		t.Errorf("Source = %q, want %q", res.Source, want)
	}
	if res.AccountID != "111122223333" {
		t.Errorf("AccountID = %q", res.AccountID)
	}
	calls := stsCalls(emu, "AssumeRole")
	if len(calls) != 1 {
		t.Fatalf("AssumeRole calls = %d, want 1 (all: %+v)", len(calls), emu.Calls())
	}
	c := calls[0]
	if c.AccessKeyID != "AKIAENVCHAIN" {
		t.Errorf("AssumeRole signed with %q, want the environment key", c.AccessKeyID)
	}
	if c.Params["RoleArn"] != testRole || c.Params["ExternalId"] != "ext-123" ||
		c.Params["RoleSessionName"] != "my-session-name" || c.Params["DurationSeconds"] != "3600" {
		t.Errorf("AssumeRole params = %v", c.Params)
	}

	creds, err := res.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if creds.AccessKeyID == "AKIAENVCHAIN" {
		t.Fatal("configuration still uses the environment key")
	}
	for _, s := range []string{"AKIAENVCHAIN", "env-secret", creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken} {
		if !mask.has(s) {
			t.Errorf("secret %q not masked", s)
		}
	}
	if _, err := res.ECRClient().DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{}); err != nil {
		t.Fatalf("DescribeRepositories: %v", err)
	}
	if got := lastECRCall(t, emu).AccessKeyID; got != creds.AccessKeyID {
		t.Errorf("ECR call signed with %q, want %q", got, creds.AccessKeyID)
	}
	if role, ok := emu.Credentials(creds.AccessKeyID); !ok || role != testRole {
		t.Errorf("assumed key belongs to %q (ok=%v), want %q", role, ok, testRole)
	}
	// The STS client of the result reports the assumed role.
	id, err := res.STSClient().GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if !strings.Contains(*id.Arn, "assumed-role/deploy/my-session-name") || *id.Account != "111122223333" {
		t.Errorf("GetCallerIdentity = %s / %s", *id.Arn, *id.Account)
	}
}

func TestRoleChainingWrongExternalID(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	emu.RequireExternalID(testRole, "ext-123")
	_, err := Load(context.Background(), fastRetries(Options{
		Getenv:         envMap(withEnv(env, "AWS_ACCESS_KEY_ID", "AKIAENVCHAIN", "AWS_SECRET_ACCESS_KEY", "env-secret")),
		RoleToAssume:   testRole,
		RoleExternalID: "wrong",
		Client:         clientFor(emu, srv),
	}))
	if err == nil {
		t.Fatal("Load succeeded, want error")
	}
	for _, want := range []string{"could not assume role " + testRole, "AccessDenied", "role-external-id", "trust policy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if calls := stsCalls(emu, "AssumeRole"); len(calls) == 0 || calls[0].Params["ExternalId"] != "wrong" {
		t.Errorf("AssumeRole calls = %+v", calls)
	}
}

func TestStaticCredentialsAgainstEmulator(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{})
	res, err := Load(context.Background(), Options{
		Getenv: envMap(withEnv(env, "AWS_ACCESS_KEY_ID", "AKIASTATIC", "AWS_SECRET_ACCESS_KEY", "s")),
		Client: clientFor(emu, srv),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if n := len(emu.Calls()); n != 0 {
		t.Errorf("Load made %d calls with static credentials, want 0", n)
	}
	if _, err := res.ECRClient().DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{}); err != nil {
		t.Fatalf("DescribeRepositories: %v", err)
	}
	if got := lastECRCall(t, emu).AccessKeyID; got != "AKIASTATIC" {
		t.Errorf("ECR call signed with %q", got)
	}
}

// Credentials refreshed after Load (here: issued already expired by an
// emulator whose clock is behind) are masked too, and OIDC fetches a fresh token.
func TestRefreshedCredentialsAreMasked(t *testing.T) {
	t.Parallel()
	emu, srv, env := newEmulator(t, emulator.Options{Clock: func() time.Time { return time.Now().Add(-3 * time.Hour) }})
	emu.SetWebIdentityValidator(func(string) error { return nil })
	var mask maskRecorder
	var fetches atomic.Int32
	res, err := Load(context.Background(), Options{
		Getenv:       envMap(env),
		RoleToAssume: testRole,
		Audience:     testAudience,
		HasIDToken:   func() bool { return true },
		IDToken: func(context.Context, string) (string, error) {
			return "jwt-" + string(rune('a'+fetches.Add(1))), nil
		},
		Mask:   mask.Mask,
		Client: clientFor(emu, srv),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	creds, err := res.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if fetches.Load() < 2 {
		t.Fatalf("expired credentials were not refreshed (%d token fetches)", fetches.Load())
	}
	for _, s := range []string{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, "jwt-c"} {
		if !mask.has(s) {
			t.Errorf("refreshed secret %q not masked", s)
		}
	}
}
