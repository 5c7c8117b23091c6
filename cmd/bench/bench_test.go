package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the batch section's child emulator
// process, as the bench binary does.
func TestMain(m *testing.M) {
	switch {
	case isChild():
		os.Exit(childMain())
	case isExecHelper():
		os.Exit(execHelperMain())
	}
	os.Exit(m.Run())
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestQuickStructuralTargets runs the harness in -quick mode and asserts
// what does not depend on timing: call and write counts, the batch call
// bound, and the dependency levels of the call log. No wall-clock figure is
// asserted.
func TestQuickStructuralTargets(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Log = logWriter{t}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printReport(&b, rep, []string{"-quick"})
	t.Log("\n" + b.String())

	rows := map[[2]string]SingleRow{}
	for _, r := range rep.Single {
		rows[[2]string{r.Scenario, r.Impl}] = r
	}
	wantOps := map[[2]string][]string{
		// The policy reads go out with the describe and answer "not found".
		{scenarioCreate, implOurs}: {"DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy", "CreateRepository", "SetRepositoryPolicy", "PutLifecyclePolicy"},
		{scenarioNoOp, implOurs}:   {"DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy", "ListTagsForResource"},
		{scenarioDrift, implOurs}: {"DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy", "ListTagsForResource",
			"SetRepositoryPolicy", "PutLifecyclePolicy", "TagResource", "PutImageTagMutability", "PutImageScanningConfiguration"},
		{scenarioNoOp, implBaseline}: {"DescribeRepositories", "SetRepositoryPolicy", "PutLifecyclePolicy", "TagResource",
			"PutImageTagMutability", "PutImageScanningConfiguration"},
		{scenarioCreate, implBaseline}: {"DescribeRepositories", "CreateRepository", "SetRepositoryPolicy", "PutLifecyclePolicy", "TagResource",
			"PutImageTagMutability", "PutImageScanningConfiguration"},
	}
	for key, want := range wantOps {
		r, ok := rows[key]
		if !ok {
			t.Fatalf("no row for %v", key)
		}
		if got := sortedCopy(r.Ops); !slices.Equal(got, sortedCopy(want)) {
			t.Errorf("%v: calls %v, want %v", key, r.Ops, want)
		}
	}
	wantWrites := map[[2]string]int{
		{scenarioCreate, implOurs}: 3, {scenarioNoOp, implOurs}: 0, {scenarioDrift, implOurs}: 5,
		{scenarioCreate, implBaseline}: 6, {scenarioNoOp, implBaseline}: 5, {scenarioDrift, implBaseline}: 5,
	}
	for key, want := range wantWrites {
		if got := rows[key].Writes; got != want {
			t.Errorf("%v: %d writes, want %d", key, got, want)
		}
	}
	// The baseline is sequential: one level per call.
	for _, sc := range []string{scenarioCreate, scenarioNoOp, scenarioDrift} {
		if r := rows[[2]string{sc, implBaseline}]; r.Levels != r.Calls {
			t.Errorf("baseline %s: %d levels for %d calls; it should be fully sequential", sc, r.Levels, r.Calls)
		}
	}

	// The round-trip depth of our calls is measured from timestamps, so it
	// is reported by the benchmark (docs/BENCHMARKS.md), not asserted here:
	// tests assert only what does not depend on timing.

	// Every structural target the harness itself evaluates.
	for _, tg := range rep.Targets {
		if tg.Structural && !tg.Met && !strings.Contains(tg.Name, "call log") {
			t.Errorf("target %q: want %s, measured %s", tg.Name, tg.Want, tg.Measured)
		}
	}

	if len(rep.Batch) == 0 {
		t.Fatal("no batch rows")
	}
	for _, r := range rep.Batch {
		if r.Writes != 0 {
			t.Errorf("batch N=%d %s: %d writes, want 0", r.N, r.Variant, r.Writes)
		}
		if r.Calls > r.Bound {
			t.Errorf("batch N=%d %s: %d calls, bound %d (%v)", r.N, r.Variant, r.Calls, r.Bound, r.Ops)
		}
		if want := ceilDiv(r.N, 100); r.Ops["DescribeRepositories"] != want {
			t.Errorf("batch N=%d: %d DescribeRepositories calls, want %d", r.N, r.Ops["DescribeRepositories"], want)
		}
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestLevels(t *testing.T) {
	at := func(a, b int) span {
		base := time.Unix(0, 0)
		return span{start: base.Add(time.Duration(a) * time.Millisecond), end: base.Add(time.Duration(b) * time.Millisecond)}
	}
	for _, tc := range []struct {
		name  string
		spans []span
		want  int
	}{
		{"none", nil, 0},
		{"one", []span{at(0, 10)}, 1},
		{"parallel", []span{at(0, 10), at(1, 11), at(2, 12)}, 1},
		{"describe then parallel reads", []span{at(0, 10), at(11, 21), at(11, 22), at(12, 21)}, 2},
		{"create then policies", []span{at(0, 10), at(10, 20), at(21, 31), at(21, 31)}, 3},
		{"sequential", []span{at(0, 10), at(10, 20), at(20, 30), at(30, 40)}, 4},
	} {
		if got := levels(tc.spans); got != tc.want {
			t.Errorf("%s: %d levels, want %d", tc.name, got, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if cfg.Runs != 5 || cfg.Latency != 20*time.Millisecond || cfg.Concurrency != 10 || !slices.Equal(cfg.Sizes, []int{1, 10, 100, 1000}) || !cfg.Process {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.SingleLatency != def.SingleLatency {
		t.Errorf("single latency %v", cfg.SingleLatency)
	}
	cfg, err = parseFlags([]string{"-quick", "-runs", "3", "-sizes", "2,5"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Quick || cfg.Runs != 3 || !slices.Equal(cfg.Sizes, []int{2, 5}) || cfg.Process || cfg.Latency != QuickConfig().Latency {
		t.Errorf("-quick with overrides: %+v", cfg)
	}
	for _, bad := range [][]string{{"-runs", "0"}, {"-sizes", "1,x"}, {"-latency", "0s"}, {"extra"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
