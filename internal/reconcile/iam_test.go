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
	// The registry checks read with the actions of their reads
	// (setting.registry, and the templates' check), granted on "*".
	registryReads := []string{templatesCheck.read.action()}
	for _, s := range allSettings {
		if s.registry != nil && !slices.Contains(registryReads, s.registry.read.action()) {
			registryReads = append(registryReads, s.registry.read.action())
		}
	}
	for _, tc := range []struct {
		file string
		want []string
		// only keeps the statements of the file that are compared; nil:
		// all of them.
		only func(action, resource string) bool
	}{
		{"reconcile-policy.json", actions("ecr", private, readsWrites), nil},
		{"reconcile-policy-team-prefix.json", actions("ecr", private, readsWrites), nil},
		{"dry-run-policy.json", actions("ecr", private, reads), nil},
		{"delete-policy.json", actions("ecr", onlyExistence, readsAbsent), nil},
		// DescribeRegistries reads the alias of a public repository's URI
		// (publicecr), which is no setting's.
		{"reconcile-policy-public.json", append(actions("ecr-public", public, readsWrites), "ecr-public:DescribeRegistries"), nil},
		// The lifecycle preview's statement names repositories, the policy
		// check's is access-analyzer's; reliability_*_iam_test.go prove them.
		{"registry-checks-policy.json", registryReads, func(action, resource string) bool {
			return resource == "*" && strings.HasPrefix(action, "ecr:")
		}},
	} {
		b, err := os.ReadFile("../../docs/iam/" + tc.file)
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
			t.Fatalf("%s: %v", tc.file, err)
		}
		var got []string
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if tc.only == nil || tc.only(a, s.Resource) {
					got = append(got, a)
				}
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v; the settings call %v", tc.file, got, want)
		}
	}
}
