package awsclient

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

const (
	codeLimitExceeded = "LimitExceededException"
	codeTooManyTags   = "TooManyTagsException"
)

// Quota is an Amazon ECR service quota a call ran into.
type Quota struct {
	Name string // as the Service Quotas console names it
	// Code is the Service Quotas quota code, "" when the quota cannot be raised.
	Code    string
	Default string // the default value, for the message
}

// The quotas the action's calls can reach. ECR answers LimitExceededException
// for an adjustable quota and TooManyTagsException for the fixed tag limit.
var (
	quotaRepositories = Quota{Name: "Registered repositories (per Region)", Code: "L-CFEB8E8D", Default: "100,000"}
	quotaTags         = Quota{Name: "Tags per resource", Default: fmt.Sprint(ecrspec.MaxTags)}
	quotaLifecycle    = Quota{Name: "Lifecycle policy length and rules per lifecycle policy", Default: fmt.Sprintf("%d characters, 50 rules", ecrspec.MaxLifecyclePolicyChars)}
	quotaUnknown      = Quota{Name: "an Amazon ECR service quota"}
)

// quotaFor maps a refused call to the quota it hit: by operation first,
// then by ECR's message when one operation can reach several.
func quotaFor(operation, code, message string) (Quota, bool) {
	msg := strings.ToLower(message)
	switch {
	case code == codeTooManyTags:
		return quotaTags, true
	case code != codeLimitExceeded:
		return Quota{}, false
	case strings.Contains(msg, "tag"):
		return quotaTags, true
	case strings.Contains(msg, "lifecycle") || operation == "PutLifecyclePolicy":
		return quotaLifecycle, true
	case operation == "CreateRepository" || strings.Contains(msg, "repositor"):
		return quotaRepositories, true
	}
	return quotaUnknown, true
}

// QuotaError is a call refused because a service quota is reached. It is
// never retried: waiting does not raise a quota.
type QuotaError struct {
	Operation string
	Region    string
	Quota     Quota
	Err       error // the service's answer
}

func (e *QuotaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is refused because the registry is at the %s quota", e.Operation, e.Quota.Name)
	if e.Quota.Default != "" {
		fmt.Fprintf(&b, " (default %s)", e.Quota.Default)
	}
	switch {
	case e.Quota.Code != "":
		fmt.Fprintf(&b, "; this is not throttling and was not retried. Ask for more in the Service Quotas console (Amazon Elastic Container Registry, %q) "+
			"or with `aws service-quotas request-service-quota-increase --service-code ecr --quota-code %s --desired-value <value> --region %s`, "+
			"or delete repositories that are no longer used", e.Quota.Name, e.Quota.Code, e.Region)
	case e.Quota == quotaTags:
		fmt.Fprintf(&b, "; it cannot be raised: declare fewer tags, or set %v: true to remove the ones not declared", inputref.PruneTags)
	case e.Quota == quotaLifecycle:
		b.WriteString("; it cannot be raised: shorten the lifecycle policy or merge rules")
	default:
		fmt.Fprintf(&b, "; this is not throttling and was not retried. See the Amazon ECR quotas in the Service Quotas console "+
			"(`aws service-quotas list-service-quotas --service-code ecr --region %s`) and ask for an increase there", e.Region)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *QuotaError) Unwrap() error { return e.Err }

// asQuotaError wraps err when it is a quota refusal.
func asQuotaError(operation, region string, err error) error {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	q, ok := quotaFor(operation, apiErr.ErrorCode(), apiErr.ErrorMessage())
	if !ok {
		return err
	}
	return &QuotaError{Operation: operation, Region: region, Quota: q, Err: err}
}
