package ecrspec

import "slices"

// Operations are ECR's API operations (service ecr, API 2015-09-21). Each
// is also an IAM action, ecr:Name, that a repository policy can grant; the
// conformance test ties the list to the service model.
var Operations = []string{
	"BatchCheckLayerAvailability", "BatchDeleteImage", "BatchGetImage", "BatchGetRepositoryScanningConfiguration",
	"CompleteLayerUpload", "CreatePullThroughCacheRule", "CreateRepository", "CreateRepositoryCreationTemplate",
	"DeleteLifecyclePolicy", "DeletePullThroughCacheRule", "DeleteRegistryPolicy", "DeleteRepository",
	"DeleteRepositoryCreationTemplate", "DeleteRepositoryPolicy", "DeleteSigningConfiguration",
	"DeregisterPullTimeUpdateExclusion", "DescribeImageReplicationStatus", "DescribeImageScanFindings",
	"DescribeImageSigningStatus", "DescribeImages", "DescribePullThroughCacheRules", "DescribeRegistry",
	"DescribeRepositories", "DescribeRepositoryCreationTemplates", "GetAccountSetting", "GetAuthorizationToken",
	"GetDownloadUrlForLayer", "GetLifecyclePolicy", "GetLifecyclePolicyPreview", "GetRegistryPolicy",
	"GetRegistryScanningConfiguration", "GetRepositoryPolicy", "GetSigningConfiguration", "InitiateLayerUpload",
	"ListImageReferrers", "ListImages", "ListPullTimeUpdateExclusions", "ListTagsForResource", "PutAccountSetting",
	"PutImage", "PutImageScanningConfiguration", "PutImageTagMutability", "PutLifecyclePolicy", "PutRegistryPolicy",
	"PutRegistryScanningConfiguration", "PutReplicationConfiguration", "PutSigningConfiguration",
	"RegisterPullTimeUpdateExclusion", "SetRepositoryPolicy", "StartImageScan", "StartLifecyclePolicyPreview",
	"TagResource", "UntagResource", "UpdateImageStorageClass", "UpdatePullThroughCacheRule",
	"UpdateRepositoryCreationTemplate", "UploadLayerPart", "ValidatePullThroughCacheRule",
}

// PermissionOnlyActions are ECR's IAM actions that no API operation is
// named after (the Service Authorization Reference, "Actions, resources,
// and condition keys for Amazon Elastic Container Registry", lists them as
// permission-only): ECR checks them when it acts on a caller's behalf, a
// pull through cache importing an upstream image and cross-account
// replication writing into this registry.
var PermissionOnlyActions = []string{"BatchImportUpstreamImage", "ReplicateImage"}

// Actions are all ECR's IAM action names (without the ecr: prefix), sorted:
// what a private repository policy can grant.
var Actions = slices.Sorted(slices.Values(append(slices.Clone(Operations), PermissionOnlyActions...)))
