package reconcile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

func isNotFound(err error) bool { return errors.Is(err, ErrRepositoryNotFound) }

func isAlreadyExists(err error) bool { return errors.Is(err, ErrRepositoryExists) }

func isNotEmpty(err error) bool { return errors.Is(err, ErrRepositoryNotEmpty) }

// isAccessDenied matches IAM's refusal. ECR's service model declares no
// typed exception for it, so it is the one error matched by code.
func isAccessDenied(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	code := apiErr.ErrorCode()
	return code == "AccessDeniedException" || code == "AccessDenied"
}

// missingRE finds the repository a RepositoryNotFoundException names:
// "The repository with name 'team/app' does not exist in the registry with id '123456789012'".
var missingRE = regexp.MustCompile(`repository with name '([^']+)' does not exist`)

// missingName returns the repository name a RepositoryNotFoundException
// names, or "" when its message does not say. It reads the exception's own
// message, not the error's whole text, where the request ID and the
// wrapping could name another repository.
func missingName(err error) string {
	var apiErr smithy.APIError
	if !isNotFound(err) || !errors.As(err, &apiErr) {
		return ""
	}
	if m := missingRE.FindStringSubmatch(apiErr.ErrorMessage()); m != nil {
		return m[1]
	}
	return ""
}

// awsError explains a failed call. AccessDenied names the IAM action, so a
// missing permission is never mistaken for a missing repository.
func awsError(op string, err error) error {
	return awsErrorActions(op, err)
}

// AWSError is awsError for the calls a client makes on the engine's behalf
// (ECR Public's DescribeRegistries).
func AWSError(op string, err error) error { return awsError(op, err) }

// awsErrorActions is awsError for a call that IAM authorises as more than
// one action (the other operations' names in also): an AccessDenied names
// every candidate.
func awsErrorActions(op string, err error, also ...string) error {
	if err == nil {
		return nil
	}
	svc := iamService(err)
	action := svc + ":" + op
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s did not complete before the deadline (%v): %w", action, inputref.TimeoutSeconds, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s was cancelled (the job was cancelled or the process interrupted): %w", action, err)
	case isAccessDenied(err):
		var others []string
		for _, o := range also {
			others = append(others, svc+":"+o)
		}
		return &accessDeniedError{Action: action, Also: others, Err: err}
	}
	// The SDK retried throttling, 5xx and network errors; say so plainly.
	var exhausted *retry.MaxAttemptsError
	if errors.As(err, &exhausted) {
		return fmt.Errorf("%s gave up after %d attempts; last error: %w", action, exhausted.Attempt, exhausted.Err)
	}
	return fmt.Errorf("%s failed: %w", action, err)
}

// ServiceError is implemented by the errors of a client that is not ECR's
// own (the ECR Public adapter): IAMService is the service prefix its IAM
// actions carry, so that messages name the action to grant.
type ServiceError interface {
	error
	IAMService() string
}

func iamService(err error) string {
	var se ServiceError
	if errors.As(err, &se) {
		return se.IAMService()
	}
	return "ecr"
}

// accessDeniedError is a call that IAM refused. Also lists the other IAM
// actions the same call is authorised as (CreateRepository with tags is
// also ecr:TagResource): any of them may be the one missing.
type accessDeniedError struct {
	Action string
	Also   []string
	Err    error
}

func (e *accessDeniedError) Error() string {
	if len(e.Also) == 0 {
		return fmt.Sprintf("access denied to %s: the credentials in use are not allowed to call it; add %q to the role's IAM policy (see the README's IAM section): %v",
			e.Action, e.Action, e.Err)
	}
	all := append([]string{e.Action}, e.Also...)
	return fmt.Sprintf("access denied to %s: IAM authorises this call as %s; add the missing one(s) to the role's IAM policy (see the README's IAM section): %v",
		e.Action, strings.Join(all, " and "), e.Err)
}

func (e *accessDeniedError) Unwrap() error { return e.Err }
