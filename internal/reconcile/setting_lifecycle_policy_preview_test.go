package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// previewClock is the emulator's now in the preview tests.
var previewClock = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(days int) time.Time { return previewClock.Add(-time.Duration(days) * 24 * time.Hour) }

// previewPolicy has a rule of each kind, so that one preview exercises every
// count type, tag status and selection list, and the priority order:
//
//	1 untagged, imageCountMoreThan 1          expires all untagged but the newest
//	2 tagged prefix "pr-", sinceImagePushed 7 expires old pull-request images
//	3 tagged pattern "v*", sinceImagePulled 30 archives release images not pulled lately
//	4 archived images, sinceImageTransitioned 90 expires them
//	5 any, imageCountMoreThan 3               expires the rest beyond the newest 3
const previewPolicy = `{"rules": [
  {"rulePriority": 1, "description": "untagged", "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}, "action": {"type": "expire"}},
  {"rulePriority": 2, "description": "old PR builds", "selection": {"tagStatus": "tagged", "tagPrefixList": ["pr-"], "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}},
  {"rulePriority": 3, "description": "cold releases", "selection": {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30}, "action": {"type": "transition", "targetStorageClass": "archive"}},
  {"rulePriority": 4, "description": "archive retention", "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 90}, "action": {"type": "expire"}},
  {"rulePriority": 5, "description": "the rest", "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3}, "action": {"type": "expire"}}
]}`

// previewImages are what previewPolicy acts on, by rule:
//
//	rule 1: u-old, u-mid (u-new is kept)
//	rule 2: pr-1, pr-2 (pr-3 is recent)
//	rule 3: v1 (v2 was pulled lately)
//	rule 4: arch-old (arch-new was archived lately)
//	rule 5: dev, x2, x1: the newest 3 standard images (u-new, pr-3, main)
//	        are kept, and of the rest those an earlier rule matched are
//	        protected (u-mid, pr-2, v2...) though they count.
func previewImages() []emulator.Image {
	img := func(days int, tags ...string) emulator.Image { return emulator.Image{Tags: tags, PushedAt: ago(days)} }
	return []emulator.Image{
		img(30), img(20), img(1),
		img(20, "pr-1"), img(10, "pr-2"), img(2, "pr-3"),
		{Tags: []string{"v1"}, PushedAt: ago(200), LastRecordedPullTime: ago(60)},
		{Tags: []string{"v2"}, PushedAt: ago(200), LastRecordedPullTime: ago(3)},
		{Tags: []string{"arch-old"}, PushedAt: ago(400), StorageClass: emulator.StorageArchive, LastArchivedAt: ago(100)},
		{Tags: []string{"arch-new"}, PushedAt: ago(400), StorageClass: emulator.StorageArchive, LastArchivedAt: ago(10)},
		img(50, "x1"), img(40, "x2"), img(5, "dev"), img(3, "main"),
	}
}

// wantRules is previewPolicy's preview of previewImages: rule → images.
var wantRules = map[int32]int{1: 2, 2: 2, 3: 1, 4: 1, 5: 3}

func newPreviewFixture(t *testing.T, wrap func(http.Handler) http.Handler) *fixture {
	t.Helper()
	if wrap == nil {
		wrap = func(h http.Handler) http.Handler { return h }
	}
	return newFixtureWrapped(t, emulator.Options{Clock: func() time.Time { return previewClock }}, wrap)
}

// seed creates name with the given lifecycle policy ("" = none) and images.
func (f *fixture) seed(t *testing.T, name, lifecycle string, images ...emulator.Image) {
	t.Helper()
	f.emu.PutRepository(emulator.Repository{Name: name, Lifecycle: lifecycle})
	if err := f.emu.PutImages("", name, images...); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) previewer(dryRun bool, mode reconcile.PreviewMode) *reconcile.Reconciler {
	r := f.reconciler(dryRun)
	r.Options.Preview = mode
	r.Options.SetPreviewPoll(previewPoll(5 * time.Second))
	return r
}

func lifecycleChange(t *testing.T, res *reconcile.Result) reconcile.Change {
	t.Helper()
	for _, c := range res.Changes {
		if c.Setting == reconcile.SettingLifecyclePolicy {
			return c
		}
	}
	t.Fatalf("no lifecycle-policy change in %+v", res.Changes)
	return reconcile.Change{}
}

func (f *fixture) previewCalls() []string {
	var ops []string
	for _, c := range f.emu.Calls() {
		if strings.Contains(c.Operation, "LifecyclePolicyPreview") {
			ops = append(ops, c.Operation)
		}
	}
	return ops
}

func checkRules(t *testing.T, p *reconcile.LifecyclePreview, want map[int32]int) {
	t.Helper()
	if p == nil {
		t.Fatal("no preview")
	}
	var prios []int32
	for _, r := range p.Rules {
		prios = append(prios, r.Priority)
		if r.Images != want[r.Priority] {
			t.Errorf("rule %d (%s): %d images, want %d", r.Priority, r.Description, r.Images, want[r.Priority])
		}
		if len(r.Sample) != min(r.Images, reconcile.PreviewSampleSize) {
			t.Errorf("rule %d: %d sample images for %d", r.Priority, len(r.Sample), r.Images)
		}
	}
	if !slices.IsSorted(prios) {
		t.Errorf("rules not in priority order: %v", prios)
	}
}

// A dry run shows what the policy in place expires even when it is
// unchanged: every count type, tag status and list, priority order.
func TestPreviewDryRunShowsEveryRule(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", previewPolicy, previewImages()...)
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	c := lifecycleChange(t, res)
	if c.Action != reconcile.ActionUnchanged {
		t.Errorf("action %s, want unchanged", c.Action)
	}
	p := c.Preview
	checkRules(t, p, wantRules)
	if p.Expiring != 8 || p.Transitioning != 1 || p.Partial || p.Skipped != "" {
		t.Errorf("totals: %+v, want 8 expiring, 1 transitioning", p)
	}
	byPrio := map[int32]reconcile.RulePreview{}
	for _, r := range p.Rules {
		byPrio[r.Priority] = r
	}
	if r := byPrio[3]; r.Description != "cold releases" || r.Action != "transition" || !slices.Equal(r.Sample[0].Tags, []string{"v1"}) {
		t.Errorf("rule 3: %+v", r)
	}
	if r := byPrio[5]; r.Action != "expire" || !slices.Equal(r.Sample[0].Tags, []string{"dev"}) || !r.Sample[0].PushedAt.Equal(ago(5)) || !slices.Equal(r.Sample[2].Tags, []string{"x1"}) {
		t.Errorf("rule 5: %+v, want dev, x2, x1", r)
	}
	// Newest push first.
	if s := byPrio[1].Sample; len(s) != 2 || !s[0].PushedAt.Equal(ago(20)) || !s[1].PushedAt.Equal(ago(30)) || len(s[0].Tags) != 0 {
		t.Errorf("rule 1 sample: %+v", s)
	}
	if w := f.emu.Writes(); len(w) != 0 {
		t.Errorf("dry run wrote: %v", w)
	}
	if got := f.previewCalls(); !slices.Equal(got, []string{"StartLifecyclePolicyPreview", "GetLifecyclePolicyPreview"}) {
		t.Errorf("preview calls %v", got)
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes: %+v", res.Notes)
	}
}

// In apply the preview comes before the write, and a re-run that changes
// nothing neither writes nor previews.
func TestPreviewBeforeWriteThenQuietRerun(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", lifecycle, previewImages()...)
	spec := reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}}
	rec := f.previewer(false, reconcile.PreviewOn)
	res, err := rec.Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	c := lifecycleChange(t, res)
	if c.Action != reconcile.ActionUpdate {
		t.Errorf("action %s, want update", c.Action)
	}
	checkRules(t, c.Preview, wantRules)
	var order []string
	for _, call := range f.emu.Calls() {
		order = append(order, call.Operation)
	}
	start, put := slices.Index(order, "StartLifecyclePolicyPreview"), slices.Index(order, "PutLifecyclePolicy")
	get := slices.Index(order, "GetLifecyclePolicyPreview")
	if start < 0 || get < start || put < get {
		t.Errorf("calls %v: want the preview (start, get) before PutLifecyclePolicy", order)
	}
	if got := f.writeOps(); !slices.Equal(got, []string{"PutLifecyclePolicy"}) {
		t.Errorf("writes %v", got)
	}

	before := len(f.emu.Calls())
	res, err = rec.Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if c := lifecycleChange(t, res); c.Action != reconcile.ActionUnchanged || c.Preview != nil {
		t.Errorf("re-run: %+v, want unchanged without a preview", c)
	}
	for _, call := range f.emu.Calls()[before:] {
		if call.IsWrite() || strings.Contains(call.Operation, "Preview") {
			t.Errorf("re-run called %s", call.Operation)
		}
	}
}

// The preview is shown even when the write then fails.
func TestPreviewShownWhenTheWriteFails(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", "", previewImages()...)
	f.emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:StartLifecyclePolicyPreview", "ecr:GetLifecyclePolicyPreview"})
	res, err := f.previewer(false, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
	if err == nil || !strings.Contains(err.Error(), "ecr:PutLifecyclePolicy") {
		t.Fatalf("err = %v, want the denied write", err)
	}
	c := lifecycleChange(t, res)
	if c.Action != reconcile.ActionFailed {
		t.Errorf("action %s", c.Action)
	}
	checkRules(t, c.Preview, wantRules)
}

// The on / off-in-apply / off matrix, in apply and dry-run, for a changed
// and an unchanged policy.
func TestPreviewModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode      reconcile.PreviewMode
		dryRun    bool
		unchanged bool
		want      bool
	}{
		{reconcile.PreviewOn, false, false, true},
		{reconcile.PreviewOn, false, true, false},
		{reconcile.PreviewOn, true, false, true},
		{reconcile.PreviewOn, true, true, true},
		{reconcile.PreviewOffInApply, false, false, false},
		{reconcile.PreviewOffInApply, true, false, true},
		{reconcile.PreviewOffInApply, true, true, true},
		{reconcile.PreviewOff, false, false, false},
		{reconcile.PreviewOff, true, false, false},
		{reconcile.PreviewOff, true, true, false},
		{"", true, false, false},
	} {
		t.Run(fmt.Sprintf("%s dry-run=%v unchanged=%v", tc.mode, tc.dryRun, tc.unchanged), func(t *testing.T) {
			t.Parallel()
			f := newPreviewFixture(t, nil)
			current := lifecycle
			if tc.unchanged {
				current = previewPolicy
			}
			f.seed(t, "app", current, previewImages()...)
			res, err := f.previewer(tc.dryRun, tc.mode).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
			if err != nil {
				t.Fatal(err)
			}
			got := lifecycleChange(t, res).Preview != nil
			calls := f.previewCalls()
			if got != tc.want || (len(calls) > 0) != tc.want {
				t.Errorf("preview %v with calls %v, want %v", got, calls, tc.want)
			}
		})
	}
}

// Removing a policy expires nothing: no preview.
func TestPreviewNotForRemoval(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", lifecycle, previewImages()...)
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Remove: true}})
	if err != nil {
		t.Fatal(err)
	}
	if c := lifecycleChange(t, res); c.Action != reconcile.ActionRemove || c.Preview != nil || len(f.previewCalls()) > 0 {
		t.Errorf("%+v, preview calls %v", c, f.previewCalls())
	}
}

// A repository that does not exist holds no images: the preview is skipped
// without a call, in dry-run and apply.
func TestPreviewSkippedForNewRepository(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{true, false} {
		f := newPreviewFixture(t, nil)
		res, err := f.previewer(dry, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "new", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
		if err != nil {
			t.Fatal(err)
		}
		p := lifecycleChange(t, res).Preview
		if p == nil || !strings.Contains(p.Skipped, "does not exist") || len(p.Rules) != 0 {
			t.Errorf("dry-run %v: preview %+v, want skipped", dry, p)
		}
		if calls := f.previewCalls(); len(calls) != 0 {
			t.Errorf("dry-run %v: preview calls %v", dry, calls)
		}
	}
}

// A missing permission is a notice naming both permissions, never a
// failure, and the policy is still written.
func TestPreviewDeniedIsANotice(t *testing.T) {
	t.Parallel()
	for _, denied := range []string{"ecr:StartLifecyclePolicyPreview", "ecr:GetLifecyclePolicyPreview"} {
		f := newPreviewFixture(t, nil)
		f.seed(t, "app", lifecycle, previewImages()...)
		allowed := []string{"ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:PutLifecyclePolicy", "ecr:StartLifecyclePolicyPreview", "ecr:GetLifecyclePolicyPreview"}
		f.emu.SetPolicy([]emulator.Statement{{
			Actions:   slices.DeleteFunc(allowed, func(a string) bool { return a == denied }),
			Resources: []string{"arn:aws:ecr:*:" + account + ":repository/*"},
		}, {
			// The template check that a managed lifecycle policy brings.
			Actions: []string{"ecr:DescribeRepositoryCreationTemplates"}, Resources: []string{"*"},
		}})
		res, err := f.previewer(false, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
		if err != nil {
			t.Fatalf("without %s: %v", denied, err)
		}
		c := lifecycleChange(t, res)
		if c.Action != reconcile.ActionUpdate || c.Preview != nil {
			t.Errorf("without %s: %+v", denied, c)
		}
		if len(res.Notes) != 1 {
			t.Fatalf("without %s: notes %+v, want one", denied, res.Notes)
		}
		n := res.Notes[0]
		if n.Level != reconcile.NoteNotice || n.Setting != reconcile.SettingLifecyclePolicy ||
			!strings.Contains(n.Text, "access denied to "+denied) || !strings.Contains(n.Text, "ecr:StartLifecyclePolicyPreview and ecr:GetLifecyclePolicyPreview") {
			t.Errorf("without %s: note %+v", denied, n)
		}
		if f.repo(t, "app").Lifecycle == lifecycle {
			t.Errorf("without %s: the policy was not written", denied)
		}
	}
}

// Polling: a preview that takes a few polls completes; one that outlasts
// its budget is a notice, and the write still goes out.
func TestPreviewPollingAndBudget(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", lifecycle, previewImages()...)
	f.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{InProgressGets: 3})
	spec := reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}}
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	checkRules(t, lifecycleChange(t, res).Preview, wantRules)
	if got := f.previewCalls(); len(got) != 5 { // start, 3 in progress, complete
		t.Errorf("preview calls %v, want start and 4 gets", got)
	}

	slow := newPreviewFixture(t, nil)
	slow.seed(t, "app", lifecycle, previewImages()...)
	slow.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{InProgressGets: 1 << 30})
	rec := slow.previewer(false, reconcile.PreviewOn)
	rec.Options.SetPreviewPoll(previewPoll(30 * time.Millisecond))
	res, err = rec.Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if c := lifecycleChange(t, res); c.Preview != nil || c.Action != reconcile.ActionUpdate {
		t.Errorf("%+v", c)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Text, "did not complete within its budget") {
		t.Errorf("notes %+v", res.Notes)
	}
	if got := slow.writeOps(); !slices.Equal(got, []string{"PutLifecyclePolicy"}) {
		t.Errorf("writes %v", got)
	}
}

// The budget is at most half the time left before the context's deadline.
func TestPreviewBudgetLeavesTimeForTheWrites(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	f.seed(t, "app", lifecycle, previewImages()...)
	f.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{InProgressGets: 1 << 30})
	rec := f.previewer(false, reconcile.PreviewOn)
	rec.Options.SetPreviewPoll(previewPoll(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := rec.Reconcile(ctx, reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
	if err != nil {
		t.Fatalf("the write had no time left: %v", err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Text, "within its budget of 5s") {
		t.Errorf("notes %+v, want a budget of half the 10 s left", res.Notes)
	}
	if got := f.writeOps(); !slices.Equal(got, []string{"PutLifecyclePolicy"}) {
		t.Errorf("writes %v", got)
	}
}

// Another preview still running, or one that ends FAILED: a notice.
func TestPreviewInProgressAndFailed(t *testing.T) {
	t.Parallel()
	spec := reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}}

	f := newPreviewFixture(t, nil)
	f.seed(t, "app", lifecycle, previewImages()...)
	f.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{InProgressGets: 1 << 30})
	// Somebody else's preview, still running.
	if _, err := f.ecr.StartLifecyclePolicyPreview(context.Background(), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Text, "LifecyclePolicyPreviewInProgressException") || lifecycleChange(t, res).Preview != nil {
		t.Errorf("notes %+v", res.Notes)
	}

	failed := newPreviewFixture(t, nil)
	failed.seed(t, "app", lifecycle, previewImages()...)
	failed.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{Fail: true})
	res, err = failed.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Text, "ended FAILED") || res.Notes[0].Level != reconcile.NoteNotice {
		t.Errorf("notes %+v", res.Notes)
	}
}

// The result list is read page by page; the counts cover every page.
func TestPreviewReadsEveryPage(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, nil)
	var images []emulator.Image
	for i := range 250 {
		images = append(images, emulator.Image{Tags: []string{fmt.Sprintf("b%03d", i)}, PushedAt: ago(300 - i)})
	}
	f.seed(t, "app", "", images...)
	const keep10 = `{"rules":[{"rulePriority":1,"description":"keep 10","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`
	rec := f.previewer(true, reconcile.PreviewOn)
	pages := &pageCounter{ECR: rec.ECR}
	rec.ECR = pages
	res, err := rec.Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: keep10}})
	if err != nil {
		t.Fatal(err)
	}
	p := lifecycleChange(t, res).Preview
	checkRules(t, p, map[int32]int{1: 240})
	if p.Expiring != 240 {
		t.Errorf("expiring %d", p.Expiring)
	}
	// The newest expired images: b239 down to b235.
	var tags []string
	for _, img := range p.Rules[0].Sample {
		tags = append(tags, img.Tags...)
	}
	if !slices.Equal(tags, []string{"b239", "b238", "b237", "b236", "b235"}) {
		t.Errorf("sample %v", tags)
	}
	// Pages the engine asked for, not requests: under load the SDK may
	// retry one whose answer the emulator had already logged.
	if got := pages.n.Load(); got != 3 { // 3 pages of 100
		t.Errorf("%d result pages read, want 3", got)
	}
}

// pageCounter counts the preview pages the engine asks its client for.
type pageCounter struct {
	reconcile.ECR
	n atomic.Int32
}

func (c *pageCounter) GetLifecyclePolicyPreview(ctx context.Context, ref reconcile.RepositoryRef, nextToken string) (reconcile.PreviewPage, error) {
	c.n.Add(1)
	return c.ECR.GetLifecyclePolicyPreview(ctx, ref, nextToken)
}

// Batch mode previews each repository, at most concurrency at a time.
func TestPreviewInBatchMode(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	inFlight, most := 0, 0
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			preview := strings.Contains(r.Header.Get("X-Amz-Target"), "LifecyclePolicyPreview")
			if preview {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
			next.ServeHTTP(w, r)
			if preview {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}
		})
	}
	f := newPreviewFixture(t, wrap)
	names := []string{"svc-a", "svc-b", "svc-c", "svc-d", "svc-e", "svc-f"}
	for _, n := range names {
		f.seed(t, n, lifecycle, previewImages()...)
	}
	items := f.previewer(true, reconcile.PreviewOn).ReconcileBatch(context.Background(), reconcile.Spec{LifecyclePolicy: &reconcile.Document{Text: previewPolicy}}, append(names, "missing"), 2)
	for _, it := range items {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Name, it.Err)
		}
		p := lifecycleChange(t, it.Result).Preview
		if it.Name == "missing" {
			if p == nil || p.Skipped == "" {
				t.Errorf("missing: %+v, want skipped", p)
			}
			continue
		}
		checkRules(t, p, wantRules)
	}
	if most > 2 {
		t.Errorf("%d preview calls at once, want at most the concurrency of 2", most)
	}
	if got := len(f.previewCalls()); got != 2*len(names) {
		t.Errorf("%d preview calls, want start and get for each of %d repositories", got, len(names))
	}
}

// A page that cannot be read leaves ECR's totals and marks the rules'
// counts partial.
func TestPreviewPartialWhenAPageFails(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	gets := 0
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetLifecyclePolicyPreview") {
				mu.Lock()
				gets++
				second := gets == 2
				mu.Unlock()
				if second {
					w.Header().Set("Content-Type", "application/x-amz-json-1.1")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprint(w, `{"__type":"ValidationException","message":"the second page fails"}`)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	f := newPreviewFixture(t, wrap)
	var images []emulator.Image
	for i := range 150 {
		images = append(images, emulator.Image{Tags: []string{fmt.Sprintf("b%03d", i)}, PushedAt: ago(200 - i)})
	}
	f.seed(t, "app", "", images...)
	const keep10 = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}}]}`
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: keep10}})
	if err != nil {
		t.Fatal(err)
	}
	p := lifecycleChange(t, res).Preview
	if p == nil || !p.Partial || p.Expiring != 140 || p.Rules[0].Images != 100 {
		t.Errorf("preview %+v, want partial: ECR's 140 in total, 100 counted from the first page", p)
	}
}

// GetLifecyclePolicyPreview answers with the repository's latest preview,
// with the policy text it was started for. Right after the start, or when
// another run starts a preview of another policy, that is not the declared
// policy's: such an answer counts as pending, and when it outlasts the
// budget the preview is not shown, never the other policy's figures.
func TestPreviewOfAnotherPolicyIsNotShown(t *testing.T) {
	t.Parallel()
	spec := reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}}
	setup := func(t *testing.T, previousGets int) *fixture {
		f := newPreviewFixture(t, nil)
		f.seed(t, "app", lifecycle, previewImages()...)
		// The preview of the policy in place, complete: another policy's.
		if _, err := f.ecr.StartLifecyclePolicyPreview(context.Background(), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")}); err != nil {
			t.Fatal(err)
		}
		f.emu.SetLifecyclePreviewBehavior(emulator.LifecyclePreviewBehavior{PreviousGets: previousGets})
		f.emu.ResetCalls()
		return f
	}

	f := setup(t, 2)
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	checkRules(t, lifecycleChange(t, res).Preview, wantRules)
	if got := f.previewCalls(); len(got) != 4 { // start, 2 answers about the other policy, ours
		t.Errorf("preview calls %v, want the start and 3 gets", got)
	}

	f = setup(t, -1)
	rec := f.previewer(false, reconcile.PreviewOn)
	// Long enough for the first answers on a loaded machine: the notice
	// must be about the other policy, not a call cut short.
	rec.Options.SetPreviewPoll(previewPoll(time.Second))
	if res, err = rec.Reconcile(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if c := lifecycleChange(t, res); c.Preview != nil || c.Action != reconcile.ActionUpdate {
		t.Errorf("another policy's preview was shown: %+v", c)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Text, "answered with the preview of another lifecycle policy") {
		t.Errorf("notes %+v", res.Notes)
	}
	if got := f.writeOps(); !slices.Equal(got, []string{"PutLifecyclePolicy"}) {
		t.Errorf("writes %v", got)
	}
}

// An endpoint that gives back the nextToken it was sent would be paged
// forever: the repeated token ends the result list, marked partial, after
// one more call.
func TestPreviewStopsOnARepeatedNextToken(t *testing.T) {
	t.Parallel()
	repeat := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetLifecyclePolicyPreview") {
				next.ServeHTTP(w, r)
				return
			}
			var in map[string]any
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			delete(in, "nextToken") // every page is the first
			body, _ := json.Marshal(in)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var out map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			if out["status"] == "COMPLETE" {
				out["nextToken"] = "again"
			}
			body, _ = json.Marshal(out)
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			_, _ = w.Write(body)
		})
	}
	f := newPreviewFixture(t, repeat)
	f.seed(t, "app", lifecycle, previewImages()...)
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(context.Background(), reconcile.Spec{Name: "app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	if p := lifecycleChange(t, res).Preview; p == nil || !p.Partial {
		t.Errorf("preview %+v, want one marked partial", p)
	}
	if got := f.previewCalls(); len(got) != 3 { // start, the first page, the page of the repeated token
		t.Errorf("preview calls %d (%v), want the start and 2 gets", len(got), got[:min(len(got), 5)])
	}
}
