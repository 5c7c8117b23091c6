package reconcile_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// Jobs that declare different policies for the same new repository all
// succeed, and the repository ends with one of the declared policies whole:
// never a mixture within one setting.
func TestRacingJobsWithDifferentPolicies(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 4, 8} {
		w := newWorld(t, emulator.Options{InvisibleReadsAfterCreate: 2})
		w.emu.AddFault(emulator.FaultRule{Operation: "CreateRepository", Kind: emulator.FaultLatency, Delay: 100 * time.Millisecond})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			s := spec("shared")
			if i%2 == 1 {
				s.RepositoryPolicy = &reconcile.Document{Text: otherPolicy}
				s.Tags = map[string]string{"team": "core", "job": "odd"}
			}
			wg.Go(func() { _, errs[i] = w.rec.Reconcile(context.Background(), s) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("%d racing jobs: %v", n, err)
		}
		r, ok := w.emu.Repository("", "shared")
		if !ok || w.emu.RepositoryCount() != 1 {
			t.Fatalf("%d racing jobs left %d repositories", n, w.emu.RepositoryCount())
		}
		a, errA := policy.RepositoryPoliciesEqual(r.Policy, testsupport.PullPolicy, "aws")
		b, errB := policy.RepositoryPoliciesEqual(r.Policy, otherPolicy, "aws")
		if errA != nil || errB != nil || a == b {
			t.Errorf("%d racing jobs: policy is neither declared one exactly: %s", n, r.Policy)
		}
		if r.Tags["team"] != "core" || r.Lifecycle == "" || !r.ScanOnPush {
			t.Errorf("%d racing jobs: other settings not declared: %+v", n, r)
		}
	}
}
