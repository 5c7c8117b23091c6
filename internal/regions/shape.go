package regions

import (
	"regexp"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// The shape checks compare what an endpoint says a repository is called
// with what ECR documents: a registry ID of 12 digits, a URI of the
// account's registry host in a Region of a known partition, an ARN of that
// partition. The URI becomes an output that a later step puts in a shell
// command (docker build -t URI), and all three are printed in the log and
// the job summary: an answer of any other shape is refused, not passed on.

// Repository names the first field of a private repository's answer that
// does not have ECR's shape ("" when all do). region is the Region the
// call was made in; "" accepts any well-formed Region of a known
// partition, taken from the ARN.
func Repository(region, registryID, name, uri, arn string) string {
	switch {
	case !ecrspec.IsAccountID(registryID):
		return "registryId"
	case !ecrspec.ValidRepositoryName(name):
		return "repositoryName"
	}
	if region == "" {
		// arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME
		if f := strings.SplitN(arn, ":", 6); len(f) == 6 {
			region = f[3]
		}
	}
	if Validate(region) != nil {
		return "repositoryArn"
	}
	if arn != RepositoryARN(registryID, region, name) {
		return "repositoryArn"
	}
	if uri != RepositoryURI(registryID, region, name) {
		return "repositoryUri"
	}
	return ""
}

var registryAlias = regexp.MustCompile(`^(?:` + ecrspec.RegistryAliasPattern + `)$`)

// PublicRepository is Repository for ECR Public: the URI is
// public.ecr.aws/ALIAS/NAME with a well-formed registry alias, the ARN
// arn:aws:ecr-public::ACCOUNT:repository/NAME.
func PublicRepository(registryID, name, uri, arn string) string {
	switch {
	case !ecrspec.IsAccountID(registryID):
		return "registryId"
	case !ecrspec.ValidRepositoryName(name) || len(name) > ecrspec.MaxPublicRepositoryNameChars:
		return "repositoryName"
	case arn != PublicRepositoryARN(registryID, name):
		return "repositoryArn"
	}
	alias, ok := strings.CutPrefix(uri, ECRPublicHost+"/")
	if ok {
		alias, ok = strings.CutSuffix(alias, "/"+name)
	}
	if !ok || len(alias) < ecrspec.MinRegistryAliasChars || len(alias) > ecrspec.MaxRegistryAliasChars || !registryAlias.MatchString(alias) {
		return "repositoryUri"
	}
	return ""
}
