package reconcile

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
