package emulator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// lifecycleFixtures reads the project's lifecycle policy fixtures: the
// accepted ones and the ones ECR's documented rules refuse.
func lifecycleFixtures(t *testing.T) (valid, invalid map[string]string) {
	t.Helper()
	read := func(dir string) map[string]string {
		paths, err := filepath.Glob(filepath.Join("..", "..", "policy", "testdata", dir, "*.json"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no fixtures in %s: %v", dir, err)
		}
		out := map[string]string{}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[dir+"/"+filepath.Base(p)] = string(b)
		}
		return out
	}
	return read("lifecycle"), read("lifecycle-invalid")
}

// TestLifecycleFixturesSameVerdict feeds every lifecycle fixture to the
// action's validator and, through the real SDK, to the emulator's
// PutLifecyclePolicy: both must accept the valid ones and refuse the others.
// With FillPolicyDefaults the stored text differs from the declared one
// (storage classes written out), and the comparison must still find them
// equal, so that a re-run writes nothing.
func TestLifecycleFixturesSameVerdict(t *testing.T) {
	t.Parallel()
	valid, invalid := lifecycleFixtures(t)
	for _, fill := range []bool{false, true} {
		f := start(t, Options{FillPolicyDefaults: fill})
		c := f.ecr()
		create(t, c, "app")
		for name, text := range joinMaps(valid, invalid) {
			_, wantOK := valid[name]
			verr := policy.ValidateLifecyclePolicy(text)
			_, eerr := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(text)})
			if (verr == nil) != wantOK || (eerr == nil) != wantOK {
				t.Errorf("%s (fill defaults %v): validator %v, emulator %v; want accepted=%v", name, fill, verr, eerr, wantOK)
				continue
			}
			if !wantOK {
				wantCode(t, eerr, "InvalidParameterException")
				if !strings.Contains(eerr.Error(), "Lifecycle policy validation failure: ") {
					t.Errorf("%s: emulator message %q", name, eerr)
				}
				continue
			}
			got, err := c.GetLifecyclePolicy(ctx(t), &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
			if err != nil {
				t.Fatal(err)
			}
			stored := aws.ToString(got.LifecyclePolicyText)
			if fill && name == "lifecycle/archive.json" && !strings.Contains(stored, `"storageClass":"standard"`) {
				t.Errorf("%s: FillPolicyDefaults did not write the default storage class: %s", name, stored)
			}
			if eq, err := policy.LifecyclePoliciesEqual(text, stored); err != nil || !eq {
				t.Errorf("%s (fill defaults %v): stored policy compares unequal (%v):\n%s", name, fill, err, stored)
			}
		}
	}
}

// TestLifecycleUnknownFieldRefused: ECR validates lifecycle policies
// against a schema; a misspelt field is refused with its schema message.
func TestLifecycleUnknownFieldRefused(t *testing.T) {
	t.Parallel()
	_, invalid := lifecycleFixtures(t)
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	_, err := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"),
		LifecyclePolicyText: aws.String(invalid["lifecycle-invalid/unknown-field.json"])})
	want := `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: object instance has properties which are not allowed by the schema: ["descr` + `ipton"]'`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

func joinMaps(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
