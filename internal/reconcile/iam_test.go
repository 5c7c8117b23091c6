package reconcile

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
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

// The registry checks' statement of docs/iam/registry-checks-policy.json
// (its ecr: actions on "*") lists exactly the reads of the settings'
// registry checks (setting.registry) and of the templates' check.
func TestDocumentedRegistryChecksAreTheSettingsReads(t *testing.T) {
	t.Parallel()
	want := []string{templatesCheck.read.action()}
	for _, s := range allSettings {
		if s.registry != nil && !slices.Contains(want, s.registry.read.action()) {
			want = append(want, s.registry.read.action())
		}
	}
	b, err := os.ReadFile("../../docs/iam/registry-checks-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if s.Resource == "*" && strings.HasPrefix(a, "ecr:") {
				got = append(got, a)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("registry-checks-policy.json grants %v on \"*\"; the registry checks read with %v", got, want)
	}
}
