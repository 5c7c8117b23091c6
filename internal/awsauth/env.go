package awsauth

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Environment variable names read through Options.Getenv.
const (
	envRegion        = "AWS_REGION"
	envDefaultRegion = "AWS_DEFAULT_REGION"

	envAccessKeyID        = "AWS_ACCESS_KEY_ID"
	envAccessKeyIDAlt     = "AWS_ACCESS_KEY" // legacy alias the SDK also accepts
	envSecretAccessKey    = "AWS_SECRET_ACCESS_KEY"
	envSecretAccessKeyAlt = "AWS_SECRET_KEY" // legacy alias the SDK also accepts
	envSessionToken       = "AWS_SESSION_TOKEN"

	envEndpointURL            = "AWS_ENDPOINT_URL"
	envEndpointURLECR         = "AWS_ENDPOINT_URL_ECR"
	envEndpointURLSTS         = "AWS_ENDPOINT_URL_STS"
	envIgnoreConfiguredEndpts = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"

	envIDTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	envIDTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

	envRunID      = "GITHUB_RUN_ID"
	envRunAttempt = "GITHUB_RUN_ATTEMPT"
)

// ErrNoRegion is returned (wrapped) by Load when no region is configured.
var ErrNoRegion = errors.New("no AWS region configured: set the aws-region input or the AWS_REGION environment variable")

// ResolveRegion returns the region input if set, else AWS_REGION, else
// AWS_DEFAULT_REGION (all trimmed), else an error wrapping ErrNoRegion.
// The region is not validated here.
func ResolveRegion(input string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for _, v := range []string{input, getenv(envRegion), getenv(envDefaultRegion)} {
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
	}
	return "", ErrNoRegion
}

// envCredentials reads static credentials from the environment. ok is false
// when neither key is set; a half-configured pair is an error.
func envCredentials(getenv func(string) string) (creds aws.Credentials, ok bool, err error) {
	akid := firstNonEmpty(getenv(envAccessKeyID), getenv(envAccessKeyIDAlt))
	secret := firstNonEmpty(getenv(envSecretAccessKey), getenv(envSecretAccessKeyAlt))
	switch {
	case akid == "" && secret == "":
		return aws.Credentials{}, false, nil
	case akid == "":
		return aws.Credentials{}, false, errors.New("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither")
	case secret == "":
		return aws.Credentials{}, false, errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither")
	}
	return aws.Credentials{
		AccessKeyID:     akid,
		SecretAccessKey: secret,
		SessionToken:    strings.TrimSpace(getenv(envSessionToken)),
		Source:          "EnvironmentCredentials",
	}, true, nil
}

// endpointFor returns the endpoint URL configured for a service (its
// AWS_ENDPOINT_URL_<SERVICE> variable, else AWS_ENDPOINT_URL), or "" when none
// is set or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func endpointFor(getenv func(string) string, serviceVar string) string {
	if strings.EqualFold(strings.TrimSpace(getenv(envIgnoreConfiguredEndpts)), "true") {
		return ""
	}
	return firstNonEmpty(getenv(serviceVar), getenv(envEndpointURL))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// HasIDTokenFromEnv reports whether the runner offers a GitHub OIDC token,
// i.e. both ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN
// are set (they are only set when the job has `permissions: id-token: write`).
func HasIDTokenFromEnv(getenv func(string) string) bool {
	return getenv(envIDTokenRequestURL) != "" && getenv(envIDTokenRequestToken) != ""
}

const (
	sessionNamePrefix = "ecr-reconcile"
	sessionNameMin    = 2
	sessionNameMax    = 64
)

// DefaultSessionName derives a role session name from the workflow run:
// "ecr-reconcile-<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>" (attempt omitted when
// unset), or "ecr-reconcile" outside GitHub Actions. The result is sanitised
// with SanitizeSessionName.
func DefaultSessionName(getenv func(string) string) string {
	if getenv == nil {
		return sessionNamePrefix
	}
	name := sessionNamePrefix
	if id := strings.TrimSpace(getenv(envRunID)); id != "" {
		name += "-" + id
		if attempt := strings.TrimSpace(getenv(envRunAttempt)); attempt != "" {
			name += "-" + attempt
		}
	}
	return SanitizeSessionName(name)
}

// SanitizeSessionName makes name acceptable to STS as a RoleSessionName
// (2 to 64 characters of [A-Za-z0-9_+=,.@-]): every other character is
// replaced by '-', the result is truncated to 64 characters, and a result
// shorter than 2 characters is prefixed with "ecr-reconcile-".
func SanitizeSessionName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= sessionNameMax {
			break
		}
		if isSessionNameChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) < sessionNameMin {
		s = sessionNamePrefix + "-" + s
		s = strings.TrimSuffix(s, "-")
	}
	return s
}

func isSessionNameChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("_+=,.@-", r)
}
