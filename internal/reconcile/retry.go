package reconcile

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff bounds the waits for ECR's and IAM's eventual consistency. These
// are not transport retries (the SDK retryer handles throttling and 5xx):
// they repeat a call whose answer is expected to change soon.
type Backoff struct {
	Attempts int           // total attempts, at least 1
	Base     time.Duration // first wait
	Max      time.Duration // cap on a single wait
}

// DefaultBackoff waits about 35 s in all on average (at most about 55 s),
// in line with how long IAM takes to make a new principal visible to
// resource policies.
var DefaultBackoff = Backoff{Attempts: 8, Base: 500 * time.Millisecond, Max: 10 * time.Second}

// retryWhile calls fn until it succeeds, fails with an error retryable does
// not accept, attempts run out, or ctx ends. It returns the last error and
// the number of attempts made.
func (b Backoff) retryWhile(ctx context.Context, retryable func(error) bool, fn func() error) (int, error) {
	attempts := max(b.Attempts, 1)
	wait := b.Base
	var err error
	for i := 1; ; i++ {
		if err = fn(); err == nil || !retryable(err) || i >= attempts {
			return i, err
		}
		// Jitter (each wait drawn from [wait/2, 3·wait/2)) keeps racing
		// jobs from retrying in lock step.
		d := wait
		if d > 0 {
			d = time.Duration(rand.Int64N(int64(d))) + d/2
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
