package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

func printReport(w io.Writer, rep *Report, args []string) {
	cfg := rep.Config
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	cmd := "go run ./internal/support/bench"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	p("## Results: `%s`", cmd)
	p("")
	p("Runs %d (medians; min–max where shown), injected latency per call %v (single repository) and %v (batch, binary), batch concurrency %d, sizes %v, %s, GOMAXPROCS %d; started %s, took %s.",
		cfg.Runs, cfg.SingleLatency, cfg.Latency, cfg.Concurrency, cfg.Sizes, runtime.Version(), runtime.GOMAXPROCS(0),
		rep.Started.UTC().Format(time.RFC3339), rep.Elapsed.Round(time.Second))
	p("")

	p("### 1–2. Single repository, every setting managed: ecr-reconcile vs naive baseline")
	p("")
	p("| scenario | implementation | ECR calls | writes | wall ms median (min–max) | round trips = wall ÷ latency | levels in call log (min/max) | calls, in arrival order |")
	p("|---|---|--:|--:|--:|--:|--:|---|")
	for _, r := range rep.Single {
		p("| %s | %s | %d | %d | %.1f (%.1f–%.1f) | %d | %d/%d | %s |", r.Scenario, r.Impl, r.Calls, r.Writes,
			ms(r.Wall), ms(r.WallMin), ms(r.WallMax), r.RoundTrips, r.Levels, r.LevelsMax, compactOps(r.Ops))
	}
	p("")
	p("Baseline ÷ ecr-reconcile, same run:")
	p("")
	p("| scenario | calls | writes | wall time |")
	p("|---|--:|--:|--:|")
	for _, r := range rep.Ratios {
		p("| %s | %s (%d/%d) | %s (%d/%d) | %s (%.1f/%.1f ms) |", r.Scenario,
			ratioString(r.Calls), r.BaselineCalls, r.OursCalls,
			ratioString(r.Writes), r.BaselineWrites, r.OursWrites,
			ratioString(r.Wall), ms(r.BaselineWall), ms(r.OursWall))
	}
	p("")

	p("### 3. Batch, nothing to change (repository policy + lifecycle policy + tags + scan-on-push)")
	p("")
	p("Bound = %d reads per repository + ⌈N/100⌉ describes + %d registry-level reads per batch. Lower bound = calls × latency ÷ concurrency.", batchReadsPerRepo, batchRegistryReads)
	p("")
	p("| N | calls (bound) | writes | wall ms median (min–max) | lower bound ms | wall ÷ lower bound |")
	p("|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.Batch {
		p("| %d | %d (%d) | %d | %.0f (%.0f–%.0f) | %.0f | %.2f |",
			r.N, r.Calls, r.Bound, r.Writes, ms(r.Wall), ms(r.WallMin), ms(r.WallMax),
			ms(r.LowerBound), float64(r.Wall)/float64(r.LowerBound))
	}
	if len(rep.Batch) > 0 {
		last := rep.Batch[len(rep.Batch)-1]
		p("")
		p("Calls at N=%d: %s.", last.N, opsString(last.Ops))
	}
	p("")

	if len(rep.PolicyCheck) > 0 {
		p("### 3b. Repository policy check (IAM Access Analyzer's ValidatePolicy), every setting managed")
		p("")
		p("The check goes out with the first read round whenever the policy may be written; only a run that writes it waits for the verdict. Same run, same latency as section 1–2.")
		p("")
		p("| scenario | implementation | calls | writes | wall ms median (min–max) | round trips = wall ÷ latency | levels in call log (min/max) |")
		p("|---|---|--:|--:|--:|--:|--:|")
		base := map[string]SingleRow{}
		for _, r := range rep.PolicyCheck {
			if r.Impl == implBaseline {
				base[r.Scenario] = r
			}
		}
		for _, r := range rep.PolicyCheck {
			p("| %s | %s | %d | %d | %.1f (%.1f–%.1f) | %d | %d/%d |", r.Scenario, r.Impl, r.Calls, r.Writes,
				ms(r.Wall), ms(r.WallMin), ms(r.WallMax), r.RoundTrips, r.Levels, r.LevelsMax)
		}
		p("")
		p("Baseline wall time ÷ ecr-reconcile's, same run:")
		p("")
		p("| scenario | without the check | with the check |")
		p("|---|--:|--:|")
		for _, sc := range policyScenarios {
			var without, with SingleRow
			for _, r := range rep.PolicyCheck {
				switch {
				case r.Scenario == sc && r.Impl == implNoCheck:
					without = r
				case r.Scenario == sc && r.Impl == implChecked:
					with = r
				}
			}
			p("| %s | %s | %s |", sc, ratioString(ratio(float64(base[sc].Wall), float64(without.Wall))), ratioString(ratio(float64(base[sc].Wall), float64(with.Wall))))
		}
		p("")
	}

	if len(rep.Process) > 0 {
		p("### 4. Real binary (built like the Dockerfile), run as the GitHub runner runs it")
		p("")
		p("Max RSS is the binary's own (started from a small helper process, whose peak RSS, the floor of the figure, is shown).")
		p("")
		p("| run | exec → first AWS request ms median (min–max) | exec → exit ms | max RSS MiB median (max) | helper floor MiB | ECR calls | writes |")
		p("|---|--:|--:|--:|--:|--:|--:|")
		for _, r := range rep.Process {
			p("| %s | %.1f (%.1f–%.1f) | %.0f | %.1f (%.1f) | %.1f | %d | %d |", r.Scenario,
				ms(r.StartToFirst), ms(r.StartToFirstMin), ms(r.StartToFirstMax), ms(r.Wall),
				float64(r.MaxRSS)/(1<<20), float64(r.MaxRSSMax)/(1<<20), float64(r.HelperHWM)/(1<<20), r.Calls, r.Writes)
		}
		p("")
	}

	p("### Targets")
	p("")
	p("| target | wanted | measured | met |")
	p("|---|---|---|---|")
	for _, t := range rep.Targets {
		met := "yes"
		if !t.Met {
			met = "**NO**"
		}
		p("| %s | %s | %s | %s |", t.Name, t.Want, t.Measured, met)
	}
}

func ratioString(r float64) string {
	if math.IsInf(r, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.2f×", r)
}

func compactOps(ops []string) string { return strings.Join(ops, ", ") }

func opsString(ops map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(ops)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, ops[k]))
	}
	return strings.Join(parts, ", ")
}
