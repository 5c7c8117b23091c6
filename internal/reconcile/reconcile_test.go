package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

func TestCreateSetsEverythingWithFewestCalls(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	res := f.run(t, fullSpec("team/app"))

	if !res.Created || !res.Changed() {
		t.Errorf("Created=%v Changed=%v, want both true", res.Created, res.Changed())
	}
	wantURI := account + ".dkr.ecr." + region + ".amazonaws.com/team/app"
	if res.Repository.URI != wantURI || res.Repository.Registry() != account+".dkr.ecr."+region+".amazonaws.com" {
		t.Errorf("URI = %q, registry %q; want %q", res.Repository.URI, res.Repository.Registry(), wantURI)
	}
	// Everything CreateRepository accepts goes into that one call; the two
	// policies follow it. The policy reads went out with the describe and
	// their "not found" answers were ignored; nothing is read back. The
	// registry-level reads went out with them, once.
	if got, want := f.ops(), sorted("DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy", "CreateRepository", "SetRepositoryPolicy", "PutLifecyclePolicy",
		"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"); !slices.Equal(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	for _, c := range f.emu.Calls() {
		if strings.HasPrefix(c.Operation, "Get") && c.Repository != "" && c.ErrorCode != "RepositoryNotFoundException" {
			t.Errorf("%s answered %q: it was sent again after the creation", c.Operation, c.ErrorCode)
		}
	}
	r := f.repo(t, "team/app")
	if r.Mutability != "IMMUTABLE_WITH_EXCLUSION" || !slices.Equal(sorted(r.ExclusionFilters...), []string{"cache", "latest"}) {
		t.Errorf("mutability = %s %v", r.Mutability, r.ExclusionFilters)
	}
	if !r.ScanOnPush || r.EncryptionType != "AES256" {
		t.Errorf("scanOnPush=%v encryption=%s", r.ScanOnPush, r.EncryptionType)
	}
	if !maps.Equal(r.Tags, map[string]string{"team": "payments", "env": "prod"}) {
		t.Errorf("tags = %v", r.Tags)
	}
	if !strings.Contains(r.Policy, "arn:aws:iam::210987654321:root") || r.Lifecycle == "" {
		t.Errorf("policy %q / lifecycle %q not set as declared", r.Policy, r.Lifecycle)
	}
	for _, c := range res.Changes {
		if c.Action != reconcile.ActionCreate {
			t.Errorf("%s: action %s, want create", c.Setting, c.Action)
		}
	}
}

func TestRerunMakesNoWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.run(t, fullSpec("app"))
	f.emu.ResetCalls()

	res := f.run(t, fullSpec("app"))
	if res.Created || res.Changed() {
		t.Errorf("second run: Created=%v Changed=%v, want false", res.Created, res.Changed())
	}
	if w := f.writeOps(); len(w) != 0 {
		t.Errorf("second run wrote %v, want no writes", w)
	}
	// ECR returned re-formatted policy text; it must still compare equal.
	if got, want := f.ops(), sorted("DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy", "ListTagsForResource",
		"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"); !slices.Equal(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	for _, c := range res.Changes {
		if c.Action != reconcile.ActionUnchanged {
			t.Errorf("%s: %s (%s -> %s), want unchanged", c.Setting, c.Action, c.From, c.To)
		}
	}
}

func TestUnmanagedSettingsAreNeitherReadNorWritten(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.PutRepository(emulator.Repository{Name: "legacy", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`, Tags: map[string]string{"a": "b"}})
	res := f.run(t, reconcile.Spec{Name: "legacy"})
	if got := f.ops(); !slices.Equal(got, []string{"DescribeRepositories"}) {
		t.Errorf("calls = %v, want only DescribeRepositories", got)
	}
	if res.Changed() || len(res.Changes) != 1 {
		t.Errorf("changes = %+v, want only the unchanged repository", res.Changes)
	}
	if r := f.repo(t, "legacy"); r.Policy == "" || r.Tags["a"] != "b" {
		t.Errorf("unmanaged settings were touched: %+v", r)
	}
}

func TestDriftIsRepairedWithOneWrite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		drift   func(*emulator.Repository)
		setting string
		write   string
		check   func(emulator.Repository) bool
	}{
		{"mutability", func(r *emulator.Repository) { r.Mutability, r.ExclusionFilters = "MUTABLE", nil }, reconcile.SettingMutability, "PutImageTagMutability",
			func(r emulator.Repository) bool {
				return r.Mutability == "IMMUTABLE_WITH_EXCLUSION" && len(r.ExclusionFilters) == 2
			}},
		{"filters", func(r *emulator.Repository) { r.ExclusionFilters = []string{"cache"} }, reconcile.SettingMutability, "PutImageTagMutability",
			func(r emulator.Repository) bool { return len(r.ExclusionFilters) == 2 }},
		{"scan", func(r *emulator.Repository) { r.ScanOnPush = false }, reconcile.SettingScanOnPush, "PutImageScanningConfiguration",
			func(r emulator.Repository) bool { return r.ScanOnPush }},
		{"tag value", func(r *emulator.Repository) {
			r.Tags = map[string]string{"team": "other", "env": "prod", "extra": "kept"}
		}, reconcile.SettingTags, "TagResource",
			func(r emulator.Repository) bool { return r.Tags["team"] == "payments" && r.Tags["extra"] == "kept" }},
		{"policy", func(r *emulator.Repository) { r.Policy = "" }, reconcile.SettingRepositoryPolicy, "SetRepositoryPolicy",
			func(r emulator.Repository) bool { return strings.Contains(r.Policy, "ClusterPull") }},
		{"policy edited", func(r *emulator.Repository) {
			r.Policy = strings.Replace(r.Policy, "ecr:BatchGetImage", "ecr:PutImage", 1)
		}, reconcile.SettingRepositoryPolicy, "SetRepositoryPolicy",
			func(r emulator.Repository) bool {
				return strings.Contains(r.Policy, "ecr:BatchGetImage") && !strings.Contains(r.Policy, "ecr:PutImage")
			}},
		{"lifecycle", func(r *emulator.Repository) { r.Lifecycle = strings.Replace(r.Lifecycle, "30", "5", 1) }, reconcile.SettingLifecyclePolicy, "PutLifecyclePolicy",
			func(r emulator.Repository) bool { return strings.Contains(r.Lifecycle, "30") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			f.run(t, fullSpec("app"))
			r := f.repo(t, "app")
			tc.drift(&r)
			f.emu.PutRepository(r)
			f.emu.ResetCalls()

			res := f.run(t, fullSpec("app"))
			if got := f.writeOps(); !slices.Equal(got, []string{tc.write}) {
				t.Errorf("writes = %v, want [%s]", got, tc.write)
			}
			if a := actionOf(res, tc.setting); a != reconcile.ActionUpdate && a != reconcile.ActionCreate {
				t.Errorf("%s action = %s, want update", tc.setting, a)
			}
			if !tc.check(f.repo(t, "app")) {
				t.Errorf("not repaired: %+v", f.repo(t, "app"))
			}
			f.emu.ResetCalls()
			if res := f.run(t, fullSpec("app")); res.Changed() || len(f.emu.Writes()) != 0 {
				t.Errorf("run after repair changed something: %+v", res.ChangedOnly())
			}
		})
	}
}

func TestRemoveAndPrune(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.run(t, fullSpec("app"))
	r := f.repo(t, "app")
	r.Tags["stray"], r.Tags["aws:cloudformation:stack-name"] = "x", "kept"
	f.emu.PutRepository(r)
	f.emu.ResetCalls()

	spec := reconcile.Spec{
		Name:             "app",
		RepositoryPolicy: &reconcile.Document{Remove: true},
		LifecyclePolicy:  &reconcile.Document{Remove: true},
		Tags:             map[string]string{"team": "payments"},
		PruneTags:        true,
	}
	res := f.run(t, spec)
	if got, want := f.writeOps(), sorted("DeleteRepositoryPolicy", "DeleteLifecyclePolicy", "UntagResource"); !slices.Equal(got, want) {
		t.Errorf("writes = %v, want %v", got, want)
	}
	for _, s := range []string{reconcile.SettingRepositoryPolicy, reconcile.SettingLifecyclePolicy} {
		if a := actionOf(res, s); a != reconcile.ActionRemove {
			t.Errorf("%s = %s, want remove", s, a)
		}
	}
	got := f.repo(t, "app")
	if got.Policy != "" || got.Lifecycle != "" {
		t.Errorf("policies not removed: %q %q", got.Policy, got.Lifecycle)
	}
	if want := map[string]string{"team": "payments", "aws:cloudformation:stack-name": "kept"}; !maps.Equal(got.Tags, want) {
		t.Errorf("tags = %v, want %v", got.Tags, want)
	}
	f.emu.ResetCalls()
	if res := f.run(t, spec); res.Changed() || len(f.emu.Writes()) != 0 {
		t.Errorf("second removal changed something: %+v", res.ChangedOnly())
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	ctx := context.Background()

	res, err := f.reconciler(true).Reconcile(ctx, fullSpec("app"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.DryRun || len(f.emu.Writes()) != 0 || f.emu.RepositoryCount() != 0 {
		t.Errorf("dry-run on a missing repository: created=%v writes=%v repos=%d", res.Created, f.emu.Writes(), f.emu.RepositoryCount())
	}
	// fullSpec manages every setting of a private repository: the plan has
	// a change for each, the repository's own included.
	want := 0
	for _, s := range reconcile.Settings() {
		if s.Private {
			want++
		}
	}
	if len(res.Changes) != want {
		t.Errorf("dry-run plan has %d changes, want %d: %+v", len(res.Changes), want, res.Changes)
	}

	f.run(t, fullSpec("app"))
	r := f.repo(t, "app")
	r.ScanOnPush, r.Lifecycle = false, ""
	f.emu.PutRepository(r)
	f.emu.ResetCalls()
	res, err = f.reconciler(true).Reconcile(ctx, fullSpec("app"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.emu.Writes()) != 0 {
		t.Errorf("dry-run wrote %v", f.emu.Writes())
	}
	if actionOf(res, reconcile.SettingScanOnPush) != reconcile.ActionUpdate || actionOf(res, reconcile.SettingLifecyclePolicy) != reconcile.ActionCreate {
		t.Errorf("dry-run plan = %+v", res.Changes)
	}
	if got := f.repo(t, "app"); got.ScanOnPush || got.Lifecycle != "" {
		t.Errorf("dry-run changed the repository: %+v", got)
	}
}

func TestConcurrentCreatesAllSucceed(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 4, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			// Every job sees the repository missing and tries to create it;
			// all but one lose the race.
			f := newFixtureWrapped(t, emulator.Options{}, createBarrier(n))
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() { _, errs[i] = f.reconciler(false).Reconcile(context.Background(), fullSpec("race/app")) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent reconciles failed: %v", err)
			}
			if c := f.emu.RepositoryCount(); c != 1 {
				t.Errorf("%d repositories, want 1", c)
			}
			lost := 0
			for _, c := range f.emu.Calls() {
				if c.ErrorCode == "RepositoryAlreadyExistsException" {
					lost++
				}
			}
			if f.emu.Count("CreateRepository") != n || lost != n-1 {
				t.Errorf("CreateRepository called %d times with %d lost races, want %d and %d", f.emu.Count("CreateRepository"), lost, n, n-1)
			}
			f.emu.ResetCalls()
			if res := f.run(t, fullSpec("race/app")); res.Changed() {
				t.Errorf("end state is not the declared one: %+v", res.ChangedOnly())
			}
		})
	}
}

func TestEncryptionCannotChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.run(t, reconcile.Spec{Name: "kms", Encryption: &reconcile.Encryption{Type: "KMS", KMSKey: "1234abcd-12ab-34cd-56ef-1234567890ab"}})
	r := f.repo(t, "kms")
	if r.EncryptionType != "KMS" || !strings.HasSuffix(r.KMSKey, ":key/1234abcd-12ab-34cd-56ef-1234567890ab") {
		t.Fatalf("encryption = %s %s", r.EncryptionType, r.KMSKey)
	}
	// The key ID the user wrote matches the ARN ECR reports.
	f.emu.ResetCalls()
	if res := f.run(t, reconcile.Spec{Name: "kms", Encryption: &reconcile.Encryption{Type: "KMS", KMSKey: "1234abcd-12ab-34cd-56ef-1234567890ab"}}); res.Changed() {
		t.Errorf("same key by ID reported as a change: %+v", res.Changes)
	}
	for _, want := range []reconcile.Encryption{{Type: "AES256"}, {Type: "KMS", KMSKey: "ffffffff-12ab-34cd-56ef-1234567890ab"}} {
		res, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "kms", Encryption: &want})
		var se *reconcile.SettingsError
		if !errors.As(err, &se) || res == nil {
			t.Fatalf("declared %v: err = %v, want a SettingsError", want, err)
		}
		if msg := se.Error(); !strings.Contains(msg, "only when it creates") {
			t.Errorf("message does not say what to do: %s", msg)
		}
	}
	if len(f.emu.Writes()) != 0 {
		t.Errorf("encryption mismatch caused writes: %v", f.emu.Writes())
	}
}

func TestAccessDeniedIsNotMissing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetAllowedActions([]string{"ecr:CreateRepository"})
	_, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "app"})
	var denied *reconcile.AccessDeniedError
	if !errors.As(err, &denied) || denied.Action != "ecr:DescribeRepositories" {
		t.Fatalf("err = %v, want access denied naming ecr:DescribeRepositories", err)
	}
	if f.emu.Count("CreateRepository") != 0 {
		t.Error("a denied describe was taken for a missing repository and a create was attempted")
	}
}
