package registry

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// RootPrefix names the template for every repository no other template's
// prefix matches.
const RootPrefix = "ROOT"

// Scenarios a template applies to (the SDK's RCTAppliedFor).
const (
	AppliedForCreateOnPush     = string(types.RCTAppliedForCreateOnPush)
	AppliedForReplication      = string(types.RCTAppliedForReplication)
	AppliedForPullThroughCache = string(types.RCTAppliedForPullThroughCache)
)

// Template is a repository creation template as read with
// DescribeRepositoryCreationTemplates; empty fields mean what ECR does
// without them.
type Template struct {
	Prefix           string
	AppliedFor       []string
	Mutability       string // "" = MUTABLE
	ExclusionFilters []string
	EncryptionType   string // "" = AES256
	KMSKey           string
	ResourceTags     map[string]string
	RepositoryPolicy string // "" = none
	LifecyclePolicy  string // "" = none
}

// TemplateFor returns the template that applies when ECR creates repository
// in the scenario appliedFor (AppliedForCreateOnPush for a docker push).
// ECR documents that a prefix has an implied "/" at its end ("prod" and
// "prod/" match "prod/app", not "production/app" nor "prod") and that ROOT
// applies to the repositories that have no other template. The template of
// a name is therefore the one with the longest prefix that is a namespace
// of the name, whatever its scenarios (the longest is an assumption: ECR
// does not say how nested prefixes rank), and ROOT only when no prefix
// matches; it applies only when it lists appliedFor. A matching prefix
// template for other scenarios leaves the name with no template for
// appliedFor, even when ROOT has it. Templates never apply to
// CreateRepository: they are for the repositories ECR creates itself.
func TemplateFor(templates []Template, repository, appliedFor string) (Template, bool) {
	best, found := Template{}, false
	bestLen := -1
	for _, t := range templates {
		n := -1
		switch {
		case t.Prefix == RootPrefix:
			n = 0
		case strings.HasPrefix(repository, strings.TrimSuffix(t.Prefix, "/")+"/"):
			n = len(strings.TrimSuffix(t.Prefix, "/"))
		}
		if n > bestLen {
			best, found, bestLen = t, true, n
		}
	}
	if !found || !slices.Contains(best.AppliedFor, appliedFor) {
		return Template{}, false
	}
	return best, true
}
