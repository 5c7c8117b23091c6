package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

// The keys are static: the emulator does not check signatures.
const region, accountID, accessKeyID, secretAccessKey = "us-east-1", "123456789012", "AKIABENCHBENCHBENCH0", "bench-secret-access-key"

// server is the emulator behind real HTTP on loopback.
type server struct {
	*emulator.Emulator
	*httptest.Server
}

// startServer serves a new emulator that adds latency to every response.
func startServer(latency time.Duration) server {
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: latency})
	srv := httptest.NewUnstartedServer(emu)
	// Idle connections left by finished runs' clients are closed soon
	// rather than piling up for the client's 90 s idle timeout.
	srv.Config.IdleTimeout = 10 * time.Second
	srv.Start()
	return server{emu, srv}
}

// counts are the calls of one measured run, from the emulator's call log.
type counts struct {
	Calls, Writes int       // writes as emulator.Call.IsWrite says
	Ops           []string  // in arrival order
	Levels        int       // longest chain of non-overlapping calls
	First         time.Time // the first request's arrival
}

func (s server) counts() counts {
	calls := s.Calls()
	c := counts{Calls: len(calls), Levels: levels(calls)}
	for _, call := range calls {
		c.Ops = append(c.Ops, call.Operation)
		if call.IsWrite() {
			c.Writes++
		}
	}
	if len(calls) > 0 {
		c.First = calls[0].Received // the log is in arrival order
	}
	return c
}

// levels is the critical path counted in calls: the longest chain of calls
// in which each one arrived after the previous one had been answered. Calls
// made in parallel overlap and share a level. Noise (a goroutine delayed by
// more than the injected latency) can only lengthen the chain, never shorten
// it, so the minimum over runs is the structural figure.
func levels(calls []emulator.Call) int {
	sp := slices.SortedFunc(slices.Values(calls), func(a, b emulator.Call) int { return a.Received.Compare(b.Received) })
	depth := make([]int, len(sp))
	for i := range sp {
		depth[i] = 1
		for j := range i {
			if !sp[j].Answered.After(sp[i].Received) {
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
	}
	return slices.Max(append(depth, 0))
}

// clients are built the way the action builds them: awsauth.Load pointed at
// the emulator, the action's retryer (adaptive in batch mode, as
// internal/run selects) and its default HTTP client.
type clients struct {
	ecr *ecr.Client
	an  *accessanalyzer.Client
}

func dial(ctx context.Context, url string, adaptive bool) (clients, error) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey}
	res, err := awsauth.Load(ctx, awsauth.Options{
		Getenv: func(k string) string { return env[k] },
		Client: awsclient.Options{Region: region, Endpoint: url, Adaptive: adaptive},
	})
	if err != nil {
		return clients{}, err
	}
	return clients{res.ECRClient(), accessanalyzer.NewFromConfig(res.Config)}, nil
}

func reconciler(c *ecr.Client, dryRun bool) *reconcile.Reconciler {
	return &reconcile.Reconciler{ECR: ecrsdk.New(c), Options: reconcile.Options{DryRun: dryRun, Region: region}}
}

// batchSpec is what a platform team manages across many repositories:
// repository policy, lifecycle policy, tags and scan-on-push. Of these,
// DescribeRepositories returns only scan-on-push, so each repository needs
// batchReadsPerRepo reads; the scanning configuration (scan-on-push is
// managed) and the creation templates (tags and policies are) are
// batchRegistryReads, once per batch.
func batchSpec() reconcile.Spec {
	spec := fullSpec("")
	spec.Mutability, spec.Encryption = nil, nil
	return spec
}

const batchReadsPerRepo, batchRegistryReads = 3, 2

// seedBatch stores n repositories prefix-0000... bypassing the API, copies
// of one a reconcile of batchSpec created (once per server), so that they
// hold exactly what the engine writes (policy text as ECR re-formats it).
func seedBatch(ctx context.Context, srv server, prefix string, n int) ([]string, error) {
	const template = "seed/template"
	if _, ok := srv.Repository("", template); !ok {
		c, err := dial(ctx, srv.URL, false)
		spec := batchSpec()
		spec.Name = template
		if err == nil {
			_, err = reconciler(c.ecr, false).Reconcile(ctx, spec)
		}
		if err != nil {
			return nil, fmt.Errorf("creating the seed template: %w", err)
		}
	}
	tmpl, _ := srv.Repository("", template)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%04d", prefix, i)
		r := tmpl
		r.Name, r.ARN, r.URI = names[i], "", ""
		srv.PutRepository(r)
	}
	return names, nil
}

// BatchRow is one batch size: Bound is one read per managed setting not
// returned by DescribeRepositories, per repository, plus ⌈N/100⌉
// describes and the registry-level reads.
type BatchRow struct {
	N, Calls, Writes, Bound int
	Ops                     []string
	Wall                    spread[time.Duration]
}

// runBatch measures a batch with nothing to change at each size: one
// unmeasured warm-up, then cfg.Runs measured runs.
func runBatch(ctx context.Context, cfg Config, rep *Report) error {
	srv := startServer(cfg.Latency)
	defer srv.Close()
	for _, n := range cfg.Sizes {
		names, err := seedBatch(ctx, srv, fmt.Sprintf("n%d/svc", n), n)
		if err != nil {
			return err
		}
		row := BatchRow{N: n, Bound: batchReadsPerRepo*n + (n+99)/100 + batchRegistryReads}
		var calls, writes []int
		var walls []time.Duration
		for run := -1; run < cfg.Runs; run++ {
			logf("batch N=%d: run %d/%d", n, run+1, cfg.Runs)
			c, err := dial(ctx, srv.URL, true)
			if err != nil {
				return err
			}
			srv.ResetCalls()
			start := time.Now()
			items := reconciler(c.ecr, false).ReconcileBatch(ctx, batchSpec(), names, cfg.Concurrency)
			wall := time.Since(start)
			for _, it := range items {
				if it.Err != nil {
					return fmt.Errorf("N=%d: %s: %w", n, it.Name, it.Err)
				}
			}
			cnt := srv.counts()
			if run < 0 && cnt.Writes != 0 {
				return fmt.Errorf("N=%d: the seeded repositories differ from the declared state: %d writes (%s)", n, cnt.Writes, opsString(cnt.Ops))
			} else if run >= 0 {
				calls, writes, walls, row.Ops = append(calls, cnt.Calls), append(writes, cnt.Writes), append(walls, wall), cnt.Ops
			}
		}
		row.Calls, row.Writes, row.Wall = median(calls), median(writes), spreadOf(walls)
		rep.Batch = append(rep.Batch, row)
		rep.target(true, row.Writes == 0, fmt.Sprintf("batch N=%d: writes when nothing differs", n), "0", fmt.Sprint(row.Writes))
		rep.target(true, row.Calls <= row.Bound, fmt.Sprintf("batch N=%d: calls", n),
			fmt.Sprintf("≤ %d (%d×%d reads + %d describes + %d registry reads)", row.Bound, n, batchReadsPerRepo, (n+99)/100, batchRegistryReads), fmt.Sprint(row.Calls))
	}
	return nil
}

// spread is a figure over the runs: median, minimum and maximum.
type spread[T int | int64 | time.Duration] struct{ Med, Min, Max T }

func spreadOf[T int | int64 | time.Duration](xs []T) spread[T] {
	return spread[T]{median(xs), slices.Min(xs), slices.Max(xs)}
}

func median[T int | int64 | time.Duration](xs []T) T {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ProcessRow is one scenario of the real binary over the runs: First is
// from just before exec to the emulator's first request, Wall from exec to
// exit, RSS the binary's max RSS in bytes (from its rusage); HelperHWM is
// the peak RSS of the process that started it, the floor below which RSS
// cannot go (see execHelperMain).
type ProcessRow struct {
	Scenario      string
	First, Wall   spread[time.Duration]
	RSS           spread[int64]
	HelperHWM     int64
	Calls, Writes int
}

// runProcess builds the action binary once, the way the Dockerfile does,
// and runs it as the GitHub runner would against an in-process emulator:
// create and no-op of one repository with every setting, and a no-op batch
// of copies of a repository the engine created, as in section 3.
func runProcess(ctx context.Context, cfg Config, rep *Report) error {
	if !cfg.Process {
		return nil
	}
	root, err := ghrunner.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ecr-reconcile-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf("process: building the action binary")
	bin, err := ghrunner.Build(ctx, root, tmp)
	if err != nil {
		return err
	}
	srv := startServer(cfg.Latency)
	defer srv.Close()
	maxN := slices.Max(cfg.Sizes)
	names, err := seedBatch(ctx, srv, "proc/svc", maxN)
	if err != nil {
		return err
	}
	// The inputs declare fullSpec and batchSpec.
	batch := map[string]string{"repository-policy": repositoryPolicy, "lifecycle-policy": lifecyclePolicy, "tags": "team=payments,env=prod",
		"scan-on-push": "true", "repositories": strings.Join(names, "\n"), "max-concurrency": strconv.Itoa(cfg.Concurrency)}
	single := maps.Clone(batch)
	delete(single, "repositories")
	single["image-tag-mutability"], single["image-tag-mutability-exclusion-filters"] = "IMMUTABLE_WITH_EXCLUSION", "cache,latest"
	single["encryption-type"] = "AES256"
	scenarios := []string{singleScenarios[0], singleScenarios[1], fmt.Sprintf("batch N=%d, no-op", maxN)}
	// The binary is started through ghrunner.Run, as the GitHub runner
	// would, by a fresh copy of this program (see execHelperMain) so that
	// its max RSS is its own.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": region,
		"AWS_ENDPOINT_URL_ECR": srv.URL, "AWS_ENDPOINT_URL_STS": srv.URL, "AWS_ENDPOINT_URL_ACCESSANALYZER": srv.URL, helperBinEnv: bin}
	var samples [3]struct {
		firsts, walls []time.Duration
		rss, floors   []int64
		calls, writes []int
	}
	for n := range cfg.Runs {
		logf("process: run %d/%d", n+1, cfg.Runs)
		single["repository"] = fmt.Sprintf("proc/app-%d", n)
		for i, inputs := range []map[string]string{single, single, batch} {
			srv.ResetCalls()
			res, err := ghrunner.Run(ctx, ghrunner.Step{Bin: self, Inputs: inputs, Env: env})
			if err == nil && res.ExitCode != 0 {
				out := res.Stdout + res.Stderr // its end
				err = fmt.Errorf("the action failed (exit %d):\n%s", res.ExitCode, out[max(0, len(out)-4000):])
			}
			var start, wall, rss, floor int64
			if err == nil {
				_, err = fmt.Sscan(res.Outputs[helperOutput], &start, &wall, &rss, &floor)
			}
			cnt := srv.counts()
			if err == nil && (cnt.Calls == 0 || i < 2 && res.Outputs["repository-uri"] == "" || i == 2 && res.Outputs["changed"] != "false") {
				err = fmt.Errorf("%d calls, outputs %q", cnt.Calls, res.Outputs)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", scenarios[i], err)
			}
			x := &samples[i]
			x.firsts, x.walls = append(x.firsts, cnt.First.Sub(time.Unix(0, start))), append(x.walls, time.Duration(wall))
			x.rss, x.floors, x.calls, x.writes = append(x.rss, rss), append(x.floors, floor), append(x.calls, cnt.Calls), append(x.writes, cnt.Writes)
		}
	}
	for i, x := range samples {
		rep.Process = append(rep.Process, ProcessRow{Scenario: scenarios[i], First: spreadOf(x.firsts), Wall: spreadOf(x.walls),
			RSS: spreadOf(x.rss), HelperHWM: slices.Max(x.floors), Calls: median(x.calls), Writes: median(x.writes)})
	}
	return nil
}

// Linux records in a process's max RSS the high-water mark of the memory it
// ran in before execve. Go starts children with vfork (CLONE_VM), so a child
// started directly by the bench would report the bench's own peak RSS
// (tens of MB after the batch section) instead of its own. The action is
// therefore started by a fresh, small copy of this program, whose own
// high-water mark (HelperHWM, reported) is the floor of the figure. The
// helper adds its measurements to the step's outputs as helperOutput:
// "start-unix-nanos wall-nanos max-rss helper-hwm".
const (
	helperBinEnv = "ECR_BENCH_EXEC_BIN"
	helperOutput = "bench-exec-helper"
)

func isExecHelper() bool { return os.Getenv(helperBinEnv) != "" }

// execHelperMain runs the binary named by helperBinEnv with this process's
// environment and standard streams and exits with its exit code.
func execHelperMain() int {
	hwm := vmHWM()
	cmd := exec.Command(os.Getenv(helperBinEnv))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err, wall := cmd.Run(), time.Since(start) // left to right: Run, then the clock
	var exited *exec.ExitError
	if err != nil && !errors.As(err, &exited) {
		fmt.Fprintln(os.Stderr, "bench exec helper:", err)
		return 1
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	f, err := os.OpenFile(os.Getenv("GITHUB_OUTPUT"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = fmt.Fprintf(f, "%s=%d %d %d %d\n", helperOutput, start.UnixNano(), wall, rss, hwm)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench exec helper:", err)
		return 1
	}
	return cmd.ProcessState.ExitCode()
}

// vmHWM is this process's peak resident set size so far, or 0 if unknown.
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	var kb int64
	if _, rest, ok := strings.Cut(string(b), "VmHWM:"); ok {
		fmt.Sscanf(rest, "%d kB", &kb) //nolint:errcheck // 0 when unknown
	}
	return kb * 1024
}
