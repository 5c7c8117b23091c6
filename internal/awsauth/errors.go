package awsauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

type credMode int

const (
	modeEnv credMode = iota
	modeDefaultChain
	modeChain
	modeOIDC
)

const noCredentialsAdvice = "set role-to-assume and add `permissions: id-token: write` to the job (or workflow) to use GitHub OIDC, " +
	"or configure credentials first (for example with aws-actions/configure-aws-credentials)"

// explain wraps a credential retrieval error with what to check.
func explain(err error, mode credMode, o Options) error {
	var tfe *tokenFetchError
	if errors.As(err, &tfe) {
		return fmt.Errorf("%w; check that the job (or workflow) has `permissions: id-token: write`", tfe)
	}

	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}

	switch mode {
	case modeDefaultChain:
		return fmt.Errorf("%w: %s: %w", ErrNoCredentials, noCredentialsAdvice, err)
	case modeEnv:
		// Static credentials cannot fail to "retrieve"; kept for completeness.
		return fmt.Errorf("using environment credentials: %w", err)
	}

	var what, hint string
	if mode == modeOIDC {
		what = fmt.Sprintf("could not assume role %s with the GitHub OIDC token (AssumeRoleWithWebIdentity)", o.RoleToAssume)
		switch code {
		case "AccessDenied", "AccessDeniedException":
			hint = "check that the role ARN is right and that the role's trust policy allows sts:AssumeRoleWithWebIdentity " +
				"for the GitHub OIDC provider, with `sub` conditions matching this repository/branch/environment " +
				fmt.Sprintf("and an `aud` condition of %q (the audience input)", o.Audience)
		case "InvalidIdentityToken":
			hint = "the OIDC token was rejected: check that the role's account has an IAM OIDC identity provider for " +
				fmt.Sprintf("token.actions.githubusercontent.com whose audiences include %q (the audience input)", o.Audience)
		case "IDPRejectedClaim":
			hint = "a claim of the token was rejected: check the `sub`/`aud` conditions of the role's trust policy and the IAM OIDC identity provider's audiences"
		case "ExpiredToken", "ExpiredTokenException":
			hint = "the OIDC token had expired before it reached STS: check the runner's clock and re-run the job"
		case "IDPCommunicationError":
			hint = "STS could not reach the identity provider; this is usually transient: re-run the job"
		}
	} else {
		what = fmt.Sprintf("could not assume role %s with the environment credentials (AssumeRole, role chaining)", o.RoleToAssume)
		switch code {
		case "AccessDenied", "AccessDeniedException":
			hint = "check that the role ARN is right, that the role's trust policy allows the current principal to sts:AssumeRole"
			if o.RoleExternalID != "" {
				hint += " and that the role-external-id matches the trust policy's sts:ExternalId condition"
			} else {
				hint += " and whether the trust policy requires an external ID (role-external-id)"
			}
			hint += ", and that the caller's own policies allow sts:AssumeRole on the role"
		case "ExpiredToken", "ExpiredTokenException":
			hint = "the environment credentials (AWS_SESSION_TOKEN) have expired: obtain fresh credentials earlier in the job"
		case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "IncompleteSignature":
			hint = "the environment credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN) are not valid"
		}
	}
	switch code {
	case "RegionDisabledException":
		hint = "STS is not activated in this region for the account: activate it in IAM account settings or use another aws-region"
	case "ValidationError":
		if msg := strings.ToLower(err.Error()); strings.Contains(msg, "duration") {
			hint = "check role-duration-seconds: it must be within the role's maximum session duration (and at most 3600 when role chaining)"
		} else if strings.Contains(msg, "rolearn") || strings.Contains(msg, "arn") {
			hint = "check role-to-assume: it must be a full IAM role ARN"
		}
	}
	if hint == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w; %s", what, err, hint)
}
