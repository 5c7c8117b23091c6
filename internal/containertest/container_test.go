package containertest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

const (
	// imageEnv names the image under test; without it every test skips.
	imageEnv = "ECR_RECONCILE_CONTAINER_IMAGE"

	// maxImageBytes is the most the image may weigh (15 MB): the runner
	// pulls it on every job that uses the action.
	maxImageBytes = 15_000_000

	// runnerUID owns the mounted directories, as the runner's user (uid
	// 1001 on GitHub-hosted runners) owns them on a real runner.
	runnerUID = 1001

	dockerfilePath = "../../Dockerfile"
	actionPath     = "../../action.yml"

	workspace = "/github/workspace"
)

func image(t *testing.T) string {
	t.Helper()
	img := os.Getenv(imageEnv)
	if img == "" {
		t.Skipf("%s is not set: scripts/container-test.sh builds the image and runs this test", imageEnv)
	}
	return img
}

// TestImageShape checks the image's configuration against the Dockerfile's
// promises: no USER (root), no WORKDIR, the exec-form entrypoint, the
// version label stamped into the binary, and the size limit.
func TestImageShape(t *testing.T) {
	t.Parallel()
	img := image(t)
	var info []struct {
		Size   int64
		Config struct {
			User       string
			WorkingDir string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
	}
	inspectJSON(t, &info, "image", "inspect", img)
	if len(info) != 1 {
		t.Fatalf("docker image inspect %s returned %d images", img, len(info))
	}
	got := info[0]
	t.Logf("image %s: %d bytes (%.2f MB), limit %d bytes", img, got.Size, float64(got.Size)/1e6, maxImageBytes)
	if got.Size > maxImageBytes {
		t.Errorf("image is %d bytes (%.2f MB); the limit is %d bytes (15 MB)", got.Size, float64(got.Size)/1e6, maxImageBytes)
	}
	if got.Config.User != "" {
		t.Errorf("image has USER %q; the action must run as root to write the runner's file-command files", got.Config.User)
	}
	if got.Config.WorkingDir != "" {
		t.Errorf("image has WORKDIR %q; the runner sets --workdir %s itself", got.Config.WorkingDir, workspace)
	}
	if want := dockerfileEntrypoint(t); !slices.Equal(got.Config.Entrypoint, want) {
		t.Errorf("image entrypoint %q, want the Dockerfile's %q", got.Config.Entrypoint, want)
	}
	if len(got.Config.Cmd) != 0 {
		t.Errorf("image has CMD %q; the runner passes no arguments and none are expected", got.Config.Cmd)
	}

	version := got.Config.Labels["org.opencontainers.image.version"]
	out, err := docker(context.Background(), nil, "run", "--rm", "--network", "none", img, "--version")
	if err != nil {
		t.Fatalf("docker run %s --version: %v\n%s", img, err, out)
	}
	if want := "ecr-reconcile " + version; strings.TrimSpace(string(out)) != want {
		t.Errorf("--version printed %q, want %q (the image's version label)", strings.TrimSpace(string(out)), want)
	}
}

// TestRunsAsTheRunnerRunsIt creates a repository with every kind of setting,
// with credentials from the GitHub OIDC token. That a re-run writes nothing
// is the engine's (internal/reconcile), the action's outputs' and the e2e
// stage's to prove; nothing about it depends on the image.
func TestRunsAsTheRunnerRunsIt(t *testing.T) {
	t.Parallel()
	img := image(t)
	emu, endpoint := startEmulator(t)
	oidcURL := startOIDC(t, "request-token-c0ffee", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8vYXBwIn0.c2ln")

	const role = "arn:aws:iam::123456789012:role/ci-deployer"
	s := step{
		inputs: map[string]string{
			"repository":                             "ct/app",
			"aws-region":                             "us-east-1",
			"role-to-assume":                         role,
			"repository-policy":                      "ecr/policy.json",
			"lifecycle-policy":                       `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`,
			"tags":                                   "team=core\nservice=app",
			"image-tag-mutability":                   "IMMUTABLE_WITH_EXCLUSION",
			"image-tag-mutability-exclusion-filters": "cache",
			"scan-on-push":                           "true",
		},
		env: map[string]string{
			"AWS_ENDPOINT_URL_ECR":            endpoint,
			"AWS_ENDPOINT_URL_STS":            endpoint,
			"AWS_ENDPOINT_URL_ACCESSANALYZER": endpoint,
			"ACTIONS_ID_TOKEN_REQUEST_URL":    oidcURL,
			"ACTIONS_ID_TOKEN_REQUEST_TOKEN":  "request-token-c0ffee",
		},
		files: map[string]string{
			// A path relative to the workspace: found only if the working
			// directory and the workspace mount are right.
			"ecr/policy.json": testsupport.PullPolicy,
		},
	}
	res := runStep(t, img, s)
	if res.exitCode != 0 {
		t.Fatalf("exit code %d, want 0\n%s", res.exitCode, res)
	}
	wantOutputs(t, res, map[string]string{
		"repository-uri":  "123456789012.dkr.ecr.us-east-1.amazonaws.com/ct/app",
		"repository-arn":  "arn:aws:ecr:us-east-1:123456789012:repository/ct/app",
		"repository-name": "ct/app",
		"registry-id":     "123456789012",
		"registry":        "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"created":         "true",
		"changed":         "true",
	})
	settings := changedSettings(t, res.outputs["changes"])
	for _, want := range []string{"repository", "repository-policy", "lifecycle-policy", "tags", "image-tag-mutability", "scan-on-push"} {
		if !settings[want] {
			t.Errorf("changes output lacks setting %q: %s", want, res.outputs["changes"])
		}
	}
	// The summary agrees with the outputs: the same URI, a row per change.
	if !strings.Contains(res.summary, "`"+res.outputs["repository-uri"]+"`") {
		t.Errorf("job summary lacks the repository URI %s:\n%s", res.outputs["repository-uri"], res.summary)
	}
	for setting := range settings {
		if !strings.Contains(res.summary, "| "+setting+" | created |") {
			t.Errorf("job summary has no created row for %s:\n%s", setting, res.summary)
		}
	}
	r, ok := emu.Repository("", "ct/app")
	if !ok {
		t.Fatalf("the emulator has no repository ct/app after a successful run\n%s", res)
	}
	if r.Tags["team"] != "core" || r.Tags["service"] != "app" || !r.ScanOnPush || len(r.ExclusionFilters) != 1 {
		t.Errorf("repository as created: %+v", r)
	}
	assumed := false
	for _, c := range emu.Calls() {
		switch {
		case c.Operation == "AssumeRoleWithWebIdentity":
			assumed = c.Params["RoleArn"] == role
		case c.Service == "ecr":
			if got, ok := emu.Credentials(c.AccessKeyID); !ok || got != role {
				t.Errorf("ECR %s was not signed with the role's session key", c.Operation)
			}
		}
	}
	if !assumed {
		t.Errorf("no AssumeRoleWithWebIdentity for %s in the call log: %+v", role, emu.Calls())
	}
}

// TestAWSFailureFailsTheStep: ECR refuses CreateRepository; the step exits 1
// with an error that names the call, and nothing is created.
func TestAWSFailureFailsTheStep(t *testing.T) {
	t.Parallel()
	img := image(t)
	emu, endpoint := startEmulator(t)
	emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "sts:GetCallerIdentity"})
	res := runStep(t, img, step{
		inputs: map[string]string{"repository": "ct/denied", "aws-region": "us-east-1"},
		env:    staticCredentials(endpoint),
	})
	if res.exitCode != 1 {
		t.Errorf("exit code %d, want 1\n%s", res.exitCode, res)
	}
	if !testsupport.HasLine(res.stdout, "::error", "ecr:CreateRepository") {
		t.Errorf("no error annotation naming ecr:CreateRepository\n%s", res)
	}
	if emu.Count("CreateRepository") == 0 {
		t.Errorf("CreateRepository was never attempted: %+v", emu.Calls())
	}
	if _, ok := emu.Repository("", "ct/denied"); ok {
		t.Error("the repository exists although CreateRepository was denied")
	}
	if res.outputs["created"] == "true" {
		t.Errorf("created=true after a denied create: %q", res.outputFile)
	}
}

// TestNonRootCannotWriteFileCommands shows why the Dockerfile has no USER
// line: as any user but root (or the runner's own uid, which the image
// cannot know), the container cannot write the runner's file-command files,
// and the step fails.
func TestNonRootCannotWriteFileCommands(t *testing.T) {
	t.Parallel()
	img := image(t)
	_, endpoint := startEmulator(t)
	res := runStep(t, img, step{
		inputs: map[string]string{"repository": "ct/app", "aws-region": "us-east-1"},
		env:    staticCredentials(endpoint),
		user:   "65532:65532",
	})
	if res.exitCode == 0 {
		t.Fatalf("exit code 0 as uid 65532; the file-command files should not be writable\n%s", res)
	}
	if !strings.Contains(res.stdout+res.stderr, "permission denied") {
		t.Errorf("the failure does not say permission denied\n%s", res)
	}
	if res.outputFile != "" {
		t.Errorf("outputs written as uid 65532: %q", res.outputFile)
	}
}

// step is one use of the action in a workflow.
type step struct {
	inputs map[string]string // given in with:; the others get action.yml's defaults
	env    map[string]string // step env: on top of what the runner sets
	files  map[string]string // files in the workspace, by relative path
	user   string            // docker run --user; the runner never sets it
}

type result struct {
	exitCode       int
	stdout, stderr string
	outputFile     string
	outputs        map[string]string
	summary        string
}

func (r *result) String() string {
	return fmt.Sprintf("--- stdout\n%s--- stderr\n%s--- GITHUB_OUTPUT\n%s--- GITHUB_STEP_SUMMARY\n%s", r.stdout, r.stderr, r.outputFile, r.summary)
}

// runStep runs the image as actions/runner's ContainerActionHandler does:
// the runner's temp directories and the workspace mounted at the /github
// paths, --workdir /github/workspace, each variable passed by name with -e
// (docker reads the value from its own environment), host paths in the
// values translated to the container paths. The runner also mounts the
// Docker socket; the action never uses it, so it is left out. Two
// differences from the runner, for the checks: the network is the host's,
// where the emulator listens, and the container is removed after docker
// inspect rather than with --rm.
func runStep(t *testing.T, img string, s step) *result {
	t.Helper()
	root := t.TempDir()
	temp := filepath.Join(root, "_temp")
	mounts := [][2]string{
		{filepath.Join(temp, "_github_home"), "/github/home"},
		{filepath.Join(temp, "_github_workflow"), "/github/workflow"},
		{filepath.Join(temp, "_runner_file_commands"), "/github/file_commands"},
		{filepath.Join(root, "work", "repo", "repo"), workspace},
	}
	for _, m := range mounts {
		mkdir(t, m[0])
	}
	fileCommands := mounts[2][0]
	id := randomHex(t, 16)
	names := map[string]string{}
	for _, cmd := range []string{"add_path", "set_env", "save_state", "set_output", "step_summary"} {
		names[cmd] = cmd + "_" + id
		writeFile(t, filepath.Join(fileCommands, names[cmd]), "")
	}
	writeFile(t, filepath.Join(mounts[1][0], "event.json"), `{"ref":"refs/heads/main"}`)
	for rel, content := range s.files {
		writeFile(t, filepath.Join(mounts[3][0], filepath.FromSlash(rel)), content)
	}
	ownByRunner(t, root, mounts)

	env := map[string]string{
		"HOME":                "/github/home",
		"CI":                  "true",
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    workspace,
		"GITHUB_EVENT_PATH":   "/github/workflow/event.json",
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_OUTPUT":       "/github/file_commands/" + names["set_output"],
		"GITHUB_STEP_SUMMARY": "/github/file_commands/" + names["step_summary"],
		"GITHUB_ENV":          "/github/file_commands/" + names["set_env"],
		"GITHUB_PATH":         "/github/file_commands/" + names["add_path"],
		"GITHUB_STATE":        "/github/file_commands/" + names["save_state"],
		"GITHUB_REPOSITORY":   "octo/app",
		"GITHUB_RUN_ID":       "7001",
		"GITHUB_RUN_ATTEMPT":  "1",
		"GITHUB_WORKFLOW":     "image",
		"GITHUB_JOB":          "build",
		"GITHUB_REF":          "refs/heads/main",
		"GITHUB_SHA":          "0123456789abcdef0123456789abcdef01234567",
		"RUNNER_OS":           "Linux",
		"RUNNER_ARCH":         "X64",
		"RUNNER_TEMP":         temp, // not under a mounted path: the runner passes it as it is
	}
	for k, v := range s.env {
		env[k] = v
	}
	for name, v := range runnerInputs(t, s.inputs) {
		env[ghrunner.InputVar(name)] = v
	}

	name := "ecr-reconcile-ct-" + randomHex(t, 6)
	args := []string{"run", "--name", name, "--label", "ecr-reconcile-container-test", "--workdir", workspace, "--network", "host"}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-e", k)
	}
	for _, m := range mounts {
		args = append(args, "-v", m[0]+":"+m[1])
	}
	if s.user != "" {
		args = append(args, "--user", s.user)
	}
	args = append(args, img)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if out, err := docker(context.Background(), nil, "rm", "--force", name); err != nil {
			t.Logf("docker rm %s: %v\n%s", name, err, out)
		}
	})
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = os.Environ()
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := &result{}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("docker run: %v\n%s", err, stderr.String())
		}
		res.exitCode = exit.ExitCode()
	}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	if res.exitCode >= 125 {
		t.Fatalf("docker run failed to run the container (exit %d):\n%s", res.exitCode, res.stderr)
	}
	checkContainer(t, name, s.user, res.exitCode)

	res.outputFile = readFile(t, filepath.Join(fileCommands, names["set_output"]))
	res.summary = readFile(t, filepath.Join(fileCommands, names["step_summary"]))
	var err error
	if res.outputs, err = ghrunner.ParseOutputs(res.outputFile); err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, res)
	}
	// Appending keeps the files the runner's: the runner reads them next.
	for _, cmd := range []string{"set_output", "step_summary"} {
		if uid := owner(t, filepath.Join(fileCommands, names[cmd])); uid == 0 {
			t.Errorf("%s is owned by root after the step; the runner's user must keep it", names[cmd])
		}
	}
	return res
}

// checkContainer reads the finished container back: it ran the Dockerfile's
// entrypoint with no arguments, as root unless the test chose a user, in
// the runner's working directory, and docker saw the exit code we did.
func checkContainer(t *testing.T, name, user string, exitCode int) {
	t.Helper()
	var info []struct {
		Path   string
		Args   []string
		Config struct {
			User       string
			WorkingDir string
			Entrypoint []string
		}
		State struct{ ExitCode int }
	}
	inspectJSON(t, &info, "container", "inspect", name)
	if len(info) != 1 {
		t.Fatalf("docker container inspect %s returned %d containers", name, len(info))
	}
	c := info[0]
	entrypoint := dockerfileEntrypoint(t)
	if !slices.Equal(c.Config.Entrypoint, entrypoint) || c.Path != entrypoint[0] || !slices.Equal(c.Args, entrypoint[1:]) {
		t.Errorf("container ran %q %q (entrypoint %q), want the Dockerfile's %q", c.Path, c.Args, c.Config.Entrypoint, entrypoint)
	}
	if c.Config.User != user {
		t.Errorf("container user %q, want %q (empty: root)", c.Config.User, user)
	}
	if c.Config.WorkingDir != workspace {
		t.Errorf("container working directory %q, want %s", c.Config.WorkingDir, workspace)
	}
	if c.State.ExitCode != exitCode {
		t.Errorf("docker inspect says exit code %d, docker run returned %d", c.State.ExitCode, exitCode)
	}
}

// runnerInputs is what the runner puts in INPUT_* for a step: every input
// action.yml declares, with its default when the step does not give it.
func runnerInputs(t *testing.T, given map[string]string) map[string]string {
	t.Helper()
	meta := testsupport.ParseAction(t, actionPath)
	out := map[string]string{}
	for _, in := range meta.Inputs {
		out[in.Name] = in.Default
	}
	for name, v := range given {
		if _, ok := out[name]; !ok {
			t.Fatalf("input %q is not declared in action.yml", name)
		}
		out[name] = v
	}
	return out
}

// dockerfileEntrypoint is the exec-form ENTRYPOINT of the Dockerfile.
func dockerfileEntrypoint(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ENTRYPOINT "); ok {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s has %d ENTRYPOINT lines, want 1", dockerfilePath, len(found))
	}
	var ep []string
	if err := json.Unmarshal([]byte(found[0]), &ep); err != nil || len(ep) == 0 {
		t.Fatalf("%s: ENTRYPOINT %s is not in exec form (a JSON array): %v", dockerfilePath, found[0], err)
	}
	return ep
}

func startEmulator(t *testing.T) (*emulator.Emulator, string) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// startOIDC serves the runner's ID-token endpoint: the token for a request
// that carries the request token.
func startOIDC(t *testing.T, requestToken, idToken string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			http.Error(w, "bad request token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"value":%q}`, idToken)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/token?api-version=2.0"
}

func staticCredentials(endpoint string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":               "AKIACONTAINERTEST000",
		"AWS_SECRET_ACCESS_KEY":           "container-test-secret-access-key",
		"AWS_ENDPOINT_URL_ECR":            endpoint,
		"AWS_ENDPOINT_URL_STS":            endpoint,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": endpoint,
	}
}

func wantOutputs(t *testing.T, res *result, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if res.outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, res.outputs[k], v)
		}
	}
}

// changedSettings reads the names of the settings in the changes output.
func changedSettings(t *testing.T, changes string) map[string]bool {
	t.Helper()
	var list []struct {
		Setting string `json:"setting"`
	}
	if err := json.Unmarshal([]byte(changes), &list); err != nil {
		t.Fatalf("changes output is not a JSON list: %v: %s", err, changes)
	}
	out := map[string]bool{}
	for _, c := range list {
		out[c.Setting] = true
	}
	return out
}

// ownByRunner gives the runner's directories to a non-root user, as on a
// real runner, when the test runs as root (as .ci/run does); as any other
// user they are that user's already. Either way it checks the result.
func ownByRunner(t *testing.T, root string, mounts [][2]string) {
	t.Helper()
	if os.Geteuid() == 0 {
		err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, runnerUID, runnerUID)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range mounts {
		if uid := owner(t, m[0]); uid == 0 {
			t.Fatalf("%s is owned by root; the runner's directories belong to a non-root user", m[0])
		}
	}
}

func owner(t *testing.T, path string) uint32 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("no owner information for %s", path)
	}
	return st.Uid
}

// docker runs the docker CLI with extra environment variables.
func docker(ctx context.Context, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

func inspectJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	cmd := exec.Command("docker", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
