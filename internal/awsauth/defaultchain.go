package awsauth

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// errRoleWithoutCredentials is returned when a role is set but nothing can
// be used to assume it.
var errRoleWithoutCredentials = errors.New(inputref.RoleToAssume.String() + " is set but there are no AWS credentials and no GitHub OIDC token: " +
	"add `permissions: id-token: write` to the job (or workflow) to use OIDC, or configure credentials first " +
	"(for example with aws-actions/configure-aws-credentials)")

var noCredentialsAdvice = "set " + inputref.RoleToAssume.String() + " and add `permissions: id-token: write` to the job (or workflow) to use GitHub OIDC, " +
	"or configure credentials first (for example with aws-actions/configure-aws-credentials)"

// defaultChainMode leaves the credentials to the SDK's default chain
// (AWS_PROFILE and shared config, container and instance credentials...).
type defaultChainMode struct{}

func (defaultChainMode) baseCredentials() aws.CredentialsProvider { return nil }

func (defaultChainMode) provider(base aws.Config, m *masker) (aws.CredentialsProvider, error) {
	if base.Credentials == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoCredentials, noCredentialsAdvice)
	}
	// The SDK already wrapped the chain in a cache; mask on top of it (the
	// masker only reports credentials it has not seen).
	return &maskingProvider{inner: base.Credentials, m: m}, nil
}

func (defaultChainMode) source(c aws.Credentials) string {
	if c.Source != "" {
		return "default credential chain (" + c.Source + ")"
	}
	return "default credential chain"
}

func (defaultChainMode) explain(err error) error {
	return fmt.Errorf("%w: %s: %w", ErrNoCredentials, noCredentialsAdvice, err)
}
