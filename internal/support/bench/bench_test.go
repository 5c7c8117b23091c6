package main

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// TestQuickRun runs the harness in -quick mode: every section but the
// binary's completes and every structural target (computed from call
// counts, never from time) is met. The engine's tests assert the counts
// themselves (internal/reconcile/calls_test.go).
func TestQuickRun(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-quick"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printReport(&b, rep, []string{"-quick"})
	t.Log("\n" + b.String())
	if len(rep.Single) != 2*len(singleScenarios) || len(rep.PolicyCheck) != 3*len(policyScenarios) || len(rep.Batch) != len(cfg.Sizes) {
		t.Fatalf("report has %d single rows, %d policy check rows, %d batch rows", len(rep.Single), len(rep.PolicyCheck), len(rep.Batch))
	}
	structural := 0
	for _, tg := range rep.Targets {
		if tg.Structural {
			structural++
			if !tg.Met {
				t.Errorf("target %q: want %s, measured %s", tg.Name, tg.Want, tg.Measured)
			}
		}
	}
	if structural == 0 {
		t.Error("no structural target was evaluated")
	}
	// The baseline is sequential: one level per call (it never overlaps
	// calls, so timing noise cannot merge two levels).
	for _, r := range rep.Single {
		if r.Impl == implBaseline && r.Levels.Min != r.Calls {
			t.Errorf("baseline %s: %d levels for %d calls; it should be fully sequential", r.Scenario, r.Levels.Min, r.Calls)
		}
	}
}

func TestLevels(t *testing.T) {
	t.Parallel()
	at := func(a, b int64) emulator.Call {
		return emulator.Call{Received: time.UnixMilli(a), Answered: time.UnixMilli(b)}
	}
	for _, tc := range []struct {
		calls []emulator.Call
		want  int
	}{
		{nil, 0},
		{[]emulator.Call{at(0, 10), at(1, 11), at(2, 12)}, 1},                         // parallel
		{[]emulator.Call{at(0, 10), at(11, 21), at(11, 22), at(12, 21)}, 2},           // describe then parallel reads
		{[]emulator.Call{at(0, 10), at(10, 20), at(21, 31), at(21, 31)}, 3},           // create then policies
		{[]emulator.Call{at(30, 40), at(0, 10), at(20, 30), at(10, 20), at(0, 5)}, 4}, // sequential, in any order
	} {
		if got := levels(tc.calls); got != tc.want {
			t.Errorf("%v: %d levels, want %d", tc.calls, got, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	if cfg, err := parseFlags(nil); err != nil || !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	cfg, err := parseFlags([]string{"-quick", "-runs", "3", "-sizes", "2,5"})
	if err != nil || !cfg.Quick || cfg.Runs != 3 || !slices.Equal(cfg.Sizes, []int{2, 5}) || cfg.Process || cfg.Latency != QuickConfig().Latency {
		t.Errorf("-quick with overrides: %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"-runs", "0"}, {"-sizes", "1,x"}, {"-latency", "0s"}, {"extra"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// The default concurrency is the action's max-concurrency default, which
// action.yml alone declares.
func TestDefaultConcurrencyIsTheAction(t *testing.T) {
	t.Parallel()
	in, ok := testsupport.Action(t).Input("max-concurrency")
	if !ok || in.Default != strconv.Itoa(DefaultConfig().Concurrency) {
		t.Errorf("bench concurrency %d, action.yml's max-concurrency default %q", DefaultConfig().Concurrency, in.Default)
	}
}
