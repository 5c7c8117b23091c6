package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// state: absent, through the real SDK against the emulator.

func absent(name string, force bool) reconcile.Spec {
	return reconcile.Spec{Name: name, Absent: true, ForceDelete: force}
}

func repositoryChange(t *testing.T, res *reconcile.Result) reconcile.Change {
	t.Helper()
	if res == nil || len(res.Changes) != 1 || res.Changes[0].Setting != reconcile.SettingRepository {
		t.Fatalf("want exactly the repository change, got %+v", res)
	}
	return res.Changes[0]
}

func (f *fixture) exists(name string) bool {
	_, ok := f.emu.Repository("", name)
	return ok
}

func (f *fixture) seedImages(t *testing.T, name string, images int) {
	t.Helper()
	f.emu.PutRepository(emulator.Repository{Name: name})
	if images > 0 && !f.emu.SeedImages(region, "", name, images) {
		t.Fatalf("SeedImages %s: repository not found", name)
	}
}

func TestAbsentDeletesAnEmptyRepositoryWithOneWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "previews/pr-1", 0)
	res := f.run(t, absent("previews/pr-1", false))
	c := repositoryChange(t, res)
	if c.Action != reconcile.ActionRemove || c.From != "present" || c.To != "absent" || !res.Deleted || res.Created || !res.Changed() {
		t.Errorf("result = %+v, change = %+v", res, c)
	}
	if f.exists("previews/pr-1") {
		t.Error("the repository still exists")
	}
	// A plain deletion counts nothing: ECR refuses it if images remain.
	if got, want := f.ops(), sorted("DescribeRepositories", "DeleteRepository"); !equal(got, want) {
		t.Errorf("calls = %v, want %v", got, want)
	}
	if p := f.emu.Calls()[1].Params; p["force"] != "" {
		t.Errorf("DeleteRepository sent force without force-delete: %v", p)
	}
	if res.Repository.Name != "previews/pr-1" || !strings.HasSuffix(res.Repository.URI, "/previews/pr-1") || res.Repository.ARN == "" {
		t.Errorf("repository = %+v, want the identity it had", res.Repository)
	}

	// Re-run: already absent, zero writes.
	f.emu.ResetCalls()
	res = f.run(t, absent("previews/pr-1", false))
	if c := repositoryChange(t, res); c.Action != reconcile.ActionUnchanged || res.Deleted || res.Changed() {
		t.Errorf("re-run: %+v", res)
	}
	if w := f.writeOps(); len(w) != 0 {
		t.Errorf("re-run wrote %v", w)
	}
	if got := f.ops(); !equal(got, []string{"DescribeRepositories"}) {
		t.Errorf("re-run calls = %v", got)
	}
	if res.Repository.Name != "previews/pr-1" || res.Repository.URI != "" {
		t.Errorf("missing repository = %+v, want the name and no URI", res.Repository)
	}
}

func TestAbsentRefusesARepositoryWithImagesAndSaysHowMany(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "app", 1234)
	res, err := f.reconciler(false).Reconcile(context.Background(), absent("app", false))
	var re *reconcile.RepositoryError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RepositoryError", err)
	}
	var se *reconcile.SettingsError
	if errors.As(err, &se) {
		t.Error("a refused deletion must not pass for a settings error (on-reconcile-error: warn would hide it)")
	}
	for _, want := range []string{"1234 image(s)", "force-delete: true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	c := repositoryChange(t, res)
	if c.Action != reconcile.ActionFailed || c.From != "present, 1234 image(s)" || res.Deleted {
		t.Errorf("change = %+v, deleted = %v", c, res.Deleted)
	}
	if !f.exists("app") {
		t.Fatal("the repository was deleted")
	}
	// The count came after ECR's refusal, in pages of 1000.
	if n := f.emu.Count("DescribeImages"); n != 2 {
		t.Errorf("%d DescribeImages pages, want 2", n)
	}
}

func TestAbsentForceDeletesAndReportsTheCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "app", 3)
	res := f.run(t, absent("app", true))
	c := repositoryChange(t, res)
	if c.Action != reconcile.ActionRemove || c.From != "present, 3 image(s)" || !res.Deleted {
		t.Errorf("change = %+v, deleted = %v", c, res.Deleted)
	}
	if f.exists("app") {
		t.Error("the repository still exists")
	}
	if w := f.writeOps(); !equal(w, []string{"DeleteRepository"}) {
		t.Errorf("writes = %v", w)
	}
	for _, call := range f.emu.Writes() {
		if call.Params["force"] != "true" {
			t.Errorf("DeleteRepository without force: %v", call.Params)
		}
	}
}

func TestAbsentDryRunShowsTheCountAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "empty", 0)
	f.seedImages(t, "full", 2)
	ctx := context.Background()
	dry := f.reconciler(true)
	for _, tc := range []struct {
		spec    reconcile.Spec
		action  reconcile.Action
		from    string
		deleted bool
		refused bool
	}{
		{absent("empty", false), reconcile.ActionRemove, "present, 0 image(s)", true, false},
		{absent("full", false), reconcile.ActionFailed, "present, 2 image(s)", false, true},
		{absent("full", true), reconcile.ActionRemove, "present, 2 image(s)", true, false},
		{absent("missing", true), reconcile.ActionUnchanged, "", false, false},
	} {
		res, err := dry.Reconcile(ctx, tc.spec)
		var re *reconcile.RepositoryError
		if errors.As(err, &re) != tc.refused || (err != nil && !tc.refused) {
			t.Errorf("%s force=%v: err = %v", tc.spec.Name, tc.spec.ForceDelete, err)
		}
		c := repositoryChange(t, res)
		if c.Action != tc.action || c.From != tc.from || res.Deleted != tc.deleted || !res.DryRun || res.Created {
			t.Errorf("%s force=%v: change = %+v, result = %+v", tc.spec.Name, tc.spec.ForceDelete, c, res)
		}
	}
	if w := f.writeOps(); len(w) != 0 {
		t.Errorf("dry-run wrote %v", w)
	}
	if !f.exists("empty") || !f.exists("full") {
		t.Error("dry-run deleted a repository")
	}
}

func TestAbsentInBatchMode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "pr/1", 0)
	f.seedImages(t, "pr/2", 5)
	names := []string{"pr/1", "pr/2", "pr/3"}
	items := f.reconciler(false).ReconcileBatch(context.Background(), absent("", false), names, 3)
	if it := items[0]; it.Err != nil || !it.Result.Deleted {
		t.Errorf("pr/1: %+v", it)
	}
	var re *reconcile.RepositoryError
	if it := items[1]; !errors.As(it.Err, &re) || !strings.Contains(it.Err.Error(), "5 image(s)") || it.Result == nil || it.Result.Deleted {
		t.Errorf("pr/2: %+v", it)
	}
	if it := items[2]; it.Err != nil || it.Result.Deleted || it.Result.Changed() {
		t.Errorf("pr/3: %+v", it)
	}
	if f.exists("pr/1") || !f.exists("pr/2") {
		t.Error("pr/1 must be gone, pr/2 kept")
	}

	f.emu.ResetCalls()
	items = f.reconciler(false).ReconcileBatch(context.Background(), absent("", true), names, 3)
	for _, it := range items {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Name, it.Err)
		}
	}
	if !items[1].Result.Deleted || repositoryChange(t, items[1].Result).From != "present, 5 image(s)" || items[0].Result.Deleted {
		t.Errorf("force: %+v %+v", items[0].Result, items[1].Result)
	}
	if f.exists("pr/2") {
		t.Error("pr/2 still exists")
	}
	if w := f.writeOps(); !equal(w, []string{"DeleteRepository"}) {
		t.Errorf("force batch writes = %v, want one deletion", w)
	}
}

// Someone else deletes the repository between our describe and our delete:
// the repository is absent as declared; nothing failed, nothing was deleted
// by this run.
func TestAbsentRaceWithAnotherDeletion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		force  bool
		images int
	}{{false, 0}, {true, 2}} {
		var once sync.Once
		f := newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DeleteRepository") {
					body, _ := io.ReadAll(r.Body)
					once.Do(func() {
						// The other job's deletion, the same request, just before ours.
						other := r.Clone(r.Context())
						other.Body = io.NopCloser(bytes.NewReader(body))
						next.ServeHTTP(httptest.NewRecorder(), other)
					})
					r.Body = io.NopCloser(bytes.NewReader(body))
				}
				next.ServeHTTP(w, r)
			})
		})
		f.seedImages(t, "app", tc.images)
		res, err := f.reconciler(false).Reconcile(context.Background(), absent("app", tc.force))
		if err != nil {
			t.Fatalf("force=%v: %v", tc.force, err)
		}
		c := repositoryChange(t, res)
		if c.Action != reconcile.ActionUnchanged || !strings.Contains(c.To, "deleted by someone else") || res.Deleted || res.Changed() {
			t.Errorf("force=%v: change = %+v, result = %+v", tc.force, c, res)
		}
		if f.emu.Count("DeleteRepository") != 2 || f.exists("app") {
			t.Errorf("force=%v: the race did not happen: %d deletions", tc.force, f.emu.Count("DeleteRepository"))
		}
	}
}

// Someone else deletes the repository between our describe and our image
// count: the count finds nothing, the deletion confirms it is gone.
func TestAbsentRaceBetweenDescribeAndCount(t *testing.T) {
	t.Parallel()
	var once sync.Once
	var f *fixture
	f = newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeImages") {
				once.Do(func() {
					if _, err := f.ecr.DeleteRepository(r.Context(), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true}); err != nil {
						t.Errorf("the other job's deletion: %v", err)
					}
				})
			}
			next.ServeHTTP(w, r)
		})
	})
	f.seedImages(t, "app", 3)
	res, err := f.reconciler(false).Reconcile(context.Background(), absent("app", true))
	if err != nil {
		t.Fatal(err)
	}
	if c := repositoryChange(t, res); c.Action != reconcile.ActionUnchanged || res.Deleted || res.Changed() {
		t.Errorf("change = %+v, result = %+v", c, res)
	}
	if f.exists("app") {
		t.Error("the repository exists")
	}
}

// Right after a creation DescribeImages can answer that the repository does
// not exist while DescribeRepositories already finds it: the count waits.
func TestAbsentCountWaitsForTheRepositoryToBeVisible(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedImages(t, "app", 4)
	f.emu.AddFault(emulator.FaultRule{Operation: "DescribeImages", Kind: emulator.FaultError, Times: 2,
		Code: "RepositoryNotFoundException", Message: "The repository with name 'app' does not exist in the registry with id '" + account + "'"})
	res := f.run(t, absent("app", true))
	if c := repositoryChange(t, res); c.Action != reconcile.ActionRemove || c.From != "present, 4 image(s)" {
		t.Errorf("change = %+v", c)
	}
	if f.exists("app") {
		t.Error("not deleted")
	}
}

// A repository whose images are all archived is not empty: ECR documents
// that DeleteRepository without force needs an empty repository, and
// archived images are still its contents (DescribeImages lists them with
// imageStatus ARCHIVED). A plain deletion is refused and nothing is lost;
// dry-run and force-delete count the archived images.
func TestAbsentCountsArchivedImages(t *testing.T) {
	t.Parallel()
	archived := []emulator.Image{
		{Tags: []string{"v1"}, StorageClass: emulator.StorageArchive},
		{Tags: []string{"v2"}, StorageClass: emulator.StorageArchive},
	}
	setup := func(t *testing.T) *fixture {
		f := newFixture(t, emulator.Options{})
		f.emu.PutRepository(emulator.Repository{Name: "cold"})
		if err := f.emu.PutImages("", "cold", archived...); err != nil {
			t.Fatal(err)
		}
		return f
	}

	f := setup(t)
	_, err := f.reconciler(false).Reconcile(context.Background(), absent("cold", false))
	if err == nil || !strings.Contains(err.Error(), "holds 2 image(s)") || !f.exists("cold") {
		t.Errorf("plain deletion: err = %v, exists %v; want refused, counting the 2 archived images", err, f.exists("cold"))
	}

	f = setup(t)
	res, err := f.reconciler(true).Reconcile(context.Background(), absent("cold", true))
	if err != nil || repositoryChange(t, res).From != "present, 2 image(s)" {
		t.Errorf("dry-run with force-delete: %+v, %v; want the 2 archived images counted", res, err)
	}

	f = setup(t)
	res = f.run(t, absent("cold", true))
	if c := repositoryChange(t, res); c.Action != reconcile.ActionRemove || !strings.Contains(c.From, "2 image(s)") || f.exists("cold") {
		t.Errorf("force-delete: %+v, exists %v", c, f.exists("cold"))
	}
}
