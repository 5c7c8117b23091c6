package registry

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
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

// settingEncryption names the encryption setting, which two inputs
// declare (inputref.EncryptionType and inputref.KMSKey).
var settingEncryption = plainName("encryption")

type plainName string

func (n plainName) String() string { return string(n) }

// ECR's defaults for a template that leaves them out.
const (
	defaultMutability = string(types.ImageTagMutabilityMutable)
	defaultEncryption = string(types.EncryptionTypeAes256)
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

// Declared is what the workflow manages; nil (or a nil map) is a setting
// the action does not manage, which a template cannot contradict.
type Declared struct {
	Mutability       *string
	ExclusionFilters []string // with Mutability
	Encryption       *Encryption
	// Tags are the tags that must exist; only with PruneTags must no
	// other tag exist, so only then does a template's extra tag differ.
	Tags      map[string]string
	PruneTags bool
	// RepositoryPolicy and LifecyclePolicy: "" declares none.
	RepositoryPolicy *string
	LifecyclePolicy  *string
	// SidPrefix, when set, compares only the repository policy statements
	// the action owns.
	SidPrefix string
	// Partition is the registry's partition ("aws", "aws-cn", ...), in
	// which an account principal means that partition's root ARN.
	Partition string
}

// Encryption is a repository's encryption configuration.
type Encryption struct {
	Type   string // "" = AES256
	KMSKey string
}

// Difference is one setting on which a template and the declaration differ.
type Difference struct {
	Setting  string // the declared value's input name (inputref), or "encryption"
	Template string // what the template sets, for display
	Declared string
	Warning  string
}

// TemplateDifferences lists the managed settings on which template differs
// from the declaration, each with a warning: a repository the template
// creates on push would get the template's value, and the action would then
// change it back on its next run. Policies are compared by meaning.
func TemplateDifferences(t Template, d Declared) ([]Difference, error) {
	var out []Difference
	add := func(ref fmt.Stringer, tv, dv string) {
		setting := ref.String()
		out = append(out, Difference{Setting: setting, Template: tv, Declared: dv, Warning: fmt.Sprintf(
			"the repository creation template %q (applied for %s) sets %s to %s, but %s is declared: a repository a push creates from the template "+
				"gets the template's value until this action changes it; align the template with the workflow, or the workflow with the template",
			t.Prefix, strings.Join(t.AppliedFor, ", "), setting, tv, dv)})
	}
	if d.Mutability != nil {
		tm, dm := cmpOr(t.Mutability, defaultMutability), *d.Mutability
		if tm != dm {
			add(inputref.ImageTagMutability, tm, dm)
		} else if !sameSet(t.ExclusionFilters, d.ExclusionFilters) {
			add(inputref.ImageTagMutabilityExclusionFilters, list(t.ExclusionFilters), list(d.ExclusionFilters))
		}
	}
	if e := d.Encryption; e != nil {
		tt, dt := cmpOr(t.EncryptionType, defaultEncryption), cmpOr(e.Type, defaultEncryption)
		// A template names its key by ARN; a declared alias cannot be
		// compared without KMS, so only a declared ARN is compared.
		keyDiffers := dt != defaultEncryption && strings.HasPrefix(e.KMSKey, "arn:") && e.KMSKey != t.KMSKey
		if tt != dt || keyDiffers {
			add(settingEncryption, encryption(tt, t.KMSKey), encryption(dt, e.KMSKey))
		}
	}
	if (d.Tags != nil || d.PruneTags) && tagsDiffer(t.ResourceTags, d.Tags, d.PruneTags) {
		add(inputref.Tags, tags(t.ResourceTags), tags(d.Tags))
	}
	if d.RepositoryPolicy != nil {
		same, err := sameRepositoryPolicy(t.RepositoryPolicy, *d.RepositoryPolicy, d.SidPrefix, d.Partition)
		if err != nil {
			return nil, fmt.Errorf("template %q repository policy: %w", t.Prefix, err)
		}
		if !same {
			add(inputref.RepositoryPolicy, present(t.RepositoryPolicy), present(*d.RepositoryPolicy)+" (compared by meaning)")
		}
	}
	if d.LifecyclePolicy != nil {
		same, err := sameDocument(t.LifecyclePolicy, *d.LifecyclePolicy, policy.LifecyclePoliciesEqual)
		if err != nil {
			return nil, fmt.Errorf("template %q lifecycle policy: %w", t.Prefix, err)
		}
		if !same {
			add(inputref.LifecyclePolicy, present(t.LifecyclePolicy), present(*d.LifecyclePolicy)+" (compared by meaning)")
		}
	}
	return out, nil
}

// tagsDiffer reports whether a repository created with the template's tags
// would need a tag write: a declared tag missing or with another value, or
// with prune, a tag that is not declared.
func tagsDiffer(template, declared map[string]string, prune bool) bool {
	for k, v := range declared {
		if tv, ok := template[k]; !ok || tv != v {
			return true
		}
	}
	return prune && len(template) != len(declared)
}

func sameRepositoryPolicy(tmpl, declared, prefix, partition string) (bool, error) {
	if prefix != "" {
		c, err := policy.CompareOwned(tmpl, declared, prefix, partition)
		return c.Equal, err
	}
	return sameDocument(tmpl, declared, func(a, b string) (bool, error) {
		return policy.RepositoryPoliciesEqual(a, b, partition)
	})
}

// sameDocument compares two optional documents ("" = none) with eq.
func sameDocument(a, b string, eq func(a, b string) (bool, error)) (bool, error) {
	if a == "" || b == "" {
		return a == b, nil
	}
	return eq(a, b)
}

func present(doc string) string {
	if doc == "" {
		return "none"
	}
	return "a different policy"
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

func encryption(typ, key string) string {
	if key == "" {
		return typ
	}
	return typ + " with " + key
}

func tags(m map[string]string) string {
	if len(m) == 0 {
		return "no tags"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}
