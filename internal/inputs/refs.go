package inputs

import "github.com/ecr-reconcile/ecr-reconcile/internal/inputref"

// refInputs words the engine's references to declared values
// (internal/inputref) with the action's input names: the one place where
// an engine message learns what the user calls the value to change. The
// command line's flags are the same names.
var refInputs = map[inputref.Ref]string{
	inputref.State:                 "state",
	inputref.ForceDelete:           "force-delete",
	inputref.Public:                "public",
	inputref.RepositoryPolicy:      "repository-policy",
	inputref.SidPrefix:             "repository-policy-sid-prefix",
	inputref.LifecyclePolicy:       "lifecycle-policy",
	inputref.LifecyclePreview:      "lifecycle-policy-preview",
	inputref.FailOnSecurityWarning: "fail-on-policy-security-warning",
	inputref.Tags:                  "tags",
	inputref.PruneTags:             "prune-tags",
	inputref.Mutability:            "image-tag-mutability",
	inputref.ExclusionFilters:      "image-tag-mutability-exclusion-filters",
	inputref.ScanOnPush:            "scan-on-push",
	inputref.EncryptionType:        "encryption-type",
	inputref.KMSKey:                "kms-key",
	inputref.CatalogLogo:           "catalog-logo",
	inputref.Timeout:               "timeout-seconds",
}

// Every program that reads the inputs words the engine's messages with them.
func init() { inputref.Use(refInputs) }
