package reconcile_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// rounds records when each request arrives and when its answer leaves, in
// one sequence of events, and counts sequential round trips: a request that
// arrived after another's answer left depends on it (or at least did not
// go out with it). The emulator's latency keeps parallel requests well
// inside each other's window.
type rounds struct {
	mu     sync.Mutex
	seq    int
	events []roundEvent
}

type roundEvent struct {
	op            string
	arrive, leave int
}

func (rr *rounds) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr.mu.Lock()
		rr.seq++
		i := len(rr.events)
		rr.events = append(rr.events, roundEvent{op: r.Header.Get("X-Amz-Target"), arrive: rr.seq})
		rr.mu.Unlock()
		next.ServeHTTP(w, r)
		rr.mu.Lock()
		rr.seq++
		rr.events[i].leave = rr.seq
		rr.mu.Unlock()
	})
}

// depth is the longest chain of requests each sent after the previous one
// was answered.
func (rr *rounds) depth() int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	d := make([]int, len(rr.events))
	longest := 0
	for i, b := range rr.events {
		d[i] = 1
		for j, a := range rr.events[:i] {
			if a.leave != 0 && a.leave < b.arrive {
				d[i] = max(d[i], d[j]+1)
			}
		}
		longest = max(longest, d[i])
	}
	return longest
}

func (rr *rounds) reset() {
	rr.mu.Lock()
	rr.events = nil
	rr.mu.Unlock()
}

// roundLatency is long so that requests sent together arrive together even
// when the race detector and a loaded machine delay a goroutine: a sibling
// is counted in a later round only if it arrives after an answer left.
const roundLatency = 300 * time.Millisecond

func TestRoundTrips(t *testing.T) {
	t.Parallel()
	noTags := fullSpec("app")
	noTags.Tags, noTags.PruneTags = nil, false
	withRegistry := fullSpec("app")
	withRegistry.RegistryID = account
	// Nothing registry-level: no scanning, nothing a template sets.
	noRegistryChecks := reconcile.Spec{Name: "app"}
	for _, tc := range []struct {
		name    string
		spec    reconcile.Spec
		account string // Options.Account
		noOp    int    // round trips of a re-run with nothing to do
		create  int    // round trips of the creation
	}{
		// The policy reads take the name: they go out with the describe.
		{"tags not managed", noTags, "", 1, 3},
		// The tags read needs the ARN, known in advance with the account.
		{"account known", fullSpec("app"), account, 1, 3},
		{"registry-id given", withRegistry, "", 1, 3},
		// Otherwise the ARN comes with the describe's answer.
		{"account unknown", fullSpec("app"), "", 2, 3},
		// The registry-level reads (fullSpec manages scan-on-push and what
		// templates set) go out with the describe in every case above; a
		// spec that needs none of them keeps the describe alone.
		{"no registry-level reads", noRegistryChecks, "", 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rr := &rounds{}
			f := newFixtureWrapped(t, emulator.Options{Latency: roundLatency}, rr.wrap)
			rec := f.reconciler(false)
			rec.Options.Account = tc.account
			// Creation: read (describe with the early reads, answered "not
			// found" and ignored), CreateRepository, then both policies.
			if _, err := rec.Reconcile(context.Background(), tc.spec); err != nil {
				t.Fatal(err)
			}
			if got := rr.depth(); got != tc.create {
				t.Errorf("creation took %d sequential round trips, want %d", got, tc.create)
			}
			rr.reset()
			f.emu.ResetCalls()
			res, err := rec.Reconcile(context.Background(), tc.spec)
			if err != nil || res.Changed() || len(f.emu.Writes()) != 0 {
				t.Fatalf("re-run: changed=%v writes=%v err=%v", res.Changed(), f.emu.Writes(), err)
			}
			if got := rr.depth(); got != tc.noOp {
				t.Errorf("no-op took %d sequential round trips, want %d", got, tc.noOp)
			}
			registryReads := f.emu.Count("GetRegistryScanningConfiguration") + f.emu.Count("DescribeRepositoryCreationTemplates")
			if want := map[bool]int{true: 0, false: 2}[tc.spec.ScanOnPush == nil]; registryReads != want {
				t.Errorf("%d registry-level reads, want %d", registryReads, want)
			}
		})
	}
}

// A deletion is two round trips: the describe (with the image count under
// force-delete, in parallel) and DeleteRepository; a missing repository is
// one.
func TestDeletionRoundTrips(t *testing.T) {
	t.Parallel()
	for _, force := range []bool{false, true} {
		rr := &rounds{}
		f := newFixtureWrapped(t, emulator.Options{Latency: roundLatency}, rr.wrap)
		f.seedImages(t, "app", 0)
		f.run(t, absent("app", force))
		if got := rr.depth(); got != 2 {
			t.Errorf("force=%v: the deletion took %d sequential round trips, want 2", force, got)
		}
		rr.reset()
		f.run(t, absent("app", force))
		if got := rr.depth(); got != 1 {
			t.Errorf("force=%v: the re-run took %d sequential round trips, want 1", force, got)
		}
	}
}
