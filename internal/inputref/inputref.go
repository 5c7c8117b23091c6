// Package inputref lets the engine (internal/reconcile, internal/registry)
// point at a declared value in a message, such as the fix "set force-delete:
// true", without spelling its caller's input: the engine writes a Ref, and
// a Ref prints as the input that declares the value, from the one table
// below. The engine's code thus names no input, and an input renamed in
// action.yml is renamed here, in one place (internal/inputs' test checks
// that every word is an input of action.yml). The command line's flags have
// the same names.
package inputref

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

// inputs words each Ref as the input that declares the value.
var inputs = [count]string{
	State:                 "state",
	ForceDelete:           "force-delete",
	Public:                "public",
	RepositoryPolicy:      "repository-policy",
	SidPrefix:             "repository-policy-sid-prefix",
	LifecyclePolicy:       "lifecycle-policy",
	LifecyclePreview:      "lifecycle-policy-preview",
	FailOnSecurityWarning: "fail-on-policy-security-warning",
	Tags:                  "tags",
	PruneTags:             "prune-tags",
	Mutability:            "image-tag-mutability",
	ExclusionFilters:      "image-tag-mutability-exclusion-filters",
	ScanOnPush:            "scan-on-push",
	EncryptionType:        "encryption-type",
	KMSKey:                "kms-key",
	CatalogLogo:           "catalog-logo",
	Timeout:               "timeout-seconds",
}

// All lists every Ref, for the entry point's test that words each one.
func All() []Ref {
	out := make([]Ref, 0, count-1)
	for r := Ref(1); r < count; r++ {
		out = append(out, r)
	}
	return out
}

// String is the input that declares the value.
func (r Ref) String() string {
	if r == 0 || r >= count {
		return "?"
	}
	return inputs[r]
}
