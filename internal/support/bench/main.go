// Command bench measures how many ECR round trips, calls and writes a
// reconcile costs, against a naive baseline, in batch, and for the real
// binary, using the project's emulator served over HTTP on loopback with an
// injected per-call latency. It prints a Markdown report: docs/BENCHMARKS.md
// is one, and describes the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if isExecHelper() {
		os.Exit(execHelperMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := parseFlags(os.Args[1:])
	var rep *Report
	if err == nil {
		rep, err = Run(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1) //nolint:gocritic // nothing to clean up but the signal handler
	}
	printReport(os.Stdout, rep, os.Args[1:])
}

// Config is what one harness run measures. Latency is added by the
// emulator to every response in the batch and binary sections;
// SingleLatency in the single-repository and policy check sections, where a
// large value makes wall ÷ latency a reliable count of sequential round
// trips. Process measures the real binary (builds it with go build).
type Config struct {
	Runs                   int
	Latency, SingleLatency time.Duration
	Sizes                  []int
	Concurrency            int
	Quick, Process         bool
}

// QuickConfig is the smoke run the test uses: tiny sizes, one run, small latency.
func QuickConfig() Config {
	return Config{Runs: 1, Latency: 10 * time.Millisecond, SingleLatency: 10 * time.Millisecond, Sizes: []int{1, 10, 120}, Concurrency: 10, Quick: true}
}

// DefaultConfig is `go run ./internal/support/bench` without flags.
func DefaultConfig() Config {
	return Config{Runs: 5, Latency: 20 * time.Millisecond, SingleLatency: 50 * time.Millisecond, Sizes: []int{1, 10, 100, 1000}, Concurrency: 10, Process: true}
}

// logf writes a progress line.
func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

// parseFlags parses twice: the first pass finds -quick, whose values become
// the defaults of the second, so that explicit flags win over -quick.
func parseFlags(args []string) (Config, error) {
	cfg := DefaultConfig()
	for pass := 0; pass < 2; pass++ {
		fs := flag.NewFlagSet("bench", flag.ContinueOnError)
		fs.IntVar(&cfg.Runs, "runs", cfg.Runs, "measured runs per figure (medians are reported)")
		fs.DurationVar(&cfg.Latency, "latency", cfg.Latency, "latency the emulator adds to every response (batch and binary sections)")
		fs.DurationVar(&cfg.SingleLatency, "single-latency", cfg.SingleLatency, "latency for the single-repository section, large so that wall ÷ latency counts round trips reliably")
		fs.Func("sizes", "batch sizes, comma-separated (default 1,10,100,1000)", func(s string) error {
			cfg.Sizes = nil
			for _, p := range strings.Split(s, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(p))
				if err != nil || n < 1 {
					return fmt.Errorf("%q is not a positive integer", p)
				}
				cfg.Sizes = append(cfg.Sizes, n)
			}
			return nil
		})
		fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "batch concurrency (the action's max-concurrency default is 10)")
		fs.BoolVar(&cfg.Quick, "quick", cfg.Quick, "smoke run: sizes 1,10,120, 1 run, 10ms latencies, no binary build (explicit flags still win)")
		fs.BoolVar(&cfg.Process, "process", cfg.Process, "measure the real binary (builds it); off by default with -quick")
		if err := fs.Parse(args); err != nil {
			return Config{}, err
		}
		if fs.NArg() > 0 {
			return Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		if !cfg.Quick || pass == 1 {
			break
		}
		cfg = QuickConfig()
	}
	switch {
	case cfg.Runs < 1:
		return Config{}, errors.New("-runs must be at least 1")
	case cfg.Latency <= 0 || cfg.SingleLatency <= 0:
		return Config{}, errors.New("-latency and -single-latency must be positive (the round-trip figures divide by them)")
	case cfg.Concurrency < 1:
		return Config{}, errors.New("-concurrency must be at least 1")
	}
	return cfg, nil
}

// Report is everything measured, ready to print or assert on.
type Report struct {
	Config  Config
	Started time.Time
	Elapsed time.Duration
	// PolicyCheck is with and without IAM Access Analyzer's check.
	Single, PolicyCheck []SingleRow
	Batch               []BatchRow
	Process             []ProcessRow
	Targets             []Target
}

// Target is one goal and whether the measurement meets it.
type Target struct {
	Name, Want, Measured string
	Met                  bool
	// Structural targets are computed from call counts alone, never from
	// time (round trips are not): the test asserts them.
	Structural bool
}

func (r *Report) target(structural, met bool, name, want, measured string) {
	r.Targets = append(r.Targets, Target{Name: name, Want: want, Measured: measured, Met: met, Structural: structural})
}

// Run measures everything Config asks for.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Config: cfg, Started: time.Now()}
	for _, s := range []struct {
		name string
		run  func(context.Context, Config, *Report) error
	}{{"single repository", runSingle}, {"batch", runBatch}, {"policy check", runPolicyCheck}, {"process", runProcess}} {
		if err := s.run(ctx, cfg, rep); err != nil {
			return rep, fmt.Errorf("%s: %w", s.name, err)
		}
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

func printReport(w io.Writer, rep *Report, args []string) {
	cfg := rep.Config
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("## Results: `%s`\n", strings.Join(append([]string{"go run ./internal/support/bench"}, args...), " "))
	p("Runs %d (medians; min–max where shown), injected latency per call %v (single repository) and %v (batch, binary), batch concurrency %d, sizes %v, %s, GOMAXPROCS %d; started %s, took %s.\n",
		cfg.Runs, cfg.SingleLatency, cfg.Latency, cfg.Concurrency, cfg.Sizes, runtime.Version(), runtime.GOMAXPROCS(0),
		rep.Started.UTC().Format(time.RFC3339), rep.Elapsed.Round(time.Second))

	p("### 1–2. Single repository, every setting managed: ecr-reconcile vs naive baseline\n")
	p("| scenario | implementation | ECR calls | writes | wall ms median (min–max) | round trips = wall ÷ latency | levels in call log (min/max) | calls, in arrival order |\n|---|---|--:|--:|--:|--:|--:|---|")
	for _, r := range rep.Single {
		p("%s %s |", singleCells(r), strings.Join(r.Ops, ", "))
	}
	p("\nBaseline ÷ ecr-reconcile, same run:\n")
	p("| scenario | calls | writes | wall time |\n|---|--:|--:|--:|")
	for _, sc := range singleScenarios {
		o, b := find(rep.Single, sc, implOurs), find(rep.Single, sc, implBaseline)
		p("| %s | %s (%d/%d) | %s (%d/%d) | %s (%.1f/%.1f ms) |", sc, ratio(b.Calls, o.Calls), b.Calls, o.Calls,
			ratio(b.Writes, o.Writes), b.Writes, o.Writes, ratio(b.Wall.Med, o.Wall.Med), ms(b.Wall.Med), ms(o.Wall.Med))
	}

	p("\n### 3. Batch, nothing to change (repository policy + lifecycle policy + tags + scan-on-push)\n")
	p("Bound = %d reads per repository + ⌈N/100⌉ describes + %d registry-level reads per batch. Lower bound = calls × latency ÷ concurrency.\n", batchReadsPerRepo, batchRegistryReads)
	p("| N | calls (bound) | writes | wall ms median (min–max) | lower bound ms | wall ÷ lower bound |\n|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.Batch {
		lower := time.Duration(r.Calls) * cfg.Latency / time.Duration(cfg.Concurrency)
		p("| %d | %d (%d) | %d | %.0f (%.0f–%.0f) | %.0f | %.2f |", r.N, r.Calls, r.Bound, r.Writes,
			ms(r.Wall.Med), ms(r.Wall.Min), ms(r.Wall.Max), ms(lower), float64(r.Wall.Med)/float64(lower))
	}
	if len(rep.Batch) > 0 {
		last := rep.Batch[len(rep.Batch)-1]
		p("\nCalls at N=%d: %s.", last.N, opsString(last.Ops))
	}

	p("\n### 3b. Repository policy check (IAM Access Analyzer's ValidatePolicy), every setting managed\n")
	p("The check goes out with the first read round whenever the policy may be written; only a run that writes it waits for the verdict. Same run, same latency as section 1–2.\n")
	p("| scenario | implementation | calls | writes | wall ms median (min–max) | round trips = wall ÷ latency | levels in call log (min/max) |\n|---|---|--:|--:|--:|--:|--:|")
	for _, r := range rep.PolicyCheck {
		p("%s", singleCells(r))
	}
	p("\nBaseline wall time ÷ ecr-reconcile's, same run:\n")
	p("| scenario | without the check | with the check |\n|---|--:|--:|")
	for _, sc := range policyScenarios {
		b := find(rep.PolicyCheck, sc, implBaseline).Wall.Med
		p("| %s | %s | %s |", sc, ratio(b, find(rep.PolicyCheck, sc, implNoCheck).Wall.Med), ratio(b, find(rep.PolicyCheck, sc, implChecked).Wall.Med))
	}

	if len(rep.Process) > 0 {
		p("\n### 4. Real binary (built like the Dockerfile), run as the GitHub runner runs it\n")
		p("Max RSS is the binary's own (started from a small helper process, whose peak RSS, the floor of the figure, is shown).\n")
		p("| run | exec → first AWS request ms median (min–max) | exec → exit ms | max RSS MiB median (max) | helper floor MiB | ECR calls | writes |\n|---|--:|--:|--:|--:|--:|--:|")
		for _, r := range rep.Process {
			p("| %s | %.1f (%.1f–%.1f) | %.0f | %.1f (%.1f) | %.1f | %d | %d |", r.Scenario, ms(r.First.Med), ms(r.First.Min), ms(r.First.Max),
				ms(r.Wall.Med), mib(r.RSS.Med), mib(r.RSS.Max), mib(r.HelperHWM), r.Calls, r.Writes)
		}
	}

	p("\n### Targets\n")
	p("| target | wanted | measured | met |\n|---|---|---|---|")
	for _, t := range rep.Targets {
		p("| %s | %s | %s | %s |", t.Name, t.Want, t.Measured, map[bool]string{true: "yes", false: "**NO**"}[t.Met])
	}
}

// singleCells are the columns the single-repository and policy check tables share.
func singleCells(r SingleRow) string {
	return fmt.Sprintf("| %s | %s | %d | %d | %.1f (%.1f–%.1f) | %d | %d/%d |", r.Scenario, r.Impl, r.Calls, r.Writes,
		ms(r.Wall.Med), ms(r.Wall.Min), ms(r.Wall.Max), r.RoundTrips, r.Levels.Min, r.Levels.Max)
}

// ratio is a ÷ b, printed; 1 when both are 0 and ∞ when only b is.
func ratio[T int | time.Duration](a, b T) string {
	switch {
	case a == 0 && b == 0:
		return "1.00×"
	case b == 0:
		return "∞"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// opsString counts the operations: "DescribeRepositories 10, GetLifecyclePolicy 1000, ...".
func opsString(ops []string) string {
	n := map[string]int{}
	for _, op := range ops {
		n[op]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return strings.Join(parts, ", ")
}
