// Package awsauth builds the AWS configuration the action works with: region,
// retry behaviour, per-attempt timeouts, endpoints and credentials (static
// environment credentials, an assumed role via GitHub OIDC or role chaining,
// or the SDK default chain), following the semantics of
// aws-actions/configure-aws-credentials.
//
// Everything environment-based that this package decides on is read through
// Options.Getenv so it can be tested without touching the process
// environment. The SDK's own configuration loading still reads the real
// process environment and shared config files for settings this package does
// not set (for example AWS_PROFILE, CA bundle, FIPS/dual-stack endpoints).
package awsauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// Defaults applied by Load for zero-valued Options fields.
const (
	DefaultMaxAttempts         = 8
	DefaultMaxBackoff          = 20 * time.Second
	DefaultAttemptTimeout      = 20 * time.Second
	DefaultRoleDurationSeconds = 3600

	maxIdleConnsPerHost = 160
)

// Options configures Load.
type Options struct {
	// Getenv looks up environment variables; nil means os.Getenv.
	Getenv func(string) string

	// Region from the aws-region input; "" → AWS_REGION, then
	// AWS_DEFAULT_REGION; none → error.
	Region string

	// RoleToAssume is a (validated) role ARN; "" means no role.
	RoleToAssume string
	// RoleSessionName; "" → DefaultSessionName(Getenv). Always sanitised
	// with SanitizeSessionName.
	RoleSessionName string
	// RoleExternalID is sent with AssumeRole (role chaining only; STS does
	// not accept an external ID with AssumeRoleWithWebIdentity).
	RoleExternalID string
	// RoleDurationSeconds; 0 → 3600.
	RoleDurationSeconds int32
	// Audience of the GitHub OIDC token; "" → DefaultAudience.
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

	// MaxAttempts per API call (default 8) and MaxBackoff between attempts
	// (default 20s) for the SDK standard retryer (exponential backoff with
	// jitter). Adaptive selects retry.NewAdaptiveMode (client-side rate
	// limiting).
	MaxAttempts int
	MaxBackoff  time.Duration
	Adaptive    bool

	// AttemptTimeout bounds each HTTP attempt so that a request that never
	// answers is retried rather than hanging; default 20s.
	AttemptTimeout time.Duration

	// HTTPClient overrides the HTTP client (tests). It is used as given
	// (AWS_CA_BUNDLE is not applied to it) except that its Timeout is
	// replaced by AttemptTimeout (on a copy).
	HTTPClient *http.Client

	// APIOptions are added to every client built from the configuration,
	// the STS clients that fetch credentials included (e.g. debug logging).
	APIOptions []func(*middleware.Stack) error
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
	// ECREndpoint and STSEndpoint are the endpoint URLs configured through
	// AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, or ""
	// for the SDK's own resolution.
	ECREndpoint string
	STSEndpoint string
}

// ECRClient returns an ECR client for the configuration, with BaseEndpoint
// set when an endpoint URL is configured. optFns are applied last.
func (r Result) ECRClient(optFns ...func(*ecr.Options)) *ecr.Client {
	return ecr.NewFromConfig(r.Config, append([]func(*ecr.Options){func(o *ecr.Options) {
		if r.ECREndpoint != "" {
			o.BaseEndpoint = aws.String(r.ECREndpoint)
		}
	}}, optFns...)...)
}

// STSClient returns an STS client for the configuration, with BaseEndpoint
// set when an endpoint URL is configured. optFns are applied last.
func (r Result) STSClient(optFns ...func(*sts.Options)) *sts.Client {
	return newSTSClient(r.Config, r.STSEndpoint, optFns...)
}

func newSTSClient(cfg aws.Config, endpoint string, optFns ...func(*sts.Options)) *sts.Client {
	return sts.NewFromConfig(cfg, append([]func(*sts.Options){func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...)
}

// ErrNoCredentials is wrapped by Load's error when no credentials could be
// found or obtained without a role.
var ErrNoCredentials = errors.New("no AWS credentials found")

// errRoleWithoutCredentials is returned when a role is set but nothing can
// be used to assume it.
var errRoleWithoutCredentials = errors.New("role-to-assume is set but there are no AWS credentials and no GitHub OIDC token: " +
	"add `permissions: id-token: write` to the job (or workflow) to use OIDC, or configure credentials first " +
	"(for example with aws-actions/configure-aws-credentials)")

// Load resolves region, retry and HTTP settings and credentials, retrieves
// the credentials once (so failures surface here and every secret is passed
// to Mask before Load returns) and returns the configuration.
//
// Credentials: with RoleToAssume, static environment credentials (if any) are
// used to AssumeRole (role chaining); otherwise the GitHub OIDC token is used
// with AssumeRoleWithWebIdentity; otherwise Load fails. Without a role,
// static environment credentials are used if present, else the SDK default
// chain (shared config, container and instance credentials...).
func Load(ctx context.Context, o Options) (Result, error) {
	o = withDefaults(o)
	getenv := o.Getenv

	region, err := ResolveRegion(o.Region, getenv)
	if err != nil {
		return Result{}, err
	}
	envCreds, hasEnvCreds, err := envCredentials(getenv)
	if err != nil {
		return Result{}, err
	}
	if o.RoleToAssume != "" && !hasEnvCreds && !o.HasIDToken() {
		return Result{}, errRoleWithoutCredentials
	}
	masker := newMasker(o.Mask)
	if hasEnvCreds {
		// They are likely masked already, but make sure.
		masker.maskCreds(envCreds)
	}

	res := Result{
		ECREndpoint: endpointFor(getenv, envEndpointURLECR),
		STSEndpoint: endpointFor(getenv, envEndpointURLSTS),
	}

	loadOpts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(newRetryer(o)),
		config.WithAPIOptions(o.APIOptions),
	}
	if o.HTTPClient == nil {
		// The SDK's BuildableClient, so that the SDK can still apply
		// AWS_CA_BUNDLE and tune it (e.g. short timeouts for the instance
		// metadata client).
		// A batch keeps up to max-concurrency × 3 calls in flight to one
		// host; keep that many connections idle instead of the default 10,
		// so they are reused rather than re-dialled (and re-handshaken).
		client := awshttp.NewBuildableClient().WithTimeout(o.AttemptTimeout).WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
		})
		loadOpts = append(loadOpts, config.WithHTTPClient(client))
	}
	switch {
	case hasEnvCreds:
		loadOpts = append(loadOpts, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: envCreds}))
	case o.RoleToAssume != "":
		// AssumeRoleWithWebIdentity is unsigned; never consult the default chain.
		loadOpts = append(loadOpts, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	base, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return Result{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if o.HTTPClient != nil {
		// Set after loading: an override client is used as given (apart
		// from the attempt timeout), TLS settings included.
		c := *o.HTTPClient
		c.Timeout = o.AttemptTimeout
		base.HTTPClient = &c
	}

	cfg := base.Copy()
	sessionName := o.RoleSessionName
	if strings.TrimSpace(sessionName) == "" {
		sessionName = DefaultSessionName(getenv)
	}
	sessionName = SanitizeSessionName(sessionName)
	duration := time.Duration(o.RoleDurationSeconds) * time.Second

	var mode credMode
	switch {
	case o.RoleToAssume != "" && hasEnvCreds:
		mode = modeChain
		stsClient := newSTSClient(base, res.STSEndpoint)
		provider := stscreds.NewAssumeRoleProvider(stsClient, o.RoleToAssume, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = sessionName
			ao.Duration = duration
			if o.RoleExternalID != "" {
				ao.ExternalID = aws.String(o.RoleExternalID)
			}
		})
		cfg.Credentials = newCache(&maskingProvider{inner: provider, m: masker})
		res.Source = "environment credentials -> assumed " + o.RoleToAssume + " (role chaining)"
	case o.RoleToAssume != "":
		mode = modeOIDC
		provider := &webIdentityProvider{
			client:   newSTSClient(base, res.STSEndpoint),
			roleARN:  o.RoleToAssume,
			audience: o.Audience,
			fetch:    o.IDToken,
			masker:   masker,
			optFn: func(wo *stscreds.WebIdentityRoleOptions) {
				wo.RoleSessionName = sessionName
				wo.Duration = duration
			},
		}
		cfg.Credentials = newCache(&maskingProvider{inner: provider, m: masker})
		res.Source = "OIDC web identity -> " + o.RoleToAssume
	case hasEnvCreds:
		mode = modeEnv
		cfg.Credentials = newCache(&maskingProvider{inner: credentials.StaticCredentialsProvider{Value: envCreds}, m: masker})
		res.Source = "environment credentials"
	default:
		mode = modeDefaultChain
		if cfg.Credentials == nil {
			return Result{}, fmt.Errorf("%w: %s", ErrNoCredentials, noCredentialsAdvice)
		}
		// The SDK already wrapped the chain in a cache; mask on top of it
		// (the masker only reports credentials it has not seen).
		cfg.Credentials = &maskingProvider{inner: cfg.Credentials, m: masker}
		res.Source = "default credential chain"
	}

	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return Result{}, explain(err, mode, o)
	}
	if mode == modeDefaultChain && creds.Source != "" {
		res.Source += " (" + creds.Source + ")"
	}
	res.AccountID = creds.AccountID
	if o.RoleToAssume != "" {
		if a, err := arn.Parse(o.RoleToAssume); err == nil && a.AccountID != "" {
			res.AccountID = a.AccountID
		}
	}
	res.Config = cfg
	return res, nil
}

func withDefaults(o Options) Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	o.RoleToAssume = strings.TrimSpace(o.RoleToAssume)
	if o.RoleDurationSeconds == 0 {
		o.RoleDurationSeconds = DefaultRoleDurationSeconds
	}
	if strings.TrimSpace(o.Audience) == "" {
		o.Audience = DefaultAudience
	}
	if o.IDToken == nil {
		var client *http.Client
		if o.HTTPClient != nil {
			c := *o.HTTPClient
			c.Timeout = 30 * time.Second
			client = &c
		}
		o.IDToken = HTTPTokenFetcher(o.Getenv(envIDTokenRequestURL), o.Getenv(envIDTokenRequestToken), client)
	}
	if o.HasIDToken == nil {
		getenv := o.Getenv
		o.HasIDToken = func() bool { return HasIDTokenFromEnv(getenv) }
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	return o
}

// newRetryer returns the retryer factory: the standard retryer (exponential
// backoff with jitter) or adaptive mode. The retry quota token bucket is
// disabled: a CI job prefers to keep retrying (bounded by MaxAttempts) over
// failing fast once a burst of throttling has drained the bucket.
func newRetryer(o Options) func() aws.Retryer {
	std := func(so *retry.StandardOptions) {
		so.MaxAttempts = o.MaxAttempts
		so.MaxBackoff = o.MaxBackoff
		so.RateLimiter = ratelimit.None
	}
	if o.Adaptive {
		return func() aws.Retryer {
			return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
				ao.StandardOptions = append(ao.StandardOptions, std)
			})
		}
	}
	return func() aws.Retryer { return retry.NewStandard(std) }
}

func newCache(p aws.CredentialsProvider) *aws.CredentialsCache {
	return aws.NewCredentialsCache(p, func(co *aws.CredentialsCacheOptions) {
		// Refresh a little before expiry so no request is signed with
		// credentials about to expire.
		co.ExpiryWindow = 5 * time.Minute
		co.ExpiryWindowJitterFrac = 0.5
	})
}

// masker passes secrets to the mask function, each distinct value once.
type masker struct {
	mask func(string)
	mu   sync.Mutex
	seen map[string]struct{}
}

func newMasker(mask func(string)) *masker {
	return &masker{mask: mask, seen: map[string]struct{}{}}
}

func (m *masker) maskSecret(s string) {
	if m.mask == nil || s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[s]; ok {
		return
	}
	m.seen[s] = struct{}{}
	m.mask(s)
}

func (m *masker) maskCreds(c aws.Credentials) {
	m.maskSecret(c.AccessKeyID)
	m.maskSecret(c.SecretAccessKey)
	m.maskSecret(c.SessionToken)
}

// maskingProvider masks every credential set it returns.
type maskingProvider struct {
	inner aws.CredentialsProvider
	m     *masker
}

func (p *maskingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return c, err
	}
	p.m.maskCreds(c)
	return c, nil
}

// webIdentityProvider wraps stscreds.WebIdentityRoleProvider so that the
// token is fetched with the context of the Retrieve call (the SDK's token
// retriever interface has no context) and masked as soon as it is fetched.
type webIdentityProvider struct {
	client   stscreds.AssumeRoleWithWebIdentityAPIClient
	roleARN  string
	audience string
	fetch    func(ctx context.Context, audience string) (string, error)
	masker   *masker
	optFn    func(*stscreds.WebIdentityRoleOptions)
}

func (p *webIdentityProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	var fetchErr error
	retriever := tokenRetrieverFunc(func() ([]byte, error) {
		tok, err := p.fetch(ctx, p.audience)
		if err != nil {
			fetchErr = err
			return nil, err
		}
		tok = strings.TrimSpace(tok)
		p.masker.maskSecret(tok)
		if tok == "" {
			fetchErr = errors.New("empty token")
			return nil, fetchErr
		}
		return []byte(tok), nil
	})
	c, err := stscreds.NewWebIdentityRoleProvider(p.client, p.roleARN, retriever, p.optFn).Retrieve(ctx)
	if err != nil && fetchErr != nil {
		return c, &tokenFetchError{audience: p.audience, err: fetchErr}
	}
	return c, err
}

type tokenRetrieverFunc func() ([]byte, error)

func (f tokenRetrieverFunc) GetIdentityToken() ([]byte, error) { return f() }

type tokenFetchError struct {
	audience string
	err      error
}

func (e *tokenFetchError) Error() string {
	return fmt.Sprintf("could not get a GitHub OIDC token for audience %q: %v", e.audience, e.err)
}

func (e *tokenFetchError) Unwrap() error { return e.err }
