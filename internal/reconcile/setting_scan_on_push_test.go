package reconcile

import (
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// How the override of the declared scanOnPush is worded: what the registry
// does instead, what happens to the images and how to change it.
// (internal/registry decides when the registry overrides; TestRegistryNotes
// how the note is reported.)
func TestScanningNotesWording(t *testing.T) {
	t.Parallel()
	basicOnPush := registry.ScanningConfiguration{ScanType: registry.ScanTypeBasic, Rules: []registry.ScanningRule{{Frequency: registry.FrequencyScanOnPush, Filters: []string{"prod*"}}}}
	enhanced := registry.ScanningConfiguration{ScanType: registry.ScanTypeEnhanced, Rules: []registry.ScanningRule{
		{Frequency: registry.FrequencyScanOnPush, Filters: []string{"team-*"}},
		{Frequency: registry.FrequencyContinuous, Filters: []string{"team-critical*"}},
	}}
	for _, tc := range []struct {
		cfg      registry.ScanningConfiguration
		repo     string
		declared bool
		want     string
	}{
		{basicOnPush, "prod-api", false, `scan-on-push is declared false, but the registry's basic scanning configuration applies scan on push to prod-api ` +
			`(its SCAN_ON_PUSH rule with filter "prod*"), so images are scanned on push: the repository's scanOnPush flag does not decide; ` +
			`to change it, change the registry's scanning rules so that no SCAN_ON_PUSH or CONTINUOUS_SCAN filter matches prod-api ` +
			`(ECR console: Private registry > Settings > Scanning, or aws ecr put-registry-scanning-configuration), or stop managing scan-on-push`},
		{basicOnPush, "dev-api", true, `scan-on-push is declared true, but the registry's basic scanning configuration applies manual scans only to dev-api ` +
			`(no rule's filter matches it), so images are scanned only when a scan is started by hand: the repository's scanOnPush flag does not decide; ` +
			`to change it, add a filter that matches dev-api to the registry's SCAN_ON_PUSH rule ` +
			`(ECR console: Private registry > Settings > Scanning, or aws ecr put-registry-scanning-configuration), or stop managing scan-on-push`},
		{registry.ScanningConfiguration{Rules: basicOnPush.Rules}, "dev-api", true, "the registry's basic scanning configuration applies manual scans only"},
		{enhanced, "team-critical-db", false, `the registry's enhanced scanning configuration applies continuous scanning to team-critical-db ` +
			`(its CONTINUOUS_SCAN rule with filter "team-critical*"), so images are scanned on push and continuously:`},
		{enhanced, "other", true, "applies no scanning to other (no rule's filter matches it), so images are not scanned:"},
		{enhanced, "team-web", true, ""},
	} {
		notes := scanningNotes(Spec{Name: tc.repo, ScanOnPush: &tc.declared}, tc.cfg)
		switch {
		case tc.want == "" && len(notes) != 0:
			t.Errorf("%s declared %v: notes %+v, want none", tc.repo, tc.declared, notes)
		case tc.want == "":
		case len(notes) != 1 || notes[0].Setting != SettingScanOnPush || notes[0].Level != NoteWarning || !strings.Contains(notes[0].Text, tc.want):
			t.Errorf("%s declared %v: notes %+v, want one warning containing %q", tc.repo, tc.declared, notes, tc.want)
		}
	}
}
