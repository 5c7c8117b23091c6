package reconcile_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Registry-level checks through the real SDK client against the emulator:
// the registry's scanning configuration and creation templates become
// notes; the repository's own changes and writes do not change.

func notesOf(res *reconcile.Result, setting string) []reconcile.Note {
	var out []reconcile.Note
	for _, n := range res.Notes {
		if n.Setting == setting {
			out = append(out, n)
		}
	}
	return out
}

func wantNote(t *testing.T, res *reconcile.Result, setting, level string, parts ...string) {
	t.Helper()
	notes := notesOf(res, setting)
	if len(notes) != 1 || notes[0].Level != level {
		t.Fatalf("%s notes %+v, want one %s (all: %+v)", setting, notes, level, res.Notes)
	}
	for _, p := range parts {
		if !strings.Contains(notes[0].Text, p) {
			t.Errorf("%s note %q lacks %q", setting, notes[0].Text, p)
		}
	}
}

func scanOnly(name string, scan bool) reconcile.Spec {
	return reconcile.Spec{Name: name, ScanOnPush: ptr(scan)}
}

func TestScanningOverrideWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cfg   emulator.RegistryScanningConfiguration
		repo  string
		scan  bool
		parts []string // nil: no note
	}{
		{"default registry: no note", emulator.RegistryScanningConfiguration{ScanType: emulator.ScanBasic}, "app", true, nil},
		{"basic rule matches as declared: no note",
			emulator.RegistryScanningConfiguration{ScanType: emulator.ScanBasic, Rules: []emulator.RegistryScanningRule{{ScanFrequency: emulator.ScanOnPush, Filters: []string{"prod-*"}}}},
			"prod-api", true, nil},
		{"basic rule leaves others to manual scans",
			emulator.RegistryScanningConfiguration{ScanType: emulator.ScanBasic, Rules: []emulator.RegistryScanningRule{{ScanFrequency: emulator.ScanOnPush, Filters: []string{"prod-*"}}}},
			"dev-api", true, []string{"basic scanning configuration applies manual scans only to dev-api", "add a filter that matches dev-api", "put-registry-scanning-configuration"}},
		{"enhanced scanning ignores the repository's flag",
			emulator.RegistryScanningConfiguration{ScanType: emulator.ScanEnhanced, Rules: []emulator.RegistryScanningRule{{ScanFrequency: emulator.ScanContinuous, Filters: []string{"*"}}}},
			"app", false, []string{"scan-on-push is declared false", "enhanced scanning configuration applies continuous scanning to app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			f.emu.SetRegistryScanningConfiguration("", tc.cfg)
			f.emu.PutRepository(emulator.Repository{Name: tc.repo, ScanOnPush: tc.scan})
			res := f.run(t, scanOnly(tc.repo, tc.scan))
			// The change says what the repository's flag is; the note says
			// what the registry does instead.
			if a := actionOf(res, reconcile.SettingScanOnPush); a != reconcile.ActionUnchanged {
				t.Errorf("scan-on-push %s, want unchanged", a)
			}
			if w := f.writeOps(); len(w) != 0 {
				t.Errorf("writes %v", w)
			}
			// Nothing a template sets is managed: the templates are not read.
			if n := f.emu.Count("DescribeRepositoryCreationTemplates"); n != 0 {
				t.Errorf("templates read %d times with nothing comparable managed", n)
			}
			if tc.parts == nil {
				if len(res.Notes) != 0 {
					t.Errorf("notes %+v, want none", res.Notes)
				}
				return
			}
			wantNote(t, res, reconcile.SettingScanOnPush, reconcile.NoteWarning, tc.parts...)
		})
	}
}

// The flag is written as declared even when the registry overrides it, and
// the warning stays on the re-run, which writes nothing.
func TestScanningOverrideWithUpdateThenRerun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetRegistryScanningConfiguration("", emulator.RegistryScanningConfiguration{ScanType: emulator.ScanEnhanced})
	f.emu.PutRepository(emulator.Repository{Name: "app"})
	res := f.run(t, scanOnly("app", true))
	if a := actionOf(res, reconcile.SettingScanOnPush); a != reconcile.ActionUpdate {
		t.Errorf("scan-on-push %s, want update", a)
	}
	wantNote(t, res, reconcile.SettingScanOnPush, reconcile.NoteWarning, "applies no scanning to app", "images are not scanned")
	f.emu.ResetCalls()
	res = f.run(t, scanOnly("app", true))
	if w := f.writeOps(); len(w) != 0 || res.Changed() {
		t.Errorf("re-run wrote %v (changed %v)", w, res.Changed())
	}
	wantNote(t, res, reconcile.SettingScanOnPush, reconcile.NoteWarning, "applies no scanning to app")
}

func teamTemplate() emulator.CreationTemplate {
	return emulator.CreationTemplate{
		Prefix: "team", AppliedFor: []string{emulator.AppliedForCreateOnPush},
		Mutability: "IMMUTABLE", ResourceTags: map[string]string{"team": "core"},
	}
}

func templateSpec(name string) reconcile.Spec {
	return reconcile.Spec{Name: name, Mutability: &reconcile.Mutability{Value: "MUTABLE"}, Tags: map[string]string{"team": "web"}}
}

func TestTemplateDifferencesWarned(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.PutCreationTemplate("", teamTemplate())
	f.emu.PutRepository(emulator.Repository{Name: "team/app", Mutability: "MUTABLE", Tags: map[string]string{"team": "web"}})
	res := f.run(t, templateSpec("team/app"))
	wantNote(t, res, reconcile.SettingMutability, reconcile.NoteWarning, `template "team" (applied for CREATE_ON_PUSH) sets image-tag-mutability to IMMUTABLE, but MUTABLE is declared`)
	wantNote(t, res, reconcile.SettingTags, reconcile.NoteWarning, "sets tags to team=core, but team=web is declared", "align the template")
	if len(res.Notes) != 2 || res.Changed() || len(f.writeOps()) != 0 {
		t.Errorf("notes %+v, changed %v, writes %v", res.Notes, res.Changed(), f.writeOps())
	}
	// Scanning is not managed: the scanning configuration is not read.
	if n := f.emu.Count("GetRegistryScanningConfiguration"); n != 0 {
		t.Errorf("scanning configuration read %d times without scan-on-push", n)
	}
}

// Creating a repository a template would have created otherwise: the
// differences and one plan line, in dry-run and for real alike; the
// repository gets the declared settings.
func TestTemplateAtCreation(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{true, false} {
		f := newFixture(t, emulator.Options{})
		f.emu.PutCreationTemplate("", teamTemplate())
		res, err := f.reconciler(dry).Reconcile(context.Background(), templateSpec("team/new"))
		if err != nil {
			t.Fatal(err)
		}
		creates := "this run creates"
		if dry {
			creates = "this run would create"
		}
		wantNote(t, res, reconcile.SettingRepository, reconcile.NoteNotice,
			creates+` team/new with the declared settings; a docker push that came first would have created it from the repository creation template "team" with another image-tag-mutability, tags`)
		if len(res.Notes) != 3 || !res.Created {
			t.Errorf("dry-run %v: created %v, notes %+v", dry, res.Created, res.Notes)
		}
		r, ok := f.emu.Repository("", "team/new")
		switch {
		case dry && (ok || len(f.writeOps()) != 0):
			t.Errorf("dry-run wrote %v", f.writeOps())
		case !dry && (!ok || r.Mutability != "MUTABLE" || r.Tags["team"] != "web"):
			t.Errorf("created %v with mutability %q, tags %v", ok, r.Mutability, r.Tags)
		}
	}
}

func TestNoTemplateNoNote(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	// A template for another namespace, and one for replication only.
	f.emu.PutCreationTemplate("", teamTemplate())
	other := teamTemplate()
	other.Prefix, other.AppliedFor = "web", []string{emulator.AppliedForReplication}
	f.emu.PutCreationTemplate("", other)
	res := f.run(t, fullSpec("web/app"))
	if len(res.Notes) != 0 {
		t.Errorf("notes %+v, want none", res.Notes)
	}
	if n := f.emu.Count("DescribeRepositoryCreationTemplates"); n != 1 {
		t.Errorf("templates read %d times, want once", n)
	}
}

// ROOT applies only to names no other template matches, and a prefix has
// an implied "/" at its end: a prefix template for replication only leaves
// its namespace without a template on push even though ROOT is for push,
// while a name outside every namespace (the bare prefix "web" included)
// gets ROOT's warning.
func TestRootTemplateOnlyWithoutAnotherTemplate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	root := teamTemplate()
	root.Prefix = emulator.RootPrefix
	f.emu.PutCreationTemplate("", root)
	replication := teamTemplate()
	replication.Prefix, replication.AppliedFor = "web", []string{emulator.AppliedForReplication}
	f.emu.PutCreationTemplate("", replication)
	for _, name := range []string{"web/app", "web/team/app"} {
		f.emu.PutRepository(emulator.Repository{Name: name, Mutability: "MUTABLE", Tags: map[string]string{"team": "web"}})
		if res := f.run(t, templateSpec(name)); len(res.Notes) != 0 {
			t.Errorf("%s: notes %+v; want none (its template %q is not for CREATE_ON_PUSH, and ROOT is not its template)", name, res.Notes, "web")
		}
	}
	for _, name := range []string{"web", "website/app"} {
		f.emu.PutRepository(emulator.Repository{Name: name, Mutability: "MUTABLE", Tags: map[string]string{"team": "web"}})
		res := f.run(t, templateSpec(name))
		wantNote(t, res, reconcile.SettingMutability, reconcile.NoteWarning, `template "ROOT" (applied for CREATE_ON_PUSH) sets image-tag-mutability to IMMUTABLE`)
	}
}

// The templates are read page by page.
func TestTemplatesArePaged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	for i := range 1001 {
		f.emu.PutCreationTemplate("", emulator.CreationTemplate{Prefix: fmt.Sprintf("ns%04d", i), AppliedFor: []string{emulator.AppliedForCreateOnPush}})
	}
	// The last prefix in order is the one for this name.
	tmpl := teamTemplate()
	tmpl.Prefix = "zz"
	f.emu.PutCreationTemplate("", tmpl)
	res := f.run(t, templateSpec("zz/app"))
	if n := f.emu.Count("DescribeRepositoryCreationTemplates"); n != 2 {
		t.Errorf("%d pages read, want 2", n)
	}
	wantNote(t, res, reconcile.SettingMutability, reconcile.NoteWarning, `template "zz"`)
}

// Each registry read denied: one notice naming its permission, the run
// goes on and converges the repository.
func TestRegistryReadsDenied(t *testing.T) {
	t.Parallel()
	repoActions := []string{"ecr:DescribeRepositories", "ecr:CreateRepository", "ecr:TagResource", "ecr:ListTagsForResource",
		"ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy", "ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy",
		"ecr:PutImageTagMutability", "ecr:PutImageScanningConfiguration"}
	for _, tc := range []struct{ allowed, denied, setting string }{
		{"ecr:DescribeRepositoryCreationTemplates", "ecr:GetRegistryScanningConfiguration", reconcile.SettingScanOnPush},
		{"ecr:GetRegistryScanningConfiguration", "ecr:DescribeRepositoryCreationTemplates", reconcile.SettingRepository},
	} {
		t.Run(tc.denied, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			f.emu.SetAllowedActions(append([]string{tc.allowed}, repoActions...))
			res := f.run(t, fullSpec("app"))
			if !res.Created {
				t.Errorf("not created")
			}
			if len(res.Notes) != 1 {
				t.Fatalf("notes %+v, want one", res.Notes)
			}
			wantNote(t, res, tc.setting, reconcile.NoteNotice, "access denied to "+tc.denied, "docs/iam/registry-checks-policy.json")
			f.emu.ResetCalls()
			res = f.run(t, fullSpec("app"))
			if res.Changed() || len(f.writeOps()) != 0 || len(res.Notes) != 1 {
				t.Errorf("re-run: changed %v, writes %v, notes %+v", res.Changed(), f.writeOps(), res.Notes)
			}
		})
	}
}

// A registry read that fails after the SDK's retries is a warning with the
// error, not a guess: the run goes on.
func TestRegistryReadServerError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.AddFault(emulator.FaultRule{Operation: "DescribeRepositoryCreationTemplates", Kind: emulator.FaultServerError})
	f.emu.PutCreationTemplate("", teamTemplate())
	res := f.run(t, templateSpec("team/app"))
	if !res.Created {
		t.Errorf("not created")
	}
	wantNote(t, res, reconcile.SettingRepository, reconcile.NoteWarning, "not checked", "ecr:DescribeRepositoryCreationTemplates gave up after 5 attempts")
	if len(res.Notes) != 1 {
		t.Errorf("notes %+v: the comparison was guessed", res.Notes)
	}
}

// The registry-level reads answer for the caller's registry: a repository
// in another account's registry is not checked against them.
func TestRegistryChecksSkipAnotherAccountsRegistry(t *testing.T) {
	t.Parallel()
	const other = "210987654321"
	f := newFixture(t, emulator.Options{})
	f.emu.SetRegistryScanningConfiguration("", emulator.RegistryScanningConfiguration{ScanType: emulator.ScanEnhanced})
	f.emu.PutRepository(emulator.Repository{RegistryID: other, Name: "app", ScanOnPush: true})
	spec := scanOnly("app", true)
	spec.RegistryID = other
	// The caller's account unknown: read, and the answer's registry compared.
	res := f.run(t, spec)
	wantNote(t, res, reconcile.SettingScanOnPush, reconcile.NoteNotice, "not checked", "of registry "+other, "account "+account)
	// Known: not even read.
	rec := f.reconciler(false)
	rec.Options.Account = account
	f.emu.ResetCalls()
	res, err := rec.Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	wantNote(t, res, reconcile.SettingScanOnPush, reconcile.NoteNotice, "not checked")
	if n := f.emu.Count("GetRegistryScanningConfiguration"); n != 0 {
		t.Errorf("read %d times for another account's registry", n)
	}
}

// A batch reads the registry once and notes each repository it decides for.
func TestBatchRegistryNotes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetRegistryScanningConfiguration("", emulator.RegistryScanningConfiguration{ScanType: emulator.ScanBasic,
		Rules: []emulator.RegistryScanningRule{{ScanFrequency: emulator.ScanOnPush, Filters: []string{"team/prod-*"}}}})
	f.emu.PutCreationTemplate("", teamTemplate())
	spec := reconcile.Spec{ScanOnPush: ptr(true), Tags: map[string]string{"team": "core"}}
	names := []string{"team/prod-a", "team/dev-b", "team/dev-c"}
	for _, dry := range []bool{true, false} {
		f.emu.ResetCalls()
		items := f.reconciler(dry).ReconcileBatch(context.Background(), spec, names, 3)
		for i, it := range items {
			if it.Err != nil {
				t.Fatalf("%s: %v", it.Name, it.Err)
			}
			scanNotes := notesOf(it.Result, reconcile.SettingScanOnPush)
			if want := map[bool]int{true: 0, false: 1}[i == 0]; len(scanNotes) != want {
				t.Errorf("dry-run %v, %s: scan-on-push notes %+v, want %d", dry, it.Name, scanNotes, want)
			}
			// The template's mutability is not managed, its tags agree.
			if n := len(it.Result.Notes) - len(scanNotes); n != 0 {
				t.Errorf("%s: other notes %+v", it.Name, it.Result.Notes)
			}
		}
		for _, op := range []string{"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"} {
			if n := f.emu.Count(op); n != 1 {
				t.Errorf("dry-run %v: %s called %d times for %d repositories, want once", dry, op, n, len(names))
			}
		}
	}
}
