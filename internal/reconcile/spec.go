// Package reconcile brings one Amazon ECR repository to a declared state in
// three steps with plain values between them (reconcile.go): read returns
// the state of the repository and of the settings the caller manages, in as
// few round trips as possible; diff, a pure function, compares it with the
// Spec and returns the changes; apply carries them out with one named write
// per setting. Dry-run stops after diff, and creation is a diff against a
// state that does not exist. Each step goes over one list of settings, and
// each setting is one file, setting_*.go, with all the engine knows about it
// (setting.go; docs/adding-a-setting.md).
//
// The package works on plain Go values and an ECR interface of its own
// (client.go), which internal/reconcile/ecrsdk and internal/publicecr
// implement over the SDK's clients, so that it can be driven by the GitHub
// Action, the CLI and tests alike.
package reconcile

// Spec is the declared state of one repository. A nil pointer or nil map
// means the setting is not managed: it is neither read nor written.
type Spec struct {
	// Name is the repository name, already validated (for example "team/app").
	Name string
	// RegistryID is the account ID of the registry; empty means the caller's.
	RegistryID string

	// Absent (state: absent) declares that the repository must not exist:
	// it is deleted if it does, and nothing else is managed.
	Absent bool
	// ForceDelete lets the deletion take the repository's images with it;
	// without it a repository that holds images is not deleted.
	ForceDelete bool

	// RepositoryPolicy is the declared repository policy. Remove means the
	// policy must not exist.
	RepositoryPolicy *Document
	// RepositoryPolicySidPrefix, when set, limits what the action owns of
	// the repository policy to the statements whose Sid starts with it:
	// the other statements (AWS Lambda's, a platform team's) are kept.
	RepositoryPolicySidPrefix string
	// LifecyclePolicy is the declared lifecycle policy.
	LifecyclePolicy *Document

	// Tags lists tags that must exist with these values. Other tags are left
	// alone unless PruneTags is set ("aws:" tags are never removed).
	Tags      map[string]string
	PruneTags bool

	// Mutability is the declared image tag mutability and exclusion filters.
	Mutability *Mutability
	// ScanOnPush is the declared basic scan-on-push setting.
	ScanOnPush *bool
	// Encryption is applied at creation and only verified afterwards: ECR
	// cannot change the encryption of an existing repository.
	Encryption *Encryption
	// Catalog is the declared catalog data of an ECR Public repository;
	// it needs a client that implements CatalogAPI.
	Catalog *Catalog
}

// Document is a JSON policy document, or the request that none exists.
type Document struct {
	// Text is the policy JSON as the user wrote it (validated).
	Text string
	// Remove is set for the input value "none".
	Remove bool
}
