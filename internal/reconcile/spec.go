// Package reconcile brings one Amazon ECR repository to a declared state in
// three steps with plain values between them (reconcile.go): read returns
// the state of the repository and of the settings the caller manages, in as
// few round trips as possible; diff, a pure function, compares it with the
// Spec and returns the changes; apply carries them out with one named write
// per setting. Dry-run stops after diff, and creation is a diff against a
// state that does not exist. Each step goes over one list of settings, and
// each setting is one file, setting_*.go, with all the engine knows about it,
// its fields of Spec and state included: go generate gathers those, and the
// list, into settings_gen.go (setting.go; docs/adding-a-setting.md).
//
// The package works on plain Go values and an ECR interface of its own
// (client.go), which internal/reconcile/ecrsdk and internal/publicecr
// implement over the SDK's clients, so that it can be driven by the GitHub
// Action, the CLI and tests alike.
package reconcile

// Spec is the declared state of one repository. A nil pointer or nil map
// means the setting is not managed: it is neither read nor written.
//
// Spec is generated (settings_gen.go, by go generate): the fields of
// specBase, the repository's identity, then each setting's part,
// <setting>Spec in its setting_*.go file, in the order of allSettings.
type specBase struct {
	// Name is the repository name, already validated (for example "team/app").
	Name string
	// RegistryID is the account ID of the registry; empty means the caller's.
	RegistryID string
}

// Document is a JSON policy document, or the request that none exists.
type Document struct {
	// Text is the policy JSON as the user wrote it (validated).
	Text string
	// Remove is set for the input value "none".
	Remove bool
}
