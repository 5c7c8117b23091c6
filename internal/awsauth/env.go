package awsauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Environment variable names read through Options.Getenv.
const (
	envAccessKeyID        = "AWS_ACCESS_KEY_ID"
	envAccessKeyIDAlt     = "AWS_ACCESS_KEY" // legacy alias the SDK also accepts
	envSecretAccessKey    = "AWS_SECRET_ACCESS_KEY"
	envSecretAccessKeyAlt = "AWS_SECRET_KEY" // legacy alias the SDK also accepts
	envSessionToken       = "AWS_SESSION_TOKEN"
)

// SecretEnv names the variables whose values are secrets: a door masks
// them before it prints anything.
var SecretEnv = []string{envIDTokenRequestToken, envSecretAccessKey, envSecretAccessKeyAlt, envSessionToken}

// envMode uses the static credentials of the environment as they are.
type envMode struct {
	creds aws.Credentials
}

func (e *envMode) baseCredentials() aws.CredentialsProvider {
	return credentials.StaticCredentialsProvider{Value: e.creds}
}

func (e *envMode) provider(_ aws.Config, m *masker) (aws.CredentialsProvider, error) {
	return newCache(&maskingProvider{inner: credentials.StaticCredentialsProvider{Value: e.creds}, m: m}), nil
}

func (e *envMode) source(aws.Credentials) string { return "environment credentials" }

// explain: static credentials cannot fail to "retrieve"; kept for completeness.
func (e *envMode) explain(err error) error {
	return fmt.Errorf("using environment credentials: %w", err)
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

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
