// Package ecrspec holds Amazon ECR's documented constraints on the values
// ecr-reconcile sends: one home for each pattern and limit, read by the
// input validator (internal/inputs, internal/policy), the engine and the
// emulator (internal/support/emulator). Enum values are not here: the SDK's types
// carry them (types.ImageTagMutability("").Values() and the like).
// conformance_test.go ties every value here, and the SDK's enums, to ECR's
// service model where the model states it.
package ecrspec

import (
	"regexp"
	"time"
)

// RepositoryNamePattern is ECR's pattern for a repository name, as written
// in the service model (shape RepositoryName). A separator between two runs
// of lower-case letters and digits is one ".", one "_", exactly two "__", or
// any run of "-"; "/" separates the parts of a namespace.
const RepositoryNamePattern = `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`

// Repository name length, in characters (shape RepositoryName).
const (
	MinRepositoryNameChars = 2
	MaxRepositoryNameChars = 256
)

// MaxNamesPerDescribe is how many names one DescribeRepositories call takes
// (shape RepositoryNameList).
const MaxNamesPerDescribe = 100

// The most results one page holds: DescribeImages and
// DescribeRepositoryCreationTemplates (shape MaxResults), and
// GetLifecyclePolicyPreview (shape LifecyclePreviewMaxResults).
const (
	MaxResultsPerPage        = 1000
	MaxPreviewResultsPerPage = 100
)

// ECR's own waiter for a lifecycle policy preview (LifecyclePolicyPreviewComplete
// in the model's waiters-2.json) polls GetLifecyclePolicyPreview every
// PreviewWaiterDelay, PreviewWaiterMaxAttempts times: 100 s in all, which is
// how long ECR's SDKs wait for a preview.
const (
	PreviewWaiterDelay       = 5 * time.Second
	PreviewWaiterMaxAttempts = 20
)

var repositoryNameRE = regexp.MustCompile(`^(?:` + RepositoryNamePattern + `)$`)

// ValidRepositoryName reports whether ECR accepts name as a repository name:
// the whole name matches RepositoryNamePattern and its length is in range.
func ValidRepositoryName(name string) bool {
	n := len(name) // the pattern admits ASCII only, so bytes are characters
	return n >= MinRepositoryNameChars && n <= MaxRepositoryNameChars && repositoryNameRE.MatchString(name)
}

// Tag limits. The service model leaves tag keys and values unconstrained;
// these come from ECR's TagResource and Tag API reference ("maximum of 50
// tags", key up to 128 characters, value up to 256).
const (
	MaxTags          = 50
	MaxTagKeyChars   = 128
	MaxTagValueChars = 256
	// ReservedTagPrefix starts tag keys that AWS owns; users cannot write them.
	ReservedTagPrefix = "aws:"
)

// Image tag mutability exclusion filters (shapes
// ImageTagMutabilityExclusionFilters and ImageTagMutabilityExclusionFilterValue).
const (
	MaxExclusionFilters     = 5
	MaxExclusionFilterChars = 128
	// ExclusionFilterPattern is the model's pattern for one filter, anchored
	// as the model writes it.
	ExclusionFilterPattern = `^[0-9a-zA-Z._*-]{1,128}$`
)

// Policy text lengths, in characters (shapes RepositoryPolicyText and
// LifecyclePolicyText).
const (
	MaxRepositoryPolicyChars = 10240
	MinLifecyclePolicyChars  = 100
	MaxLifecyclePolicyChars  = 30720
)

// KMS key reference length (shape KmsKey).
const (
	MinKMSKeyChars = 1
	MaxKMSKeyChars = 2048
)

// RegistryIDPattern is the model's pattern for a registry ID, which is an
// AWS account ID: exactly 12 digits, also the account field of every ARN.
// Other patterns embed it.
const RegistryIDPattern = `[0-9]{12}`

var registryIDRE = regexp.MustCompile(`^` + RegistryIDPattern + `$`)

// IsAccountID reports whether s is an AWS account ID (a registry ID).
func IsAccountID(s string) bool { return registryIDRE.MatchString(s) }
