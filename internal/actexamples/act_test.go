package actexamples_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

const (
	imageEnv    = "ECR_RECONCILE_CONTAINER_IMAGE"
	jobImageEnv = "ECR_RECONCILE_ACT_JOB_IMAGE"

	root        = "../.."
	examplesDir = root + "/docs/examples"

	// The action's own reference in the examples, and the composite
	// example's: act finds both in local directories.
	actionRef    = "ecr-reconcile/ecr-reconcile@v1"
	runActionRef = "ecr-reconcile/ecr-reconcile/run@v1"
	orgRepo      = "my-org/platform-actions@v1"
	orgActionRef = "my-org/platform-actions/ecr-repository@v1"

	// The version the runner-binary action is pinned to for the test.
	runVersion = "v0.0.0-act"

	marker = "ecr-reconcile-act-outputs"

	requestToken = "act-request-token"
	idToken      = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8tb3JnL29jdG8tcmVwbzpyZWY6cmVmcy9oZWFkcy9tYWluIn0.c2ln"
	headSHA      = "0123456789abcdef0123456789abcdef01234567"

	// The account of the examples' roles (arn:aws:iam::111122223333:role/...).
	exampleAccount = "111122223333"
)

// pass is one run of an example's workflow for one event.
type pass struct {
	event   string
	action  string // pull_request's action
	writes  bool   // the run must write (false: it must make no write call)
	changed string // every step's changed output, when it has one
	deleted string // every step's deleted output, when set
	steps   int    // how many ecr-reconcile steps must have run
	// before prepares the emulator for the run, as the world would have
	// changed since the last one.
	before func(*testing.T, *emulator.Emulator)
}

// example is how one file of docs/examples runs, and what it must leave.
type example struct {
	setup  func(*emulator.Emulator)
	passes []pass
	check  func(*testing.T, *emulator.Emulator)
}

const lambdaStatement = `{"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`

var (
	first = pass{event: "push", writes: true, changed: "true", steps: 1}
	rerun = pass{event: "push", changed: "false", steps: 1}
	twice = []pass{first, rerun}

	examples = map[string]example{
		"build-and-push.yml":          {passes: twice, check: repositories("eu-west-1", "shop/api")},
		"oidc-cross-account-pull.yml": {passes: twice, check: repositoriesOf("eu-west-1", exampleAccount, "payments/api")},
		// The composite action's inner step and the workflow's step.
		"platform-composite.yml": {
			passes: []pass{{event: "push", writes: true, changed: "true", steps: 2}, {event: "push", changed: "false", steps: 2}},
			check:  repositories("eu-west-1", "payments/api"),
		},
		"dry-run-pull-request.yml": {passes: []pass{
			{event: "pull_request", action: "opened", changed: "true", steps: 1}, // the plan only
			first, rerun,
			{event: "pull_request", action: "synchronize", changed: "false", steps: 1},
		}, check: repositories("eu-west-1", "payments/api")},
		"batch.yml": {passes: twice, check: repositories("eu-west-1", "shop/api", "shop/web", "shop/worker")},
		"pull-request-repository.yml": {passes: []pass{
			{event: "pull_request", action: "opened", writes: true, changed: "true", steps: 1},
			{event: "pull_request", action: "synchronize", changed: "false", steps: 1},
			// Images were pushed meanwhile: force-delete removes them too.
			{event: "pull_request", action: "closed", writes: true, deleted: "true", steps: 1, before: func(t *testing.T, e *emulator.Emulator) {
				if !e.SeedImages("eu-west-1", "", "previews/pr-42", 3) {
					t.Fatal("no repository previews/pr-42 to push images to")
				}
			}},
			{event: "pull_request", action: "closed", deleted: "false", steps: 1},
		}, check: func(t *testing.T, e *emulator.Emulator) {
			if _, ok := e.RepositoryIn("eu-west-1", "", "previews/pr-42"); ok {
				t.Error("previews/pr-42 still exists after the pull request closed")
			}
		}},
		"several-regions.yml": {passes: twice, check: func(t *testing.T, e *emulator.Emulator) {
			repositoriesOf("eu-west-1", exampleAccount, "payments/api")(t, e)
			repositoriesOf("us-east-1", exampleAccount, "payments/api")(t, e)
		}},
		"ecr-public.yml": {passes: twice, check: func(t *testing.T, e *emulator.Emulator) {
			if _, ok := e.PublicRepository("", "tools/cli"); !ok {
				t.Error("no ECR Public repository tools/cli")
			}
		}},
		// Lambda's statement is there before the first run, and stays.
		"lambda-shared-policy.yml": {
			setup: func(e *emulator.Emulator) {
				e.PutRepository(emulator.Repository{Name: "payments/worker", Policy: `{"Version":"2012-10-17","Statement":[` + lambdaStatement + `]}`})
			},
			passes: []pass{{event: "push", writes: true, changed: "true", steps: 1}, rerun},
			check: func(t *testing.T, e *emulator.Emulator) {
				r, ok := e.RepositoryIn("eu-west-1", "", "payments/worker")
				if !ok || !strings.Contains(r.Policy, "LambdaECRImageRetrievalPolicy") || !strings.Contains(r.Policy, "ci-CrossAccountPull") {
					t.Errorf("payments/worker's policy should hold Lambda's statement and ci-CrossAccountPull: %+v", r.Policy)
				}
			},
		},
	}
)

// repositories checks that the runs left these repositories in region, in
// the emulator's default account (static keys from the stand-in for
// configure-aws-credentials).
func repositories(region string, names ...string) func(*testing.T, *emulator.Emulator) {
	return repositoriesOf(region, "", names...)
}

// repositoriesOf is repositories in the account of registryID: where the
// action assumes the examples' role with the OIDC token, the emulator
// serves that role's account.
func repositoriesOf(region, registryID string, names ...string) func(*testing.T, *emulator.Emulator) {
	return func(t *testing.T, e *emulator.Emulator) {
		t.Helper()
		for _, n := range names {
			if _, ok := e.RepositoryIn(region, registryID, n); !ok {
				t.Errorf("no repository %s in %s, account %q, after the runs", n, region, registryID)
			}
		}
	}
}

func images(t *testing.T) (action, job string) {
	t.Helper()
	action, job = os.Getenv(imageEnv), os.Getenv(jobImageEnv)
	if action == "" || job == "" {
		t.Skipf("%s and %s are not set: scripts/act-examples.sh builds the images and runs this test", imageEnv, jobImageEnv)
	}
	return action, job
}

// Every workflow file of docs/examples is in the table, and so runs.
func TestEveryExampleRuns(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	for _, f := range files {
		if _, ok := examples[filepath.Base(f)]; !ok {
			t.Errorf("%s is not in the act test's table: add how it runs", f)
		}
	}
	for name := range examples {
		if _, err := os.Stat(filepath.Join(examplesDir, name)); err != nil {
			t.Errorf("the table names %s: %v", name, err)
		}
	}
}

func TestExamplesUnderAct(t *testing.T) {
	t.Parallel()
	actionImage, jobImage := images(t)
	bin := binary(t)
	for name, ex := range examples {
		for _, variant := range []string{"container", "run"} {
			t.Run(strings.TrimSuffix(name, ".yml")+"/"+variant, func(t *testing.T) {
				t.Parallel()
				runExample(t, name, variant, ex, actionImage, jobImage, bin)
			})
		}
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds the action once, by the release's recipe, for the
// runner-binary action to download.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ecr-reconcile-act-bin-")
		if err != nil {
			buildErr = err
			return
		}
		abs, _ := filepath.Abs(root)
		builtBin, buildErr = ghrunner.Build(context.Background(), abs, dir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func runExample(t *testing.T, name, variant string, ex example, actionImage, jobImage, bin string) {
	emu := emulator.New(emulator.Options{Region: "eu-west-1"})
	if ex.setup != nil {
		ex.setup(emu)
	}
	emuSrv := httptest.NewServer(emu)
	t.Cleanup(emuSrv.Close)
	oidc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			http.Error(w, "bad request token", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"value":%q}`, idToken)
	}))
	t.Cleanup(oidc.Close)

	dir := t.TempDir()
	actionDir := filepath.Join(dir, "ecr-reconcile")
	orgDir := filepath.Join(dir, "platform-actions")
	ws := filepath.Join(dir, "workspace")
	writeActionCopy(t, actionDir, actionImage, bin)
	writeWorkspace(t, ws, name, variant)
	writeOrgAction(t, orgDir, variant)

	for i, p := range ex.passes {
		if p.before != nil {
			p.before(t, emu)
		}
		emu.ResetCalls()
		records := act(t, ws, name, p, jobImage, actionDir, orgDir, emuSrv.URL, oidc.URL)
		label := fmt.Sprintf("%s (%s) run %d, %s %s", name, variant, i+1, p.event, p.action)
		writes := 0
		for _, c := range emu.Calls() {
			if c.IsWrite() {
				writes++
			}
		}
		switch {
		case p.writes && writes == 0:
			t.Errorf("%s: made no write call; it should have", label)
		case !p.writes && writes > 0:
			t.Errorf("%s: made %d write call(s); it must make none", label, writes)
		}
		if len(records) != p.steps {
			t.Errorf("%s: %d ecr-reconcile step(s) ran, want %d", label, len(records), p.steps)
		}
		for step, out := range records {
			checkOutputs(t, label+" step "+step, out, p)
		}
		t.Logf("%s: %d ecr-reconcile step(s), %d write call(s)", label, len(records), writes)
	}
	if ex.check != nil {
		ex.check(t, emu)
	}
}

var (
	privateURI = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9._/-]+$`)
	publicURI  = regexp.MustCompile(`^public\.ecr\.aws/[a-z0-9._-]+/[a-z0-9._/-]+$`)
)

func checkOutputs(t *testing.T, label string, out map[string]string, p pass) {
	t.Helper()
	if p.changed != "" {
		if v, ok := out["changed"]; ok && v != p.changed {
			t.Errorf("%s: changed = %q, want %q (changes %s)", label, v, p.changed, out["changes"])
		}
	}
	if p.deleted != "" && out["deleted"] != p.deleted {
		t.Errorf("%s: deleted = %q, want %q", label, out["deleted"], p.deleted)
	}
	if p.deleted != "" {
		return
	}
	uris := map[string]string{"": out["repository-uri"]}
	if batch := out["repository-uris"]; batch != "" {
		// Batch mode: repository-uri is empty, each name has its URI.
		uris = map[string]string{}
		if err := json.Unmarshal([]byte(batch), &uris); err != nil || len(uris) == 0 {
			t.Errorf("%s: repository-uris %q is not a JSON object of URIs: %v", label, batch, err)
		}
	}
	for name, uri := range uris {
		if !privateURI.MatchString(uri) && !publicURI.MatchString(uri) {
			t.Errorf("%s: repository-uri %s %q is not a repository URI", label, name, uri)
		}
	}
}

// act runs one pass and returns the outputs of each ecr-reconcile step,
// by job and step id.
func act(t *testing.T, ws, name string, p pass, jobImage, actionDir, orgDir, endpoint, oidcURL string) map[string]map[string]string {
	t.Helper()
	event := map[string]any{
		"ref":        "refs/heads/main",
		"repository": map[string]any{"full_name": "octo-org/octo-repo"},
	}
	if p.event == "pull_request" {
		event = map[string]any{
			"action":     p.action,
			"number":     42,
			"repository": map[string]any{"full_name": "octo-org/octo-repo"},
			"pull_request": map[string]any{
				"number": 42,
				"head":   map[string]any{"sha": headSHA, "ref": "feature", "repo": map[string]any{"full_name": "octo-org/octo-repo"}},
				"base":   map[string]any{"ref": "main", "repo": map[string]any{"full_name": "octo-org/octo-repo"}},
			},
		}
	}
	eventFile := filepath.Join(filepath.Dir(ws), "event.json")
	b, _ := json.Marshal(event)
	if err := os.WriteFile(eventFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	absRoot, _ := filepath.Abs(root)
	args := []string{
		"tool", "-modfile=" + filepath.Join(absRoot, "tools/act/go.mod"), "act",
		p.event,
		"-C", ws,
		"-W", filepath.Join(".github/workflows", name),
		"-e", eventFile,
		"-P", "ubuntu-latest=" + jobImage,
		"--pull=false",
		"--container-daemon-socket", "-",
		"--local-repository", actionRef + "=" + actionDir,
		"--local-repository", orgRepo + "=" + orgDir,
		"--env", "AWS_ENDPOINT_URL_ECR=" + endpoint,
		"--env", "AWS_ENDPOINT_URL_ECR_PUBLIC=" + endpoint,
		"--env", "AWS_ENDPOINT_URL_STS=" + endpoint,
		"--env", "AWS_ENDPOINT_URL_ACCESSANALYZER=" + endpoint,
		"--env", "ACTIONS_ID_TOKEN_REQUEST_URL=" + oidcURL + "/token?api-version=2.0",
		"--env", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + requestToken,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = absRoot
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("act %s %s %s: %.1f s", name, p.event, p.action, time.Since(start).Seconds())
	if err != nil {
		t.Fatalf("act %s (%s %s): %v\n%s", name, p.event, p.action, err, out.String())
	}
	if testing.Verbose() && os.Getenv("ECR_RECONCILE_ACT_LOG") != "" {
		t.Log(out.String())
	}
	records := map[string]map[string]string{}
	re := regexp.MustCompile(marker + ` (\S+) (\S+) ([A-Za-z0-9+/=]+)`)
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		raw, err := base64.StdEncoding.DecodeString(m[3])
		if err != nil {
			t.Fatalf("outputs of %s/%s: %v", m[1], m[2], err)
		}
		var o map[string]string
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("outputs of %s/%s: %v: %s", m[1], m[2], err, raw)
		}
		records[m[1]+"/"+m[2]] = o
	}
	return records
}

// writeActionCopy makes the test copy of the action's repository: action.yml
// naming the built image as a release does, and run/ pinned to the binary
// served on a local port, as the release pins it (scripts/pin-run-action.sh).
func writeActionCopy(t *testing.T, dir, image, bin string) {
	t.Helper()
	meta, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const from = "  image: Dockerfile\n"
	if !bytes.Contains(meta, []byte(from)) {
		t.Fatalf("action.yml has no %q line", from)
	}
	meta = bytes.Replace(meta, []byte(from), []byte("  image: docker://"+image+"\n"), 1)
	mustWrite(t, filepath.Join(dir, "action.yml"), meta)
	for _, f := range []string{"run/action.yml", "run/fetch.sh"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(dir, f), b)
	}

	// The release's assets: the binary for linux/amd64 under its release
	// name, served on a local port.
	assets := filepath.Join(filepath.Dir(dir), "release")
	body, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	asset := fmt.Sprintf("ecr-reconcile_%s_linux_amd64", runVersion)
	mustWrite(t, filepath.Join(assets, asset), body)
	// Every target needs a checksum to pin; only linux/amd64 is served.
	var sums strings.Builder
	for _, target := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64.exe", "windows_arm64.exe"} {
		fmt.Fprintf(&sums, "%s  ecr-reconcile_%s_%s\n", hex.EncodeToString(sum[:]), runVersion, target)
	}
	sumsFile := filepath.Join(filepath.Dir(dir), "checksums.txt")
	mustWrite(t, sumsFile, []byte(sums.String()))
	srv := httptest.NewServer(http.FileServer(http.Dir(assets)))
	t.Cleanup(srv.Close)
	pin := exec.Command("bash", filepath.Join(root, "scripts/pin-run-action.sh"), runVersion, srv.URL, sumsFile, filepath.Join(dir, "run/action.yml"))
	if out, err := pin.CombinedOutput(); err != nil {
		t.Fatalf("scripts/pin-run-action.sh: %v\n%s", err, out)
	}
}

// writeOrgAction copies the composite example as the platform team's
// repository, my-org/platform-actions, with the test's steps added.
func writeOrgAction(t *testing.T, dir, variant string) {
	t.Helper()
	doc := readYAML(t, filepath.Join(examplesDir, "composite-action/action.yml"))
	runs := mapValue(doc, "runs")
	steps := mapValue(runs, "steps")
	if steps == nil {
		t.Fatal("composite-action/action.yml has no runs.steps")
	}
	steps.Content = transformSteps(t, "composite", steps.Content, variant, true)
	mustWrite(t, filepath.Join(dir, "ecr-repository/action.yml"), encodeYAML(t, doc))
}

// writeWorkspace makes the repository the workflow runs in: the test copy
// of the example under .github/workflows, the policies under .github/ecr
// (where the examples name them), a gallery logo, and a git commit (act
// reads the repository name and sha from git).
func writeWorkspace(t *testing.T, ws, name, variant string) {
	t.Helper()
	doc := readYAML(t, filepath.Join(examplesDir, name))
	jobs := mapValue(doc, "jobs")
	if jobs == nil {
		t.Fatalf("%s has no jobs", name)
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		job := jobs.Content[i].Value
		steps := mapValue(jobs.Content[i+1], "steps")
		if steps == nil {
			continue
		}
		steps.Content = transformSteps(t, job, steps.Content, variant, false)
	}
	// act names its containers after the workflow and the job: a name
	// per variant lets the two run at once.
	setScalar(doc, "name", scalar(doc, "name")+" "+variant)
	mustWrite(t, filepath.Join(ws, ".github/workflows", name), encodeYAML(t, doc))
	policies, err := filepath.Glob(filepath.Join(examplesDir, "policies/*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(ws, ".github/ecr", filepath.Base(p)), b)
	}
	mustWrite(t, filepath.Join(ws, ".github/gallery/logo.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"remote", "add", "origin", "https://github.com/octo-org/octo-repo.git"},
		{"add", "-A"},
		{"-c", "user.email=act@example.com", "-c", "user.name=act", "commit", "-q", "-m", "example"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = ws
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

// The checks a stand-in step runs on what it was given (CHECK_* variables):
// none may be empty, and registries and image references must have the
// shape of an ECR URI (with a tag for an image).
const checkScript = `set -eu
registry_re='^([0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|public\.ecr\.aws/[a-z0-9._-]+)$'
image_re='^([0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|public\.ecr\.aws/[a-z0-9._-]+)/[a-z0-9._/-]+:[A-Za-z0-9_.-]+$'
for v in $(compgen -e | grep '^CHECK_' || true); do
  val="${!v}"
  if [ -z "$val" ]; then echo "::error::$STANDIN_FOR: $v is empty"; exit 1; fi
  case "$v" in
  CHECK_REGISTRY) re="$registry_re" ;;
  CHECK_TAGS | CHECK_IMAGE) re="$image_re" ;;
  CHECK_ROLE_TO_ASSUME) re='^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$' ;;
  CHECK_AWS_REGION) re='^[a-z]{2}(-[a-z]+)+-[0-9]$' ;;
  *) re='' ;;
  esac
  while IFS= read -r item; do
    item="$(printf '%s' "$item" | tr -d '[:space:]')"
    [ -n "$item" ] || continue
    if [ -n "$re" ] && ! [[ "$item" =~ $re ]]; then
      echo "::error::$STANDIN_FOR: $v has $item, which is not what it should be ($re)"; exit 1
    fi
    echo "$STANDIN_FOR would receive ${v#CHECK_}: $item"
  done <<<"$val"
done
`

// configure-aws-credentials' stand-in: after the checks, the environment it
// would export, with keys the emulator accepts.
const credentialsScript = `{
  echo "AWS_REGION=$CHECK_AWS_REGION"
  echo "AWS_DEFAULT_REGION=$CHECK_AWS_REGION"
  echo "AWS_ACCESS_KEY_ID=AKIAACTEXAMPLES00000"
  echo "AWS_SECRET_ACCESS_KEY=act-examples-secret-access-key"
} >>"$GITHUB_ENV"
`

// transformSteps returns the test copy of a list of steps.
func transformSteps(t *testing.T, job string, steps []*yaml.Node, variant string, composite bool) []*yaml.Node {
	t.Helper()
	var out []*yaml.Node
	for i, step := range steps {
		uses := scalar(step, "uses")
		run := scalar(step, "run")
		switch {
		case uses == actionRef || uses == orgActionRef:
			if variant == "run" && uses == actionRef {
				setScalar(step, "uses", runActionRef)
			}
			id := scalar(step, "id")
			if id == "" {
				id = fmt.Sprintf("ecr%d", i)
				setScalar(step, "id", id)
			}
			out = append(out, step, recordStep(job, id, scalar(step, "if"), composite))
		case strings.HasPrefix(uses, "actions/checkout@"):
			out = append(out, step) // act copies the local tree for it
		case strings.HasPrefix(uses, "aws-actions/configure-aws-credentials@"):
			out = append(out, standIn(t, step, uses, checkScript+credentialsScript))
		case strings.HasPrefix(uses, "docker/"), strings.HasPrefix(uses, "aws-actions/amazon-ecr-login@"):
			out = append(out, standIn(t, step, uses, checkScript))
		case uses == "" && strings.Contains(run, "docker "):
			out = append(out, standIn(t, step, "docker commands", checkScript))
		case uses != "":
			t.Fatalf("job %s: no stand-in for %s: add one to the act test", job, uses)
		default:
			out = append(out, step)
		}
	}
	return out
}

// standIn replaces a step with a run: step that gets its with: and env:
// values as CHECK_* variables and checks them.
func standIn(t *testing.T, step *yaml.Node, what, script string) *yaml.Node {
	t.Helper()
	env := map[string]string{"STANDIN_FOR": what}
	for _, key := range []string{"with", "env"} {
		m := mapValue(step, key)
		if m == nil {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			name := "CHECK_" + strings.ToUpper(strings.NewReplacer("-", "_").Replace(m.Content[i].Value))
			env[name] = m.Content[i+1].Value
		}
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	add(n, "name", "stand-in for "+what)
	if cond := scalar(step, "if"); cond != "" {
		add(n, "if", cond)
	}
	envNode := &yaml.Node{Kind: yaml.MappingNode}
	for k, v := range env {
		add(envNode, k, v)
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "env"}, envNode)
	add(n, "shell", "bash")
	add(n, "run", script)
	return n
}

// recordStep prints the outputs of step id, base64-encoded on one line.
func recordStep(job, id, cond string, composite bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	add(n, "name", "record the outputs of "+id)
	if cond != "" {
		add(n, "if", cond)
	}
	envNode := &yaml.Node{Kind: yaml.MappingNode}
	add(envNode, "OUTPUTS", "${{ toJSON(steps."+id+".outputs) }}")
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "env"}, envNode)
	if composite {
		add(n, "shell", "bash")
	}
	add(n, "run", fmt.Sprintf(`echo "%s %s %s $(printf '%%s' "$OUTPUTS" | base64 -w0)"`, marker, job, id))
	return n
}

func readYAML(t *testing.T, path string) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Content[0]
}

func encodeYAML(t *testing.T, n *yaml.Node) []byte {
	t.Helper()
	b, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node, key string) string {
	if v := mapValue(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func setScalar(n *yaml.Node, key, value string) {
	if v := mapValue(n, key); v != nil {
		v.Value = value
		return
	}
	add(n, key, value)
}

func add(n *yaml.Node, key, value string) {
	n.Content = append(n.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Value: value, Style: styleFor(value)})
}

func styleFor(v string) yaml.Style {
	if strings.Contains(v, "\n") {
		return yaml.LiteralStyle
	}
	return yaml.DoubleQuotedStyle
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	mode := os.FileMode(0o644)
	if strings.HasSuffix(path, ".sh") {
		mode = 0o755
	}
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
}
