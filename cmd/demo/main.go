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

	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
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
	bin, err := ghrunner.Build(ctx, root, tmp)
	if err != nil {
		return err
	}
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
			"AWS_ACCESS_KEY_ID":     "AKIADEMODEMODEMO0000",
			"AWS_SECRET_ACCESS_KEY": "demo-secret-access-key",
			"AWS_ENDPOINT_URL_ECR":  endpoint,
			"AWS_ENDPOINT_URL_STS":  endpoint,
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
