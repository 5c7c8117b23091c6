package awsauth

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// chainMode assumes the role with the environment's static credentials
// (sts:AssumeRole, role chaining).
type chainMode struct {
	env        aws.Credentials
	session    roleSession
	externalID string
}

func (c *chainMode) baseCredentials() aws.CredentialsProvider {
	return credentials.StaticCredentialsProvider{Value: c.env}
}

func (c *chainMode) provider(base aws.Config, m *masker) (aws.CredentialsProvider, error) {
	p := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), c.session.roleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = c.session.name
		if c.session.duration > 0 {
			ao.Duration = c.session.duration
		}
		if c.externalID != "" {
			ao.ExternalID = aws.String(c.externalID)
		}
	})
	return newCache(&maskingProvider{inner: p, m: m}), nil
}

func (c *chainMode) source(aws.Credentials) string {
	return "environment credentials -> assumed " + c.session.roleARN + " (role chaining)"
}

func (c *chainMode) explain(err error) error {
	what := fmt.Sprintf("could not assume role %s with the environment credentials (AssumeRole, role chaining)", c.session.roleARN)
	var hint string
	switch code := errorCode(err); code {
	case "AccessDenied", "AccessDeniedException":
		hint = "check that the role ARN is right, that the role's trust policy allows the current principal to sts:AssumeRole"
		if c.externalID != "" {
			hint += " and that the " + inputref.RoleExternalID.String() + " matches the trust policy's sts:ExternalId condition"
		} else {
			hint += " and whether the trust policy requires an external ID (" + inputref.RoleExternalID.String() + ")"
		}
		hint += ", and that the caller's own policies allow sts:AssumeRole on the role"
	case "ExpiredToken", "ExpiredTokenException":
		hint = "the environment credentials (AWS_SESSION_TOKEN) have expired: obtain fresh credentials earlier in the job"
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "IncompleteSignature":
		hint = "the environment credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN) are not valid"
	default:
		hint = stsHint(code, err)
	}
	return withHint(what, err, hint)
}

// stsHint explains the STS errors both role modes can meet.
func stsHint(code string, err error) string {
	switch code {
	case "RegionDisabledException":
		return "STS is not activated in this region for the account: activate it in IAM account settings or use another " + inputref.AWSRegion.String()
	case "ValidationError":
		if msg := strings.ToLower(err.Error()); strings.Contains(msg, "duration") {
			return "check " + inputref.RoleDurationSeconds.String() + ": it must be within the role's maximum session duration (and at most 3600 when role chaining)"
		} else if strings.Contains(msg, "rolearn") || strings.Contains(msg, "arn") {
			return "check " + inputref.RoleToAssume.String() + ": it must be a full IAM role ARN"
		}
	}
	return ""
}
