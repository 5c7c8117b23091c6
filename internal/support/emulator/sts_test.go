package emulator

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

const roleARN = "arn:aws:iam::210987654321:role/ci/deployer"

type tokenString string

func (s tokenString) GetIdentityToken() ([]byte, error) { return []byte(s), nil }

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	good := jwt(`{"sub":"repo:org/app:ref:refs/heads/main","iss":"https://issuer.example","aud":"sts.amazonaws.com"}`)
	f.emu.SetWebIdentityValidator(func(token string) error {
		if token != good {
			return errors.New("token rejected")
		}
		return nil
	})
	anon := f.sts(aws.AnonymousCredentials{})
	out, err := anon.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("gha-42"), WebIdentityToken: aws.String(good), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	if !strings.HasPrefix(aws.ToString(cr.AccessKeyId), "ASIA") || len(aws.ToString(cr.AccessKeyId)) != 20 ||
		aws.ToString(cr.SecretAccessKey) == "" || aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials %+v", cr)
	}
	if d := time.Until(aws.ToTime(cr.Expiration)); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expiration %v is not ~15 minutes away", cr.Expiration)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::210987654321:assumed-role/deployer/gha-42" {
		t.Errorf("assumed role ARN %s", got)
	}
	if !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":gha-42") ||
		aws.ToString(out.SubjectFromWebIdentityToken) != "repo:org/app:ref:refs/heads/main" || aws.ToString(out.Provider) != "issuer.example" {
		t.Errorf("result %+v / %+v", out.AssumedRoleUser, out)
	}
	if role, ok := f.emu.Credentials(aws.ToString(cr.AccessKeyId)); !ok || role != roleARN {
		t.Errorf("Credentials = %q, %v", role, ok)
	}
	if got := f.emu.IssuedSecrets(); !slices.Equal(got, []string{aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)}) {
		t.Errorf("IssuedSecrets = %q", got)
	}
	if _, ok := f.emu.Credentials(staticKey); ok {
		t.Error("a static key is reported as a session key")
	}

	// ECR calls with the session act in the role's account.
	session := credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	created, err := f.ecrAs(session).CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(created.Repository.RepositoryUri); got != "210987654321.dkr.ecr.us-east-1.amazonaws.com/app" {
		t.Errorf("URI %s", got)
	}
	id, err := f.sts(session).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "210987654321" || aws.ToString(id.Arn) != "arn:aws:sts::210987654321:assumed-role/deployer/gha-42" {
		t.Errorf("caller identity %+v, %v", id, err)
	}

	_, err = anon.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("gha-42"), WebIdentityToken: aws.String("forged-token"),
	})
	if e := asError[*ststypes.InvalidIdentityTokenException](t, err); e.ErrorMessage() != "token rejected" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	f.emu.SetWebIdentityValidator(func(string) error {
		return &TokenError{Code: "AccessDenied", Message: "Not authorized to perform sts:AssumeRoleWithWebIdentity"}
	})
	_, err = anon.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("gha-42"), WebIdentityToken: aws.String(good),
	})
	if httpStatus(t, err) != 403 {
		t.Errorf("AccessDenied status %d", httpStatus(t, err))
	}
	wantCode(t, err, "AccessDenied")
}

func TestWebIdentityValidation(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	anon := f.sts(aws.AnonymousCredentials{})
	tests := map[string]sts.AssumeRoleWithWebIdentityInput{
		"bad role":     {RoleArn: aws.String("arn:aws:iam::1:user/x"), RoleSessionName: aws.String("ok"), WebIdentityToken: aws.String("tok1")},
		"bad session":  {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("has space"), WebIdentityToken: aws.String("tok1")},
		"long session": {RoleArn: aws.String(roleARN), RoleSessionName: aws.String(strings.Repeat("s", 65)), WebIdentityToken: aws.String("tok1")},
		"short":        {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), WebIdentityToken: aws.String("tok1"), DurationSeconds: aws.Int32(899)},
		"long":         {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), WebIdentityToken: aws.String("tok1"), DurationSeconds: aws.Int32(43201)},
		"token":        {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), WebIdentityToken: aws.String("t")},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := anon.AssumeRoleWithWebIdentity(ctx(t), &in)
			wantCode(t, err, "ValidationError")
		})
	}
}

func TestWebIdentityCredentialsProvider(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	provider := stscreds.NewWebIdentityRoleProvider(f.sts(aws.AnonymousCredentials{}), roleARN, tokenString("any-token"),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "provider" })
	if _, err := f.ecrAs(aws.NewCredentialsCache(provider)).CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("via-provider")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.emu.Repository("210987654321", "via-provider"); !ok {
		t.Error("repository not created in the role's account")
	}
	calls := f.emu.Calls()
	if len(calls) != 2 || calls[0].Operation != "AssumeRoleWithWebIdentity" || calls[0].AccessKeyID != "" ||
		calls[0].Params["WebIdentityToken"] != "any-token" || calls[0].Params["RoleSessionName"] != "provider" {
		t.Errorf("call log %+v", calls)
	}
	if role, _ := f.emu.Credentials(calls[1].AccessKeyID); role != roleARN {
		t.Errorf("ECR call signed with %q (role %q)", calls[1].AccessKeyID, role)
	}
}

func TestAssumeRoleExternalID(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.RequireExternalID(roleARN, "ext-123")
	c := f.sts(static(staticKey))
	assume := func(ext *string) error {
		_, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x-acct"), ExternalId: ext})
		return err
	}
	const denied = "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: sts:AssumeRole on resource: " + roleARN
	for _, ext := range []*string{nil, aws.String("wrong-1")} {
		if ae := wantAPIError(t, assume(ext), "AccessDenied"); ae.ErrorMessage() != denied {
			t.Errorf("message %q", ae.ErrorMessage())
		}
	}
	wantCode(t, assume(aws.String("x")), "ValidationError")

	provider := stscreds.NewAssumeRoleProvider(c, roleARN, func(o *stscreds.AssumeRoleOptions) { o.ExternalID = aws.String("ext-123") })
	id, err := f.sts(aws.NewCredentialsCache(provider)).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "210987654321" || !strings.HasPrefix(aws.ToString(id.Arn), "arn:aws:sts::210987654321:assumed-role/deployer/") ||
		!strings.HasPrefix(aws.ToString(id.UserId), "AROA") {
		t.Errorf("identity %+v", id)
	}
	assumeCall := f.emu.Calls()[3]
	if assumeCall.Operation != "AssumeRole" || assumeCall.AccessKeyID != staticKey || assumeCall.Params["ExternalId"] != "ext-123" ||
		assumeCall.Params["RoleArn"] != roleARN || assumeCall.ErrorCode != "" {
		t.Errorf("AssumeRole call %+v", assumeCall)
	}

	f.emu.RequireExternalID(roleARN, "")
	if err := assume(nil); err != nil {
		t.Errorf("after lifting the requirement: %v", err)
	}
}

func TestGetCallerIdentityStatic(t *testing.T) {
	t.Parallel()
	f := start(t, Options{AccountID: "111122223333"})
	id, err := f.sts(static(staticKey)).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "111122223333" || aws.ToString(id.Arn) != "arn:aws:iam::111122223333:user/emulator" {
		t.Errorf("identity %+v, %v", id, err)
	}
	_, err = f.sts(aws.AnonymousCredentials{}).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "MissingAuthenticationToken")
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestSessionCredentialsExpire(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := start(t, Options{Clock: clock.Now})
	out, err := f.sts(static(staticKey)).AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("short")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToTime(out.Credentials.Expiration); !got.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("expiration %v, want one hour after %v", got, clock.Now())
	}
	cr := out.Credentials
	session := credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	c := f.ecrAs(session, noRetries)
	if err := describe(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Hour)
	wantCode(t, describe(ctx(t), c), "ExpiredTokenException")
	_, err = f.sts(session).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "ExpiredToken")
}

func TestUnknownSTSAction(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	_, err := f.sts(static(staticKey)).GetSessionToken(ctx(t), &sts.GetSessionTokenInput{})
	wantCode(t, err, "InvalidAction")
	if c := f.emu.Calls(); len(c) != 1 || c[0].Service != "sts" || c[0].Status != 400 {
		t.Errorf("call log %+v", c)
	}
}
