// Package ecrspec holds Amazon ECR's documented constraints on the values
// ecr-reconcile sends: one home for each pattern, limit and enum, read by the
// input validator (internal/inputs, internal/policy) and by the emulator
// (internal/emulator). conformance_test.go ties every value here to ECR's
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
	// ExclusionFilterType is the one filter type the model knows.
	ExclusionFilterType = "WILDCARD"
)

// Policy text lengths, in characters (shapes RepositoryPolicyText and
// LifecyclePolicyText).
const (
	MaxRepositoryPolicyChars = 10240
	MinLifecyclePolicyChars  = 100
	MaxLifecyclePolicyChars  = 30720
)

// Image tag mutability values (shape ImageTagMutability).
const (
	Mutable                = "MUTABLE"
	Immutable              = "IMMUTABLE"
	ImmutableWithExclusion = "IMMUTABLE_WITH_EXCLUSION"
	MutableWithExclusion   = "MUTABLE_WITH_EXCLUSION"
)

// Mutabilities lists every ImageTagMutability value, in the model's order.
var Mutabilities = []string{Mutable, Immutable, ImmutableWithExclusion, MutableWithExclusion}

// Encryption types (shape EncryptionType).
const (
	EncryptionAES256  = "AES256"
	EncryptionKMS     = "KMS"
	EncryptionKMSDSSE = "KMS_DSSE"
)

// EncryptionTypes lists every EncryptionType value, in the model's order.
var EncryptionTypes = []string{EncryptionAES256, EncryptionKMS, EncryptionKMSDSSE}

// KMS key reference length (shape KmsKey).
const (
	MinKMSKeyChars = 1
	MaxKMSKeyChars = 2048
)

// RegistryIDPattern is the model's pattern for a registry (account) ID.
const RegistryIDPattern = `[0-9]{12}`
