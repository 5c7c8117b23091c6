// Package inputreftest words the engine's references for the engine's own
// tests, as the action does: those tests cannot import the action's inputs
// (internal/inputs imports the engine), and their expected messages are
// the ones a user reads. internal/inputs' test keeps Words equal to the
// action's table.
package inputreftest

import (
	"sync"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// Words are the action's input names of the references.
var Words = map[inputref.Ref]string{
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

var once sync.Once

// Use words the references as the action does; call it from TestMain.
func Use() { once.Do(func() { inputref.Use(Words) }) }
