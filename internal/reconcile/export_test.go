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
	Backoff               = backoff
)

const PreviewSampleSize = previewSampleSize

// The waits for eventual consistency and the preview's polling, which only
// tests shorten so that they never sleep.

func (o *Options) SetConsistency(b Backoff) { o.consistency = b }

func (o *Options) SetPropagation(b Backoff) { o.propagation = b }

func (o *Options) SetPreviewPoll(b Backoff) { o.previewPoll = b }

// SetOwnedMerge and SetOwnedSettle set the timings of a repository policy
// shared by Sid prefix.
func (o *Options) SetOwnedMerge(b Backoff) { o.ownedMerge = b }

func (o *Options) SetOwnedSettle(settle func(context.Context) error) { o.ownedSettle = settle }
