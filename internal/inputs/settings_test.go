package inputs

import (
	"maps"
	"slices"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Every setting of the engine names the action.yml inputs that declare it,
// and no input names a setting the engine does not have: the private-only
// and public-only refusals and the absent rule are read from this list.
func TestEverySettingHasItsInputs(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	var names []string
	for _, s := range reconcile.Settings() {
		names = append(names, s.Name)
		if !s.Private && !s.Public {
			t.Errorf("setting %s is in neither kind of registry", s.Name)
		}
		if (!s.Private || !s.Public) && s.Lacks == "" {
			t.Errorf("setting %s does not say why one kind of registry lacks it", s.Name)
		}
		if _, ok := inputsOf[s.Name]; !ok {
			t.Errorf("setting %s has no inputs in inputsOf", s.Name)
		}
		for _, in := range inputsOf[s.Name] {
			if _, ok := meta.Input(in); !ok {
				t.Errorf("setting %s: %s is not an input of action.yml", s.Name, in)
			}
		}
	}
	if got := slices.Sorted(maps.Keys(inputsOf)); !slices.Equal(got, slices.Sorted(slices.Values(names))) {
		t.Errorf("inputsOf names %v, the engine's settings are %v", got, names)
	}
}

// With public: true each input of a setting ECR Public lacks is refused
// with the engine's reason, and the catalog inputs are the public-only ones.
func TestPublicRefusalsComeFromTheSettings(t *testing.T) {
	t.Parallel()
	want := map[string]bool{
		"lifecycle-policy": true, "image-tag-mutability": true, filtersInput: true, "scan-on-push": true, "encryption-type": true, "kms-key": true,
	}
	got := map[string]bool{}
	for _, p := range privateOnly {
		if p.why == "" {
			t.Errorf("%s is refused without a reason", p.input)
		}
		got[p.input] = true
	}
	if !maps.Equal(got, want) {
		t.Errorf("private-only inputs %v, want %v", got, want)
	}
	if !slices.Equal(catalogInputs, catalogInputNames) {
		t.Errorf("public-only inputs %v, want the catalog inputs %v", catalogInputs, catalogInputNames)
	}
}
