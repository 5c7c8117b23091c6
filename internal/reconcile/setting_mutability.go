package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingMutability is the image tag mutability with its exclusion
// filters (limits: ecrspec.MaxExclusionFilters, MaxExclusionFilterChars).
const SettingMutability = "image-tag-mutability"

var mutability = setting{
	name:    SettingMutability,
	order:   30,
	managed: func(spec Spec) bool { return spec.Mutability != nil },
	inputs:  []inputref.Ref{inputref.ImageTagMutability, inputref.ImageTagMutabilityExclusionFilters},
	declare: declareMutability,
	described: func(repo RepositoryInfo, st *state) {
		st.Mutability, st.ExclusionFilters = repo.Mutability, repo.ExclusionFilters
	},
	diff:     func(spec Spec, st state, _ string) Change { return diffMutability(*spec.Mutability, st) },
	write:    (*Reconciler).updateMutability,
	create:   func(spec Spec, c *creation) { c.req.Mutability = spec.Mutability },
	template: templateMutability,
	private:  true,
	lacks:    "ECR Public has no tag mutability setting",
	iam:      iamActions{writes: []string{"PutImageTagMutability"}},
}

type mutabilitySpec struct {
	// Mutability is the declared image tag mutability and exclusion filters.
	Mutability *Mutability
}

type mutabilityState struct {
	Mutability       string // as ECR returns it, "" read as MUTABLE
	ExclusionFilters []string
}

// Mutability is ECR's image tag mutability with its exclusion filters.
type Mutability struct {
	// Value is one of MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION,
	// MUTABLE_WITH_EXCLUSION (upper case).
	Value string
	// Filters are wildcard filters, only for the *_WITH_EXCLUSION values.
	// They are compared as a set.
	Filters []string
}

func diffMutability(want Mutability, st state) Change {
	c := Change{Setting: SettingMutability, Action: ActionCreate, To: mutabilityString(want.Value, want.Filters)}
	if !st.Exists {
		return c
	}
	c.Action, c.From = ActionUnchanged, mutabilityString(st.Mutability, st.ExclusionFilters)
	if c.From != c.To {
		c.Action = ActionUpdate
	}
	return c
}

func mutabilityString(value string, filters []string) string {
	if value == "" {
		value = string(types.ImageTagMutabilityMutable)
	}
	if len(filters) == 0 {
		return value
	}
	f := slices.Clone(filters)
	slices.Sort(f)
	return value + " [" + strings.Join(slices.Compact(f), ", ") + "]"
}

// templateMutability compares a creation template's mutability, then its
// exclusion filters (as a set), with the declared ones.
func templateMutability(spec Spec, t registry.Template, _ string) (*templateDiff, error) {
	want := *spec.Mutability
	switch got := cmp.Or(t.Mutability, string(types.ImageTagMutabilityMutable)); {
	case got != want.Value:
		return &templateDiff{setting: inputref.ImageTagMutability.String(), template: got, declared: want.Value}, nil
	case !sameSet(t.ExclusionFilters, want.Filters):
		list := func(items []string) string { return cmp.Or(strings.Join(items, ", "), "none") }
		return &templateDiff{setting: inputref.ImageTagMutabilityExclusionFilters.String(), template: list(t.ExclusionFilters), declared: list(want.Filters)}, nil
	}
	return nil, nil
}

func (r *Reconciler) updateMutability(ctx context.Context, spec Spec, repo Repository, _ Change) error {
	m := spec.Mutability
	return r.whileInvisible(ctx, "PutImageTagMutability", func() error {
		return r.ECR.PutImageTagMutability(ctx, refOf(repo), *m)
	})
}

func declareMutability(d Declarations, spec *Spec) {
	spec.Mutability = Take[*Mutability](d, inputref.ImageTagMutability)(parseMutability(
		d.Text(inputref.ImageTagMutability), d.Text(inputref.ImageTagMutabilityExclusionFilters)))
}

var exclusionFilter = regexp.MustCompile(ecrspec.ExclusionFilterPattern)

// parseMutability reads the image tag mutability and its exclusion
// filters; both empty means the setting is not managed. An error about the
// filters is attributed to their input (on).
func parseMutability(given, filters string) (*Mutability, error) {
	const filtersInput = inputref.ImageTagMutabilityExclusionFilters
	value := types.ImageTagMutability(strings.ToUpper(strings.TrimSpace(given)))
	list := parseList(filters)
	withExclusion := false
	switch value {
	case "":
		if len(list) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("is empty, but %v is set; set it to %s or %s, or remove the filters",
			filtersInput, types.ImageTagMutabilityImmutableWithExclusion, types.ImageTagMutabilityMutableWithExclusion)
	case types.ImageTagMutabilityMutable, types.ImageTagMutabilityImmutable:
	case types.ImageTagMutabilityImmutableWithExclusion, types.ImageTagMutabilityMutableWithExclusion:
		withExclusion = true
	default:
		return nil, fmt.Errorf("%q is not a tag mutability; use %s", shown(given), oneOf(types.ImageTagMutability("").Values()))
	}
	switch {
	case !withExclusion && len(list) > 0:
		return nil, fmt.Errorf("%s takes no exclusion filters; use %s_WITH_EXCLUSION, or remove %v", value, value, filtersInput)
	case withExclusion && len(list) == 0:
		return nil, on(filtersInput, fmt.Errorf(`is empty, but %s needs exclusion filters; give 1 to %d tag wildcards such as "latest" or "dev-*"`, value, ecrspec.MaxExclusionFilters))
	case len(list) > ecrspec.MaxExclusionFilters:
		return nil, on(filtersInput, fmt.Errorf("%d exclusion filters given; ECR allows at most %d: merge some with wildcards", len(list), ecrspec.MaxExclusionFilters))
	}
	for _, f := range list {
		if len(f) > ecrspec.MaxExclusionFilterChars || !exclusionFilter.MatchString(f) {
			return nil, on(filtersInput, fmt.Errorf(`exclusion filter %q is not valid; use up to %d letters, digits and . _ - with * as a wildcard, for example "release-*"`, shown(f), ecrspec.MaxExclusionFilterChars))
		}
	}
	slices.Sort(list) // compared as a set
	return &Mutability{Value: string(value), Filters: list}, nil
}
