// Command demo shows the action doing its job against the bundled ECR
// emulator, as a workflow log would: it creates a repository, re-runs with
// nothing to change, then repairs settings someone changed by hand.
//
//	go run ./cmd/demo
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

const policy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ClusterAccountPull",
    "Effect": "Allow",
    "Principal": {"AWS": "210987654321"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
  }]
}
`

const lifecycle = `{"rules":[{"rulePriority":1,"description":"expire untagged after 7 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := realMain(ctx, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// progressEvery is how often the demo says it is still building: a cold
// build takes a minute or more on a small machine, and silence looks hung.
const progressEvery = 5 * time.Second

// progress prints a line every progressEvery until the returned func is
// called.
func progress(w io.Writer, start time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "  still building (%s; the first build compiles the AWS SDK)...\n", time.Since(start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); <-finished }
}

func realMain(ctx context.Context, w io.Writer) error {
	emu := emulator.New(emulator.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String()

	root, err := ghrunner.ModuleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ecr-reconcile-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintln(w, "Building the action binary (the same command the Dockerfile runs)...")
	start := time.Now()
	stopProgress := progress(w, start)
	bin, err := ghrunner.Build(ctx, root, tmp)
	stopProgress()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Built in %s.\n", time.Since(start).Round(100*time.Millisecond))
	// The workflow's repository checkout, with the policy kept in a file.
	workspace := filepath.Join(tmp, "workspace")
	if err := os.MkdirAll(filepath.Join(workspace, ".github", "ecr"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(workspace, ".github", "ecr", "policy.json"), []byte(policy), 0o644); err != nil {
		return err
	}

	step := ghrunner.Step{
		Bin: bin,
		Dir: workspace,
		Inputs: map[string]string{
			"repository":                             "payments/api",
			"repository-policy":                      ".github/ecr/policy.json",
			"lifecycle-policy":                       lifecycle,
			"tags":                                   "team=payments\ncost-center=42",
			"image-tag-mutability":                   "immutable_with_exclusion",
			"image-tag-mutability-exclusion-filters": "cache, latest",
			"scan-on-push":                           "true",
			"aws-region":                             emu.Region(),
		},
		Env: map[string]string{
			"AWS_ACCESS_KEY_ID":               "AKIADEMODEMODEMO0000",
			"AWS_SECRET_ACCESS_KEY":           "demo-secret-access-key",
			"AWS_ENDPOINT_URL_ECR":            endpoint,
			"AWS_ENDPOINT_URL_STS":            endpoint,
			"AWS_ENDPOINT_URL_ACCESSANALYZER": endpoint,
		},
	}

	fmt.Fprintf(w, "ECR emulator listening on %s (region %s, account %s)\n", endpoint, emu.Region(), emu.AccountID())
	if err := runStep(ctx, w, emu, step, "Run 1: the repository does not exist yet", true); err != nil {
		return err
	}
	if err := runStep(ctx, w, emu, step, "Run 2: same inputs, nothing to change", false); err != nil {
		return err
	}

	// Someone "fixes" things by hand in the console.
	repo, _ := emu.Repository("", "payments/api")
	repo.ScanOnPush = false
	repo.Policy = ""
	repo.Tags["team"] = "platform"
	emu.PutRepository(repo)
	fmt.Fprintln(w, "\n(Meanwhile someone turns off scan-on-push, deletes the repository policy and re-tags the repository in the console.)")
	return runStep(ctx, w, emu, step, "Run 3: drift is repaired", true)
}

func runStep(ctx context.Context, w io.Writer, emu *emulator.Emulator, step ghrunner.Step, title string, showSummary bool) error {
	emu.ResetCalls()
	fmt.Fprintf(w, "\n=== %s\n\n", title)
	res, err := ghrunner.Run(ctx, step)
	if err != nil {
		return err
	}
	fmt.Fprint(w, logview.Render(res.Stdout))
	if res.ExitCode != 0 {
		return fmt.Errorf("the action exited with %d:\n%s", res.ExitCode, res.Stderr)
	}
	fmt.Fprintln(w, "\nOutputs:")
	for _, k := range slices.Sorted(maps.Keys(res.Outputs)) {
		fmt.Fprintf(w, "  %s = %s\n", k, res.Outputs[k])
	}
	var ops, writes []string
	for _, c := range emu.Calls() {
		ops = append(ops, c.Operation)
		if c.IsWrite() {
			writes = append(writes, c.Operation)
		}
	}
	fmt.Fprintf(w, "\nAWS calls made: %d (%s); writes: %d %v\n", len(ops), strings.Join(ops, ", "), len(writes), writes)
	if showSummary {
		fmt.Fprintf(w, "\nJob summary (Markdown):\n\n%s", indent(res.Summary))
	}
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}
