package reconcile

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// The registry notes are pure, like the diff: no HTTP server, no client.

func withRegistry(st state, rs registryState) state {
	st.Registry = rs
	return st
}

func TestRegistrySelection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                string
		spec                Spec
		scanning, templates bool
	}{
		{"nothing managed", Spec{Name: "app"}, false, false},
		{"scan-on-push only", Spec{Name: "app", ScanOnPush: ptrTo(true)}, true, false},
		{"tags", Spec{Name: "app", Tags: map[string]string{"a": "b"}}, false, true},
		{"prune-tags", Spec{Name: "app", PruneTags: true}, false, true},
		{"mutability", Spec{Name: "app", Mutability: &Mutability{Value: "MUTABLE"}}, false, true},
		{"encryption", Spec{Name: "app", Encryption: &Encryption{Type: "AES256"}}, false, true},
		{"repository policy", Spec{Name: "app", RepositoryPolicy: &Document{Remove: true}}, false, true},
		{"lifecycle policy", Spec{Name: "app", LifecyclePolicy: &Document{Text: testLifecycle}}, false, true},
	} {
		rs := registrySelection(tc.spec)
		if rs.Scanning != tc.scanning || rs.Templates != tc.templates {
			t.Errorf("%s: reads scanning %v, templates %v; want %v, %v", tc.name, rs.Scanning, rs.Templates, tc.scanning, tc.templates)
		}
	}
}

func TestRegistryNotes(t *testing.T) {
	t.Parallel()
	const self = "123456789012"
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	failed := errors.New("ecr:DescribeRepositoryCreationTemplates gave up after 8 attempts; last error: 500")
	basicOnPush := registry.ScanningConfiguration{ScanType: registry.ScanTypeBasic, Rules: []registry.ScanningRule{{Frequency: registry.FrequencyScanOnPush, Filters: []string{"prod-*"}}}}
	enhanced := registry.ScanningConfiguration{ScanType: registry.ScanTypeEnhanced, Rules: []registry.ScanningRule{{Frequency: registry.FrequencyContinuous, Filters: []string{"*"}}}}
	scanRead := func(cfg registry.ScanningConfiguration) registryState {
		return registryState{Scanning: true, ID: self, ScanningConfig: cfg}
	}
	push := []string{registry.AppliedForCreateOnPush}
	teamTemplate := registry.Template{Prefix: "team", AppliedFor: push, Mutability: "IMMUTABLE", ResourceTags: map[string]string{"team": "core"}}
	templatesRead := func(list ...registry.Template) registryState {
		return registryState{Templates: true, ID: self, TemplateList: list}
	}
	mutable := &Mutability{Value: "MUTABLE"}
	present := func(name string) state {
		return state{Exists: true, Repository: Repository{Name: name, RegistryID: self}}
	}

	type want struct{ setting, level, text string }
	for _, tc := range []struct {
		name    string
		spec    Spec
		state   state
		created bool
		want    []want
	}{
		{"nothing read, nothing said", Spec{Name: "app", ScanOnPush: ptrTo(true)}, present("app"), false, nil},
		{"default registry: the repository decides", Spec{Name: "app", ScanOnPush: ptrTo(true)},
			withRegistry(present("app"), scanRead(registry.ScanningConfiguration{ScanType: registry.ScanTypeBasic})), false, nil},
		{"basic rule matches as declared", Spec{Name: "prod-api", ScanOnPush: ptrTo(true)}, withRegistry(present("prod-api"), scanRead(basicOnPush)), false, nil},
		{"basic rule: manual scans for the others", Spec{Name: "dev-api", ScanOnPush: ptrTo(true)}, withRegistry(present("dev-api"), scanRead(basicOnPush)), false,
			[]want{{SettingScanOnPush, NoteWarning, "applies manual scans only to dev-api"}}},
		{"basic rule: scanned although declared false", Spec{Name: "prod-api", ScanOnPush: ptrTo(false)}, withRegistry(present("prod-api"), scanRead(basicOnPush)), false,
			[]want{{SettingScanOnPush, NoteWarning, `its SCAN_ON_PUSH rule with filter "prod-*"`}}},
		{"enhanced continuous, declared false", Spec{Name: "app", ScanOnPush: ptrTo(false)}, withRegistry(present("app"), scanRead(enhanced)), false,
			[]want{{SettingScanOnPush, NoteWarning, "enhanced scanning configuration applies continuous scanning to app"}}},
		{"enhanced continuous meets declared true", Spec{Name: "app", ScanOnPush: ptrTo(true)}, withRegistry(present("app"), scanRead(enhanced)), false, nil},
		{"overridden before creation too", Spec{Name: "dev-api", ScanOnPush: ptrTo(true)}, withRegistry(state{}, scanRead(basicOnPush)), true,
			[]want{{SettingScanOnPush, NoteWarning, "scan-on-push is declared true"}}},
		{"scanning read denied", Spec{Name: "app", ScanOnPush: ptrTo(true)}, withRegistry(present("app"), registryState{Scanning: true, ScanningErr: denied}), false,
			[]want{{SettingScanOnPush, NoteNotice, "access denied to ecr:GetRegistryScanningConfiguration. Add ecr:GetRegistryScanningConfiguration"}}},
		{"another account's registry is not the caller's", Spec{Name: "app", RegistryID: "210987654321", ScanOnPush: ptrTo(true)},
			withRegistry(state{Exists: true, Repository: Repository{Name: "app", RegistryID: "210987654321"}}, scanRead(basicOnPush)), false,
			[]want{{SettingScanOnPush, NoteNotice, "the scanning configuration of registry 210987654321, where the repository is; ECR answers this read only for the caller's own registry (account 123456789012)"}}},

		{"no template", Spec{Name: "team/app", Mutability: mutable}, withRegistry(present("team/app"), templatesRead()), false, nil},
		{"template for another namespace", Spec{Name: "web/app", Mutability: mutable},
			withRegistry(present("web/app"), templatesRead(teamTemplate)), false, nil},
		{"template not for pushes", Spec{Name: "team/app", Mutability: mutable},
			withRegistry(present("team/app"), templatesRead(registry.Template{Prefix: "team", AppliedFor: []string{registry.AppliedForReplication}, Mutability: "IMMUTABLE"})), false, nil},
		{"template agrees", Spec{Name: "team/app", Mutability: &Mutability{Value: "IMMUTABLE"}, Tags: map[string]string{"team": "core"}},
			withRegistry(present("team/app"), templatesRead(teamTemplate)), false, nil},
		{"template differs on an existing repository", Spec{Name: "team/app", Mutability: mutable, Tags: map[string]string{"team": "web"}},
			withRegistry(present("team/app"), templatesRead(teamTemplate)), false, []want{
				{SettingMutability, NoteWarning, `template "team" (applied for CREATE_ON_PUSH) sets image-tag-mutability to IMMUTABLE, but MUTABLE is declared`},
				{SettingTags, NoteWarning, "sets tags to team=core, but team=web is declared"},
			}},
		{"the ROOT template, at creation: the plan says so", Spec{Name: "app", Mutability: mutable},
			withRegistry(state{}, templatesRead(registry.Template{Prefix: registry.RootPrefix, AppliedFor: push, Mutability: "IMMUTABLE"})), true, []want{
				{SettingMutability, NoteWarning, `template "ROOT"`},
				{SettingRepository, NoteNotice, `this run creates app with the declared settings; a docker push that came first would have created it from the repository creation template "ROOT" with another image-tag-mutability`},
			}},
		{"unmanaged settings are not compared", Spec{Name: "team/app", LifecyclePolicy: &Document{Remove: true}},
			withRegistry(present("team/app"), templatesRead(teamTemplate)), false, nil},
		{"templates read denied", Spec{Name: "app", Tags: map[string]string{"a": "b"}}, withRegistry(state{}, registryState{Templates: true, TemplatesErr: denied}), true,
			[]want{{SettingRepository, NoteNotice, "access denied to ecr:DescribeRepositoryCreationTemplates"}}},
		{"templates read failed: a warning with the error", Spec{Name: "app", Tags: map[string]string{"a": "b"}}, withRegistry(present("app"), registryState{Templates: true, TemplatesErr: failed}), false,
			[]want{{SettingRepository, NoteWarning, "not checked: whether a repository creation template would create the repository on push with other settings than the declared ones; ecr:DescribeRepositoryCreationTemplates gave up after 8 attempts"}}},
		{"a template policy that does not parse", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}},
			withRegistry(present("app"), templatesRead(registry.Template{Prefix: registry.RootPrefix, AppliedFor: push, RepositoryPolicy: "{"})), false,
			[]want{{SettingRepository, NoteWarning, `the repository creation template "ROOT" could not be compared`}}},
		{"both reads denied: one notice each", Spec{Name: "app", ScanOnPush: ptrTo(true), Tags: map[string]string{"a": "b"}},
			withRegistry(present("app"), registryState{Scanning: true, Templates: true, ScanningErr: denied, TemplatesErr: denied}), false, []want{
				{SettingScanOnPush, NoteNotice, "ecr:GetRegistryScanningConfiguration"},
				{SettingRepository, NoteNotice, "ecr:DescribeRepositoryCreationTemplates"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			notes := registryNotes(tc.spec, tc.state, "aws", tc.created, false)
			if len(notes) != len(tc.want) {
				t.Fatalf("notes %+v, want %d", notes, len(tc.want))
			}
			for i, w := range tc.want {
				n := notes[i]
				if n.Setting != w.setting || n.Level != w.level || !strings.Contains(n.Text, w.text) {
					t.Errorf("note %d = %+v, want %s %s containing %q", i, n, w.level, w.setting, w.text)
				}
				if strings.Contains(n.Text, "\n") {
					t.Errorf("note %d spans lines: %q", i, n.Text)
				}
			}
		})
	}
}

// A denial note names no repository: a batch shows it once.
func TestRegistryDenialNotesAreTheSameForEveryRepository(t *testing.T) {
	t.Parallel()
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	rs := registryState{Scanning: true, Templates: true, ScanningErr: denied, TemplatesErr: denied}
	spec := Spec{ScanOnPush: ptrTo(true), Tags: map[string]string{"a": "b"}}
	a, b := spec, spec
	a.Name, b.Name = "team/a", "team/b"
	na := registryNotes(a, withRegistry(state{}, rs), "aws", true, false)
	nb := registryNotes(b, withRegistry(state{}, rs), "aws", true, false)
	if len(na) != 2 || !slices.Equal(na, nb) {
		t.Errorf("notes differ between repositories:\n%+v\n%+v", na, nb)
	}
}

// Each setting a creation template sets, compared with the declared value
// (setting.template); TestRegistryNotes covers how the warnings are worded.
func TestTemplateDifferences(t *testing.T) {
	t.Parallel()
	pull := `{"Version":"2012-10-17","Statement":[{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	pullAsECR := `{"Version":"2012-10-17","Statement":[{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}]}`
	pullAndLambda := `{"Version":"2012-10-17","Statement":[{"Sid":"Lambda","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:BatchGetImage"},` +
		`{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	keep1 := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	keep1Spaced := "{ \"rules\": [ {\"action\":{\"type\":\"expire\"}, \"rulePriority\": 1, \"selection\": {\"countNumber\":1,\"countType\":\"imageCountMoreThan\",\"tagStatus\":\"untagged\"}} ] }"
	keep5 := strings.Replace(keep1, `"countNumber":1`, `"countNumber":5`, 1)
	const keyID = "1234abcd-12ab-34cd-56ef-1234567890ab"
	key := "arn:aws:kms:us-east-1:123456789012:key/" + keyID
	otherKey := strings.Replace(key, "1234abcd", "9999abcd", 1)

	tmpl := registry.Template{
		Prefix: "prod", AppliedFor: []string{registry.AppliedForCreateOnPush},
		Mutability: "IMMUTABLE_WITH_EXCLUSION", ExclusionFilters: []string{"latest", "dev-*"},
		EncryptionType: "KMS", KMSKey: key,
		ResourceTags:     map[string]string{"team": "a"},
		RepositoryPolicy: pullAsECR, LifecyclePolicy: keep1,
	}
	root := registry.Template{Prefix: registry.RootPrefix}
	kms := func(key string) Spec { return Spec{Encryption: &Encryption{Type: "KMS", KMSKey: key}} }
	rootTags := func(tags map[string]string) registry.Template {
		r := root
		r.ResourceTags = tags
		return r
	}
	policyOnly := func(text string) registry.Template { return registry.Template{Prefix: "prod", RepositoryPolicy: text} }
	// In another partition ECR stores an account as that partition's root.
	cnPolicy := policyOnly(strings.Replace(pullAsECR, "arn:aws:", "arn:aws-cn:", 1))
	differs := "a different policy"
	tests := []struct {
		name      string
		tmpl      registry.Template
		spec      Spec
		partition string   // "" is aws
		want      []string // "setting: the template's value / the declared value"
	}{
		{name: "all the same (policies by meaning, filters as a set)", tmpl: tmpl, spec: Spec{
			Mutability: &Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"dev-*", "latest"}},
			Encryption: &Encryption{Type: "KMS", KMSKey: key}, Tags: map[string]string{"team": "a"},
			RepositoryPolicy: &Document{Text: pull}, LifecyclePolicy: &Document{Text: keep1Spaced},
		}},
		{name: "all different, in the order of the settings", tmpl: tmpl, spec: Spec{
			Mutability: &Mutability{Value: "MUTABLE"}, Encryption: &Encryption{}, Tags: map[string]string{"team": "b"},
			RepositoryPolicy: &Document{Remove: true}, LifecyclePolicy: &Document{Text: keep5},
		}, want: []string{
			"encryption: KMS with " + key + " / AES256",
			"image-tag-mutability: IMMUTABLE_WITH_EXCLUSION / MUTABLE",
			"tags: team=a / team=b",
			"repository-policy: " + differs + " / none (compared by meaning)",
			"lifecycle-policy: " + differs + " / " + differs + " (compared by meaning)",
		}},
		{name: "filters differ", tmpl: tmpl, spec: Spec{Mutability: &Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"latest"}}},
			want: []string{"image-tag-mutability-exclusion-filters: latest, dev-* / latest"}},
		{name: "template defaults", tmpl: root, spec: Spec{
			Mutability: &Mutability{Value: "MUTABLE"}, Encryption: &Encryption{Type: "AES256"}, Tags: map[string]string{},
			RepositoryPolicy: &Document{Remove: true}, LifecyclePolicy: &Document{Remove: true},
		}},
		{name: "declared tags, template none", tmpl: root, spec: Spec{Tags: map[string]string{"a": "b"}}, want: []string{"tags: no tags / a=b"}},
		// Without prune-tags the action leaves other tags alone, so a
		// template's extra tag is no difference; with it, it is.
		{name: "template's extra tag kept", tmpl: rootTags(map[string]string{"a": "b", "cost": "x"}), spec: Spec{Tags: map[string]string{"a": "b"}}},
		{name: "template's extra tag pruned", tmpl: rootTags(map[string]string{"a": "b", "cost": "x"}), spec: Spec{Tags: map[string]string{"a": "b"}, PruneTags: true},
			want: []string{"tags: a=b, cost=x / a=b"}},
		{name: "prune only, template tags", tmpl: rootTags(map[string]string{"cost": "x"}), spec: Spec{PruneTags: true}, want: []string{"tags: cost=x / no tags"}},
		{name: "prune only, template without tags", tmpl: root, spec: Spec{PruneTags: true}},
		// A template names its key by ARN: a declared ARN or key ID is
		// compared with it, an alias cannot be without KMS.
		{name: "other key ARN", tmpl: tmpl, spec: kms(otherKey), want: []string{"encryption: KMS with " + key + " / KMS with " + otherKey}},
		{name: "the key's ID", tmpl: tmpl, spec: kms(keyID)},
		{name: "another key's ID", tmpl: tmpl, spec: kms("9999abcd-12ab-34cd-56ef-1234567890ab"),
			want: []string{"encryption: KMS with " + key + " / KMS with 9999abcd-12ab-34cd-56ef-1234567890ab"}},
		{name: "key alias is not compared", tmpl: tmpl, spec: kms("alias/app")},
		{name: "key alias ARN is not compared", tmpl: tmpl, spec: kms("arn:aws:kms:us-east-1:123456789012:alias/app")},
		{name: "owned statements only", tmpl: policyOnly(pullAndLambda), spec: Spec{RepositoryPolicy: &Document{Text: pull}, RepositoryPolicySidPrefix: "ci-"}},
		{name: "whole policy without a prefix", tmpl: policyOnly(pullAndLambda), spec: Spec{RepositoryPolicy: &Document{Text: pull}},
			want: []string{"repository-policy: " + differs + " / " + differs + " (compared by meaning)"}},
		{name: "aws-cn template as ECR stores it", tmpl: cnPolicy, spec: Spec{RepositoryPolicy: &Document{Text: pull}}, partition: "aws-cn"},
		{name: "aws-cn root ARN in the aws partition", tmpl: cnPolicy, spec: Spec{RepositoryPolicy: &Document{Text: pull}},
			want: []string{"repository-policy: " + differs + " / " + differs + " (compared by meaning)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.spec.Name = "prod/app"
			diffs, err := templateDifferences(tt.spec, tt.tmpl, cmp.Or(tt.partition, "aws"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range diffs {
				got = append(got, d.setting+": "+d.template+" / "+d.declared)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("differences\n%q, want\n%q", got, tt.want)
			}
		})
	}
}
