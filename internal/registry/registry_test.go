package registry

import (
	"testing"
)

func TestFilterMatches(t *testing.T) {
	t.Parallel()
	// ECR's own table ("Filters to choose which repositories are scanned").
	names := []string{"prod", "repo-prod", "prod-repo", "repo-prod-repo", "prodrepo"}
	table := map[string][]bool{
		"prod":      {true, true, true, true, true},
		"*prod":     {true, true, false, false, false},
		"prod*":     {true, false, true, false, true},
		"*prod*":    {true, true, true, true, true},
		"prod*repo": {false, false, true, false, true},
	}
	for filter, want := range table {
		for i, name := range names {
			if got := FilterMatches(filter, name); got != want[i] {
				t.Errorf("FilterMatches(%q, %q) = %v, want %v", filter, name, got, want[i])
			}
		}
	}
	if FilterMatches("a.b*", "axb") {
		t.Error("a dot in a filter matched any character")
	}
}

func TestScanOnPushOverride(t *testing.T) {
	t.Parallel()
	basicOnPush := ScanningConfiguration{ScanType: ScanTypeBasic, Rules: []ScanningRule{{Frequency: FrequencyScanOnPush, Filters: []string{"prod*"}}}}
	enhanced := ScanningConfiguration{ScanType: ScanTypeEnhanced, Rules: []ScanningRule{
		{Frequency: FrequencyScanOnPush, Filters: []string{"team-*"}},
		{Frequency: FrequencyContinuous, Filters: []string{"team-critical*"}},
	}}
	tests := []struct {
		name       string
		cfg        ScanningConfiguration
		repo       string
		declared   bool
		effective  Scanning
		overrides  bool
		ruleFilter string
	}{
		{name: "default registry: the repository decides", cfg: ScanningConfiguration{}, repo: "app", declared: true, effective: ScanningByRepository},
		{name: "basic without rules", cfg: ScanningConfiguration{ScanType: ScanTypeBasic}, repo: "app", declared: false, effective: ScanningByRepository},
		{name: "basic manual-only rule leaves it to the repository", cfg: ScanningConfiguration{ScanType: ScanTypeBasic,
			Rules: []ScanningRule{{Frequency: FrequencyManual, Filters: []string{"*"}}}}, repo: "app", declared: true, effective: ScanningByRepository},
		{name: "basic rule matches, declared true", cfg: basicOnPush, repo: "prod-api", declared: true, effective: ScanningOnPush, ruleFilter: "prod*"},
		{name: "basic rule matches, declared false", cfg: basicOnPush, repo: "prod-api", declared: false, effective: ScanningOnPush, overrides: true, ruleFilter: "prod*"},
		{name: "basic rule does not match, declared true", cfg: basicOnPush, repo: "dev-api", declared: true, effective: ScanningManual, overrides: true},
		{name: "basic rule does not match, declared false", cfg: basicOnPush, repo: "dev-api", declared: false, effective: ScanningManual},
		{name: "enhanced continuous wins", cfg: enhanced, repo: "team-critical-db", declared: false, effective: ScanningContinuous, overrides: true, ruleFilter: "team-critical*"},
		{name: "enhanced continuous meets declared true", cfg: enhanced, repo: "team-critical-db", declared: true, effective: ScanningContinuous, ruleFilter: "team-critical*"},
		{name: "enhanced on push", cfg: enhanced, repo: "team-web", declared: true, effective: ScanningOnPush, ruleFilter: "team-*"},
		{name: "enhanced no match: nothing is scanned", cfg: enhanced, repo: "other", declared: true, effective: ScanningNone, overrides: true},
		{name: "enhanced no match, declared false", cfg: enhanced, repo: "other", declared: false, effective: ScanningNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := ScanOnPushOverride(tt.cfg, tt.repo, tt.declared)
			if d.Effective != tt.effective || d.Overrides != tt.overrides || d.Filter != tt.ruleFilter {
				t.Errorf("effective %q overrides %v filter %q; want %q %v %q", d.Effective, d.Overrides, d.Filter, tt.effective, tt.overrides, tt.ruleFilter)
			}
		})
	}
}

func TestTemplateFor(t *testing.T) {
	t.Parallel()
	push := []string{AppliedForCreateOnPush}
	templates := []Template{
		{Prefix: RootPrefix, AppliedFor: push},
		{Prefix: "prod", AppliedFor: push},
		{Prefix: "prod/team/", AppliedFor: push},
		{Prefix: "prod/team/cache", AppliedFor: []string{AppliedForPullThroughCache}},
		{Prefix: "dev", AppliedFor: []string{AppliedForReplication}},
	}
	for _, tt := range []struct {
		repo, scenario, want string // want "" = none
	}{
		{"prod/app", AppliedForCreateOnPush, "prod"},
		{"prod/team/app", AppliedForCreateOnPush, "prod/team/"},
		// The longest matching prefix is the name's template; it is for
		// another scenario, so no template applies on push.
		{"prod/team/cache/x", AppliedForCreateOnPush, ""},
		{"prod/team/cache/x", AppliedForPullThroughCache, "prod/team/cache"},
		{"production/app", AppliedForCreateOnPush, RootPrefix}, // a prefix is a namespace, not a string prefix
		{"prod", AppliedForCreateOnPush, RootPrefix},
		// ROOT is only for names no other template matches: "dev" matches,
		// so ROOT does not apply on push although it is for CREATE_ON_PUSH.
		{"dev/app", AppliedForCreateOnPush, ""},
		{"dev", AppliedForCreateOnPush, RootPrefix},
		{"devel/app", AppliedForCreateOnPush, RootPrefix},
		{"dev/app", AppliedForReplication, "dev"},
		{"other", AppliedForReplication, ""},
	} {
		got, ok := TemplateFor(templates, tt.repo, tt.scenario)
		if ok != (tt.want != "") || got.Prefix != tt.want {
			t.Errorf("TemplateFor(%q, %s) = %q, %v; want %q", tt.repo, tt.scenario, got.Prefix, ok, tt.want)
		}
	}
	if _, ok := TemplateFor(templates[1:2], "app", AppliedForCreateOnPush); ok {
		t.Error("a template matched a name outside its prefix without ROOT")
	}
}
