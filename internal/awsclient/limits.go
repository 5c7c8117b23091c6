package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// limits adds two middlewares around the SDK's retry loop ("Retry"):
//
//   - outside it, once per call: a quota refusal becomes a QuotaError, and a
//     call that ran out of attempts says which limit ended it (the attempt
//     limit, with every attempt timed out or not), so that it is never
//     mistaken for the step's deadline (timeout-seconds);
//   - inside it, once per attempt: a retry is announced through Logf with
//     the reason the previous attempt failed.
func limits(o Options) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		outer := middleware.FinalizeMiddlewareFunc("ecrReconcileCallLimits",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				st := &callState{}
				out, md, err := next.HandleFinalize(context.WithValue(ctx, callStateKey{}, st), in)
				if err == nil || ctx.Err() != nil {
					// Success, or the step's own deadline or cancellation:
					// the caller reports those.
					return out, md, err
				}
				op := awsmiddleware.GetOperationName(ctx)
				// Clients of other Regions share this configuration: the
				// quota is the Region's the call went to.
				region := awsmiddleware.GetRegion(ctx)
				if region == "" {
					region = o.Region
				}
				err = asQuotaError(op, region, err)
				var exhausted *retry.MaxAttemptsError
				if errors.As(err, &exhausted) {
					err = &retry.MaxAttemptsError{Attempt: exhausted.Attempt, Err: st.attemptLimit(exhausted, o.AttemptTimeout)}
				}
				return out, md, err
			})
		if err := stack.Finalize.Insert(outer, "Retry", middleware.Before); err != nil {
			return err
		}
		inner := middleware.FinalizeMiddlewareFunc("ecrReconcileAttempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				st, _ := ctx.Value(callStateKey{}).(*callState)
				if st == nil {
					return next.HandleFinalize(ctx, in)
				}
				if n, reason, waited := st.begin(); n > 1 && o.Logf != nil {
					o.Logf(fmt.Sprintf("Retrying %s %s (attempt %d of %d) after %s; waited %s",
						strings.ToLower(awsmiddleware.GetServiceID(ctx)), awsmiddleware.GetOperationName(ctx),
						n, o.MaxAttempts, reason, waited.Round(time.Millisecond)))
				}
				out, md, err := next.HandleFinalize(ctx, in)
				if err != nil {
					st.end(attemptReason(ctx, err, o.AttemptTimeout), isAttemptTimeout(ctx, err))
				}
				return out, md, err
			})
		return stack.Finalize.Insert(inner, "Retry", middleware.After)
	}
}

type callStateKey struct{}

// callState follows one call's attempts.
type callState struct {
	mu           sync.Mutex
	attempts     int
	timeouts     int
	lastTimedOut bool
	reason       string
	ended        time.Time
}

func (s *callState) begin() (n int, lastReason string, waited time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if !s.ended.IsZero() {
		waited = time.Since(s.ended)
	}
	return s.attempts, s.reason, waited
}

func (s *callState) end(reason string, timedOut bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reason, s.ended, s.lastTimedOut = reason, time.Now(), timedOut
	if timedOut {
		s.timeouts++
	}
}

// attemptLimit explains a call that used all its attempts. When the last
// attempt timed out, the transport error (which matches
// context.DeadlineExceeded) is not kept: the step's deadline had not passed.
func (s *callState) attemptLimit(exhausted *retry.MaxAttemptsError, perAttempt time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := exhausted.Attempt
	switch {
	case s.timeouts == n:
		return fmt.Errorf("none of the %d attempts was answered within the per-attempt timeout of %s "+
			"(the endpoint accepts connections but does not respond); the limit of %d attempts per call ended it, not %v",
			n, perAttempt, n, inputref.TimeoutSeconds)
	case s.lastTimedOut:
		return fmt.Errorf("the last attempt got no response within the per-attempt timeout of %s (%d of the %d attempts timed out); "+
			"the limit of %d attempts per call ended it, not %v", perAttempt, s.timeouts, n, n, inputref.TimeoutSeconds)
	}
	return &limitError{err: exhausted.Err, msg: fmt.Sprintf("the limit of %d attempts per call ended it, not %v; %d of the attempts timed out after %s, the last failed with %s",
		n, inputref.TimeoutSeconds, s.timeouts, perAttempt, s.reason)}
}

// limitError keeps the last error (for its code and type) behind a message
// that says which limit ended the call.
type limitError struct {
	err error
	msg string
}

func (e *limitError) Error() string { return fmt.Sprintf("%v (%s)", e.err, e.msg) }
func (e *limitError) Unwrap() error { return e.err }

// isAttemptTimeout reports whether the attempt ran out of its own time
// (the HTTP client's timeout) while the call's context was still live.
func isAttemptTimeout(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// attemptReason describes a failed attempt in words of this package only:
// the HTTP status, an error code reduced to safe characters, or a kind of
// transport failure. AWS's message text is never included, so the line
// cannot carry a workflow command or a newline.
func attemptReason(ctx context.Context, err error, perAttempt time.Duration) string {
	if isAttemptTimeout(ctx, err) {
		return fmt.Sprintf("no response within the per-attempt timeout of %s", perAttempt)
	}
	status := 0
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = safeToken(apiErr.ErrorCode())
	}
	switch {
	case status != 0 && code != "":
		return fmt.Sprintf("%s (HTTP %d)", code, status)
	case status != 0:
		return fmt.Sprintf("HTTP %d", status)
	case code != "":
		return code
	}
	var opErr *net.OpError
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"):
		return "no response (connection refused)"
	case strings.Contains(msg, "connection reset") || strings.Contains(msg, "EOF"):
		return "no response (the connection was closed)"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "no response (could not connect)"
	}
	return "no response (transport error)"
}

// safeToken keeps letters, digits and . _ - of s, at most 64 of them.
func safeToken(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
