package ecrspec

// ECR Public's constraints (service ecr-public, API 2020-10-30).

// MaxPublicRepositoryNameChars is ECR Public's longest repository name
// (its RepositoryName shape: 2 to 205 characters, ECR's pattern).
const MaxPublicRepositoryNameChars = 205

// Catalog data limits (shape RepositoryCatalogDataInput): characters for the
// texts, items and characters per item for the lists, bytes for the logo.
const (
	MaxCatalogDescriptionChars = 1024  // RepositoryDescription
	MaxCatalogMarkdownChars    = 25600 // AboutText, UsageText
	MaxCatalogListItems        = 50    // ArchitectureList, OperatingSystemList
	MaxCatalogItemChars        = 50    // Architecture, OperatingSystem (at least 1)
	MaxCatalogLogoBytes        = 512000
)

// The architectures and operating systems the ECR Public Gallery shows as
// badges and search filters (the model's documentation of
// RepositoryCatalogDataInput). The API stores any other value of the right
// length, but the gallery never shows it, so the action refuses one as a
// likely mistake.
var (
	CatalogArchitectures    = []string{"ARM", "ARM 64", "x86", "x86-64"}
	CatalogOperatingSystems = []string{"Linux", "Windows"}
)

// PublicOperations are ECR Public's API operations, which are also all its
// IAM actions (ecr-public:Name): a repository policy of a public repository
// can grant only these. The conformance test ties the list to the model.
var PublicOperations = []string{
	"BatchCheckLayerAvailability", "BatchDeleteImage", "CompleteLayerUpload", "CreateRepository",
	"DeleteRepository", "DeleteRepositoryPolicy", "DescribeImageTags", "DescribeImages",
	"DescribeRegistries", "DescribeRepositories", "GetAuthorizationToken", "GetRegistryCatalogData",
	"GetRepositoryCatalogData", "GetRepositoryPolicy", "InitiateLayerUpload", "ListTagsForResource",
	"PutImage", "PutRegistryCatalogData", "PutRepositoryCatalogData", "SetRepositoryPolicy",
	"TagResource", "UntagResource", "UploadLayerPart",
}

// RegistryAliasPattern is ECR Public's pattern for a registry alias (shape
// RegistryAliasName, 2 to 50 characters), the path segment after
// public.ecr.aws/ in every public repository URI.
const (
	RegistryAliasPattern  = `[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*`
	MinRegistryAliasChars = 2
	MaxRegistryAliasChars = 50
)
