package action_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// TestPolicyDefaultsRerunWritesNothing: whether ECR stores a declared policy
// as sent or with its defaults filled in (Version "2008-10-17", duplicates
// dropped, storageClass "standard"), a second run finds no difference and
// makes no write call.
func TestPolicyDefaultsRerunWritesNothing(t *testing.T) {
	t.Parallel()
	archive, err := os.ReadFile(filepath.Join("..", "policy", "testdata", "lifecycle", "archive.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		input, text string
		// filled reports whether the stored text shows the default filled
		// in, so that the test knows the emulator stored it the other way.
		filled func(stored string) bool
	}{
		"repository policy without Version": {"repository-policy",
			`{"Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`,
			func(s string) bool { return strings.Contains(s, `"2008-10-17"`) }},
		"account ID beside its root ARN": {"repository-policy",
			`{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},"Action":"ecr:BatchGetImage"}]}`,
			func(s string) bool { return strings.Count(s, "111122223333") == 1 }},
		"action listed twice": {"repository-policy",
			`{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:BatchGetImage"]}]}`,
			func(s string) bool { return strings.Count(s, "ecr:BatchGetImage") == 1 }},
		"lifecycle policy with default storage class left out": {"lifecycle-policy", string(archive),
			func(s string) bool { return strings.Contains(s, `"storageClass":"standard"`) }},
	}
	for name, tc := range cases {
		for _, fill := range []bool{false, true} {
			t.Run(name+map[bool]string{false: " stored as sent", true: " stored with defaults"}[fill], func(t *testing.T) {
				t.Parallel()
				e := newEnvWith(t, emulator.Options{FillPolicyDefaults: fill})
				in := map[string]string{"repository": "team/app", tc.input: tc.text}
				if log, err := e.run(t, in); err != nil {
					t.Fatalf("first run: %v\n%s", err, log)
				}
				r, ok := e.emu.Repository("", "team/app")
				if !ok {
					t.Fatal("repository not created")
				}
				stored := r.Policy + r.Lifecycle
				if tc.filled(stored) != fill {
					t.Fatalf("stored with defaults = %v, want %v:\n%s", tc.filled(stored), fill, stored)
				}
				e.resetFiles(t)
				e.emu.ResetCalls()
				if log, err := e.run(t, in); err != nil {
					t.Fatalf("second run: %v\n%s", err, log)
				}
				if w := e.emu.Writes(); len(w) != 0 {
					t.Errorf("second run wrote %v; stored:\n%s", w, stored)
				}
				if out := e.outputs(t); out["changed"] != "false" {
					t.Errorf("second run changed = %q", out["changed"])
				}
			})
		}
	}
}
