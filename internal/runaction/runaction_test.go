package runaction_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

const (
	moduleRoot    = "../.."
	actionPath    = "../../action.yml"
	runActionPath = "../../run/action.yml"
	fetchScript   = "../../run/fetch.sh"
	pinScript     = "../../scripts/pin-run-action.sh"

	testVersion = "v9.8.7"
)

// composite is the part of run/action.yml these tests read.
type composite struct {
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readComposite(t *testing.T, path string) *composite {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c composite
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &c
}

// release is a fake release of testVersion: one asset per target, each with
// its own content, served over HTTP, with the checksums file the release
// workflow writes.
type release struct {
	url     string
	assets  map[string][]byte // asset name → content
	targets []target

	mu        sync.Mutex
	requested []string
	missing   map[string]bool
}

type target struct {
	runnerOS, runnerArch, goos, goarch, asset, pin string
}

func targets(t *testing.T) []target {
	t.Helper()
	out, err := exec.Command("bash", fetchScript, "--targets", testVersion).Output()
	if err != nil {
		t.Fatalf("fetch.sh --targets: %v", err)
	}
	var ts []target
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 {
			t.Fatalf("fetch.sh --targets line %q: want 6 fields", line)
		}
		ts = append(ts, target{f[0], f[1], f[2], f[3], f[4], f[5]})
	}
	return ts
}

func newRelease(t *testing.T, contents map[string][]byte) *release {
	t.Helper()
	r := &release{assets: map[string][]byte{}, missing: map[string]bool{}, targets: targets(t)}
	for _, tg := range r.targets {
		if b, ok := contents[tg.asset]; ok {
			r.assets[tg.asset] = b
		} else {
			r.assets[tg.asset] = []byte("binary of " + tg.asset)
		}
	}
	prefix := "/releases/download/" + testVersion + "/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name, ok := strings.CutPrefix(req.URL.Path, prefix)
		r.mu.Lock()
		r.requested = append(r.requested, name)
		b, found := r.assets[name]
		found = found && ok && !r.missing[name]
		r.mu.Unlock()
		if !found {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + prefix
	return r
}

func (r *release) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requested)
}

// checksums is the release's checksums file, as sha256sum writes it.
func (r *release) checksums() string {
	var b strings.Builder
	for _, tg := range r.targets {
		fmt.Fprintf(&b, "%s  %s\n", sum(r.assets[tg.asset]), tg.asset)
	}
	return b.String()
}

// pins is the environment the pinned fetch step of run/action.yml sets.
func (r *release) pins() map[string]string {
	env := map[string]string{"ECR_RECONCILE_VERSION": testVersion, "ECR_RECONCILE_DOWNLOAD_URL": strings.TrimSuffix(r.url, "/")}
	for _, tg := range r.targets {
		env[tg.pin] = sum(r.assets[tg.asset])
	}
	return env
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// runner is one job's runner directories.
type runner struct {
	toolCache, temp string
}

func newRunner(t *testing.T) *runner {
	t.Helper()
	root := t.TempDir()
	r := &runner{toolCache: filepath.Join(root, "hostedtoolcache"), temp: filepath.Join(root, "_temp")}
	for _, d := range []string{r.toolCache, r.temp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

type fetchResult struct {
	exitCode int
	stdout   string
	path     string // the step output
}

// fetch runs fetch.sh as the fetch step does, on a runner of the given OS
// and architecture.
func (r *runner) fetch(t *testing.T, script, runnerOS, runnerArch string, env map[string]string) fetchResult {
	t.Helper()
	out := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"PATH":              os.Getenv("PATH"),
		"HOME":              r.temp,
		"GITHUB_ACTIONS":    "true",
		"GITHUB_OUTPUT":     out,
		"RUNNER_OS":         runnerOS,
		"RUNNER_ARCH":       runnerArch,
		"RUNNER_TOOL_CACHE": r.toolCache,
		"RUNNER_TEMP":       r.temp,
	}
	for k, v := range env {
		vars[k] = v
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	res := fetchResult{}
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatal(err)
		}
		res.exitCode = exit.ExitCode()
	}
	res.stdout = stdout.String()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	outputs, err := ghrunner.ParseOutputs(string(b))
	if err != nil {
		t.Fatal(err)
	}
	res.path = outputs["path"]
	return res
}

// TestFetchPicksTheAssetOfEachRunner: on each of the six runner kinds the
// step downloads that runner's asset (and only it), verifies it, keeps it in
// the tool cache, and finds it there on the next run without downloading.
func TestFetchPicksTheAssetOfEachRunner(t *testing.T) {
	t.Parallel()
	for _, tg := range targets(t) {
		t.Run(tg.runnerOS+"-"+tg.runnerArch, func(t *testing.T) {
			t.Parallel()
			rel := newRelease(t, nil)
			r := newRunner(t)
			res := r.fetch(t, fetchScript, tg.runnerOS, tg.runnerArch, rel.pins())
			if res.exitCode != 0 {
				t.Fatalf("exit code %d\n%s", res.exitCode, res.stdout)
			}
			if got := rel.requests(); !slices.Equal(got, []string{tg.asset}) {
				t.Errorf("downloaded %q, want only %s", got, tg.asset)
			}
			arch := strings.ToLower(tg.runnerArch)
			exe := "ecr-reconcile"
			if tg.runnerOS == "Windows" {
				exe += ".exe"
			}
			wantPath := filepath.Join(r.toolCache, "ecr-reconcile", strings.TrimPrefix(testVersion, "v"), arch, exe)
			if res.path != wantPath {
				t.Errorf("path output %q, want %q", res.path, wantPath)
			}
			if b, err := os.ReadFile(res.path); err != nil || !bytes.Equal(b, rel.assets[tg.asset]) {
				t.Errorf("cached binary is %q (%v), want the content of %s", b, err, tg.asset)
			}
			if fi, err := os.Stat(res.path); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("cached binary is not executable: %v %v", fi, err)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(res.path)) + ".complete"); err != nil {
				t.Errorf("no tool-cache completion marker: %v", err)
			}

			// The next job on the same runner uses the cache.
			again := r.fetch(t, fetchScript, tg.runnerOS, tg.runnerArch, rel.pins())
			if again.exitCode != 0 || again.path != wantPath {
				t.Fatalf("second fetch: exit %d, path %q\n%s", again.exitCode, again.path, again.stdout)
			}
			if n := len(rel.requests()); n != 1 {
				t.Errorf("second fetch downloaded again (%d requests in all)", n)
			}
			if !strings.Contains(again.stdout, "from the tool cache") {
				t.Errorf("second fetch does not say it used the cache:\n%s", again.stdout)
			}
		})
	}
}

// TestFetchReplacesAChangedCachedBinary: a cached binary whose checksum is
// not the pinned one is never run; it is downloaded again.
func TestFetchReplacesAChangedCachedBinary(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	r := newRunner(t)
	first := r.fetch(t, fetchScript, "Linux", "X64", rel.pins())
	if first.exitCode != 0 {
		t.Fatalf("exit code %d\n%s", first.exitCode, first.stdout)
	}
	if err := os.WriteFile(first.path, []byte("tampered"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := r.fetch(t, fetchScript, "Linux", "X64", rel.pins())
	if res.exitCode != 0 {
		t.Fatalf("exit code %d\n%s", res.exitCode, res.stdout)
	}
	if !strings.Contains(res.stdout, "::warning") || len(rel.requests()) != 2 {
		t.Errorf("a changed cached binary was not reported and downloaded again (%d requests):\n%s", len(rel.requests()), res.stdout)
	}
	if b, _ := os.ReadFile(res.path); !bytes.Equal(b, rel.assets["ecr-reconcile_"+testVersion+"_linux_amd64"]) {
		t.Errorf("the cache still holds %q", b)
	}
}

// TestFetchRefusesAChecksumMismatch: the served binary is not the one whose
// checksum the release pinned; the step fails, says so, and caches nothing.
func TestFetchRefusesAChecksumMismatch(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	pins := rel.pins()
	// The server now serves other bytes than the release pinned.
	rel.mu.Lock()
	rel.assets["ecr-reconcile_"+testVersion+"_darwin_arm64"] = []byte("a binary someone swapped in")
	rel.mu.Unlock()
	r := newRunner(t)
	res := r.fetch(t, fetchScript, "macOS", "ARM64", pins)
	if res.exitCode != 1 {
		t.Errorf("exit code %d, want 1\n%s", res.exitCode, res.stdout)
	}
	if !testsupport.HasLine(res.stdout, "::error", "checksum mismatch", "ecr-reconcile_"+testVersion+"_darwin_arm64", pins["ECR_RECONCILE_SHA256_MACOS_ARM64"], "refused") {
		t.Errorf("no clear checksum mismatch error:\n%s", res.stdout)
	}
	if res.path != "" {
		t.Errorf("path output %q after a mismatch", res.path)
	}
	assertEmptyCache(t, r)
}

// TestFetchExplainsAMissingAsset: the release has no asset for this runner.
func TestFetchExplainsAMissingAsset(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	asset := "ecr-reconcile_" + testVersion + "_windows_arm64.exe"
	rel.missing[asset] = true
	r := newRunner(t)
	res := r.fetch(t, fetchScript, "Windows", "ARM64", rel.pins())
	if res.exitCode != 1 {
		t.Errorf("exit code %d, want 1\n%s", res.exitCode, res.stdout)
	}
	if !testsupport.HasLine(res.stdout, "::error", "has no asset "+asset, "HTTP 404", rel.url+asset) {
		t.Errorf("the missing asset is not explained:\n%s", res.stdout)
	}
	assertEmptyCache(t, r)
}

// TestFetchExplainsAnUnsupportedRunner: a 32-bit runner has no binary.
func TestFetchExplainsAnUnsupportedRunner(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	r := newRunner(t)
	res := r.fetch(t, fetchScript, "Linux", "X86", rel.pins())
	if res.exitCode != 1 || !testsupport.HasLine(res.stdout, "::error", "Linux X86", "X64 and ARM64") {
		t.Errorf("exit code %d, want 1 with an error naming the runner and the supported ones:\n%s", res.exitCode, res.stdout)
	}
	if len(rel.requests()) != 0 {
		t.Errorf("downloaded %q for an unsupported runner", rel.requests())
	}
}

// TestFetchRefusesAnUnpinnedRelease: a version without its checksum.
func TestFetchRefusesAnUnpinnedRelease(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	pins := rel.pins()
	pins["ECR_RECONCILE_SHA256_LINUX_ARM64"] = ""
	r := newRunner(t)
	res := r.fetch(t, fetchScript, "Linux", "ARM64", pins)
	if res.exitCode != 1 || !testsupport.HasLine(res.stdout, "::error", "pins no valid SHA-256", "ECR_RECONCILE_SHA256_LINUX_ARM64") {
		t.Errorf("exit code %d, want 1 with an error naming the missing pin:\n%s", res.exitCode, res.stdout)
	}
	if len(rel.requests()) != 0 {
		t.Errorf("downloaded %q without a pinned checksum", rel.requests())
	}
}

// TestFetchOnAnUnreleasedRef: nothing is pinned (main, a branch, uses:
// ./run). Without Go the step says what to do; with Go it builds the binary
// from the checkout by the release recipe.
func TestFetchOnAnUnreleasedRef(t *testing.T) {
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t)
	var noGo []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err != nil {
			noGo = append(noGo, dir)
		}
	}
	res := r.fetch(t, fetchScript, "Linux", "X64", map[string]string{"PATH": strings.Join(noGo, string(os.PathListSeparator))})
	if res.exitCode != 1 || !testsupport.HasLine(res.stdout, "::error", "not a release", "actions/setup-go") {
		t.Errorf("without Go: exit code %d, want 1 with an error that says what to do:\n%s", res.exitCode, res.stdout)
	}

	res = r.fetch(t, fetchScript, hostRunner(t).runnerOS, hostRunner(t).runnerArch, map[string]string{
		"GOCACHE": goEnv(t, goBin, "GOCACHE"), "GOMODCACHE": goEnv(t, goBin, "GOMODCACHE"), "GOFLAGS": os.Getenv("GOFLAGS"),
		"GOPROXY": goEnv(t, goBin, "GOPROXY"), "GOTOOLCHAIN": "local",
	})
	if res.exitCode != 0 {
		t.Fatalf("with Go: exit code %d\n%s", res.exitCode, res.stdout)
	}
	out, err := exec.Command(res.path, "--version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "ecr-reconcile dev" {
		t.Errorf("%s --version: %q %v", res.path, out, err)
	}
}

func goEnv(t *testing.T, goBin, key string) string {
	t.Helper()
	out, err := exec.Command(goBin, "env", key).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func assertEmptyCache(t *testing.T, r *runner) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(r.toolCache))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	_ = filepath.WalkDir(r.toolCache, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 0 {
		t.Errorf("the tool cache holds %q (%d entries) after a refused fetch", found, len(entries))
	}
}

// TestPinScript: the release's pin step sets exactly the eight pinned
// values, from the checksums file, and refuses to pin twice.
func TestPinScript(t *testing.T) {
	t.Parallel()
	rel := newRelease(t, nil)
	dir := t.TempDir()
	action := copyFile(t, runActionPath, filepath.Join(dir, "action.yml"))
	sums := filepath.Join(dir, "checksums.txt")
	if err := os.WriteFile(sums, []byte(rel.checksums()), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "https://github.com/ecr-reconcile/ecr-reconcile/releases/download/" + testVersion
	if out, err := exec.Command("bash", pinScript, testVersion, url, sums, action).CombinedOutput(); err != nil {
		t.Fatalf("pin-run-action.sh: %v\n%s", err, out)
	}
	c := readComposite(t, action)
	env := c.Runs.Steps[0].Env
	want := rel.pins()
	want["ECR_RECONCILE_DOWNLOAD_URL"] = url
	if len(env) != len(want) {
		t.Errorf("fetch step env has %d variables, want %d: %v", len(env), len(want), env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("pinned %s = %q, want %q", k, env[k], v)
		}
	}
	if testsupport.ParseAction(t, action).Inputs == nil {
		t.Error("the pinned file lost its inputs")
	}
	out, err := exec.Command("bash", pinScript, testVersion, url, sums, action).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pinned already") {
		t.Errorf("pinning twice: %v\n%s", err, out)
	}
	// A checksums file that lacks a target is refused.
	fresh := copyFile(t, runActionPath, filepath.Join(dir, "fresh.yml"))
	partial := filepath.Join(dir, "partial.txt")
	lines := strings.SplitAfter(rel.checksums(), "\n")
	if err := os.WriteFile(partial, []byte(strings.Join(lines[1:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("bash", pinScript, testVersion, url, partial, fresh).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no SHA-256 for ecr-reconcile_"+testVersion+"_linux_amd64") {
		t.Errorf("a checksums file without linux/amd64: %v\n%s", err, out)
	}
}

// TestCompositeRunsTheBinaryAsTheContainerActionDoes runs run/action.yml's
// steps as the runner runs a composite action, pinned to a release whose
// binary for this machine is the one the tests build, and compares its
// outputs and summary with the container contract's (ghrunner.Run, the
// binary started as the runner starts the container).
func TestCompositeRunsTheBinaryAsTheContainerActionDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := ghrunner.Build(ctx, moduleRoot, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	host := hostRunner(t)
	rel := newRelease(t, map[string][]byte{host.asset: binary})

	// The action as a release ships it: run/ pinned by the pin script.
	actionDir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(actionDir, 0o755); err != nil {
		t.Fatal(err)
	}
	action := copyFile(t, runActionPath, filepath.Join(actionDir, "action.yml"))
	copyFile(t, fetchScript, filepath.Join(actionDir, "fetch.sh"))
	sums := filepath.Join(t.TempDir(), "checksums.txt")
	if err := os.WriteFile(sums, []byte(rel.checksums()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", pinScript, testVersion, rel.url, sums, action).CombinedOutput(); err != nil {
		t.Fatalf("pin-run-action.sh: %v\n%s", err, out)
	}

	given := map[string]string{
		"repository":           "svc/composite",
		"aws-region":           "us-east-1",
		"tags":                 "team=core",
		"image-tag-mutability": "IMMUTABLE",
		"scan-on-push":         "true",
	}
	emuA := emulator.New(emulator.Options{})
	srvA := httptest.NewServer(emuA)
	t.Cleanup(srvA.Close)
	got := runComposite(t, action, host, newRunner(t), given, awsEnv(srvA.URL))

	// The same step as a container action.
	emuB := emulator.New(emulator.Options{})
	srvB := httptest.NewServer(emuB)
	t.Cleanup(srvB.Close)
	inputs := map[string]string{}
	for _, in := range testsupport.ParseAction(t, actionPath).Inputs {
		inputs[in.Name] = in.Default
	}
	for k, v := range given {
		inputs[k] = v
	}
	want, err := ghrunner.Run(ctx, ghrunner.Step{Bin: bin, Inputs: inputs, Env: awsEnv(srvB.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if want.ExitCode != 0 {
		t.Fatalf("container contract run: exit %d\n%s\n%s", want.ExitCode, want.Stdout, want.Stderr)
	}
	if len(got.outputs) != len(testsupport.ParseAction(t, actionPath).Outputs) {
		t.Errorf("the composite maps %d outputs, action.yml declares %d", len(got.outputs), len(testsupport.ParseAction(t, actionPath).Outputs))
	}
	for name := range got.outputs {
		if got.outputs[name] != want.Outputs[name] {
			t.Errorf("output %s: composite %q, container %q", name, got.outputs[name], want.Outputs[name])
		}
	}
	if got.outputs["created"] != "true" || got.outputs["repository-uri"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc/composite" {
		t.Errorf("composite outputs %v", got.outputs)
	}
	if got.summary != want.Summary {
		t.Errorf("job summary differs:\n--- composite\n%s\n--- container\n%s", got.summary, want.Summary)
	}
	if r, ok := emuA.Repository("", "svc/composite"); !ok || r.Tags["team"] != "core" || !r.ScanOnPush || r.Mutability != "IMMUTABLE" {
		t.Errorf("repository after the composite run: %+v (found %v)", r, ok)
	}
}

type compositeResult struct {
	outputs map[string]string
	summary string
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// runComposite runs the steps of a composite action as the runner does:
// each run: step as a bash script (bash --noprofile --norc -eo pipefail),
// with the step's env evaluated, its own GITHUB_OUTPUT file, and the
// action's outputs evaluated from the steps' outputs at the end. It knows
// the expressions run/action.yml may use and fails on any other.
func runComposite(t *testing.T, action string, host target, r *runner, given, env map[string]string) compositeResult {
	t.Helper()
	c := readComposite(t, action)
	inputs := map[string]string{}
	for _, in := range testsupport.ParseAction(t, action).Inputs {
		inputs[in.Name] = in.Default
	}
	for k, v := range given {
		inputs[k] = v
	}
	workspace := t.TempDir()
	summary := filepath.Join(t.TempDir(), "summary")
	if err := os.WriteFile(summary, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	steps := map[string]map[string]string{}
	eval := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			e := expr.FindStringSubmatch(m)[1]
			if name, ok := strings.CutPrefix(e, "inputs."); ok {
				if _, declared := inputs[name]; !declared {
					t.Fatalf("%s uses undeclared input %q", action, name)
				}
				return inputs[name]
			}
			if parts := strings.Split(e, "."); len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs" {
				return steps[parts[1]][parts[3]]
			}
			if e == "github.action_path" {
				return filepath.Dir(action)
			}
			t.Fatalf("%s: this test does not know the expression %q", action, m)
			return ""
		})
	}
	for i, s := range c.Runs.Steps {
		if s.Uses != "" || s.Shell != "bash" {
			t.Fatalf("step %d (%s): only run: steps with shell: bash are portable to every runner OS", i, s.Name)
		}
		script := filepath.Join(t.TempDir(), "step.sh")
		if err := os.WriteFile(script, []byte(eval(s.Run)), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "output")
		if err := os.WriteFile(out, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{
			"PATH":                os.Getenv("PATH"),
			"HOME":                r.temp,
			"CI":                  "true",
			"GITHUB_ACTIONS":      "true",
			"GITHUB_ACTION_PATH":  filepath.Dir(action),
			"GITHUB_WORKSPACE":    workspace,
			"GITHUB_OUTPUT":       out,
			"GITHUB_STEP_SUMMARY": summary,
			"GITHUB_RUN_ID":       "7001",
			"RUNNER_OS":           host.runnerOS,
			"RUNNER_ARCH":         host.runnerArch,
			"RUNNER_TOOL_CACHE":   r.toolCache,
			"RUNNER_TEMP":         r.temp,
		}
		for k, v := range env {
			vars[k] = v
		}
		for k, v := range s.Env {
			vars[k] = eval(v)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = workspace
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		log, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("step %s: %v\n%s", s.ID, err, log)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if steps[s.ID], err = ghrunner.ParseOutputs(string(b)); err != nil {
			t.Fatalf("step %s outputs: %v", s.ID, err)
		}
	}
	res := compositeResult{outputs: map[string]string{}}
	for name, o := range c.Outputs {
		res.outputs[name] = eval(o.Value)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	res.summary = string(b)
	return res
}

func awsEnv(url string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":               "AKIACOMPOSITETEST000",
		"AWS_SECRET_ACCESS_KEY":           "composite-test-secret-access-key",
		"AWS_ENDPOINT_URL_ECR":            url,
		"AWS_ENDPOINT_URL_STS":            url,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": url,
	}
}

// hostRunner is the target of the machine the tests run on.
func hostRunner(t *testing.T) target {
	t.Helper()
	for _, tg := range targets(t) {
		if tg.goos == runtime.GOOS && tg.goarch == runtime.GOARCH {
			return tg
		}
	}
	t.Skipf("no release target for %s/%s", runtime.GOOS, runtime.GOARCH)
	return target{}
}

func copyFile(t *testing.T, from, to string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return to
}
