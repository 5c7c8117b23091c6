package reconcile_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("svc/app-%03d", i)
	}
	return out
}

func batchSpec() reconcile.Spec {
	return reconcile.Spec{
		RepositoryPolicy: &reconcile.Document{Text: crossAccountPolicy},
		Tags:             map[string]string{"team": "platform"},
		ScanOnPush:       ptr(true),
	}
}

func runBatch(t *testing.T, f *fixture, n []string, dry bool) []reconcile.Item {
	t.Helper()
	items := f.reconciler(dry).ReconcileBatch(context.Background(), batchSpec(), n, 8)
	if len(items) != len(n) {
		t.Fatalf("%d items for %d names", len(items), len(n))
	}
	for i, it := range items {
		if it.Name != n[i] {
			t.Fatalf("item %d is %s, want %s (order must follow the input)", i, it.Name, n[i])
		}
	}
	return items
}

func TestBatchCreateThenNoOp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	all := names(150)
	for _, it := range runBatch(t, f, all, false) {
		if it.Err != nil || !it.Result.Created {
			t.Fatalf("%s: created=%v err=%v", it.Name, it.Result != nil && it.Result.Created, it.Err)
		}
	}
	if f.emu.RepositoryCount() != 150 {
		t.Fatalf("%d repositories", f.emu.RepositoryCount())
	}

	f.emu.ResetCalls()
	for _, it := range runBatch(t, f, all, false) {
		if it.Err != nil || it.Result.Changed() {
			t.Errorf("%s: changed=%v err=%v", it.Name, it.Result.Changed(), it.Err)
		}
	}
	// Two describes (100 + 50 names), the two registry-level reads once
	// for all, then one read per managed setting that DescribeRepositories
	// does not return.
	if got := f.emu.Count("DescribeRepositories"); got != 2 {
		t.Errorf("DescribeRepositories called %d times, want 2", got)
	}
	for _, op := range []string{"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"} {
		if got := f.emu.Count(op); got != 1 {
			t.Errorf("%s called %d times, want once", op, got)
		}
	}
	if got, want := len(f.emu.Calls()), 2+2+150*2; got != want {
		t.Errorf("%d calls, want %d", got, want)
	}
	if len(f.emu.Writes()) != 0 {
		t.Errorf("no-op batch wrote %d times", len(f.emu.Writes()))
	}
}

func TestBatchWithSomeMissingNeverListsTheRegistry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		existing int
		// Each call that fails names one missing repository; the rest of
		// its chunk is described again in two halves.
		describes int
	}{
		{"none missing", 250, 3},
		{"one missing", 249, 3 + 2},
		{"the last chunk missing", 200, 2 + 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			all := names(250)
			for _, n := range all[:tc.existing] {
				f.emu.PutRepository(emulator.Repository{Name: n})
			}
			f.emu.ResetCalls()
			items := runBatch(t, f, all, false)
			for i, it := range items {
				if it.Err != nil || it.Result.Created != (i >= tc.existing) {
					t.Errorf("%s: created=%v err=%v", it.Name, it.Result.Created, it.Err)
				}
			}
			if got := f.emu.Count("DescribeRepositories"); got != tc.describes {
				t.Errorf("DescribeRepositories called %d times, want %d", got, tc.describes)
			}
			for _, c := range f.emu.Calls() {
				if c.Operation == "DescribeRepositories" && c.Repository == "" {
					t.Errorf("DescribeRepositories without names: %+v", c)
				}
			}
			if got, want := f.emu.Count("CreateRepository"), 250-tc.existing; got != want {
				t.Errorf("CreateRepository called %d times, want %d", got, want)
			}
		})
	}
}

func TestBatchDryRunAndDrift(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	all := names(20)
	runBatch(t, f, all[:10], false)
	r := f.repo(t, all[3])
	r.ScanOnPush = false
	f.emu.PutRepository(r)
	f.emu.ResetCalls()

	items := runBatch(t, f, all, true)
	if len(f.emu.Writes()) != 0 {
		t.Fatalf("dry-run batch wrote %v", f.emu.Writes())
	}
	for i, it := range items {
		wantChanged := i == 3 || i >= 10
		if it.Err != nil || it.Result.Changed() != wantChanged || it.Result.Created != (i >= 10) {
			t.Errorf("%s: created=%v changed=%v err=%v", it.Name, it.Result.Created, it.Result.Changed(), it.Err)
		}
	}
	items = runBatch(t, f, all, false)
	if !f.repo(t, all[3]).ScanOnPush || f.emu.RepositoryCount() != 20 {
		t.Error("drift not repaired or missing repositories not created")
	}
	for i, it := range items {
		if it.Err != nil || it.Result.Changed() != (i == 3 || i >= 10) {
			t.Errorf("%s: changed=%v err=%v", it.Name, it.Result.Changed(), it.Err)
		}
	}
}

// One repository's failure does not stop the others, and the items say
// exactly which failed.
func TestBatchPartialFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	all := names(12)
	f.emu.AddFault(emulator.FaultRule{Operation: "CreateRepository", Kind: emulator.FaultError, Status: 400, Code: "KmsException", Message: "not authorized to perform kms:CreateGrant", After: 5, Times: 1})
	items := runBatch(t, f, all, false)
	failed := 0
	for _, it := range items {
		if it.Err != nil {
			failed++
			if !strings.Contains(it.Err.Error(), "KmsException") || it.Result != nil {
				t.Errorf("%s: err=%v result=%v", it.Name, it.Err, it.Result)
			}
		} else if !it.Result.Created {
			t.Errorf("%s not created", it.Name)
		}
	}
	if failed != 1 || f.emu.RepositoryCount() != 11 {
		t.Errorf("%d failed, %d repositories; want 1 and 11", failed, f.emu.RepositoryCount())
	}
	// The next run completes the batch.
	f.emu.ClearFaults()
	for _, it := range runBatch(t, f, all, false) {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Name, it.Err)
		}
	}
	if f.emu.RepositoryCount() != 12 {
		t.Errorf("%d repositories after the repair run", f.emu.RepositoryCount())
	}
}

func TestBatchUnderThrottling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	// Every fourth call is throttled, but no call more often than the
	// fixture's retryer can absorb: 40 concurrent workers would otherwise
	// now and then put one call's retries on the fourth slot every time.
	f.emu.AddFault(emulator.FaultRule{Kind: emulator.FaultThrottle, Every: 4, PerRequest: 3})
	all := names(40)
	for _, it := range runBatch(t, f, all, false) {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Name, it.Err)
		}
	}
	f.emu.ClearFaults()
	f.emu.ResetCalls()
	for _, it := range runBatch(t, f, all, false) {
		if it.Err != nil || it.Result.Changed() {
			t.Errorf("%s: not in the declared state after a throttled batch (err %v)", it.Name, it.Err)
		}
	}
}

// The missing repository a failed describe sets aside is the one ECR's
// message names, never a name found elsewhere in the error's text (the
// request ID is the endpoint's too): an existing repository taken for
// missing would be created again.
func TestBatchMissingNameIsTheMessages(t *testing.T) {
	t.Parallel()
	all := names(4)
	f := newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			maps.Copy(w.Header(), rec.Header())
			if rec.Code != http.StatusOK {
				w.Header().Set("X-Amzn-Requestid", "repository with name '"+all[0]+"' does not exist")
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	})
	for _, n := range all[:3] {
		f.emu.PutRepository(emulator.Repository{Name: n})
	}
	for i, it := range runBatch(t, f, all, false) {
		if it.Err != nil || it.Result.Created != (i == 3) {
			t.Errorf("%s: created=%v err=%v", it.Name, it.Result != nil && it.Result.Created, it.Err)
		}
	}
	if got := f.emu.Count("CreateRepository"); got != 1 {
		t.Errorf("CreateRepository called %d times, want 1 (%s only)", got, all[3])
	}
	if got := f.emu.Count("DescribeRepositories"); got != 3 {
		t.Errorf("DescribeRepositories called %d times, want 3: the failed one, then the rest in two halves", got)
	}
}
