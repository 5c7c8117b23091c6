package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

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
	samples := make([][]procResult, len(scenarios))
	for run := range cfg.Runs {
		logf("process: run %d/%d", run+1, cfg.Runs)
		single["repository"] = fmt.Sprintf("proc/app-%d", run)
		for i, inputs := range []map[string]string{single, single, batch} {
			res, err := execAction(ctx, bin, srv, inputs)
			if err == nil && (i < 2 && res.outputs["repository-uri"] == "" || i == 2 && res.outputs["changed"] != "false") {
				err = fmt.Errorf("unexpected outputs %q", res.outputs)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", scenarios[i], err)
			}
			samples[i] = append(samples[i], res)
		}
	}
	for i, ss := range samples {
		var firsts, walls []time.Duration
		var rss, floors []int64
		var calls, writes []int
		for _, s := range ss {
			firsts, walls, rss, floors = append(firsts, s.first), append(walls, s.wall), append(rss, s.maxRSS), append(floors, s.helperHWM)
			calls, writes = append(calls, s.Calls), append(writes, s.Writes)
		}
		rep.Process = append(rep.Process, ProcessRow{Scenario: scenarios[i], First: spreadOf(firsts), Wall: spreadOf(walls),
			RSS: spreadOf(rss), HelperHWM: slices.Max(floors), Calls: median(calls), Writes: median(writes)})
	}
	return nil
}

type procResult struct {
	counts
	first, wall       time.Duration
	maxRSS, helperHWM int64
	outputs           map[string]string
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
	err := cmd.Run()
	wall := time.Since(start)
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
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

// execAction runs the binary through ghrunner.Run, as the GitHub runner
// would, via a fresh copy of this program (see execHelperMain) so that the
// binary's max RSS is its own.
func execAction(ctx context.Context, bin string, srv server, inputs map[string]string) (procResult, error) {
	var res procResult
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	srv.ResetCalls()
	run, err := ghrunner.Run(ctx, ghrunner.Step{Bin: self, Inputs: inputs, Env: map[string]string{
		"AWS_ACCESS_KEY_ID":               accessKeyID,
		"AWS_SECRET_ACCESS_KEY":           secretAccessKey,
		"AWS_REGION":                      region,
		"AWS_ENDPOINT_URL_ECR":            srv.URL,
		"AWS_ENDPOINT_URL_STS":            srv.URL,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": srv.URL,
		helperBinEnv:                      bin,
	}})
	if err != nil {
		return res, err
	}
	if run.ExitCode != 0 {
		return res, fmt.Errorf("the action failed (exit %d):\n%s\n%s", run.ExitCode, tail(run.Stdout), tail(run.Stderr))
	}
	var start, wall int64
	if _, err := fmt.Sscan(run.Outputs[helperOutput], &start, &wall, &res.maxRSS, &res.helperHWM); err != nil {
		return res, fmt.Errorf("the exec helper's report %q: %w", run.Outputs[helperOutput], err)
	}
	res.counts, res.outputs, res.wall = srv.counts(), run.Outputs, time.Duration(wall)
	if res.Calls == 0 {
		return res, errors.New("the action made no request")
	}
	res.first = res.First.Sub(time.Unix(0, start))
	return res, nil
}

// tail is the end of a long log.
func tail(s string) string { return s[max(0, len(s)-2000):] }
