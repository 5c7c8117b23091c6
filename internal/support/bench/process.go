package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

// ProcessRow is the median of runs of the real action binary.
type ProcessRow struct {
	Scenario string
	// StartToFirst is from just before exec to the emulator's first request.
	StartToFirst, StartToFirstMin, StartToFirstMax time.Duration
	Wall                                           time.Duration // exec to exit
	MaxRSS, MaxRSSMax                              int64         // bytes, from the child's rusage
	// HelperHWM is the peak RSS of the process that started the binary: the
	// floor below which MaxRSS cannot go (see execHelperMain).
	HelperHWM     int64
	Calls, Writes int
}

// runProcess builds the action binary once, the way the Dockerfile does,
// and runs it as the GitHub runner would against an in-process emulator:
// create and no-op of one repository with every setting, and a no-op batch
// of copies of a repository the engine created, as in section 3.
func runProcess(ctx context.Context, cfg Config, rep *Report) error {
	root, err := ghrunner.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ecr-reconcile-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg.logf("process: building the action binary")
	bin, err := ghrunner.Build(ctx, root, tmp)
	if err != nil {
		return err
	}
	srv, err := startServer(cfg.Latency)
	if err != nil {
		return err
	}
	defer srv.close()

	maxN := slices.Max(cfg.Sizes)
	names := make([]string, maxN)
	for i := range names {
		names[i] = fmt.Sprintf("proc/svc-%04d", i)
	}
	if err := seedBatch(ctx, srv, names); err != nil {
		return err
	}
	batch := actionInputs(false)
	batch["repositories"], batch["max-concurrency"] = strings.Join(names, "\n"), strconv.Itoa(cfg.Concurrency)
	scenarios := []string{scenarioCreate, scenarioNoOp, fmt.Sprintf("batch N=%d, no-op", maxN)}
	samples := map[string][]procResult{}
	for run := range cfg.Runs {
		cfg.logf("process: run %d/%d", run+1, cfg.Runs)
		single := actionInputs(true)
		single["repository"] = fmt.Sprintf("proc/app-%d", run)
		for i, inputs := range []map[string]string{single, single, batch} {
			res, err := execAction(ctx, bin, srv, inputs)
			if err != nil {
				return fmt.Errorf("%s: %w", scenarios[i], err)
			}
			if i < 2 && res.outputs["repository-uri"] == "" || i == 2 && res.outputs["changed"] != "false" {
				return fmt.Errorf("%s: unexpected outputs %q", scenarios[i], res.outputs)
			}
			samples[scenarios[i]] = append(samples[scenarios[i]], res)
		}
	}
	for _, sc := range scenarios {
		var firsts, walls []time.Duration
		var rss, floors, calls, writes []int
		for _, s := range samples[sc] {
			firsts, walls = append(firsts, s.first), append(walls, s.wall)
			rss, floors = append(rss, int(s.maxRSS)), append(floors, int(s.helperHWM))
			calls, writes = append(calls, s.Calls), append(writes, s.Writes)
		}
		rep.Process = append(rep.Process, ProcessRow{
			Scenario:     sc,
			StartToFirst: median(firsts), StartToFirstMin: slices.Min(firsts), StartToFirstMax: slices.Max(firsts),
			Wall:   median(walls),
			MaxRSS: int64(median(rss)), MaxRSSMax: int64(slices.Max(rss)), HelperHWM: int64(slices.Max(floors)),
			Calls: median(calls), Writes: median(writes),
		})
	}
	return nil
}

// actionInputs declares fullSpec (single) or batchSpec as the action's inputs.
func actionInputs(single bool) map[string]string {
	in := map[string]string{
		"repository-policy": repositoryPolicy,
		"lifecycle-policy":  lifecyclePolicy,
		"tags":              "team=payments,env=prod",
		"scan-on-push":      "true",
	}
	if single {
		in["image-tag-mutability"], in["image-tag-mutability-exclusion-filters"] = "IMMUTABLE_WITH_EXCLUSION", "cache,latest"
		in["encryption-type"] = "AES256"
	}
	return in
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
func execAction(ctx context.Context, bin string, srv *server, inputs map[string]string) (procResult, error) {
	var res procResult
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	srv.reset()
	run, err := ghrunner.Run(ctx, ghrunner.Step{Bin: self, Inputs: inputs, Env: map[string]string{
		"AWS_ACCESS_KEY_ID":               accessKeyID,
		"AWS_SECRET_ACCESS_KEY":           secretAccessKey,
		"AWS_REGION":                      region,
		"AWS_ENDPOINT_URL_ECR":            srv.url,
		"AWS_ENDPOINT_URL_STS":            srv.url,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": srv.url,
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
