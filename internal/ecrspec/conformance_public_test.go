package ecrspec_test

import (
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

const publicModelPath = "data/ecr-public/2020-10-30/service-2.json"

// publicModel returns ECR Public's service model, or skips the test.
func publicModel(t *testing.T) foundModel {
	t.Helper()
	m, err := loadPublicModel()
	if err != nil {
		t.Fatal(err)
	}
	if m.shapes == nil {
		t.Skipf("SKIPPED: ECR Public's service model (botocore %s) is not on this machine; install python3 with botocore (moto ships it) to run the conformance test", publicModelPath)
	}
	t.Logf("ECR Public service model: %s", m.path)
	return m
}

var loadPublicModel = sync.OnceValues(func() (foundModel, error) { return findModel(publicModelPath) })

// TestPublicOperationsMatchTheModel ties ECR Public's actions, which the
// policy validator checks ecr-public: actions against, to the model's
// operations, and checks that the validator grants each of them and no
// private-only ECR operation.
func TestPublicOperationsMatchTheModel(t *testing.T) {
	t.Parallel()
	ops := publicModel(t).operations
	if !slices.Equal(ops, slices.Sorted(slices.Values(ecrspec.PublicOperations))) {
		t.Errorf("the model's operations are %q, the project's %q", ops, ecrspec.PublicOperations)
	}
	grant := func(action string) error {
		return policy.ValidatePublicRepositoryPolicy(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"` + action + `"}]}`)
	}
	for _, op := range ops {
		if err := grant("ecr-public:" + op); err != nil {
			t.Errorf("ecr-public:%s: %v", op, err)
		}
	}
	private, err := loadModel()
	if err != nil || private.operations == nil {
		t.Skipf("ECR's service model: %v", err)
	}
	for _, op := range private.operations {
		if !slices.Contains(ops, op) {
			if err := grant("ecr-public:" + op); err == nil {
				t.Errorf("ecr-public:%s, an operation of ECR only, is accepted", op)
			}
		}
	}
}

// TestPublicLimitsMatchTheModel ties ECR Public's limits and the gallery's
// values in ecrspec to ECR Public's service model.
func TestPublicLimitsMatchTheModel(t *testing.T) {
	t.Parallel()
	model := publicModel(t).shapes
	name := get(t, model, "RepositoryName")
	wantInt(t, "RepositoryName max", name.Max, ecrspec.MaxPublicRepositoryNameChars)
	wantInt(t, "RepositoryName min", name.Min, ecrspec.MinRepositoryNameChars)
	wantInt(t, "RepositoryDescription max", get(t, model, "RepositoryDescription").Max, ecrspec.MaxCatalogDescriptionChars)
	wantInt(t, "AboutText max", get(t, model, "AboutText").Max, ecrspec.MaxCatalogMarkdownChars)
	wantInt(t, "UsageText max", get(t, model, "UsageText").Max, ecrspec.MaxCatalogMarkdownChars)
	for _, list := range []string{"ArchitectureList", "OperatingSystemList"} {
		wantInt(t, list+" max", get(t, model, list).Max, ecrspec.MaxCatalogListItems)
	}
	for _, item := range []string{"Architecture", "OperatingSystem"} {
		wantInt(t, item+" max", get(t, model, item).Max, ecrspec.MaxCatalogItemChars)
		wantInt(t, item+" min", get(t, model, item).Min, 1)
	}
	wantInt(t, "LogoImageBlob max", get(t, model, "LogoImageBlob").Max, ecrspec.MaxCatalogLogoBytes)
	alias := get(t, model, "RegistryAliasName")
	wantInt(t, "RegistryAliasName max", alias.Max, ecrspec.MaxRegistryAliasChars)
	wantInt(t, "RegistryAliasName min", alias.Min, ecrspec.MinRegistryAliasChars)
	if alias.Pattern != ecrspec.RegistryAliasPattern {
		t.Errorf("RegistryAliasName pattern: model %q, project %q", alias.Pattern, ecrspec.RegistryAliasPattern)
	}

	// The gallery's badges are listed in the documentation of the input
	// members, as <code>VALUE</code> items.
	input := get(t, model, "RepositoryCatalogDataInput")
	code := regexp.MustCompile(`<li> <p> <code>([^<]+)</code> </p> </li>`)
	for member, want := range map[string][]string{"architectures": ecrspec.CatalogArchitectures, "operatingSystems": ecrspec.CatalogOperatingSystems} {
		var got []string
		for _, m := range code.FindAllStringSubmatch(input.Members[member].Documentation, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the model documents %q, the project has %q", member, got, want)
		}
	}
}
