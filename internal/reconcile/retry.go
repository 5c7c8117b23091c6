package reconcile

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// backoff bounds the waits for ECR's and IAM's eventual consistency. These
// are not transport retries (the SDK retryer handles throttling and 5xx):
// they repeat a call whose answer is expected to change soon.
type backoff struct {
	Attempts int           // total attempts; 0 = bounded by Within alone
	Base     time.Duration // first wait
	Max      time.Duration // cap on a single wait
	// Within caps the time spent waiting in all; 0 = bounded by Attempts
	// alone. A wait never runs past the context's deadline either.
	Within time.Duration
}

// visibilityBackoff waits for a repository to become visible to reads and
// writes after it was created (by us or by a racing job): about 35 s in all
// on average, at most about 55 s.
var visibilityBackoff = backoff{Attempts: 8, Base: 500 * time.Millisecond, Max: 10 * time.Second}

// propagationBackoff waits for IAM to make a new principal visible to
// repository policies: up to 2 minutes, as terraform-provider-aws waits for
// the same error (propagationTimeout in its ECR resources).
var propagationBackoff = backoff{Base: time.Second, Max: 10 * time.Second, Within: 2 * time.Minute}

// retryWhile calls fn until it succeeds, fails with an error retryable does
// not accept, attempts or time run out, or ctx ends. It returns the last
// error and the number of attempts made.
func (b backoff) retryWhile(ctx context.Context, retryable func(error) bool, fn func() error) (int, error) {
	start := time.Now()
	wait := b.Base
	var err error
	for i := 1; ; i++ {
		prev := err
		err = fn()
		if prev != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
			// The deadline cut the last attempt short: the error before it
			// is the one that explains the failure.
			return i, prev
		}
		if err == nil || !retryable(err) || (b.Attempts > 0 && i >= b.Attempts) || (b.Attempts <= 0 && b.Within <= 0) {
			return i, err
		}
		// Jitter (each wait drawn from [wait/2, 3·wait/2)) keeps racing
		// jobs from retrying in lock step.
		d := wait
		if d > 0 {
			d = time.Duration(rand.Int64N(int64(d))) + d/2
		}
		if b.Within > 0 && time.Since(start)+d > b.Within {
			return i, err
		}
		// Waiting past the deadline only to be cancelled would hide the
		// error that explains the failure behind "deadline exceeded".
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
			return i, err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return i, err
		case <-t.C:
		}
		wait = min(wait*2, b.Max)
	}
}
