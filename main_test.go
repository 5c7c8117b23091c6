package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// bin is the action binary, built once with the Dockerfile's flags.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecr-reconcile-contract")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = ghrunner.Build(context.Background(), ".", dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startEmulator(t *testing.T) (*emulator.Emulator, string) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

func staticEnv(url string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":               "AKIACONTRACTTEST0000",
		"AWS_SECRET_ACCESS_KEY":           "contract-secret-access-key",
		"AWS_REGION":                      "eu-west-1",
		"AWS_ENDPOINT_URL_ECR":            url,
		"AWS_ENDPOINT_URL_STS":            url,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": url,
	}
}

func TestContractRunsLikeTheRunner(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t)
	step := ghrunner.Step{Bin: bin, Env: staticEnv(url), Inputs: map[string]string{
		"repository":                             "svc/api",
		"aws-region":                             "us-east-1",
		"tags":                                   `{"team": "core"}`,
		"image-tag-mutability":                   "IMMUTABLE_WITH_EXCLUSION",
		"image-tag-mutability-exclusion-filters": "cache\nlatest",
		"scan-on-push":                           "true",
		"on-reconcile-error":                     "fail",
		"dry-run":                                "false",
	}}
	res, err := ghrunner.Run(context.Background(), step)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	want := map[string]string{
		"repository-uri":  "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc/api",
		"repository-name": "svc/api",
		"registry":        "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"registry-id":     "123456789012",
		"created":         "true",
		"changed":         "true",
	}
	for k, v := range want {
		if res.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q (file:\n%s)", k, res.Outputs[k], v, res.OutputFile)
		}
	}
	if !strings.Contains(res.Summary, "| image-tag-mutability | created | `IMMUTABLE_WITH_EXCLUSION [cache, latest]` |") {
		t.Errorf("summary:\n%s", res.Summary)
	}
	r, ok := emu.Repository("", "svc/api")
	if !ok || r.Tags["team"] != "core" || !r.ScanOnPush || len(r.ExclusionFilters) != 2 {
		t.Errorf("repository = %+v", r)
	}
}

// A full OIDC flow in debug mode: the token and every credential derived
// from it must appear only in add-mask commands, never in anything else the
// step prints or writes.
func TestContractOIDCLeaksNoSecret(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t)
	const idToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9hcHAifQ.c2lnbmF0dXJl"
	const requestToken = "runner-request-token-5f2b"
	var sawAudience string
	oidc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		sawAudience = r.URL.Query().Get("audience")
		fmt.Fprintf(w, `{"value":%q}`, idToken)
	}))
	t.Cleanup(oidc.Close)

	env := map[string]string{
		"AWS_REGION":                      "us-east-1",
		"AWS_ENDPOINT_URL_ECR":            url,
		"AWS_ENDPOINT_URL_STS":            url,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": url,
		"ACTIONS_ID_TOKEN_REQUEST_URL":    oidc.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN":  requestToken,
		"RUNNER_DEBUG":                    "1",
		"GITHUB_RUN_ID":                   "4242",
	}
	res, err := ghrunner.Run(context.Background(), ghrunner.Step{Bin: bin, Env: env, Inputs: map[string]string{
		"repository":     "svc/api",
		"role-to-assume": "arn:aws:iam::123456789012:role/deployer",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	// Debug logging is on, so every AWS call is logged, and must not leak.
	for _, s := range []string{"::debug::aws STS AssumeRoleWithWebIdentity: HTTP 200", "::debug::aws ECR DescribeRepositories: HTTP 400", "::debug::aws ECR CreateRepository: HTTP 200"} {
		if !strings.Contains(res.Stdout, s) {
			t.Errorf("debug log lacks %q:\n%s", s, res.Stdout)
		}
	}
	if sawAudience != "sts.amazonaws.com" {
		t.Errorf("token requested for audience %q", sawAudience)
	}

	var assumed emulator.Call
	secrets := []string{idToken, requestToken}
	for _, c := range emu.Calls() {
		if c.Operation == "AssumeRoleWithWebIdentity" {
			assumed = c
		}
	}
	if assumed.Params["WebIdentityToken"] != idToken || assumed.Params["RoleArn"] != "arn:aws:iam::123456789012:role/deployer" {
		t.Fatalf("AssumeRoleWithWebIdentity call = %+v", assumed)
	}
	// role-duration-seconds is left out: action.yml's default reaches STS.
	if assumed.Params["DurationSeconds"] != "3600" {
		t.Errorf("DurationSeconds = %q, want action.yml's default 3600", assumed.Params["DurationSeconds"])
	}
	if !strings.HasPrefix(assumed.Params["RoleSessionName"], "ecr-reconcile-4242") {
		t.Errorf("session name = %q", assumed.Params["RoleSessionName"])
	}
	for _, c := range emu.Calls() {
		if c.Service == "ecr" {
			if role, ok := emu.Credentials(c.AccessKeyID); !ok || role != "arn:aws:iam::123456789012:role/deployer" {
				t.Errorf("%s was not signed with the assumed role's key (%s)", c.Operation, c.AccessKeyID)
			}
			secrets = append(secrets, c.AccessKeyID)
		}
	}
	secrets = append(secrets, emu.IssuedSecrets()...)

	masked := map[string]bool{}
	var rest []string
	for _, line := range strings.Split(res.Stdout, "\n") {
		if m, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			masked[m] = true
			continue
		}
		rest = append(rest, line)
	}
	visible := strings.Join(rest, "\n") + res.Stderr + res.OutputFile + res.Summary
	for _, s := range secrets {
		if !masked[s] {
			t.Errorf("secret %.6s… was never masked", s)
		}
		if strings.Contains(visible, s) {
			t.Errorf("secret %.6s… appears in the step's output", s)
		}
	}
}

// An endpoint that answers with an error message holding raw line breaks
// and workflow commands must not be able to run them: the step's log,
// read as the runner reads it, holds only the commands the action issues,
// and the real error annotation is still there.
func TestContractAWSErrorTextCannotStartWorkflowCommands(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{})
	const hostile = "Invalid parameter\n::stop-commands::x\n::warning title=owned::pwned\r  ::add-mask::Plan\n##[add-mask]Plan"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutLifecyclePolicy") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"InvalidParameterException","message":%q}`, hostile)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	res, err := ghrunner.Run(context.Background(), ghrunner.Step{Bin: bin, Env: staticEnv(srv.URL), Inputs: map[string]string{
		"repository": "svc/api", "tags": "team=core",
		"lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.ExitCode, res.Stdout)
	}
	var errors int
	for _, c := range wfcmd.Commands(res.Stdout) {
		switch c.Name {
		case "group", "endgroup":
		case "add-mask":
			if m := c.Message; m != staticEnv("")["AWS_SECRET_ACCESS_KEY"] && m != staticEnv("")["AWS_ACCESS_KEY_ID"] {
				t.Errorf("the log masks %q, which the action did not ask for", m)
			}
		case "error":
			errors++
			if !strings.Contains(c.Message, "Invalid parameter%0A\\::stop-commands::x") {
				t.Errorf("the error annotation does not carry the message, neutralised: %s", c.Line)
			}
		default:
			t.Errorf("the log holds a command the action did not issue: %q\n%s", c.Line, res.Stdout)
		}
	}
	if errors != 1 {
		t.Errorf("%d error annotations, want 1:\n%s", errors, res.Stdout)
	}
	// The repository was created and its lifecycle policy failed: the
	// heading says so, in the log and in the job summary.
	if !strings.Contains(res.Stdout, "::group::Plan for svc/api: created, partly failed\n") || !strings.Contains(res.Summary, "`svc/api`: created, partly failed\n") {
		t.Errorf("the heading does not say the run partly failed:\n%s\n%s", res.Stdout, res.Summary)
	}
	if !strings.Contains(res.Stdout, "\n\\::warning title=owned::pwned\n") {
		t.Errorf("the injected line is not shown, escaped:\n%s", res.Stdout)
	}
}

// Policy inputs naming a named pipe or a device fail at once with a clear
// error: the step neither hangs on the pipe (past timeout-seconds) nor runs
// out of memory reading the device.
func TestContractSpecialFilesAreRefused(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	files := map[string]string{"fifo.json": "is a named pipe (FIFO), not a regular file"}
	// A device node needs mknod (root, as the container runs); a link to
	// /dev/zero would be refused as leaving the workspace instead.
	if err := syscall.Mknod(filepath.Join(ws, "zero.json"), syscall.S_IFCHR|0o666, 1<<8|5); err == nil {
		files["zero.json"] = "is a device, not a regular file"
	} else {
		t.Logf("device case not run: mknod: %v", err)
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu, url := startEmulator(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := ghrunner.Run(ctx, ghrunner.Step{Bin: bin, Env: staticEnv(url), Dir: ws, Inputs: map[string]string{
				"repository": "svc/api", "lifecycle-policy": name, "timeout-seconds": "5",
			}})
			if err != nil {
				t.Fatalf("%v (the step was killed after 60 s)", err)
			}
			if res.ExitCode != 1 || !strings.Contains(res.Stdout, "::error title=ecr-reconcile%3A invalid input lifecycle-policy::input \"lifecycle-policy\": \""+name+"\" "+want) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			if len(emu.Calls()) != 0 || res.OutputFile != "" {
				t.Errorf("calls %v, outputs %q after an invalid input", emu.Calls(), res.OutputFile)
			}
		})
	}
}

// The binary as a command line: a bad flag's message appears once, on
// stderr, and stdout stays empty.
func TestContractCommandLineBadFlagOnce(t *testing.T) {
	t.Parallel()
	res, err := ghrunner.Run(context.Background(), ghrunner.Step{Bin: bin, Args: []string{"--no-such-flag"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 2 || res.Stdout != "" || strings.Count(res.Stderr, "flag provided but not defined") != 1 || strings.Count(res.Stderr, "\n") != 2 {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// AWS_ENDPOINT_URL_ACCESSANALYZER, read by the SDK from the process's
// environment, is where the policy check goes; ECR's endpoint never gets it.
func TestContractAccessAnalyzerEndpoint(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t)
	analyzer, analyzerURL := startEmulator(t)
	env := staticEnv(url)
	env["AWS_ENDPOINT_URL_ACCESSANALYZER"] = analyzerURL
	step := ghrunner.Step{Bin: bin, Env: env, Inputs: map[string]string{
		"repository": "svc/checked",
		"aws-region": "eu-west-1",
		"repository-policy": `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow",` +
			`"Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"ecr:BatchGetImage"}]}`,
	}}
	res, err := ghrunner.Run(context.Background(), step)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
	}
	if n, m := analyzer.Count("ValidatePolicy"), emu.Count("ValidatePolicy"); n != 1 || m != 0 {
		t.Errorf("ValidatePolicy sent %d times to Access Analyzer's endpoint and %d times to ECR's, want 1 and 0", n, m)
	}
}
