package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// fiftyTags is a repository at ECR's limit: 49 tags of its own and one
// "aws:" tag that is never removed.
func fiftyTags() map[string]string {
	tags := map[string]string{"aws:cloudformation:stack-name": "core"}
	for i := range 49 {
		tags[fmt.Sprintf("old%02d", i)] = "v"
	}
	return tags
}

// Replacing tags on a full repository: the removal must land before the
// addition. UntagResource is slowed down so that an addition sent at the
// same time would be answered first, and refused.
func TestTagsAtTheLimitRemoveBeforeAdd(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.PutRepository(emulator.Repository{Name: "app", Tags: fiftyTags()})
	f.emu.AddFault(emulator.FaultRule{Operation: "UntagResource", Kind: emulator.FaultLatency, Delay: 200 * time.Millisecond})
	declared := map[string]string{"team": "payments", "env": "prod", "cost": "42"}
	for i := range 46 {
		declared[fmt.Sprintf("old%02d", i)] = "v"
	}
	f.run(t, reconcile.Spec{Name: "app", Tags: declared, PruneTags: true})

	want := maps.Clone(declared)
	want["aws:cloudformation:stack-name"] = "core"
	if got := f.repo(t, "app").Tags; !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	var order []string
	for _, c := range f.emu.Writes() {
		order = append(order, c.Operation)
	}
	if strings.Join(order, ",") != "UntagResource,TagResource" {
		t.Errorf("writes = %v, want UntagResource then TagResource", order)
	}
}

func TestTagsOverTheLimitAreRefusedBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	full := fiftyTags()
	full["old49"] = "v" // 50 user tags, and the aws: tag that does not count
	f.emu.PutRepository(emulator.Repository{Name: "app", Tags: full})
	f.emu.ResetCalls()
	_, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{
		Name: "app", Tags: map[string]string{"team": "payments"}, ScanOnPush: ptr(true),
	})
	var se *reconcile.SettingsError
	if !errors.As(err, &se) || len(se.Failed) != 1 || se.Failed[0].Setting != reconcile.SettingTags {
		t.Fatalf("err = %v, want the tags setting refused", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "51 tags") || !strings.Contains(msg, "prune-tags: true") || !strings.Contains(msg, "aws: prefix do not count") {
		t.Errorf("message does not give the count and the prune-tags way out: %s", msg)
	}
	for _, c := range f.emu.Writes() {
		if c.Operation == "TagResource" || c.Operation == "UntagResource" {
			t.Errorf("a tag write was sent: %+v", c)
		}
	}
	if len(f.repo(t, "app").Tags) != 51 || !f.repo(t, "app").ScanOnPush {
		t.Errorf("tags changed or the other setting not applied: %+v", f.repo(t, "app"))
	}
}

// Tags with the reserved aws: prefix do not count against the 50-tag limit
// (AWS's tagging rules): a repository CloudFormation created, with its
// three aws:cloudformation:* tags, takes 48 to 50 declared tags, and 51
// are refused before any write with a message that says so.
func TestAWSTagsDoNotCountAgainstTheLimit(t *testing.T) {
	t.Parallel()
	stack := map[string]string{
		"aws:cloudformation:stack-name": "core",
		"aws:cloudformation:stack-id":   "arn:aws:cloudformation:us-east-1:123456789012:stack/core/1",
		"aws:cloudformation:logical-id": "Repository",
	}
	declaredTags := func(n int) map[string]string {
		tags := map[string]string{}
		for i := range n {
			tags[fmt.Sprintf("k%02d", i)] = "v"
		}
		return tags
	}
	for _, n := range []int{48, 49, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			f.emu.PutRepository(emulator.Repository{Name: "app", Tags: stack})
			spec := reconcile.Spec{Name: "app", Tags: declaredTags(n), PruneTags: true}
			if res := f.run(t, spec); actionOf(res, reconcile.SettingTags) != reconcile.ActionUpdate {
				t.Fatalf("tags %s, want update", actionOf(res, reconcile.SettingTags))
			}
			want := maps.Clone(spec.Tags)
			maps.Copy(want, stack)
			if got := f.repo(t, "app").Tags; !maps.Equal(got, want) {
				t.Errorf("tags = %v, want the %d declared and the aws: tags", got, n)
			}
			f.emu.ResetCalls()
			f.run(t, spec)
			if w := f.writeOps(); len(w) != 0 {
				t.Errorf("re-run wrote %v", w)
			}
		})
	}
	f := newFixture(t, emulator.Options{})
	f.emu.PutRepository(emulator.Repository{Name: "app", Tags: stack})
	_, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "app", Tags: declaredTags(51)})
	if err == nil || !strings.Contains(err.Error(), "51 tags") || !strings.Contains(err.Error(), "aws: prefix do not count") || strings.Contains(err.Error(), "included") {
		t.Errorf("51 declared: err = %v; want refused, counting user tags only", err)
	}
	if w := f.writeOps(); len(w) != 0 {
		t.Errorf("51 declared: wrote %v", w)
	}
}

// ECR refuses a policy naming a principal IAM has not propagated yet, in
// either of two forms; both are waited out.
func TestPolicyPrincipalPendingBothForms(t *testing.T) {
	t.Parallel()
	for name, form := range map[string]emulator.PrincipalError{"invalid repository policy": emulator.PrincipalInvalidPolicy, "principal not found": emulator.PrincipalNotFound} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			f.emu.SetPendingPrincipalAs("arn:aws:iam::123456789012:role/just-created", 3, form)
			f.run(t, reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Text: rolePolicy}})
			if got := f.emu.Count("SetRepositoryPolicy"); got != 4 {
				t.Errorf("SetRepositoryPolicy called %d times, want 4 (3 refusals, then success)", got)
			}
		})
	}
}

// The propagation wait is bounded by time, not attempts, and never runs
// past the deadline (timeout-seconds): it stops with the error that
// explains the failure rather than waiting only to be cancelled.
func TestPolicyPropagationWaitStopsAtTheDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetPendingPrincipalAs("arn:aws:iam::123456789012:role/just-created", -1, emulator.PrincipalNotFound)
	rec := f.reconciler(false)
	rec.Options.SetPropagation(reconcile.Backoff{Base: 20 * time.Millisecond, Max: 40 * time.Millisecond, Within: time.Hour})
	const deadline = 600 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, err := rec.Reconcile(ctx, reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Text: rolePolicy}})
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "principal that does not exist") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the propagation explanation", err)
	}
	// Generous: the point is that the hour-long window did not apply.
	if elapsed > deadline+2*time.Second {
		t.Errorf("the wait took %v, past the %v deadline", elapsed, deadline)
	}
	if n := f.emu.Count("SetRepositoryPolicy"); n < 3 {
		t.Errorf("SetRepositoryPolicy called %d times: the wait did not retry", n)
	}
}

// raceWinner makes a racing job create the repository (with none of the
// declared settings) after our read and before our CreateRepository.
func raceWinner(client func() *ecr.Client) func(http.Handler) http.Handler {
	var raced atomic.Bool
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The winner's own request passes straight through.
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".CreateRepository") && raced.CompareAndSwap(false, true) {
				_, _ = client().CreateRepository(r.Context(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
			}
			next.ServeHTTP(w, r)
		})
	}
}

// After a lost creation race every write tolerates the winner's repository
// not being visible yet.
func TestLostRaceWritesWaitForTheWinnersRepository(t *testing.T) {
	t.Parallel()
	var f *fixture
	f = newFixtureWrapped(t, emulator.Options{InvisibleReadsAfterCreate: 2, InvisibleWritesAfterCreate: 2}, raceWinner(func() *ecr.Client { return f.ecr }))
	spec := fullSpec("app")
	spec.PruneTags = true
	res := f.run(t, spec)
	if res.Created {
		t.Error("Created = true for a repository the racing job created")
	}
	r := f.repo(t, "app")
	if r.Mutability != "IMMUTABLE_WITH_EXCLUSION" || !r.ScanOnPush || !maps.Equal(r.Tags, spec.Tags) || r.Policy == "" || r.Lifecycle == "" {
		t.Errorf("not every setting was written after the lost race: %+v", r)
	}
	for _, op := range []string{"PutImageTagMutability", "PutImageScanningConfiguration", "TagResource", "SetRepositoryPolicy", "PutLifecyclePolicy"} {
		if n := f.emu.Count(op); n != 3 {
			t.Errorf("%s called %d times, want 3 (2 not visible, then success)", op, n)
		}
	}
}

// IAM authorises CreateRepository with tags as ecr:TagResource too: a
// denial names both, whichever is missing.
func TestCreateWithTagsDeniedNamesBothActions(t *testing.T) {
	t.Parallel()
	all := []string{"ecr:DescribeRepositories", "ecr:GetRepositoryPolicy", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource", "ecr:CreateRepository", "ecr:TagResource"}
	for _, missing := range []string{"ecr:CreateRepository", "ecr:TagResource"} {
		t.Run(missing, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			var allowed []string
			for _, a := range all {
				if a != missing {
					allowed = append(allowed, a)
				}
			}
			f.emu.SetAllowedActions(allowed)
			_, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "app", Tags: map[string]string{"team": "x"}})
			var denied *reconcile.AccessDeniedError
			if !errors.As(err, &denied) {
				t.Fatalf("err = %v, want an AccessDeniedError", err)
			}
			if !strings.Contains(err.Error(), "ecr:CreateRepository and ecr:TagResource") {
				t.Errorf("error does not name both candidate actions: %v", err)
			}
		})
	}
}

// With KMS encryption ECR calls KMS on the caller's behalf: a KMS refusal
// names the KMS permissions.
func TestCreateWithKMSRefusedNamesKMSPermissions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.AddFault(emulator.FaultRule{Operation: "CreateRepository", Kind: emulator.FaultError, Code: "KmsException",
		Message: "User: arn:aws:iam::123456789012:role/ci is not authorized to perform: kms:CreateGrant"})
	_, err := f.reconciler(false).Reconcile(context.Background(), reconcile.Spec{Name: "app", Encryption: &reconcile.Encryption{Type: "KMS"}})
	if err == nil || !strings.Contains(err.Error(), "kms:DescribeKey and kms:CreateGrant") {
		t.Errorf("err = %v, want the KMS permissions named", err)
	}
}
