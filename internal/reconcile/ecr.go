package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
)

// ECR is the part of the ECR API the reconciler uses; *ecr.Client satisfies it.
type ECR interface {
	DescribeRepositories(context.Context, *ecr.DescribeRepositoriesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
	CreateRepository(context.Context, *ecr.CreateRepositoryInput, ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
	GetRepositoryPolicy(context.Context, *ecr.GetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.GetRepositoryPolicyOutput, error)
	SetRepositoryPolicy(context.Context, *ecr.SetRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.SetRepositoryPolicyOutput, error)
	DeleteRepositoryPolicy(context.Context, *ecr.DeleteRepositoryPolicyInput, ...func(*ecr.Options)) (*ecr.DeleteRepositoryPolicyOutput, error)
	GetLifecyclePolicy(context.Context, *ecr.GetLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
	PutLifecyclePolicy(context.Context, *ecr.PutLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.PutLifecyclePolicyOutput, error)
	DeleteLifecyclePolicy(context.Context, *ecr.DeleteLifecyclePolicyInput, ...func(*ecr.Options)) (*ecr.DeleteLifecyclePolicyOutput, error)
	ListTagsForResource(context.Context, *ecr.ListTagsForResourceInput, ...func(*ecr.Options)) (*ecr.ListTagsForResourceOutput, error)
	TagResource(context.Context, *ecr.TagResourceInput, ...func(*ecr.Options)) (*ecr.TagResourceOutput, error)
	UntagResource(context.Context, *ecr.UntagResourceInput, ...func(*ecr.Options)) (*ecr.UntagResourceOutput, error)
	PutImageTagMutability(context.Context, *ecr.PutImageTagMutabilityInput, ...func(*ecr.Options)) (*ecr.PutImageTagMutabilityOutput, error)
	PutImageScanningConfiguration(context.Context, *ecr.PutImageScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.PutImageScanningConfigurationOutput, error)
}

var _ ECR = (*ecr.Client)(nil)

// errorCode returns the AWS error code of err ("" when it carries none).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func hasCode(err error, code string) bool { return errorCode(err) == code }

// ignoreCode drops an error with the given code: "not found" answers that
// mean "none exists" rather than failure.
func ignoreCode(err error, code string) error {
	if hasCode(err, code) {
		return nil
	}
	return err
}

// awsError explains a failed call. AccessDenied names the IAM action, so a
// missing permission is never mistaken for a missing repository.
func awsError(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("ecr:%s did not complete before the deadline (timeout-seconds): %w", op, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("ecr:%s was cancelled (the job was cancelled or the process interrupted): %w", op, err)
	}
	code := errorCode(err)
	if code == "AccessDeniedException" || code == "AccessDenied" {
		return &AccessDeniedError{Action: "ecr:" + op, Err: err}
	}
	// The SDK retried throttling, 5xx and network errors; say so plainly.
	var exhausted *retry.MaxAttemptsError
	if errors.As(err, &exhausted) {
		return fmt.Errorf("ecr:%s gave up after %d attempts; last error: %w", op, exhausted.Attempt, exhausted.Err)
	}
	return fmt.Errorf("ecr:%s failed: %w", op, err)
}

// AccessDeniedError is a call that IAM refused.
type AccessDeniedError struct {
	Action string
	Err    error
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("access denied to %s: the credentials in use are not allowed to call it; add %q to the role's IAM policy (see the README's IAM section): %v",
		e.Action, e.Action, e.Err)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// messageContains reports whether err's AWS message contains any of subs.
func messageContains(err error, subs ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	msg := apiErr.ErrorMessage()
	for _, s := range subs {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
