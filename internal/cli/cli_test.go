package cli_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/cli"
	core "github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

func run(t *testing.T, emu *emulator.Emulator, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runEnv(t, emu, nil, args...)
}

// runEnv is run with extra environment variables (an empty value unsets).
func runEnv(t *testing.T, emu *emulator.Emulator, extra map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIACLITEST000000000", "AWS_SECRET_ACCESS_KEY": "cli-secret", "AWS_REGION": "us-west-2"}
	var opts []core.Option
	if emu != nil {
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		opts = append(opts, func(o *awsclient.Options) { o.Endpoint = srv.URL })
	}
	for k, v := range extra {
		env[k] = v
	}
	var out, errOut testsupport.SyncBuffer
	err = cli.Run(context.Background(), cli.Env{
		Args: args, Getenv: func(k string) string { return env[k] },
		Stdout: &out, Stderr: &errOut, ActionYAML: testsupport.ActionYAML(t), Version: "v9.9.9", Options: opts,
	})
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	var e *cli.ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	_, stderr, err := run(t, nil, "--help")
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, s := range []string{"Usage: ecr-reconcile", "-repository string", "-image-tag-mutability-exclusion-filters", "-on-reconcile-error", "(default fail)", "Exit codes"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("help lacks %q:\n%s", s, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, err := run(t, nil, "--version")
	if err != nil || strings.TrimSpace(out) != "ecr-reconcile v9.9.9" {
		t.Errorf("--version = %q, %v", out, err)
	}
}

func TestInvalidInputExitsTwoWithoutCalls(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	out, stderr, err := run(t, emu, "--repository", "Bad Name")
	if exitCode(err) != cli.ExitInvalid {
		t.Fatalf("exit %d, want %d", exitCode(err), cli.ExitInvalid)
	}
	if strings.Count(stderr, `Error: input "repository"`) != 1 || strings.Contains(stderr, "::error") {
		t.Errorf("error not shown once as plain text on stderr:\n%s", stderr)
	}
	if out != "" {
		t.Errorf("stdout holds %q after an invalid input, want nothing", out)
	}
	if len(emu.Calls()) != 0 {
		t.Errorf("calls made: %v", emu.Calls())
	}
}

func TestAWSFailureExitsOne(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	emu.SetAllowedActions([]string{})
	out, stderr, err := run(t, emu, "--repository", "app", "--timeout-seconds", "20")
	if exitCode(err) != cli.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", exitCode(err), cli.ExitFailed, out)
	}
	if strings.Count(stderr, "Error: ") != 1 || !strings.Contains(stderr, "ecr:DescribeRepositories") || !strings.HasPrefix(stderr, "Credentials: ") {
		t.Errorf("stderr does not show the failure once, after the credentials note:\n%s", stderr)
	}
	if strings.Contains(out, "Error") || strings.Contains(out, "Credentials") {
		t.Errorf("stdout holds more than the plan and the outputs:\n%s", out)
	}
}

// A bad flag prints one line and a pointer to --help, once, on stderr.
func TestFlagErrorIsOneLineOnStderr(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--no-such-flag"}, {"--repository", "app", "extra"}, {"--dry-run", "--tags"}} {
		out, stderr, err := run(t, nil, args...)
		if exitCode(err) != cli.ExitInvalid {
			t.Errorf("%v: exit %d, want %d", args, exitCode(err), cli.ExitInvalid)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "ecr-reconcile: ") || lines[1] != "Run 'ecr-reconcile --help' for the flags." {
			t.Errorf("%v: stderr is not one error line and a pointer to --help:\n%s", args, stderr)
		}
		if out != "" {
			t.Errorf("%v: stdout = %q", args, out)
		}
	}
	_, stderr, _ := run(t, nil, "--no-such-flag")
	if !strings.Contains(stderr, "flag provided but not defined: -no-such-flag") {
		t.Errorf("the error does not name the flag:\n%s", stderr)
	}
}

// A boolean flag alone means true and takes nothing after it; "=false" and
// the older "--dry-run true" spelling still work.
func TestBooleanFlagsAreFlags(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{Region: "us-west-2"})
	out, stderr, err := run(t, emu, "--dry-run", "--repository", "team/app", "--prune-tags", "--scan-on-push")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	if len(emu.Writes()) != 0 || !strings.Contains(out, "would be created") {
		t.Errorf("--dry-run alone did not mean true: writes %v\n%s", emu.Writes(), out)
	}
	out, stderr, err = run(t, emu, "--repository", "team/app", "--dry-run=false", "--scan-on-push", "true")
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	if r, ok := emu.Repository("", "team/app"); !ok || !r.ScanOnPush {
		t.Errorf("--dry-run=false --scan-on-push true: repository %+v", r)
	}
	_, stderr, err = run(t, emu, "--repository", "team/app", "--dry-run=maybe")
	if exitCode(err) != cli.ExitInvalid || !strings.Contains(stderr, `input "dry-run": "maybe" is not a boolean`) {
		t.Errorf("--dry-run=maybe: exit %d\n%s", exitCode(err), stderr)
	}
}

// The outputs are printed as they are, for scripts: masking the account
// in the log does not hide it there; GITHUB_OUTPUT, when set, is written
// too and the note says so.
func TestOutputsPrintedUnmaskedAndAlsoToGitHubOutput(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{Region: "us-west-2"})
	path := t.TempDir() + "/output"
	out, stderr, err := runEnv(t, emu, map[string]string{"GITHUB_OUTPUT": path}, "--repository", "team/app", "--mask-aws-account-id")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(out, "\nregistry-id=123456789012\n") || !strings.Contains(out, "repository-uri=123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app\n") {
		t.Errorf("outputs not printed as they are:\n%s", out)
	}
	if !strings.Contains(out, "▼ Plan for team/app") || strings.Contains(strings.Split(out, "repository-uri=")[0], "123456789012") {
		t.Errorf("the plan is not masked:\n%s", out)
	}
	file, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(file), "123456789012.dkr.ecr.us-west-2.amazonaws.com/team/app") {
		t.Errorf("GITHUB_OUTPUT = %q, %v", file, err)
	}
	if !strings.Contains(stderr, "Outputs also written to GITHUB_OUTPUT ("+path+")") {
		t.Errorf("no note about GITHUB_OUTPUT:\n%s", stderr)
	}
}

func TestDebugShowsEachCall(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"--debug"}},
		{map[string]string{"RUNNER_DEBUG": "1"}, nil},
	} {
		emu := emulator.New(emulator.Options{Region: "us-west-2"})
		_, stderr, err := runEnv(t, emu, tt.env, append(tt.args, "--repository", "team/app")...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr, "Debug: aws ECR DescribeRepositories: HTTP 400") || !strings.Contains(stderr, "Debug: aws ECR CreateRepository: HTTP 200") {
			t.Errorf("%v %v: no debug line per call:\n%s", tt.env, tt.args, stderr)
		}
	}
	emu := emulator.New(emulator.Options{Region: "us-west-2"})
	_, stderr, _ := run(t, emu, "--repository", "team/app")
	if strings.Contains(stderr, "Debug:") {
		t.Errorf("debug lines without --debug:\n%s", stderr)
	}
}

func TestCredentialsAdviceSpeaksOfTheCommandLine(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--repository", "app"}, {"--repository", "app", "--role-to-assume", "arn:aws:iam::123456789012:role/x"}} {
		_, stderr, err := runEnv(t, nil, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true"}, args...)
		if exitCode(err) != cli.ExitFailed {
			t.Errorf("%v: exit %d", args, exitCode(err))
		}
		for _, s := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "--role-to-assume"} {
			if !strings.Contains(stderr, s) {
				t.Errorf("%v: advice lacks %s:\n%s", args, s, stderr)
			}
		}
		if strings.Contains(stderr, "id-token") {
			t.Errorf("%v: advice speaks of the workflow's id-token permission:\n%s", args, stderr)
		}
	}
}

// Policy files are read from the current directory, and messages say so.
func TestWorkspaceIsTheCurrentDirectory(t *testing.T) {
	t.Parallel()
	_, stderr, err := runEnv(t, nil, map[string]string{"GITHUB_WORKSPACE": "/elsewhere"}, "--repository", "app", "--lifecycle-policy", "../policy.json")
	if exitCode(err) != cli.ExitInvalid || !strings.Contains(stderr, "leaves the current directory") {
		t.Errorf("exit %d\n%s", exitCode(err), stderr)
	}
}

// A flag is text from outside the code: when the command line runs in a
// workflow step, whose stderr the runner reads for workflow commands, its
// echo in an error must not become one, and it stays one bounded line.
func TestHostileFlagsCannotStartWorkflowCommands(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100_000)
	for _, args := range [][]string{
		{"--x\r::warning title=owned::pwned"},
		{"--x##[add-mask]Plan"},
		{"---##[error]x"},
		{"-=##[error]x"},
		{"--repository", "app", "\r::stop-commands::t"},
		{"--repository", "app", "##[set-output name=a]b"},
		{"--dry-run=##[error]x\r::error::y", "--repository", "app"},
		{"--" + long + "\n::error::z"},
	} {
		out, stderr, err := run(t, nil, args...)
		if exitCode(err) != cli.ExitInvalid {
			t.Errorf("%.40q: exit %d, want %d", args, exitCode(err), cli.ExitInvalid)
		}
		if cmds := wfcmd.Commands(out + stderr); len(cmds) != 0 {
			t.Errorf("%.40q: the output holds workflow commands %q", args, cmds[0].Line)
		}
		// A flag error and the pointer to --help, or an input's error.
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) > 2 || len(lines[0]) > wfcmd.MaxLine {
			t.Errorf("%.40q: stderr is not one bounded error line (%d lines, the first %d bytes)", args, len(lines), len(lines[0]))
		}
	}
}

// The AWS SDK's lines (a retry, a warning) are progress notes: on stderr,
// never on stdout, which holds only the plan and the outputs.
func TestRetryLinesGoToStderr(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	emu.AddFault(emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultThrottle, Times: 1})
	out, stderr, err := run(t, emu, "--repository", "app")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(out, "Retrying") || !strings.Contains(stderr, "Retrying ecr DescribeRepositories") {
		t.Errorf("the retry line is not on stderr alone:\nstdout:\n%s\nstderr:\n%s", out, stderr)
	}
}
