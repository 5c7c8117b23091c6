// Package inputref lets the engine (internal/reconcile, internal/registry)
// point at a declared value in a message, such as the fix "set force-delete:
// true", without spelling its caller's input: the engine writes a Ref, and
// the entry point that reads the inputs gives every Ref its word, in one
// table (internal/inputs). The engine thus names no input, and an input
// renamed in action.yml is renamed in one place.
//
// The words are set once, when the entry point's package is initialised,
// before any run; until then a Ref prints as the engine's own name of the
// value (the Spec field), which is what the engine's own tests see.
package inputref

import "sync/atomic"

// Ref is a declared value that a message tells the user to set or remove.
type Ref uint8

// The declared values the engine's messages refer to.
const (
	State                 Ref = iota + 1 // whether the repository must exist
	ForceDelete                          // delete a repository with its images
	Public                               // ECR Public rather than ECR
	RepositoryPolicy                     // the repository policy
	SidPrefix                            // the Sid prefix of the owned statements
	LifecyclePolicy                      // the lifecycle policy
	LifecyclePreview                     // when to preview the lifecycle policy
	Tags                                 // the tags
	PruneTags                            // remove the tags not declared
	Mutability                           // image tag mutability
	ExclusionFilters                     // its exclusion filters
	ScanOnPush                           // basic scan on push
	EncryptionType                       // encryption type
	KMSKey                               // KMS key of the encryption
	CatalogLogo                          // the ECR Public gallery's logo
	Timeout                              // the deadline of the whole run
	FailOnSecurityWarning                // refuse a policy IAM Access Analyzer warns about
	count
)

// engineNames are the Refs' names before the entry point words them.
var engineNames = [count]string{
	State: "Spec.Absent", ForceDelete: "Spec.ForceDelete", Public: "public client", RepositoryPolicy: "Spec.RepositoryPolicy",
	SidPrefix: "Spec.RepositoryPolicySidPrefix", LifecyclePolicy: "Spec.LifecyclePolicy", LifecyclePreview: "Spec.Preview",
	Tags: "Spec.Tags", PruneTags: "Spec.PruneTags", Mutability: "Spec.Mutability", ExclusionFilters: "Spec.Mutability.Filters",
	ScanOnPush: "Spec.ScanOnPush", EncryptionType: "Spec.Encryption.Type", KMSKey: "Spec.Encryption.KMSKey",
	CatalogLogo: "Spec.Catalog.Logo", Timeout: "the deadline",
	FailOnSecurityWarning: "Options.FailOnPolicySecurityWarning",
}

var words atomic.Pointer[[count]string]

// All lists every Ref, for the entry point's test that words each one.
func All() []Ref {
	out := make([]Ref, 0, count-1)
	for r := Ref(1); r < count; r++ {
		out = append(out, r)
	}
	return out
}

// Use sets the words of the Refs (a Ref missing from w keeps its engine
// name). The entry point calls it once, from its package's initialisation.
func Use(w map[Ref]string) {
	var t [count]string
	for r, s := range w {
		if r > 0 && r < count {
			t[r] = s
		}
	}
	words.Store(&t)
}

// String is the Ref's word, as the entry point set it.
func (r Ref) String() string {
	if r == 0 || r >= count {
		return "?"
	}
	if t := words.Load(); t != nil && t[r] != "" {
		return t[r]
	}
	return engineNames[r]
}
