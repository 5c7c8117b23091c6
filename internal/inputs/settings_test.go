package inputs

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Every setting of the engine but the repository's existence names the
// action.yml inputs that declare it, each input declares one setting, and
// each setting is in a kind of registry: the private-only and public-only
// refusals and the absent rule are read from this list.
func TestEverySettingHasItsInputs(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	owner := map[string]int{}
	for i, s := range reconcile.Settings() {
		if !s.Private && !s.Public {
			t.Errorf("setting %d %v is in neither kind of registry", i, s.Inputs)
		}
		if (!s.Private || !s.Public) && s.Lacks == "" {
			t.Errorf("setting %d %v does not say why one kind of registry lacks it", i, s.Inputs)
		}
		// The repository's existence, first, is declared by repository
		// and state, everyone's inputs.
		if (len(s.Inputs) == 0) != (i == 0) {
			t.Errorf("setting %d has the inputs %v: want inputs for every setting but the first, the repository's existence", i, s.Inputs)
		}
		for _, in := range s.Inputs {
			if _, ok := meta.Input(in.String()); !ok {
				t.Errorf("setting %d: %d (%s) is not an input of action.yml", i, in, in)
			}
			if other, dup := owner[in.String()]; dup {
				t.Errorf("%s declares both setting %d and setting %d", in, other, i)
			}
			owner[in.String()] = i
		}
	}
}

// With public: true each input of a setting ECR Public lacks is refused
// (ecrPublic reads the settings for it): they are the inputs the public
// input's description in action.yml lists. The catalog inputs are the
// public-only ones.
func TestPublicRefusalsComeFromTheSettings(t *testing.T) {
	t.Parallel()
	public, _ := testsupport.Action(t).Input("public")
	m := regexp.MustCompile(`Not with (.*), which ECR Public does not have`).FindStringSubmatch(public.Description)
	if m == nil {
		t.Fatalf("the public input's description does not list the inputs ECR Public lacks (Not with ..., which ECR Public does not have): %q", public.Description)
	}
	want := map[string]bool{}
	for _, in := range regexp.MustCompile(`, | or `).Split(m[1], -1) {
		want[in] = true
	}
	got := map[string]bool{}
	var publicOnly []string
	for _, s := range reconcile.Settings() {
		for _, in := range s.Inputs {
			if !s.Public {
				got[in.String()] = true
			}
			if !s.Private {
				publicOnly = append(publicOnly, in.String())
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("private-only inputs %v, want %v", got, want)
	}
	var catalog []string
	for _, in := range testsupport.Action(t).Inputs {
		if strings.HasPrefix(in.Name, "catalog-") {
			catalog = append(catalog, in.Name)
		}
	}
	if !slices.Equal(publicOnly, catalog) {
		t.Errorf("public-only inputs %v, want the catalog inputs of action.yml %v", publicOnly, catalog)
	}
}
