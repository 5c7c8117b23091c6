package awsauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	envIDTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	envIDTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

	tokenRequestTimeout = 30 * time.Second
)

// HasIDTokenFromEnv reports whether the runner offers a GitHub OIDC token,
// i.e. both ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN
// are set (they are only set when the job has `permissions: id-token: write`).
func HasIDTokenFromEnv(getenv func(string) string) bool {
	return getenv(envIDTokenRequestURL) != "" && getenv(envIDTokenRequestToken) != ""
}

// oidcMode assumes the role with the GitHub OIDC token
// (sts:AssumeRoleWithWebIdentity).
type oidcMode struct {
	session  roleSession
	audience string
	fetch    func(ctx context.Context, audience string) (string, error)
}

// baseCredentials: AssumeRoleWithWebIdentity is unsigned; never consult
// the default chain.
func (o *oidcMode) baseCredentials() aws.CredentialsProvider { return aws.AnonymousCredentials{} }

func (o *oidcMode) provider(base aws.Config, m *masker) (aws.CredentialsProvider, error) {
	p := &webIdentityProvider{
		client:   sts.NewFromConfig(base),
		roleARN:  o.session.roleARN,
		audience: o.audience,
		fetch:    o.fetch,
		masker:   m,
		optFn: func(wo *stscreds.WebIdentityRoleOptions) {
			wo.RoleSessionName = o.session.name
			wo.Duration = o.session.duration
		},
	}
	return newCache(&maskingProvider{inner: p, m: m}), nil
}

func (o *oidcMode) source(aws.Credentials) string { return "OIDC web identity -> " + o.session.roleARN }

func (o *oidcMode) explain(err error) error {
	var tfe *tokenFetchError
	if errors.As(err, &tfe) {
		return fmt.Errorf("%w; check that the job (or workflow) has `permissions: id-token: write`", tfe)
	}
	what := fmt.Sprintf("could not assume role %s with the GitHub OIDC token (AssumeRoleWithWebIdentity)", o.session.roleARN)
	var hint string
	switch code := errorCode(err); code {
	case "AccessDenied", "AccessDeniedException":
		hint = "check that the role ARN is right and that the role's trust policy allows sts:AssumeRoleWithWebIdentity " +
			"for the GitHub OIDC provider, with `sub` conditions matching this repository/branch/environment " +
			fmt.Sprintf("and an `aud` condition of %q (the audience input)", o.audience)
	case "InvalidIdentityToken":
		hint = "the OIDC token was rejected: check that the role's account has an IAM OIDC identity provider for " +
			fmt.Sprintf("token.actions.githubusercontent.com whose audiences include %q (the audience input)", o.audience)
	case "IDPRejectedClaim":
		hint = "a claim of the token was rejected: check the `sub`/`aud` conditions of the role's trust policy and the IAM OIDC identity provider's audiences"
	case "ExpiredToken", "ExpiredTokenException":
		hint = "the OIDC token had expired before it reached STS: check the runner's clock and re-run the job"
	case "IDPCommunicationError":
		hint = "STS could not reach the identity provider (it was retried); this is usually transient: re-run the job"
	default:
		hint = stsHint(code, err)
	}
	return withHint(what, err, hint)
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

// HTTPTokenFetcher returns a function that fetches a GitHub OIDC ID token from
// the runner's token service: a GET of requestURL (ACTIONS_ID_TOKEN_REQUEST_URL)
// with an added `audience` query parameter, authenticated with requestToken
// (ACTIONS_ID_TOKEN_REQUEST_TOKEN) as a bearer token; the answer is JSON
// {"value": "<jwt>"}. client nil means a client with a 30s timeout.
//
// No error holds any part of the service's answer: on success the body is
// the token itself, and on failure it is text from outside the action that
// could start a workflow command in the annotation. Errors give the HTTP
// status and a reason of this package's own.
//
// The returned token is not masked here; Load masks it as soon as it is fetched.
func HTTPTokenFetcher(requestURL, requestToken string, client *http.Client) func(ctx context.Context, audience string) (string, error) {
	if client == nil {
		client = &http.Client{Timeout: tokenRequestTimeout}
	}
	return func(ctx context.Context, audience string) (string, error) {
		if requestURL == "" || requestToken == "" {
			return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set")
		}
		u, err := url.Parse(requestURL)
		if err != nil {
			return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
		}
		if audience != "" {
			q := u.Query()
			q.Set("audience", audience)
			u.RawQuery = q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL cannot be requested")
		}
		req.Header.Set("Authorization", "Bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			// The error text holds only the URL (which carries no secret)
			// and the transport's own words.
			return "", fmt.Errorf("requesting the OIDC token: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("the OIDC token service answered HTTP %d (%s)%s", resp.StatusCode, http.StatusText(resp.StatusCode), statusAdvice(resp.StatusCode))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", errors.New("the OIDC token service's answer could not be read")
		}
		var out struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return "", errors.New("the OIDC token service's answer is not the expected JSON object")
		}
		if strings.TrimSpace(out.Value) == "" {
			return "", errors.New("the OIDC token service's answer has no value")
		}
		return out.Value, nil
	}
}

// statusAdvice says what an error status of the token service usually means.
func statusAdvice(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ": the request token was refused; check that the job has `permissions: id-token: write`"
	case status == http.StatusTooManyRequests || status >= 500:
		return ": the service is busy or failing; re-run the job"
	}
	return ""
}

// errorCode returns the AWS error code of err ("" when it carries none).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
