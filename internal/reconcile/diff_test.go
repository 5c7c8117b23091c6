package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// The diff is pure: these tables need no HTTP server and no client.

const (
	testPolicy    = `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"ecr:BatchGetImage"}]}`
	testLifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`
)

func existing() state {
	return state{Exists: true, Repository: Repository{Name: "app", ARN: "arn:aws:ecr:us-east-1:123456789012:repository/app"}, Mutability: "MUTABLE", EncryptionType: "AES256"}
}

func with(f func(*state)) state {
	st := existing()
	f(&st)
	return st
}

func ptrTo[T any](v T) *T { return &v }

func changeOf(t *testing.T, changes []Change, setting string) Change {
	t.Helper()
	for _, c := range changes {
		if c.Setting == setting {
			return c
		}
	}
	t.Fatalf("no change for %s in %+v", setting, changes)
	return Change{}
}

func TestDiffEverySetting(t *testing.T) {
	t.Parallel()
	readErr := errors.New("ecr:GetRepositoryPolicy failed: boom")
	for _, tc := range []struct {
		name    string
		spec    Spec
		state   state
		setting string
		want    Action
		// from/to/errSub are checked when not empty.
		from, to, errSub string
	}{
		{"repository create", Spec{Name: "app"}, state{}, SettingRepository, ActionCreate, "", "app", ""},
		{"repository unchanged", Spec{Name: "app"}, existing(), SettingRepository, ActionUnchanged, "", "app", ""},

		{"absent: missing is as declared", Spec{Name: "app", Absent: true}, state{}, SettingRepository, ActionUnchanged, "", "absent", ""},
		{"absent: existing, not counted, deleted", Spec{Name: "app", Absent: true}, existing(), SettingRepository, ActionRemove, "present", "absent", ""},
		{"absent: empty, counted", Spec{Name: "app", Absent: true}, with(func(s *state) { s.Images = ptrTo(0) }), SettingRepository, ActionRemove, "present, 0 image(s)", "absent", ""},
		{"absent: images without force refused", Spec{Name: "app", Absent: true}, with(func(s *state) { s.Images = ptrTo(3) }),
			SettingRepository, ActionFailed, "present, 3 image(s)", "absent", "holds 3 image(s) and force-delete is not set"},
		{"absent: images with force deleted", Spec{Name: "app", Absent: true, ForceDelete: true}, with(func(s *state) { s.Images = ptrTo(3) }),
			SettingRepository, ActionRemove, "present, 3 image(s)", "absent", ""},
		{"absent: count found no repository, deletion decides", Spec{Name: "app", Absent: true, ForceDelete: true},
			with(func(s *state) { s.ImagesErr = fmt.Errorf("ecr:DescribeImages failed: %w", errNotVisible) }), SettingRepository, ActionRemove, "present (its images could not be counted: DescribeImages no longer finds it)", "absent", ""},
		{"absent: count failed, nothing deleted", Spec{Name: "app", Absent: true, ForceDelete: true},
			with(func(s *state) { s.ImagesErr = errors.New("access denied to ecr:DescribeImages") }), SettingRepository, ActionFailed, "", "", "ecr:DescribeImages"},

		{"encryption create", Spec{Name: "app", Encryption: &Encryption{Type: "KMS", KMSKey: "alias/x"}}, state{}, SettingEncryption, ActionCreate, "", "KMS (alias/x)", ""},
		{"encryption unchanged", Spec{Name: "app", Encryption: &Encryption{Type: "AES256"}}, existing(), SettingEncryption, ActionUnchanged, "AES256", "AES256", ""},
		{"encryption unchanged, key ID matches ARN", Spec{Name: "app", Encryption: &Encryption{Type: "KMS", KMSKey: "k-1"}},
			with(func(s *state) { s.EncryptionType, s.KMSKey = "KMS", "arn:aws:kms:us-east-1:123456789012:key/k-1" }), SettingEncryption, ActionUnchanged, "", "", ""},
		{"encryption failed: cannot change", Spec{Name: "app", Encryption: &Encryption{Type: "KMS"}}, existing(), SettingEncryption, ActionFailed, "AES256", "KMS", "ECR sets encryption only when it creates"},

		{"mutability create", Spec{Name: "app", Mutability: &Mutability{Value: "IMMUTABLE"}}, state{}, SettingMutability, ActionCreate, "", "IMMUTABLE", ""},
		{"mutability unchanged, filters as a set", Spec{Name: "app", Mutability: &Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"b", "a"}}},
			with(func(s *state) { s.Mutability, s.ExclusionFilters = "IMMUTABLE_WITH_EXCLUSION", []string{"a", "b", "a"} }), SettingMutability, ActionUnchanged, "", "", ""},
		{"mutability update", Spec{Name: "app", Mutability: &Mutability{Value: "IMMUTABLE"}}, existing(), SettingMutability, ActionUpdate, "MUTABLE", "IMMUTABLE", ""},
		{"mutability: empty read as MUTABLE", Spec{Name: "app", Mutability: &Mutability{Value: "MUTABLE"}}, with(func(s *state) { s.Mutability = "" }), SettingMutability, ActionUnchanged, "", "", ""},

		{"scan create", Spec{Name: "app", ScanOnPush: ptrTo(true)}, state{}, SettingScanOnPush, ActionCreate, "", "true", ""},
		{"scan unchanged", Spec{Name: "app", ScanOnPush: ptrTo(false)}, existing(), SettingScanOnPush, ActionUnchanged, "false", "false", ""},
		{"scan update", Spec{Name: "app", ScanOnPush: ptrTo(true)}, existing(), SettingScanOnPush, ActionUpdate, "false", "true", ""},

		{"tags create", Spec{Name: "app", Tags: map[string]string{"b": "2", "a": "1"}}, state{}, SettingTags, ActionCreate, "", "a=1, b=2", ""},
		{"tags managed, none declared, at creation", Spec{Name: "app", PruneTags: true}, state{}, SettingTags, ActionUnchanged, "", "", ""},
		{"tags unchanged, others kept", Spec{Name: "app", Tags: map[string]string{"a": "1"}},
			with(func(s *state) { s.Tags = map[string]string{"a": "1", "other": "x"} }), SettingTags, ActionUnchanged, "", "a=1", ""},
		{"tags update lists only differences", Spec{Name: "app", Tags: map[string]string{"a": "2", "n": "v"}, PruneTags: true},
			with(func(s *state) { s.Tags = map[string]string{"a": "1", "gone": "x", "aws:kept": "y"} }), SettingTags, ActionUpdate, "", "a: 1 -> 2, +n=v, -gone", ""},
		{"tags remove all undeclared with prune", Spec{Name: "app", Tags: map[string]string{}, PruneTags: true},
			with(func(s *state) { s.Tags = map[string]string{"gone": "x"} }), SettingTags, ActionUpdate, "", "-gone", ""},
		{"tags failed: read error", Spec{Name: "app", Tags: map[string]string{"a": "1"}},
			with(func(s *state) { s.TagsErr = errors.New("ecr:ListTagsForResource failed") }), SettingTags, ActionFailed, "", "", "ListTagsForResource"},

		{"repository-policy create", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}}, state{}, SettingRepositoryPolicy, ActionCreate, "none", "declared", ""},
		{"repository-policy create on existing", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}}, existing(), SettingRepositoryPolicy, ActionCreate, "none", "declared", ""},
		{"repository-policy unchanged by meaning", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}},
			with(func(s *state) {
				s.RepositoryPolicy = ptrTo(strings.ReplaceAll(testPolicy, `"ecr:BatchGetImage"`, `["ecr:BatchGetImage"]`))
			}), SettingRepositoryPolicy, ActionUnchanged, "", "declared", ""},
		{"repository-policy update", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}},
			with(func(s *state) { s.RepositoryPolicy = ptrTo(strings.Replace(testPolicy, "Pull", "Other", 1)) }), SettingRepositoryPolicy, ActionUpdate, "differs", "declared", ""},
		{"repository-policy remove", Spec{Name: "app", RepositoryPolicy: &Document{Remove: true}},
			with(func(s *state) { s.RepositoryPolicy = ptrTo(testPolicy) }), SettingRepositoryPolicy, ActionRemove, "present", "none", ""},
		{"repository-policy none, none declared", Spec{Name: "app", RepositoryPolicy: &Document{Remove: true}}, existing(), SettingRepositoryPolicy, ActionUnchanged, "", "none", ""},
		{"repository-policy failed: read error", Spec{Name: "app", RepositoryPolicy: &Document{Text: testPolicy}},
			with(func(s *state) { s.RepositoryPolicyErr = readErr }), SettingRepositoryPolicy, ActionFailed, "", "", "boom"},

		{"lifecycle-policy create", Spec{Name: "app", LifecyclePolicy: &Document{Text: testLifecycle}}, state{}, SettingLifecyclePolicy, ActionCreate, "none", "declared", ""},
		{"lifecycle-policy unchanged", Spec{Name: "app", LifecyclePolicy: &Document{Text: testLifecycle}},
			with(func(s *state) { s.LifecyclePolicy = ptrTo(testLifecycle) }), SettingLifecyclePolicy, ActionUnchanged, "", "declared", ""},
		{"lifecycle-policy update", Spec{Name: "app", LifecyclePolicy: &Document{Text: testLifecycle}},
			with(func(s *state) { s.LifecyclePolicy = ptrTo(strings.Replace(testLifecycle, "7", "8", 1)) }), SettingLifecyclePolicy, ActionUpdate, "differs", "declared", ""},
		{"lifecycle-policy remove", Spec{Name: "app", LifecyclePolicy: &Document{Remove: true}},
			with(func(s *state) { s.LifecyclePolicy = ptrTo(testLifecycle) }), SettingLifecyclePolicy, ActionRemove, "present", "none", ""},
		{"lifecycle-policy failed: read error", Spec{Name: "app", LifecyclePolicy: &Document{Text: testLifecycle}},
			with(func(s *state) { s.LifecyclePolicyErr = errors.New("ecr:GetLifecyclePolicy failed: denied") }), SettingLifecyclePolicy, ActionFailed, "", "", "denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := changeOf(t, diff(tc.spec, tc.state, "aws"), tc.setting)
			if c.Action != tc.want {
				t.Errorf("action = %s, want %s (%+v)", c.Action, tc.want, c)
			}
			if tc.from != "" && c.From != tc.from {
				t.Errorf("from = %q, want %q", c.From, tc.from)
			}
			if tc.to != "" && c.To != tc.to {
				t.Errorf("to = %q, want %q", c.To, tc.to)
			}
			if tc.errSub != "" && !strings.Contains(c.Error, tc.errSub) {
				t.Errorf("error = %q, want it to contain %q", c.Error, tc.errSub)
			}
			if (c.Action == ActionFailed) != (c.Error != "") {
				t.Errorf("failed and error disagree: %+v", c)
			}
		})
	}
}

// With state: absent nothing but the repository is planned, whatever the
// spec holds (inputs refuses settings with absent before any call).
func TestDiffAbsentPlansOnlyTheRepository(t *testing.T) {
	t.Parallel()
	spec := Spec{Name: "app", Absent: true, ScanOnPush: ptrTo(true), Tags: map[string]string{"a": "1"}}
	for _, st := range []state{{}, existing()} {
		changes := diff(spec, st, "aws")
		if len(changes) != 1 || changes[0].Setting != SettingRepository {
			t.Errorf("changes = %+v, want the repository alone", changes)
		}
	}
	if !deletes(diff(spec, existing(), "aws")) || deletes(diff(spec, state{}, "aws")) {
		t.Error("deletes disagrees with the plan")
	}
	var re *repositoryError
	if !errors.As(failure(diff(Spec{Name: "app", Absent: true}, with(func(s *state) { s.Images = ptrTo(1) }), "aws")), &re) {
		t.Error("a refused deletion is not a *repositoryError")
	}
}

// Only the declared settings are planned, in the order a run reports them
// (each setting's order).
func TestDiffManagesOnlyDeclaredSettings(t *testing.T) {
	t.Parallel()
	every := Spec{
		Name: "app", Encryption: &Encryption{Type: "AES256"}, Mutability: &Mutability{Value: "MUTABLE"}, ScanOnPush: ptrTo(true),
		Tags: map[string]string{"a": "b"}, RepositoryPolicy: &Document{Remove: true}, LifecyclePolicy: &Document{Remove: true},
		Catalog: &Catalog{Description: ptrTo("d")},
	}
	for _, tc := range []struct {
		spec Spec
		want []string
	}{
		{Spec{Name: "app", ScanOnPush: ptrTo(true)}, []string{SettingRepository, SettingScanOnPush}},
		{every, []string{SettingRepository, SettingEncryption, SettingMutability, SettingScanOnPush, SettingTags,
			SettingRepositoryPolicy, SettingLifecyclePolicy, SettingCatalog}},
	} {
		var settings []string
		for _, c := range diff(tc.spec, existing(), "aws") {
			settings = append(settings, c.Setting)
		}
		if !slices.Equal(settings, tc.want) {
			t.Errorf("settings = %v, want %v", settings, tc.want)
		}
	}
}

// The tags change carries exactly what the write sends: never an "aws:"
// tag removed, never an unchanged tag re-sent.
func TestDiffTagsPayload(t *testing.T) {
	t.Parallel()
	c := diffTags(Spec{Name: "app", Tags: map[string]string{"keep": "1", "new": "2", "upd": "3"}, PruneTags: true},
		with(func(s *state) {
			s.Tags = map[string]string{"keep": "1", "upd": "0", "old": "x", "aws:cloudformation:stack": "s"}
		}))
	p := planOf[*tagsPlan](c)
	if p == nil {
		t.Fatalf("no tags write planned: %+v", c)
	}
	if want := map[string]string{"new": "2", "upd": "3"}; !maps.Equal(p.set, want) {
		t.Errorf("tags set = %v, want %v", p.set, want)
	}
	if want := []string{"old"}; !slices.Equal(p.remove, want) {
		t.Errorf("tags removed = %v, want %v", p.remove, want)
	}
}

// Near the 50-tag limit the count after the change (kept + added; "aws:"
// tags do not count) is checked before any write.
func TestDiffTagsLimit(t *testing.T) {
	t.Parallel()
	full := map[string]string{"aws:system": "x"}
	for i := range 49 {
		full["old"+string(rune('A'+i/26))+string(rune('a'+i%26))] = "v"
	}
	declared := map[string]string{"n1": "v", "n2": "v", "n3": "v"}
	st := with(func(s *state) { s.Tags = full })
	for _, tc := range []struct {
		name      string
		prune     bool
		want      Action
		errSubs   []string
		notInErrs []string
	}{
		{"without prune: refused, prune-tags would fit", false, ActionFailed, []string{"52 tags", "50", "tags", "prune-tags: true", "49 tags that are not declared"}, nil},
		{"with prune: fits (1 aws: tag kept + 3 added)", true, ActionUpdate, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := diffTags(Spec{Name: "app", Tags: declared, PruneTags: tc.prune}, st)
			if c.Action != tc.want {
				t.Fatalf("action = %s (%s), want %s", c.Action, c.Error, tc.want)
			}
			for _, s := range tc.errSubs {
				if !strings.Contains(c.Error, s) {
					t.Errorf("error %q lacks %q", c.Error, s)
				}
			}
			if tc.want == ActionFailed && c.plan != nil {
				t.Errorf("a refused change carries writes: %+v", c)
			}
		})
	}
	// Too many declared even with pruning: no prune-tags hint.
	many := maps.Clone(full)
	delete(many, "aws:system")
	many["extra"] = "v"
	many["extra2"] = "v"
	c := diffTags(Spec{Name: "app", Tags: many}, with(func(s *state) { s.Tags = full }))
	if c.Action != ActionFailed || strings.Contains(c.Error, "prune-tags") {
		t.Errorf("51 declared next to an aws: tag: %s %q, want failed without a prune-tags hint", c.Action, c.Error)
	}
}

// IAM propagation is waited out for up to 2 minutes, as
// terraform-provider-aws does for the same error.
func TestPropagationWindowIsTwoMinutes(t *testing.T) {
	t.Parallel()
	if propagationBackoff.Within != 2*time.Minute || propagationBackoff.Attempts != 0 {
		t.Errorf("propagation backoff = %+v, want a 2-minute window bounded by time alone", propagationBackoff)
	}
	// The waits alone can fill the window: attempts do not cut it short.
	var total time.Duration
	wait := propagationBackoff.Base
	for total+wait/2 < propagationBackoff.Within {
		total += wait / 2 // the shortest jittered wait
		wait = min(wait*2, propagationBackoff.Max)
	}
	if total < 100*time.Second {
		t.Errorf("the shortest waits add up to %v only", total)
	}
}

func TestRetryWhileStopsWithinItsWindow(t *testing.T) {
	t.Parallel()
	pending := errors.New("pending")
	b := backoff{Base: 10 * time.Millisecond, Max: 20 * time.Millisecond, Within: 150 * time.Millisecond}
	start := time.Now()
	n, err := b.retryWhile(context.Background(), func(e error) bool { return errors.Is(e, pending) }, func() error { return pending })
	if !errors.Is(err, pending) || n < 3 {
		t.Errorf("retryWhile = %d, %v; want several attempts ending with the retryable error", n, err)
	}
	if d := time.Since(start); d > 150*time.Millisecond+time.Second {
		t.Errorf("took %v, past its 150ms window", d)
	}
}

// TestDiffOwnedPolicy plans a policy owned by Sid prefix without HTTP.
func TestDiffOwnedPolicy(t *testing.T) {
	t.Parallel()
	const foreign = `{"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:BatchGetImage"}`
	const mine = `{"Sid":"ci-Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"ecr:BatchGetImage"}`
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	text := func(s string) *string { return &s }
	cases := []struct {
		name   string
		want   Document
		cur    *string
		exists bool
		action Action
		delete bool
		to     string
	}{
		{"new repository", Document{Text: doc(mine)}, nil, false, ActionCreate, false, "1 added"},
		{"added beside Lambda", Document{Text: doc(mine)}, text(doc(foreign)), true, ActionUpdate, false, "1 foreign statement(s) kept"},
		{"already there", Document{Text: doc(mine)}, text(doc(foreign, mine)), true, ActionUnchanged, false, "1 unchanged"},
		{"none keeps Lambda", Document{Remove: true}, text(doc(foreign, mine)), true, ActionUpdate, false, "1 removed"},
		{"none, nothing left", Document{Remove: true}, text(doc(mine)), true, ActionRemove, true, "none"},
		{"none, nothing owned", Document{Remove: true}, text(doc(foreign)), true, ActionUnchanged, false, "0 removed"},
		{"none, no policy", Document{Remove: true}, nil, true, ActionUnchanged, false, "0 removed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := diffOwnedPolicy(tc.want, "ci-", "aws", tc.cur, nil, tc.exists)
			if c.Action != tc.action || !strings.Contains(c.To, tc.to) {
				t.Fatalf("change %+v, want %s with %q", c, tc.action, tc.to)
			}
			o := planOf[*ownedPlan](c)
			if c.Changed() != (o != nil) || (o != nil && o.delete != tc.delete) {
				t.Fatalf("plan %+v for %+v", o, c)
			}
			if o != nil && !tc.delete && strings.Contains(tc.to, "kept") && !strings.Contains(o.policy, "LambdaECRImageRetrievalPolicy") {
				t.Fatalf("merged policy lost the foreign statement: %s", o.policy)
			}
		})
	}
}

// The preview's budget is ECR's own waiter for it (20 polls 5 s apart,
// ecrspec, tied to the model's waiters-2.json by the conformance test).
func TestPreviewBudgetIsECRsWaiter(t *testing.T) {
	t.Parallel()
	if previewBackoff.Within != 100*time.Second || previewBackoff.Max != 5*time.Second {
		t.Errorf("preview backoff = %+v, want 100 s in all, polls at most 5 s apart", previewBackoff)
	}
}
