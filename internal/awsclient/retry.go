package awsclient

import (
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// The SDK's standard retryer retries a list of error codes gathered from
// every AWS service (retry.DefaultRetryableErrorCodes and
// retry.DefaultThrottleErrorCodes). The action only calls ECR and STS, and on
// those services some of the codes mean something that no retry fixes; the
// worst is LimitExceededException, a service quota on ECR, which the SDK
// retried as throttling for about 40 s before giving up. This is every code
// the SDK lists, and what it means for the calls the action makes:
//
//	Throttling                             STS rate limit (query protocol code): transient, retried
//	ThrottlingException                    ECR rate limit: transient, retried
//	IDPCommunicationError                  STS could not reach the OIDC provider: transient, retried (as botocore does)
//	RequestTimeout, RequestTimeoutException S3 and other services; ECR and STS do not send them
//	ThrottledException, RequestThrottledException, TooManyRequestsException,
//	RequestThrottled, RequestLimitExceeded, EC2ThrottledException,
//	BandwidthLimitExceeded, SlowDown, ProvisionedThroughputExceededException,
//	TransactionInProgressException, PriorRequestNotComplete
//	                                       other services' throttling or conflicts; ECR and STS do not send them
//	LimitExceededException                 ECR: a service quota is reached; never retried (see QuotaError)
//
// HTTP 500, 502, 503 and 504 (ServerException, InternalFailure,
// ServiceUnavailable) and an HTTP 429 whose body is not a modelled error are
// transient and retried, as are connection errors and attempts that time
// out. Errors that carry the SDK's own retry verdict (clock skew) keep it.
var (
	transientCodes = map[string]struct{}{
		"Throttling":            {},
		"ThrottlingException":   {},
		"IDPCommunicationError": {},
	}
	throttleCodes = map[string]struct{}{
		"Throttling":          {},
		"ThrottlingException": {},
	}
	transientStatus = map[int]struct{}{
		http.StatusInternalServerError: {},
		http.StatusBadGateway:          {},
		http.StatusServiceUnavailable:  {},
		http.StatusGatewayTimeout:      {},
	}
	// neverRetried are codes that must fail at once whatever else matches.
	neverRetried = map[string]struct{}{
		codeLimitExceeded: {},
		codeTooManyTags:   {},
	}
)

// retryables decides, in order, whether a failed attempt is retried.
var retryables = []retry.IsErrorRetryable{
	retry.NoRetryCanceledError{},
	retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
		if _, ok := neverRetried[errorCode(err)]; ok {
			return aws.FalseTernary
		}
		return aws.UnknownTernary
	}),
	retry.RetryableError{},
	retry.RetryableConnectionError{},
	retry.RetryableHTTPStatusCode{Codes: transientStatus},
	retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
		if unmodeledTooManyRequests(err) {
			return aws.TrueTernary
		}
		return aws.UnknownTernary
	}),
	retry.RetryableErrorCode{Codes: transientCodes},
}

// throttles pick the longer backoff the SDK uses for throttling.
var throttles = []retry.IsErrorThrottle{
	retry.ThrottleErrorCode{Codes: throttleCodes},
	retry.IsErrorThrottleFunc(func(err error) aws.Ternary {
		if unmodeledTooManyRequests(err) {
			return aws.TrueTernary
		}
		return aws.UnknownTernary
	}),
}

// unmodeledTooManyRequests is an HTTP 429 without a modelled error body, as
// a proxy or load balancer in front of the service sends.
func unmodeledTooManyRequests(err error) bool {
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != http.StatusTooManyRequests {
		return false
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return true
	}
	_, generic := apiErr.(*smithy.GenericAPIError)
	return generic
}

// newRetryer returns the retryer factory: the standard retryer (exponential
// backoff with jitter, up to MaxBackoff) or adaptive mode, with the retry
// rules above. The retry quota token bucket is disabled: a CI job prefers to
// keep retrying (bounded by MaxAttempts) over failing fast once a burst of
// throttling has drained the bucket.
func newRetryer(o Options) func() aws.Retryer {
	std := func(so *retry.StandardOptions) {
		so.MaxAttempts = o.MaxAttempts
		so.MaxBackoff = o.MaxBackoff
		so.RateLimiter = ratelimit.None
		so.Retryables = append([]retry.IsErrorRetryable(nil), retryables...)
		so.Throttles = append([]retry.IsErrorThrottle(nil), throttles...)
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

// errorCode returns the AWS error code of err ("" when it carries none).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
