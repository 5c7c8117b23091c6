package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
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
// and runs it as the GitHub runner would against an in-process emulator.
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

	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: cfg.Latency})
	srv, err := startServer(emu)
	if err != nil {
		return err
	}
	defer srv.close()

	type sample struct {
		first, wall time.Duration
		rss, floor  int64
		cnt         counts
	}
	samples := map[string][]sample{}
	record := func(sc string, s procResult, cnt counts) {
		samples[sc] = append(samples[sc], sample{first: s.first, wall: s.wall, rss: s.maxRSS, floor: s.helperHWM, cnt: cnt})
	}

	// Batch: copies of a repository the engine created, as in section 3.
	maxN := slices.Max(cfg.Sizes)
	batchName := fmt.Sprintf("batch N=%d, no-op", maxN)
	c, err := newClient(ctx, srv.url, false)
	if err != nil {
		return err
	}
	tmpl := batchSpec()
	tmpl.Name = "seed/template"
	if _, err := reconciler(c, false).Reconcile(ctx, tmpl); err != nil {
		return err
	}
	var names []string
	for i := range maxN {
		names = append(names, fmt.Sprintf("proc/svc-%04d", i))
	}
	if err := seedCopies(emu, tmpl.Name, names); err != nil {
		return err
	}

	for run := range cfg.Runs {
		cfg.logf("process: run %d/%d", run+1, cfg.Runs)
		single := singleInputs(fmt.Sprintf("proc/app-%d", run))
		for _, sc := range []string{scenarioCreate, scenarioNoOp} {
			res, err := execAction(ctx, bin, srv, single)
			if err != nil {
				return fmt.Errorf("%s: %w", sc, err)
			}
			if _, ok := res.outputs["repository-uri"]; !ok {
				return fmt.Errorf("%s: no repository-uri output", sc)
			}
			record(sc, res, srv.counts())
		}
		res, err := execAction(ctx, bin, srv, batchInputs(names, cfg.Concurrency))
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		if res.outputs["changed"] != "false" {
			return fmt.Errorf("batch: changed=%q, want false", res.outputs["changed"])
		}
		record(batchName, res, srv.counts())
	}

	for _, sc := range []string{scenarioCreate, scenarioNoOp, batchName} {
		ss := samples[sc]
		var firsts, walls []time.Duration
		var rss, floors, calls, writes []int
		for _, s := range ss {
			firsts, walls = append(firsts, s.first), append(walls, s.wall)
			rss, floors = append(rss, int(s.rss)), append(floors, int(s.floor))
			calls, writes = append(calls, s.cnt.Calls), append(writes, s.cnt.Writes)
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

func singleInputs(name string) map[string]string {
	return map[string]string{
		"repository":                             name,
		"repository-policy":                      repositoryPolicy,
		"lifecycle-policy":                       lifecyclePolicy,
		"tags":                                   "team=payments,env=prod",
		"image-tag-mutability":                   "IMMUTABLE_WITH_EXCLUSION",
		"image-tag-mutability-exclusion-filters": "cache,latest",
		"scan-on-push":                           "true",
		"encryption-type":                        "AES256",
	}
}

func batchInputs(names []string, concurrency int) map[string]string {
	return map[string]string{
		"repositories":      strings.Join(names, "\n"),
		"repository-policy": repositoryPolicy,
		"lifecycle-policy":  lifecyclePolicy,
		"tags":              "team=platform,cost-center=1234",
		"scan-on-push":      "true",
		"max-concurrency":   strconv.Itoa(concurrency),
	}
}

type procResult struct {
	first, wall       time.Duration
	maxRSS, helperHWM int64
	outputs           map[string]string
}

// Linux records in a process's max RSS the high-water mark of the memory it
// ran in before execve. Go starts children with vfork (CLONE_VM), so a child
// started directly by the bench would report the bench's own peak RSS
// (tens of MB after the batch section) instead of its own. The action is
// therefore started by a fresh, small copy of this program, whose own
// high-water mark (HelperHWM, reported) is the floor of the figure.
const (
	helperReportEnv = "ECR_BENCH_EXEC_REPORT"
	helperBinEnv    = "ECR_BENCH_EXEC_BIN"
)

type helperReport struct {
	StartUnixNano int64 `json:"start"`
	WallNanos     int64 `json:"wall"`
	MaxRSS        int64 `json:"maxRSS"`
	HelperHWM     int64 `json:"helperHWM"`
	ExitCode      int   `json:"exitCode"`
}

func isExecHelper() bool { return os.Getenv(helperReportEnv) != "" }

// execHelperMain runs the binary named by helperBinEnv with this process's
// environment (minus the helper's variables) and standard streams, and
// writes a helperReport to the path named by helperReportEnv.
func execHelperMain() int {
	reportPath, bin := os.Getenv(helperReportEnv), os.Getenv(helperBinEnv)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, helperReportEnv+"=") && !strings.HasPrefix(kv, helperBinEnv+"=") {
			env = append(env, kv)
		}
	}
	hr := helperReport{HelperHWM: vmHWM()}
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	hr.StartUnixNano = start.UnixNano()
	err := cmd.Run()
	hr.WallNanos = int64(time.Since(start))
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		hr.ExitCode = exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench exec helper:", err)
		return 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		hr.MaxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	b, _ := json.Marshal(hr)
	if err := os.WriteFile(reportPath, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench exec helper:", err)
		return 1
	}
	return 0
}

// vmHWM is this process's peak resident set size so far, or 0 if unknown.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// execAction runs the binary through ghrunner.Run, as the GitHub runner
// would, via a fresh copy of this program (see execHelperMain) so that the
// binary's max RSS is its own.
func execAction(ctx context.Context, bin string, srv *server, inputs map[string]string) (procResult, error) {
	var res procResult
	dir, err := os.MkdirTemp("", "ecr-reconcile-bench-step")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	reportPath := filepath.Join(dir, "rusage.json")
	step := ghrunner.Step{
		Bin:    self,
		Dir:    dir,
		Inputs: inputs,
		Env: map[string]string{
			"AWS_ACCESS_KEY_ID":               accessKeyID,
			"AWS_SECRET_ACCESS_KEY":           secretAccessKey,
			"AWS_REGION":                      region,
			"AWS_ENDPOINT_URL_ECR":            srv.url,
			"AWS_ENDPOINT_URL_STS":            srv.url,
			"AWS_ENDPOINT_URL_ACCESSANALYZER": srv.url,
			helperReportEnv:                   reportPath,
			helperBinEnv:                      bin,
		},
	}

	srv.reset()
	run, err := ghrunner.Run(ctx, step)
	if err != nil {
		return res, err
	}
	if run.ExitCode != 0 {
		return res, fmt.Errorf("exec helper: exit %d\n%s", run.ExitCode, tail(run.Stderr))
	}
	b, err := os.ReadFile(reportPath)
	if err != nil {
		return res, err
	}
	var hr helperReport
	if err := json.Unmarshal(b, &hr); err != nil {
		return res, err
	}
	if hr.ExitCode != 0 {
		return res, fmt.Errorf("the action failed (exit %d):\n%s\n%s", hr.ExitCode, tail(run.Stdout), tail(run.Stderr))
	}
	first := srv.firstRequest()
	if first.IsZero() {
		return res, errors.New("the action made no request")
	}
	res.first = first.Sub(time.Unix(0, hr.StartUnixNano))
	res.wall = time.Duration(hr.WallNanos)
	res.maxRSS, res.helperHWM = hr.MaxRSS, hr.HelperHWM
	res.outputs = run.Outputs
	return res, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
