package reconcile

import "context"

// What the engine's own tests (package reconcile_test) check of it, and no
// caller outside the package uses.
type (
	AccessDeniedError     = accessDeniedError
	PanicError            = panicError
	PolicyRefusedError    = policyRefusedError
	PolicyNotCheckedError = policyNotCheckedError
	RepositoryError       = repositoryError
)

const PreviewSampleSize = previewSampleSize

// SetOwnedMerge and SetOwnedSettle set the timings of a repository policy
// shared by Sid prefix, which only tests change.
func (o *Options) SetOwnedMerge(b Backoff) { o.ownedMerge = b }

func (o *Options) SetOwnedSettle(settle func(context.Context) error) { o.ownedSettle = settle }
