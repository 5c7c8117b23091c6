package reconcile_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// TestOwnedPolicyLostUpdate reproduces the lost update of a policy shared
// by Sid prefix, in a fixed order: job A reads the policy and its write is
// held by the emulator; job B reads, writes and, within its settle delay,
// A's write, merged from A's older read, lands and drops B's statement. B's
// read back after the delay sees that, merges again and reports the race;
// both jobs' statements and Lambda's survive.
func TestOwnedPolicyLostUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	const name = "shared/lost"
	f.emu.PutRepository(emulator.Repository{Name: name, Policy: ownedPolicy(lambdaStatement)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const keyA = "AKIDJOBA"
	hold := f.emu.HoldNext(keyA, "SetRepositoryPolicy")
	jobA := f.reconciler(false)
	jobA.ECR = ecrsdk.New(f.clientAs(keyA))
	jobB := f.reconciler(false)
	settles := 0
	jobB.Options.SetOwnedSettle(func(ctx context.Context) error {
		// B's settle delay is when a writer that read before B's write
		// lands its own: here, A's held write.
		settles++
		hold.Release()
		select {
		case <-hold.Served():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})

	type outcome struct {
		res *reconcile.Result
		err error
	}
	doneA := make(chan outcome, 1)
	go func() {
		res, err := jobA.Reconcile(ctx, ownedSpec(name, "team-a-", &reconcile.Document{Text: ownedPolicy(pullStatement("team-a-Pull", "111111111111"))}))
		doneA <- outcome{res, err}
	}()
	select {
	case <-hold.Arrived():
	case <-ctx.Done():
		t.Fatal("job A's write never arrived")
	}
	resB, errB := jobB.Reconcile(ctx, ownedSpec(name, "team-b-", &reconcile.Document{Text: ownedPolicy(pullStatement("team-b-Pull", "222222222222"))}))
	hold.Release() // in case B never waited
	a := <-doneA

	got := strings.Join(sids(t, f.repo(t, name).Policy), " ")
	for _, want := range []string{"LambdaECRImageRetrievalPolicy", "team-a-Pull", "team-b-Pull"} {
		if !strings.Contains(got, want) {
			t.Errorf("final policy [%s] lacks %s", got, want)
		}
	}
	// Both jobs end right: their statements are there and they say so,
	// or they fail.
	for job, o := range map[string]outcome{"A": a, "B": {resB, errB}} {
		if o.err != nil {
			t.Errorf("job %s: %v", job, o.err)
			continue
		}
		if c := policyChange(t, o.res); c.Action == reconcile.ActionFailed {
			t.Errorf("job %s failed: %s", job, c.Error)
		}
	}
	if t.Failed() {
		for _, c := range f.emu.Calls() {
			t.Logf("%s %s %s", c.AccessKeyID, c.Operation, c.ErrorCode)
		}
		return
	}
	c := policyChange(t, resB)
	if !strings.Contains(c.To, "after 2 write attempt(s)") {
		t.Errorf("job B: %q, want 2 write attempts (the second repairs the race)", c.To)
	}
	var noted bool
	for _, n := range resB.Notes {
		noted = noted || (n.Setting == reconcile.SettingRepositoryPolicy && strings.Contains(n.Text, "race detected and repaired") && strings.Contains(n.Text, `"team-b-"`))
	}
	if !noted {
		t.Errorf("job B's notes do not report the race: %+v", resB.Notes)
	}
	if settles < 1 {
		t.Errorf("job B never waited before reading back")
	}
}

// TestOwnedPolicyReadsAgainBeforeWriting: a statement another job added
// after this job's first read is merged, not dropped, because the job
// reads the policy again right before it writes.
func TestOwnedPolicyReadsAgainBeforeWriting(t *testing.T) {
	t.Parallel()
	const name = "shared/fresh"
	var f *fixture
	var once sync.Once
	f = newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			// Another job writes right after this job's first read.
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetRepositoryPolicy") {
				once.Do(func() {
					setPolicyText(t, f, name, ownedPolicy(lambdaStatement, pullStatement("team-b-Pull", "222222222222")))
				})
			}
		})
	})
	f.emu.PutRepository(emulator.Repository{Name: name, Policy: ownedPolicy(lambdaStatement)})
	res := f.run(t, ownedSpec(name, "team-a-", &reconcile.Document{Text: ownedPolicy(pullStatement("team-a-Pull", "111111111111"))}))
	if c := policyChange(t, res); c.Action != reconcile.ActionUpdate {
		t.Fatalf("change %+v", c)
	}
	if got := sids(t, f.repo(t, name).Policy); !equal(got, []string{"LambdaECRImageRetrievalPolicy", "team-b-Pull", "team-a-Pull"}) {
		t.Errorf("final policy %v: the other job's statement was dropped", got)
	}
}

// TestOwnedPolicyReadsAgainWhilePrincipalPropagates: while ECR refuses the
// write because a new principal is not visible yet, another job adds its
// statement; the retry that succeeds is merged into a fresh read and keeps
// it, instead of re-sending the text merged before the wait.
func TestOwnedPolicyReadsAgainWhilePrincipalPropagates(t *testing.T) {
	t.Parallel()
	const name = "shared/pending"
	const newRole = "arn:aws:iam::123456789012:role/just-created"
	var f *fixture
	var once sync.Once
	f = newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			// Another job writes while this job's first write is refused.
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".SetRepositoryPolicy") {
				once.Do(func() {
					setPolicyText(t, f, name, ownedPolicy(lambdaStatement, pullStatement("team-b-Pull", "222222222222")))
				})
			}
		})
	})
	f.emu.PutRepository(emulator.Repository{Name: name, Policy: ownedPolicy(lambdaStatement)})
	f.emu.SetPendingPrincipal(newRole, 2)
	declared := `{"Version":"2012-10-17","Statement":[{"Sid":"team-a-Deploy","Effect":"Allow","Principal":{"AWS":"` + newRole + `"},"Action":"ecr:BatchGetImage"}]}`
	res := f.run(t, ownedSpec(name, "team-a-", &reconcile.Document{Text: declared}))
	if c := policyChange(t, res); c.Action != reconcile.ActionUpdate {
		t.Fatalf("change %+v", c)
	}
	if n := f.emu.Count("SetRepositoryPolicy"); n != 3 {
		t.Errorf("%d SetRepositoryPolicy calls, want 3 (two refused while the role propagates)", n)
	}
	if got := sids(t, f.repo(t, name).Policy); !equal(got, []string{"LambdaECRImageRetrievalPolicy", "team-b-Pull", "team-a-Deploy"}) {
		t.Errorf("final policy %v: the other job's statement was dropped", got)
	}
}
