package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// previewNow is the fixed clock of the preview tests.
var previewNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(n float64) time.Time { return previewNow.Add(-time.Duration(n * 24 * float64(time.Hour))) }

// previewFixture is an emulator at previewNow with repository "app" holding
// the given images; their digests are named after the first tag or, for
// untagged images, after the key of the map.
func previewFixture(t *testing.T, images map[string]Image) (*fixture, *ecr.Client, map[string]string) {
	t.Helper()
	f := start(t, Options{Clock: func() time.Time { return previewNow }})
	f.emu.PutRepository(Repository{Name: "app"})
	names := map[string]string{} // digest → name
	for _, name := range slices.Sorted(maps.Keys(images)) {
		img := images[name]
		img.Digest = fmt.Sprintf("sha256:%064x", len(names)+1)
		names[img.Digest] = name
		if err := f.emu.PutImages("", "app", img); err != nil {
			t.Fatal(err)
		}
	}
	return f, f.ecr(), names
}

// outcome is what a preview says about one image.
type outcome struct {
	action   string // "EXPIRE" or "TRANSITION" (+ "→ARCHIVE")
	priority int32
}

// runPreview starts a preview of policy, waits for it with the SDK's own
// waiter, and reads every page with the SDK's paginator.
func runPreview(t *testing.T, c *ecr.Client, names map[string]string, policy string) (map[string]outcome, *types.LifecyclePolicyPreviewSummary) {
	t.Helper()
	start, err := c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{
		RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(policy),
	})
	if err != nil {
		t.Fatalf("StartLifecyclePolicyPreview: %v", err)
	}
	if start.Status != types.LifecyclePolicyPreviewStatusInProgress || aws.ToString(start.RepositoryName) != "app" || aws.ToString(start.RegistryId) != testAccount {
		t.Errorf("start answered %s for %s/%s", start.Status, aws.ToString(start.RegistryId), aws.ToString(start.RepositoryName))
	}
	in := &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")}
	done, err := ecr.NewLifecyclePolicyPreviewCompleteWaiter(c, func(o *ecr.LifecyclePolicyPreviewCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	}).WaitForOutput(ctx(t), in, 5*time.Second)
	if err != nil {
		t.Fatalf("waiting for the preview: %v", err)
	}
	got := map[string]outcome{}
	p := ecr.NewGetLifecyclePolicyPreviewPaginator(c, &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.PreviewResults {
			name := names[aws.ToString(r.ImageDigest)]
			if _, dup := got[name]; dup {
				t.Errorf("%s appears twice in the preview", name)
			}
			o := outcome{action: string(r.Action.Type), priority: aws.ToInt32(r.AppliedRulePriority)}
			if r.Action.TargetStorageClass != "" {
				o.action += "→" + string(r.Action.TargetStorageClass)
			}
			got[name] = o
		}
	}
	return got, done.Summary
}

func rule(prio int, selection, action string) string {
	return fmt.Sprintf(`{"rulePriority":%d,"selection":{%s},"action":%s}`, prio, selection, action)
}

const expire = `{"type":"expire"}`

func lifecycle(rules ...string) string { return `{"rules":[` + strings.Join(rules, ",") + `]}` }

func TestLifecyclePreviewRules(t *testing.T) {
	t.Parallel()
	tagged := func(days float64, tags ...string) Image { return Image{Tags: tags, PushedAt: daysAgo(days)} }
	tests := []struct {
		name   string
		images map[string]Image
		policy string
		want   map[string]outcome
	}{
		{
			name: "imageCountMoreThan keeps the newest untagged",
			images: map[string]Image{
				"u1": {PushedAt: daysAgo(3)}, "u2": {PushedAt: daysAgo(2)}, "u3": {PushedAt: daysAgo(1)},
				"v1": tagged(9, "v1"),
			},
			policy: lifecycle(rule(1, `"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1`, expire)),
			want:   map[string]outcome{"u1": {"EXPIRE", 1}, "u2": {"EXPIRE", 1}},
		},
		{
			name: "sinceImagePushed with a tag prefix",
			images: map[string]Image{
				"prod-1": tagged(20, "prod-1"), "prod-2": tagged(10, "prod-2"), "dev-1": tagged(30, "dev-1"),
				"untagged": {PushedAt: daysAgo(50)},
			},
			policy: lifecycle(rule(1, `"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"sinceImagePushed","countUnit":"days","countNumber":14`, expire)),
			want:   map[string]outcome{"prod-1": {"EXPIRE", 1}},
		},
		{
			name: "sinceImagePulled counts from the push when never pulled",
			images: map[string]Image{
				"pulled-lately":   {Tags: []string{"a"}, PushedAt: daysAgo(100), LastRecordedPullTime: daysAgo(5)},
				"pulled-long-ago": {Tags: []string{"b"}, PushedAt: daysAgo(100), LastRecordedPullTime: daysAgo(31)},
				"never-pulled":    {Tags: []string{"c"}, PushedAt: daysAgo(40)},
				"new":             {Tags: []string{"d"}, PushedAt: daysAgo(2)},
			},
			policy: lifecycle(rule(1, `"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30`, `{"type":"transition","targetStorageClass":"archive"}`)),
			// sinceImagePulled only archives (ECR's lifecycle parameters).
			want: map[string]outcome{"pulled-long-ago": {"TRANSITION→ARCHIVE", 1}, "never-pulled": {"TRANSITION→ARCHIVE", 1}},
		},
		{
			name: "transition to archive, then expire archived images",
			images: map[string]Image{
				"old":               tagged(60, "old"),
				"fresh":             tagged(5, "fresh"),
				"archived-long-ago": {Tags: []string{"x"}, PushedAt: daysAgo(400), StorageClass: StorageArchive, LastArchivedAt: daysAgo(200)},
				"archived-lately":   {Tags: []string{"y"}, PushedAt: daysAgo(400), StorageClass: StorageArchive, LastArchivedAt: daysAgo(10)},
			},
			policy: lifecycle(
				rule(1, `"tagStatus":"tagged","tagPatternList":["*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30`, `{"type":"transition","targetStorageClass":"archive"}`),
				rule(2, `"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90`, expire),
			),
			want: map[string]outcome{"old": {"TRANSITION→ARCHIVE", 1}, "archived-long-ago": {"EXPIRE", 2}},
		},
		{
			name: "every pattern must match a tag",
			images: map[string]Image{
				"both":      tagged(30, "release-1", "1-signed"),
				"one":       tagged(30, "release-2"),
				"inner":     tagged(30, "release-3-signed"),
				"not-start": tagged(30, "pre-release-4", "4-signed"),
			},
			policy: lifecycle(rule(1, `"tagStatus":"tagged","tagPatternList":["release-*","*-signed"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1`, expire)),
			want:   map[string]outcome{"both": {"EXPIRE", 1}, "inner": {"EXPIRE", 1}},
		},
		{
			name: "every prefix must match a tag",
			images: map[string]Image{
				"a": tagged(10, "beta-1", "prod-1"), "b": tagged(9, "beta-2", "prod-2"), "c": tagged(8, "beta-3"),
			},
			policy: lifecycle(rule(1, `"tagStatus":"tagged","tagPrefixList":["prod","beta"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
			want:   map[string]outcome{"a": {"EXPIRE", 1}},
		},
		{
			// ECR's documented example: rule 2 would mark image b, but b
			// matches rule 1's selection, so only a expires.
			name: "a higher-priority selection protects its images",
			images: map[string]Image{
				"a": tagged(10, "beta-1", "prod-1"), "b": tagged(9, "beta-2", "prod-2"), "c": tagged(8, "beta-3"),
			},
			policy: lifecycle(
				rule(2, `"tagStatus":"tagged","tagPrefixList":["beta"],"countType":"imageCountMoreThan","countNumber":1`, expire),
				rule(1, `"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1`, expire),
			),
			want: map[string]outcome{"a": {"EXPIRE", 1}},
		},
		{
			name: "an any rule counts protected images but cannot expire them",
			images: map[string]Image{
				"prod-old": tagged(10, "prod-old"), "prod-new": tagged(1, "prod-new"),
				"dev-1": tagged(9, "dev-1"), "dev-2": tagged(8, "dev-2"), "u": {PushedAt: daysAgo(7)},
			},
			policy: lifecycle(
				rule(1, `"tagStatus":"tagged","tagPatternList":["prod-*"],"countType":"imageCountMoreThan","countNumber":5`, expire),
				rule(9, `"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2`, expire),
			),
			// rule 9 keeps prod-new and u (the two newest of all five) and
			// marks dev-1, dev-2 and prod-old; prod-old is rule 1's.
			want: map[string]outcome{"dev-1": {"EXPIRE", 9}, "dev-2": {"EXPIRE", 9}},
		},
		{
			name: "untagged rule leaves tagged images alone",
			images: map[string]Image{
				"t": tagged(100, "t"), "u": {PushedAt: daysAgo(100)},
			},
			policy: lifecycle(rule(1, `"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1`, expire)),
			want:   map[string]outcome{"u": {"EXPIRE", 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c, names := previewFixture(t, tt.images)
			got, summary := runPreview(t, c, names, tt.policy)
			if !maps.Equal(got, tt.want) {
				t.Errorf("preview\n%v\nwant\n%v", got, tt.want)
			}
			expiring, transitioning := 0, 0
			for _, o := range tt.want {
				if o.action == "EXPIRE" {
					expiring++
				} else {
					transitioning++
				}
			}
			if summary == nil || aws.ToInt32(summary.ExpiringImageTotalCount) != int32(expiring) {
				t.Errorf("summary %+v, want %d expiring", summary, expiring)
			}
			// Present only when an image transitions (botocore's model).
			hasTransition := transitioning > 0
			if hasTransition != (len(summary.TransitioningImageTotalCounts) == 1) ||
				(hasTransition && aws.ToInt32(summary.TransitioningImageTotalCounts[0].ImageTotalCount) != int32(transitioning)) {
				t.Errorf("transitioning counts %+v, want %d", summary.TransitioningImageTotalCounts, transitioning)
			}
		})
	}
}

func TestLifecyclePreviewResultShape(t *testing.T) {
	t.Parallel()
	_, c, _ := previewFixture(t, map[string]Image{
		"a": {Tags: []string{"v1", "latest"}, PushedAt: daysAgo(40)},
	})
	policy := lifecycle(rule(3, `"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":30`, `{"type":"transition","targetStorageClass":"archive"}`))
	if _, err := c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.LifecyclePolicyPreviewStatusComplete || len(out.PreviewResults) != 1 || out.NextToken != nil {
		t.Fatalf("status %s, %d results, token %v", out.Status, len(out.PreviewResults), out.NextToken)
	}
	r := out.PreviewResults[0]
	if !slices.Equal(r.ImageTags, []string{"v1", "latest"}) || !strings.HasPrefix(aws.ToString(r.ImageDigest), "sha256:") ||
		!aws.ToTime(r.ImagePushedAt).Equal(daysAgo(40)) || r.StorageClass != types.LifecyclePolicyStorageClassStandard ||
		r.Action.Type != types.ImageActionTypeTransition || r.Action.TargetStorageClass != types.LifecyclePolicyTargetStorageClassArchive ||
		aws.ToInt32(r.AppliedRulePriority) != 3 {
		t.Errorf("result %+v action %+v", r, r.Action)
	}
	if !strings.Contains(aws.ToString(out.LifecyclePolicyText), `"rulePriority":3`) {
		t.Errorf("policy text %q", aws.ToString(out.LifecyclePolicyText))
	}
}

func TestLifecyclePreviewPagingAndFilters(t *testing.T) {
	t.Parallel()
	images := map[string]Image{}
	for i := range 5 {
		images[fmt.Sprintf("u%d", i)] = Image{PushedAt: daysAgo(float64(10 + i))}
		images[fmt.Sprintf("t%d", i)] = Image{Tags: []string{fmt.Sprintf("t%d", i)}, PushedAt: daysAgo(float64(10 + i))}
	}
	_, c, names := previewFixture(t, images)
	policy := lifecycle(rule(1, `"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":1`, expire))
	if _, err := c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	pages := 0
	p := ecr.NewGetLifecyclePolicyPreviewPaginator(c, &ecr.GetLifecyclePolicyPreviewInput{
		RepositoryName: aws.String("app"), MaxResults: aws.Int32(2),
		Filter: &types.LifecyclePolicyPreviewFilter{TagStatus: types.TagStatusUntagged},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.PreviewResults) > 2 {
			t.Errorf("page of %d results with maxResults 2", len(out.PreviewResults))
		}
		if aws.ToInt32(out.Summary.ExpiringImageTotalCount) != 10 {
			t.Errorf("summary counts %d, want the whole preview's 10", aws.ToInt32(out.Summary.ExpiringImageTotalCount))
		}
		for _, r := range out.PreviewResults {
			seen = append(seen, names[aws.ToString(r.ImageDigest)])
		}
	}
	slices.Sort(seen)
	if pages != 3 || !slices.Equal(seen, []string{"u0", "u1", "u2", "u3", "u4"}) {
		t.Errorf("%d pages of %v", pages, seen)
	}

	out, err := c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("t3")}}})
	if err != nil || len(out.PreviewResults) != 1 || names[aws.ToString(out.PreviewResults[0].ImageDigest)] != "t3" {
		t.Errorf("by image ID: %+v, %v", out, err)
	}
	_, err = c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("t3")}}, MaxResults: aws.Int32(1)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(101)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), NextToken: aws.String("!!")})
	wantErr[*types.InvalidParameterException](t, err)
}

func TestLifecyclePreviewStates(t *testing.T) {
	t.Parallel()
	f, c, _ := previewFixture(t, map[string]Image{"u": {PushedAt: daysAgo(3)}})
	policy := lifecycle(rule(1, `"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1`, expire))
	app := aws.String("app")

	_, err := c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: app})
	wantErr[*types.LifecyclePolicyPreviewNotFoundException](t, err)
	// Without a text the preview is of the repository's own policy.
	_, err = c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: app})
	wantErr[*types.LifecyclePolicyNotFoundException](t, err)
	_, err = c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("missing"), LifecyclePolicyText: aws.String(policy)})
	wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: app,
		LifecyclePolicyText: aws.String(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)})
	if ae := wantAPIError(t, err, "InvalidParameterException"); !strings.Contains(ae.ErrorMessage(), "Lifecycle policy validation failure") {
		t.Errorf("message %q", ae.ErrorMessage())
	}

	// Polling: two IN_PROGRESS answers, and no second preview meanwhile.
	f.emu.SetLifecyclePreviewBehavior(LifecyclePreviewBehavior{InProgressGets: 2})
	if _, err := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: app, LifecyclePolicyText: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: app}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: app})
	wantErr[*types.LifecyclePolicyPreviewInProgressException](t, err)
	var statuses []types.LifecyclePolicyPreviewStatus
	for range 3 {
		out, err := c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: app})
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, out.Status)
		if out.Status == types.LifecyclePolicyPreviewStatusInProgress && (len(out.PreviewResults) > 0 || out.Summary != nil) {
			t.Error("results before the preview completed")
		}
		if out.Status == types.LifecyclePolicyPreviewStatusComplete && len(out.PreviewResults) != 1 {
			t.Errorf("complete with %d results", len(out.PreviewResults))
		}
	}
	if want := []types.LifecyclePolicyPreviewStatus{"IN_PROGRESS", "IN_PROGRESS", "COMPLETE"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}

	// The preview is a snapshot: images pushed later are not in it.
	if err := f.emu.PutImages("", "app", Image{PushedAt: daysAgo(9)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetLifecyclePolicyPreview(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: app})
	if err != nil || len(out.PreviewResults) != 1 {
		t.Errorf("after a push the old preview has %d results (%v)", len(out.PreviewResults), err)
	}

	// A failing preview ends FAILED, which the SDK's waiter reports.
	f.emu.SetLifecyclePreviewBehavior(LifecyclePreviewBehavior{InProgressGets: 1, Fail: true})
	if _, err := c.StartLifecyclePolicyPreview(ctx(t), &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: app}); err != nil {
		t.Fatal(err)
	}
	err = ecr.NewLifecyclePolicyPreviewCompleteWaiter(c, func(o *ecr.LifecyclePolicyPreviewCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	}).Wait(ctx(t), &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: app}, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Failure") {
		t.Errorf("waiter on a failed preview: %v", err)
	}
	if f.emu.Count("StartLifecyclePolicyPreview") != 6 || len(f.emu.Writes()) != 1 {
		t.Errorf("%d starts, writes %+v: a preview is not a write", f.emu.Count("StartLifecyclePolicyPreview"), f.emu.Writes())
	}
}

func TestPreviewDoesNotChangeImages(t *testing.T) {
	t.Parallel()
	f, c, names := previewFixture(t, map[string]Image{"u": {PushedAt: daysAgo(3)}, "v": {Tags: []string{"v"}, PushedAt: daysAgo(3)}})
	before, _ := f.emu.Images("", "app")
	runPreview(t, c, names, lifecycle(rule(1, `"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":1`, expire)))
	after, _ := f.emu.Images("", "app")
	if len(after) != 2 || !slices.EqualFunc(before, after, func(a, b Image) bool { return a.Digest == b.Digest && a.StorageClass == b.StorageClass }) {
		t.Errorf("a preview changed the images: %+v", after)
	}
}
