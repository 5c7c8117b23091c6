package reconcile_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Transient faults are retried with jittered backoff and the reconcile
// still ends in the declared state, on creation and on repair.
func TestTransientFaultsEndInTheDeclaredState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		rules []emulator.FaultRule
	}{
		{"throttle every 3rd call", []emulator.FaultRule{{Kind: emulator.FaultThrottle, Every: 3, PerRequest: attempts - 1}}},
		{"throttle burst", []emulator.FaultRule{{Kind: emulator.FaultThrottle, Times: attempts - 1}}},
		{"throttle burst on each write", []emulator.FaultRule{
			{Operation: "CreateRepository", Kind: emulator.FaultThrottle, Times: 2},
			{Operation: "SetRepositoryPolicy", Kind: emulator.FaultThrottle, Times: 2},
			{Operation: "PutLifecyclePolicy", Kind: emulator.FaultThrottle, Times: 2},
		}},
		{"500 burst", []emulator.FaultRule{{Kind: emulator.FaultServerError, Times: 3}}},
		{"503 burst", []emulator.FaultRule{{Kind: emulator.FaultUnavailable, Times: 3}}},
		// Both rules together fail one call at most 4 times, fewer than its
		// attempts: with the registry reads beside the describe, concurrent
		// calls could otherwise leave every fault to one of them.
		{"mixed 5xx every other call", []emulator.FaultRule{{Kind: emulator.FaultServerError, Every: 2, Times: 4, PerRequest: 2}, {Kind: emulator.FaultUnavailable, Every: 3, Times: 3, PerRequest: 2}}},
		{"latency", []emulator.FaultRule{{Kind: emulator.FaultLatency, Delay: 20 * time.Millisecond}}},
		{"connection reset", []emulator.FaultRule{{Kind: emulator.FaultReset, Every: 2, Times: 3, PerRequest: attempts - 1}}},
		{"reset on create", []emulator.FaultRule{{Operation: "CreateRepository", Kind: emulator.FaultReset, Times: 1}}},
		{"request that never answers", []emulator.FaultRule{{Operation: "DescribeRepositories", Kind: emulator.FaultHang, Times: 1}, {Operation: "SetRepositoryPolicy", Kind: emulator.FaultHang, Times: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, emulator.Options{})
			for _, r := range tc.rules {
				w.emu.AddFault(r)
			}
			res, err := w.rec.Reconcile(context.Background(), spec("app"))
			if err != nil {
				t.Fatalf("creation under %s: %v", tc.name, err)
			}
			if !res.Created {
				t.Error("not reported as created")
			}
			w.assertDeclared(t, spec("app"))

			// Repair under the same faults.
			r, _ := w.emu.Repository("", "app")
			r.ScanOnPush, r.Policy, r.Tags = false, "", map[string]string{}
			w.emu.PutRepository(r)
			for _, rule := range tc.rules {
				w.emu.AddFault(rule)
			}
			if _, err := w.rec.Reconcile(context.Background(), spec("app")); err != nil {
				t.Fatalf("repair under %s: %v", tc.name, err)
			}
			w.assertDeclared(t, spec("app"))
		})
	}
}

// When the retries run out the error says which call, how often it was
// tried and the last error, and nothing else is left half-done silently.
func TestGivingUpSaysWhichCallAndHowOften(t *testing.T) {
	t.Parallel()
	t.Run("describe", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.AddFault(emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultThrottle})
		_, err := w.rec.Reconcile(context.Background(), spec("app"))
		if err == nil {
			t.Fatal("succeeded with every describe throttled")
		}
		for _, s := range []string{"ecr:DescribeRepositories", "gave up after 5 attempts", "ThrottlingException"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error lacks %q: %v", s, err)
			}
		}
		if w.emu.Count("CreateRepository") != 0 {
			t.Error("a failed describe led to a create")
		}
	})
	t.Run("one setting", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, emulator.Options{})
		w.emu.AddFault(emulator.FaultRule{Operation: "PutLifecyclePolicy", Kind: emulator.FaultUnavailable})
		res, err := w.rec.Reconcile(context.Background(), spec("app"))
		var se *reconcile.SettingsError
		if !errors.As(err, &se) || len(se.Failed) != 1 || se.Failed[0].Setting != reconcile.SettingLifecyclePolicy {
			t.Fatalf("err = %v, want only lifecycle-policy failed", err)
		}
		if !strings.Contains(err.Error(), "ecr:PutLifecyclePolicy gave up after 5 attempts") {
			t.Errorf("error = %v", err)
		}
		if got := w.emu.Count("PutLifecyclePolicy"); got != attempts {
			t.Errorf("PutLifecyclePolicy tried %d times, want %d", got, attempts)
		}
		if !res.Created {
			t.Error("result does not say the repository was created")
		}
		if r, _ := w.emu.Repository("", "app"); r.Policy == "" || !r.ScanOnPush {
			t.Errorf("the other settings were not applied: %+v", r)
		}
	})
}

// The overall deadline (timeout-seconds) bounds the whole run, retries
// included, however the calls behave.
func TestOverallDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{})
	w.emu.AddFault(emulator.FaultRule{Kind: emulator.FaultHang})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := w.rec.Reconcile(ctx, spec("app"))
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("the run outlived its deadline by far: %s", elapsed)
	}
}
