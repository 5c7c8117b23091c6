package inputs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

func TestPublicInputs(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 206)
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		// bad lists the inputs with an error; none means the inputs load.
		bad []string
	}{
		{"public with the catalog", map[string]string{"public": "TRUE", "catalog-architectures": "x86-64\narm 64, ARM 64", "catalog-operating-systems": "windows"}, nil},
		{"public false keeps the private rules", map[string]string{"public": "False", "lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`}, nil},
		{"not a boolean", map[string]string{"public": "yes"}, []string{"public"}},
		{"registry-id of the assumed role's account", map[string]string{"public": "true", "registry-id": "123456789012", "role-to-assume": "arn:aws:iam::123456789012:role/ci"}, nil},
		{"registry-id of another account", map[string]string{"public": "true", "registry-id": "123456789012", "role-to-assume": "arn:aws:iam::210987654321:role/ci"}, []string{"registry-id"}},
		{"a name too long for ECR Public", map[string]string{"public": "true", "repository": long}, []string{"repository"}},
		{"the same name is fine for ECR", map[string]string{"repository": long}, nil},
		{"batch names too long", map[string]string{"public": "true", "repository": "", "repositories": "ok-name\n" + long}, []string{"repositories"}},
		{"an ecr: action in a public policy", map[string]string{"public": "true", "repository-policy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}`}, []string{"repository-policy"}},
		{"an ecr-public: action in a private policy", map[string]string{"repository-policy": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr-public:PutImage"}]}`}, []string{"repository-policy"}},
		{"a value repeated counts once", map[string]string{"public": "true", "catalog-architectures": strings.Repeat("ARM,", 51)}, nil},
		{"an empty logo", map[string]string{"public": "true", "catalog-logo": "empty.png"}, []string{"catalog-logo"}},
		{"catalog data with state: absent", map[string]string{"public": "true", "state": "absent", "catalog-description": "x"}, []string{"catalog-description"}},
		{"several Regions: ECR Public has one", map[string]string{"public": "true", "aws-region": "eu-west-1, us-east-1"}, []string{"aws-region"}},
		{"a Region of another partition", map[string]string{"public": "true", "aws-region": "cn-north-1"}, []string{"aws-region"}},
		{"GovCloud is another partition too", map[string]string{"public": "true", "aws-region": "us-gov-west-1"}, []string{"aws-region"}},
		{"one Region other than ECR Public's is fine", map[string]string{"public": "true", "aws-region": "eu-west-1"}, nil},
		{"a private-only input is refused, not parsed too", map[string]string{"public": "true", "encryption-type": "sse"}, []string{"encryption-type"}},
		{"a logo outside the workspace", map[string]string{"public": "true", "catalog-logo": "../logo.png"}, []string{"catalog-logo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			if err := os.WriteFile(filepath.Join(ws, "empty.png"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			src := fakeSource{"repository": "app", "aws-region": "us-east-1"}
			for k, v := range tc.inputs {
				src[k] = v
			}
			cfg, err := Load(src, ws)
			var errs Errors
			errors.As(err, &errs)
			var got []string
			for _, e := range errs {
				got = append(got, e.Input)
			}
			if !slices.Equal(got, tc.bad) {
				t.Fatalf("errors on %v, want %v: %v", got, tc.bad, err)
			}
			if err == nil && tc.inputs["catalog-architectures"] == "x86-64\narm 64, ARM 64" {
				if c := cfg.Spec.Catalog; c == nil || !slices.Equal(c.Architectures, []string{"x86-64", "ARM 64"}) || !slices.Equal(c.OperatingSystems, []string{"Windows"}) {
					t.Errorf("catalog = %+v", c)
				}
			}
		})
	}
}

// ECR Public needs no Region: it has one, where the credentials are then
// fetched too. A private repository still needs one.
func TestPublicNeedsNoRegion(t *testing.T) {
	t.Parallel()
	cfg, err := Load(fakeSource{"repository": "app", "public": "true"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "us-east-1" || !slices.Equal(cfg.Regions, []string{"us-east-1"}) {
		t.Errorf("region %q, regions %v; want ECR Public's", cfg.Region, cfg.Regions)
	}
	if _, err := Load(fakeSource{"repository": "app"}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "no region given") {
		t.Errorf("a private repository without a Region: %v", err)
	}
}

// A logo over ECR Public's limit is a real image too large, not a wrong
// path as a policy file that large would be: the message says whose limit
// it is and to use a smaller file.
func TestLogoTooLargeSaysWhoseLimit(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "logo.png"), make([]byte, ecrspec.MaxCatalogLogoBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(fakeSource{"repository": "app", "public": "true", "catalog-logo": "logo.png"}, ws)
	wantErr(t, err, fmt.Sprintf(`input "catalog-logo": "logo.png" is larger than %d bytes, ECR Public's limit for a logo image; use a smaller file`, ecrspec.MaxCatalogLogoBytes))
	if err != nil && strings.Contains(err.Error(), "check the path") {
		t.Errorf("the message sends to the path: %v", err)
	}
}
