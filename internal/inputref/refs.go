// Code generated from action.yml by `go generate ./internal/actionmeta`. DO NOT EDIT.

package inputref

// The inputs of action.yml, in its order.
const (
	// Name of the repository to reconcile, namespaces allowed (team/app), 2 to
	// 256 characters.
	Repository Ref = iota + 1
	// Batch mode: repository names, one per line (blank lines and # comments
	// ignored), all given the same declared settings.
	Repositories
	// AWS Region of the registry, or several Regions separated by commas or
	// newlines, all of one partition, the first the primary: the repository
	// (or every repository of repositories) is reconciled with the same
	// settings in each Region at once, and one Region's failure does not stop
	// the others.
	AWSRegion
	// Account ID of the registry, for a registry in another account.
	RegistryID
	// present or absent.
	State
	// With state absent, also delete a repository that still holds images, and
	// the images with it; without it such a repository is kept and the step
	// fails, saying how many images it holds.
	ForceDelete
	// Repository policy JSON, inline or a path to a file in the workspace.
	RepositoryPolicy
	// Own only the repository policy statements whose Sid starts with this
	// prefix (for example ci-); every other statement is kept.
	RepositoryPolicySidPrefix
	// Allow a repository policy that grants every AWS account (principal "*")
	// without a condition that narrows who (such as aws:PrincipalOrgID).
	AllowPublicRepositoryPolicy
	// Fail the step, before any write, when IAM Access Analyzer's
	// ValidatePolicy reports a SECURITY_WARNING finding on the declared
	// repository policy, or when the check cannot be made (no
	// access-analyzer:ValidatePolicy permission, or the service cannot be
	// reached): the policy is then refused rather than written unchecked.
	FailOnPolicySecurityWarning
	// Lifecycle policy JSON, inline or a path to a file in the workspace.
	LifecyclePolicy
	// on, off-in-apply or off.
	LifecyclePolicyPreview
	// Tags as key=value pairs, one per line or comma-separated, or a JSON
	// object: at most 50 tags, keys of up to 128 characters, values of up to
	// 256.
	Tags
	// Remove tags not listed in tags (never aws:-prefixed ones).
	PruneTags
	// MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION
	// (any case).
	ImageTagMutability
	// 1 to 5 wildcard tag filters (cache, latest, pr-*), comma or newline
	// separated; required with, and only allowed with, the *_WITH_EXCLUSION
	// values.
	ImageTagMutabilityExclusionFilters
	// Basic scan on push, true or false.
	ScanOnPush
	// AES256, KMS or KMS_DSSE.
	EncryptionType
	// KMS key ID, key ARN, alias or alias ARN for the KMS encryption types.
	KMSKey
	// true manages an ECR Public repository (in us-east-1, ECR Public's only
	// control-plane Region, whatever aws-region says) instead of a private
	// one.
	Public
	// ECR Public: the short description shown in the ECR Public Gallery, at
	// most 1024 characters.
	CatalogDescription
	// ECR Public: the About text (Markdown) shown in the gallery, at most
	// 25600 characters.
	CatalogAbout
	// ECR Public: the Usage text (Markdown) shown in the gallery, at most
	// 25600 characters.
	CatalogUsage
	// ECR Public: architectures shown as gallery badges, comma or newline
	// separated, from ARM, ARM 64, x86, x86-64 (any case).
	CatalogArchitectures
	// ECR Public: operating systems shown as gallery badges, Linux and/or
	// Windows.
	CatalogOperatingSystems
	// ECR Public: path of the logo image in the workspace, at most 512000
	// bytes.
	CatalogLogo
	// ARN of a role to assume: with the AWS credentials in the environment
	// (role chaining), or else with the GitHub OIDC token (needs permissions
	// id-token write).
	RoleToAssume
	// Session name for the assumed role, 2 to 64 characters.
	RoleSessionName
	// External ID for role chaining with AssumeRole, 2 to 1224 characters.
	RoleExternalID
	// Duration of the role session in seconds (900 to 43200).
	RoleDurationSeconds
	// Audience of the GitHub OIDC token.
	Audience
	// Mask the AWS account ID in logs.
	MaskAWSAccountID
	// Compute and report the plan without making any write call to AWS.
	DryRun
	// fail or warn.
	OnReconcileError
	// Overall deadline for the step in seconds, retries included (1 to 3600).
	TimeoutSeconds
	// How many repositories are reconciled at once in batch mode (1 to 50);
	// with several Regions, how many repository-Region pairs, all Regions
	// together, in either mode.
	MaxConcurrency
	count
)

// inputs words each Ref as its input, in the order of the constants.
var inputs = [count]string{
	"",
	"repository",
	"repositories",
	"aws-region",
	"registry-id",
	"state",
	"force-delete",
	"repository-policy",
	"repository-policy-sid-prefix",
	"allow-public-repository-policy",
	"fail-on-policy-security-warning",
	"lifecycle-policy",
	"lifecycle-policy-preview",
	"tags",
	"prune-tags",
	"image-tag-mutability",
	"image-tag-mutability-exclusion-filters",
	"scan-on-push",
	"encryption-type",
	"kms-key",
	"public",
	"catalog-description",
	"catalog-about",
	"catalog-usage",
	"catalog-architectures",
	"catalog-operating-systems",
	"catalog-logo",
	"role-to-assume",
	"role-session-name",
	"role-external-id",
	"role-duration-seconds",
	"audience",
	"mask-aws-account-id",
	"dry-run",
	"on-reconcile-error",
	"timeout-seconds",
	"max-concurrency",
}
