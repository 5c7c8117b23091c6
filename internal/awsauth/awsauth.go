// Package awsauth obtains the credentials the action works with, following
// the semantics of aws-actions/configure-aws-credentials. Each mode has its
// own file and provider, in the style of the SDK's stscreds:
//
//   - env.go: static credentials from the environment;
//   - chain.go: a role assumed with those credentials (role chaining);
//   - oidc.go: a role assumed with the GitHub OIDC token (web identity);
//   - defaultchain.go: the SDK's default chain (shared config, container
//     and instance credentials), when no role is given and the environment
//     holds no keys.
//
// The client configuration that is not about credentials (Region, retries,
// HTTP, endpoints) is awsclient's. Everything environment-based that this
// package decides on is read through Options.Getenv so it can be tested
// without touching the process environment.
package awsauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// Options configures Load.
type Options struct {
	// Getenv looks up environment variables; nil means os.Getenv.
	Getenv func(string) string

	// Client is the configuration shared by every client (Region, retries,
	// HTTP, endpoint), the STS clients that fetch credentials included.
	Client awsclient.Options

	// RoleToAssume is a (validated) role ARN; "" means no role.
	RoleToAssume string
	// RoleSessionName; "" → DefaultSessionName(Getenv). Always sanitised
	// with SanitizeSessionName.
	RoleSessionName string
	// RoleExternalID is sent with AssumeRole (role chaining only; STS does
	// not accept an external ID with AssumeRoleWithWebIdentity).
	RoleExternalID string
	// RoleDurationSeconds is the role session's length (the action passes
	// the role-duration-seconds input, whose default is action.yml's). 0
	// leaves it to stscreds: 15 minutes for AssumeRole, STS's own default
	// for AssumeRoleWithWebIdentity.
	RoleDurationSeconds int32
	// Audience of the GitHub OIDC token; required with OIDC (the action
	// passes the audience input, whose default is action.yml's).
	Audience string

	// IDToken fetches the GitHub OIDC token for an audience. nil → a fetcher
	// built from ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN (see HTTPTokenFetcher).
	IDToken func(ctx context.Context, audience string) (string, error)
	// HasIDToken reports whether the runner offers an OIDC token. nil →
	// HasIDTokenFromEnv(Getenv).
	HasIDToken func() bool

	// Mask is called with every secret before anything could log it: the
	// OIDC token, and the access key ID, secret access key and session token
	// of every credential set used (including ones retrieved on refresh after
	// Load returns). nil means no masking. May be called from any goroutine
	// that makes AWS calls.
	Mask func(secret string)
}

// Result is what Load returns.
type Result struct {
	// Config has region, retryer, HTTP client and (cached, already
	// retrieved once) credentials.
	Config aws.Config
	// Source describes where the credentials come from, for the log.
	Source string
	// AccountID is the role's account when a role is assumed (parsed from
	// the ARN); otherwise the account the credentials report, usually ""
	// (unknown until a call).
	AccountID string
}

// ECRClient returns an ECR client for the configuration. An option may set
// another Region of the same partition: the credentials, a role's session
// included, are valid in all of them, so a role is assumed once.
func (r Result) ECRClient(optFns ...func(*ecr.Options)) *ecr.Client {
	return ecr.NewFromConfig(r.Config, optFns...)
}

// STSClient returns an STS client for the configuration.
func (r Result) STSClient(optFns ...func(*sts.Options)) *sts.Client {
	return sts.NewFromConfig(r.Config, optFns...)
}

// ErrNoCredentials is wrapped by Load's error when no credentials could be
// found or obtained without a role.
var ErrNoCredentials = errors.New("no AWS credentials found")

// mode is one way of obtaining credentials.
type mode interface {
	// baseCredentials are the credentials of the base configuration, the
	// one the STS calls of the mode use; nil lets the SDK resolve its
	// default chain.
	baseCredentials() aws.CredentialsProvider
	// provider returns the credentials of the final configuration.
	provider(base aws.Config, m *masker) (aws.CredentialsProvider, error)
	// source describes the credentials for the log.
	source(retrieved aws.Credentials) string
	// explain wraps a retrieval error with what to check.
	explain(err error) error
}

// Load resolves the client configuration and the credentials, retrieves the
// credentials once (so failures surface here and every secret is passed to
// Mask before Load returns) and returns the configuration.
//
// With RoleToAssume, static environment credentials (if any) are used to
// AssumeRole (role chaining); otherwise the GitHub OIDC token is used with
// AssumeRoleWithWebIdentity; otherwise Load fails. Without a role, static
// environment credentials are used if present, else the SDK default chain.
func Load(ctx context.Context, o Options) (Result, error) {
	o = withDefaults(o)
	m := newMasker(o.Mask)
	md, err := chooseMode(o, m)
	if err != nil {
		return Result{}, err
	}
	var extra []func(*config.LoadOptions) error
	if p := md.baseCredentials(); p != nil {
		extra = append(extra, config.WithCredentialsProvider(p))
	}
	base, err := awsclient.Load(ctx, o.Client, extra...)
	if err != nil {
		return Result{}, err
	}
	provider, err := md.provider(base, m)
	if err != nil {
		return Result{}, err
	}
	cfg := base.Copy()
	cfg.Credentials = provider
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return Result{}, md.explain(err)
	}
	res := Result{Config: cfg, Source: md.source(creds)}
	// The credentials' account (AWS_ACCOUNT_ID, a profile's
	// aws_account_id, a credential process's answer) goes into ARNs and
	// URIs: one that is not an account ID is ignored, as unknown.
	if ecrspec.IsAccountID(creds.AccountID) {
		res.AccountID = creds.AccountID
	}
	if a, err := arn.Parse(o.RoleToAssume); err == nil && a.AccountID != "" {
		res.AccountID = a.AccountID
	}
	return res, nil
}

// chooseMode picks the credential mode from the options and the environment.
func chooseMode(o Options, m *masker) (mode, error) {
	envCreds, hasEnvCreds, err := envCredentials(o.Getenv)
	if err != nil {
		return nil, err
	}
	if hasEnvCreds {
		// They are likely masked already, but make sure.
		m.maskCreds(envCreds)
	}
	session := roleSession{
		roleARN:  o.RoleToAssume,
		name:     sessionName(o.RoleSessionName, o.Getenv),
		duration: time.Duration(o.RoleDurationSeconds) * time.Second,
	}
	switch {
	case o.RoleToAssume != "" && hasEnvCreds:
		return &chainMode{env: envCreds, session: session, externalID: o.RoleExternalID}, nil
	case o.RoleToAssume != "" && o.HasIDToken():
		if strings.TrimSpace(o.Audience) == "" {
			return nil, errors.New("no audience for the GitHub OIDC token: set the audience input")
		}
		return &oidcMode{session: session, audience: o.Audience, fetch: o.IDToken}, nil
	case o.RoleToAssume != "":
		return nil, errRoleWithoutCredentials
	case hasEnvCreds:
		return &envMode{creds: envCreds}, nil
	}
	return &defaultChainMode{}, nil
}

// roleSession is what both role modes send to STS.
type roleSession struct {
	roleARN  string
	name     string
	duration time.Duration
}

func withDefaults(o Options) Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	o.RoleToAssume = strings.TrimSpace(o.RoleToAssume)
	if o.IDToken == nil {
		var client *http.Client
		if o.Client.HTTPClient != nil {
			c := *o.Client.HTTPClient
			c.Timeout = tokenRequestTimeout
			client = &c
		}
		o.IDToken = HTTPTokenFetcher(o.Getenv(envIDTokenRequestURL), o.Getenv(envIDTokenRequestToken), client)
	}
	if o.HasIDToken == nil {
		getenv := o.Getenv
		o.HasIDToken = func() bool { return HasIDTokenFromEnv(getenv) }
	}
	return o
}

func newCache(p aws.CredentialsProvider) *aws.CredentialsCache {
	return aws.NewCredentialsCache(p, func(co *aws.CredentialsCacheOptions) {
		// Refresh a little before expiry so no request is signed with
		// credentials about to expire.
		co.ExpiryWindow = 5 * time.Minute
		co.ExpiryWindowJitterFrac = 0.5
	})
}

// withHint joins what failed, the error and, when known, what to check.
func withHint(what string, err error, hint string) error {
	if hint == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w; %s", what, err, hint)
}
