package reconcile

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// The IAM policies users copy from docs/iam list exactly the actions the
// settings say their reads and writes call (setting.iam): a setting added
// or changed without its permissions fails here. (reliability_iam_test.go
// proves against the emulator's IAM that the same documents are enough.)
func TestDocumentedPoliciesListTheSettingsActions(t *testing.T) {
	t.Parallel()
	actions := func(service string, keep func(*setting) bool, part func(iamActions) []string) []string {
		var out []string
		for _, s := range allSettings {
			if keep(s) {
				for _, a := range part(s.iam) {
					out = append(out, service+":"+a)
				}
			}
		}
		return out
	}
	private := func(s *setting) bool { return s.private }
	public := func(s *setting) bool { return s.public }
	onlyExistence := func(s *setting) bool { return s == &existence }
	reads := func(a iamActions) []string { return a.reads }
	readsWrites := func(a iamActions) []string { return append(slices.Clone(a.reads), a.writes...) }
	readsAbsent := func(a iamActions) []string { return append(slices.Clone(a.reads), a.absent...) }
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"reconcile-policy.json", actions("ecr", private, readsWrites)},
		{"reconcile-policy-team-prefix.json", actions("ecr", private, readsWrites)},
		{"dry-run-policy.json", actions("ecr", private, reads)},
		{"delete-policy.json", actions("ecr", onlyExistence, readsAbsent)},
		// DescribeRegistries reads the alias of a public repository's URI
		// (publicecr), which is no setting's.
		{"reconcile-policy-public.json", append(actions("ecr-public", public, readsWrites), "ecr-public:DescribeRegistries")},
	} {
		b, err := os.ReadFile("../../docs/iam/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Statement []struct{ Action []string } }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		var got []string
		for _, s := range doc.Statement {
			got = append(got, s.Action...)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v; the settings call %v", tc.file, got, want)
		}
	}
}
