package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

var motoEndpoint = flag.String("moto-endpoint", "",
	"run the scenarios against the moto server at this URL (http://127.0.0.1:PORT) instead of the in-process emulator")

// bin is the action binary, built once from the module root.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecr-reconcile-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = ghrunner.Build(context.Background(), "../..", dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// crossAccountPolicy names the other account by its bare ID, which ECR
// stores as arn:aws:iam::210987654321:root.
const crossAccountPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CrossAccountPull",
      "Effect": "Allow",
      "Principal": {"AWS": "210987654321"},
      "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    }
  ]
}`

const expandedPrincipal = "arn:aws:iam::210987654321:root"

// lifecycleOutOfOrder lists its rules out of priority order.
const lifecycleOutOfOrder = `{"rules": [
  {"rulePriority": 20, "description": "keep the last 100 images",
   "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 100},
   "action": {"type": "expire"}},
  {"rulePriority": 10, "description": "expire untagged images after 14 days",
   "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
   "action": {"type": "expire"}}
]}`

// lifecycleDrifted is what somebody else put in place.
const lifecycleDrifted = `{"rules":[{"rulePriority":1,"description":"somebody else's rule","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}]}`

var declaredTags = map[string]string{"team": "platform", "env": "e2e"}

// fullInputs declares every setting.
func fullInputs(name string) map[string]string {
	return map[string]string{
		"repository":                             name,
		"repository-policy":                      crossAccountPolicy,
		"lifecycle-policy":                       lifecycleOutOfOrder,
		"tags":                                   "team=platform\nenv=e2e",
		"image-tag-mutability":                   "immutable_with_exclusion",
		"image-tag-mutability-exclusion-filters": "latest, pr-*",
		"scan-on-push":                           "true",
		"encryption-type":                        "AES256",
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	out := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// scenario is one repository on the shared backend, behind its own recorder.
type scenario struct {
	be   *backend
	rec  *recorder
	name string
}

func (s *scenario) step(inputs map[string]string) ghrunner.Step {
	in := with(inputs, "timeout-seconds", "60")
	if _, set := in["lifecycle-policy-preview"]; !set && s.be.moto() {
		// moto cannot preview a lifecycle policy (HTTP 500, which the SDK
		// retries for seconds); docs/moto-differences.md.
		in["lifecycle-policy-preview"] = "off"
	}
	return ghrunner.Step{Bin: bin, Inputs: in, Env: map[string]string{
		"AWS_ACCESS_KEY_ID":               accessKeyID,
		"AWS_SECRET_ACCESS_KEY":           secretAccessKey,
		"AWS_REGION":                      region,
		"AWS_ENDPOINT_URL_ECR":            s.rec.url,
		"AWS_ENDPOINT_URL_STS":            s.rec.url,
		"AWS_ENDPOINT_URL_ACCESSANALYZER": s.rec.url,
		"AWS_EC2_METADATA_DISABLED":       "true",
	}}
}

// run runs the action once and returns its result and the calls it made.
func (s *scenario) run(t *testing.T, inputs map[string]string) (*ghrunner.Result, []call) {
	t.Helper()
	s.rec.take()
	res, err := ghrunner.Run(t.Context(), s.step(inputs))
	if err != nil {
		t.Fatalf("running the action: %v", err)
	}
	return res, s.rec.take()
}

// succeed runs the action and fails the test unless it exits 0.
func (s *scenario) succeed(t *testing.T, inputs map[string]string) (*ghrunner.Result, []call) {
	t.Helper()
	res, calls := s.run(t, inputs)
	mustExit(t, res, 0)
	return res, calls
}

func mustExit(t *testing.T, res *ghrunner.Result, code int) {
	t.Helper()
	if res.ExitCode != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, code, res.Stdout, res.Stderr)
	}
}

func wantOutputs(t *testing.T, res *ghrunner.Result, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := res.Outputs[k]; got != v {
			t.Errorf("output %s = %q, want %q", k, got, v)
		}
	}
}

func wantChanges(t *testing.T, res *ghrunner.Result, want map[string]string) {
	t.Helper()
	if got := changes(t, res); !equalMaps(got, want) {
		t.Errorf("changes = %v, want %v\n(output: %s)", got, want, res.Outputs["changes"])
	}
}

func wantWrites(t *testing.T, calls []call, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := writes(calls); !slices.Equal(got, want) {
		t.Errorf("writes = %v, want %v\n(all calls: %v)", got, want, calls)
	}
}

// wantNoWrites also requires a DescribeRepositories, so that a recorder that
// saw nothing cannot pass for a run that wrote nothing.
func wantNoWrites(t *testing.T, calls []call) {
	t.Helper()
	if w := writes(calls); len(w) != 0 {
		t.Errorf("the run made write calls %v (all calls: %v)", w, calls)
	}
	if count(calls, "DescribeRepositories") == 0 {
		t.Errorf("the recorder saw no DescribeRepositories: %v", calls)
	}
}

func wantSummary(t *testing.T, res *ghrunner.Result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.Summary, p) {
			t.Errorf("job summary lacks %q:\n%s", p, res.Summary)
		}
	}
}

// wantDeclared checks the repository holds every setting of fullInputs, with
// the given tags.
func (s *scenario) wantDeclared(t *testing.T, tags map[string]string) state {
	t.Helper()
	st := s.be.read(t, s.name)
	if !st.exists {
		t.Fatalf("repository %s does not exist", s.name)
	}
	if m := st.repo.ImageTagMutability; m != types.ImageTagMutabilityImmutableWithExclusion {
		t.Errorf("imageTagMutability = %s, want IMMUTABLE_WITH_EXCLUSION", m)
	}
	if f := st.filters(); !slices.Equal(f, []string{"WILDCARD:latest", "WILDCARD:pr-*"}) {
		t.Errorf("exclusion filters = %v, want WILDCARD latest and pr-*", f)
	}
	if !st.scanOnPush() {
		t.Errorf("scanOnPush is false")
	}
	if e := st.encryption(); e != "AES256" {
		t.Errorf("encryption = %q, want AES256", e)
	}
	if !equalMaps(st.tags, tags) {
		t.Errorf("tags = %v, want %v", st.tags, tags)
	}
	if st.policy == nil {
		t.Errorf("no repository policy")
	} else {
		expanded := strings.Replace(crossAccountPolicy, `"210987654321"`, `"`+expandedPrincipal+`"`, 1)
		for _, want := range []string{crossAccountPolicy, expanded} {
			if eq, err := policy.RepositoryPoliciesEqual(*st.policy, want, "aws"); err != nil || !eq {
				t.Errorf("repository policy %s\ndoes not mean\n%s (%v)", *st.policy, want, err)
			}
		}
		// ECR stores a bare account ID as the account's root ARN.
		switch {
		case strings.Contains(*st.policy, expandedPrincipal):
		case s.be.moto():
			s.be.gap(t, "the stored repository policy keeps the bare account ID; ECR expands it to %s", expandedPrincipal)
		default:
			t.Errorf("stored repository policy does not name %s:\n%s", expandedPrincipal, *st.policy)
		}
	}
	if st.lifecycle == nil {
		t.Errorf("no lifecycle policy")
	} else if eq, err := policy.LifecyclePoliciesEqual(*st.lifecycle, lifecycleOutOfOrder); err != nil || !eq {
		t.Errorf("lifecycle policy %s\ndoes not mean\n%s (%v)", *st.lifecycle, lifecycleOutOfOrder, err)
	}
	return st
}

func (s *scenario) repoOutputs(created, changed bool) map[string]string {
	return map[string]string{
		"repository-uri":  s.be.uri(s.name),
		"repository-arn":  s.be.arn(s.name),
		"repository-name": s.name,
		"registry-id":     s.be.account,
		"registry":        s.be.account + ".dkr.ecr." + region + ".amazonaws.com",
		"created":         fmt.Sprint(created),
		"changed":         fmt.Sprint(changed),
	}
}

// drift changes settings behind the action's back, directly on the backend.
func (s *scenario) drift(t *testing.T, ops ...func(context.Context, *ecr.Client, string) error) {
	t.Helper()
	for i, op := range ops {
		if err := op(t.Context(), s.be.ecr, s.name); err != nil {
			t.Fatalf("drift %d: %v", i+1, err)
		}
	}
}

func scanOff(ctx context.Context, c *ecr.Client, name string) error {
	_, err := c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
		RepositoryName: &name, ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: false}},
		func(o *ecr.Options) { o.APIOptions = append(o.APIOptions, explicitScanOnPushFalse) })
	return err
}

func deletePolicy(ctx context.Context, c *ecr.Client, name string) error {
	_, err := c.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: &name})
	return err
}

func otherLifecycle(ctx context.Context, c *ecr.Client, name string) error {
	_, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &name, LifecyclePolicyText: aws.String(lifecycleDrifted)})
	return err
}

func mutable(ctx context.Context, c *ecr.Client, name string) error {
	_, err := c.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{RepositoryName: &name, ImageTagMutability: types.ImageTagMutabilityMutable})
	return err
}

func tag(kv ...string) func(context.Context, *ecr.Client, string) error {
	return func(ctx context.Context, c *ecr.Client, name string) error {
		var tags []types.Tag
		for i := 0; i+1 < len(kv); i += 2 {
			tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		out, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
		if err != nil {
			return err
		}
		_, err = c.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: out.Repositories[0].RepositoryArn, Tags: tags})
		return err
	}
}

// TestScenarios runs every scenario in parallel against one backend, each on
// its own repository behind its own recorder.
func TestScenarios(t *testing.T) {
	be := newBackend(t)
	id := runID(t)
	for _, sc := range []struct {
		name string
		fn   func(*testing.T, *scenario)
	}{
		{"create-every-setting", testCreate},
		{"rerun-is-zero-write", testRerun},
		{"drift-repaired", testDrift},
		{"removal", testRemoval},
		{"dry-run-missing", testDryRunMissing},
		{"dry-run-drifted", testDryRunDrifted},
		{"concurrent-create", testConcurrentCreate},
		{"scan-on-push-off", testScanOnPushOff},
		{"shared-policy", testSharedPolicy},
		{"absent", testAbsent},
		{"several-regions", testSeveralRegions},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, &scenario{be: be, rec: be.recorder(t), name: "e2e-" + id + "/" + sc.name})
		})
	}
}

// (a) Creation with every setting.
func testCreate(t *testing.T, s *scenario) {
	res, calls := s.succeed(t, fullInputs(s.name))
	wantOutputs(t, res, s.repoOutputs(true, true))
	wantChanges(t, res, map[string]string{
		"repository": "create", "encryption": "create", "image-tag-mutability": "create", "scan-on-push": "create",
		"tags": "create", "repository-policy": "create", "lifecycle-policy": "create",
	})
	// Tags, mutability, scanning and encryption go with CreateRepository.
	wantWrites(t, calls, "CreateRepository", "SetRepositoryPolicy", "PutLifecyclePolicy")
	wantSummary(t, res, "`"+s.name+"`: created", "URI: `"+s.be.uri(s.name)+"`", "| repository-policy | created |", "| lifecycle-policy | created |")
	s.wantDeclared(t, declaredTags)
	// The policy was sent to IAM Access Analyzer with the first reads. The
	// emulator serves it; moto has no Access Analyzer, so there the run
	// says in a notice that the policy was not checked, and goes on.
	if !slices.ContainsFunc(calls, func(c call) bool { return c.Service == "access-analyzer" && c.Operation == "ValidatePolicy" }) {
		t.Errorf("no ValidatePolicy call: %v", calls)
	}
	notChecked := strings.Contains(res.Outputs["notes"], "not checked: the declared repository policy with IAM Access Analyzer")
	if notChecked != s.be.moto() {
		t.Errorf("moto=%v, notes = %s", s.be.moto(), res.Outputs["notes"])
	}
}

// (b) The same inputs again: nothing to do, nothing written.
func testRerun(t *testing.T, s *scenario) {
	in := fullInputs(s.name)
	s.succeed(t, in)
	res, calls := s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	if res.Outputs["changes"] != "[]" {
		t.Errorf("changes = %s, want []", res.Outputs["changes"])
	}
	// The registry has its default scanning configuration and no creation
	// template: nothing to note.
	if res.Outputs["notes"] != "[]" {
		t.Errorf("notes = %s, want []", res.Outputs["notes"])
	}
	if count(calls, "GetRegistryScanningConfiguration") != 1 || count(calls, "DescribeRepositoryCreationTemplates") != 1 {
		t.Errorf("registry-level reads: %v", calls)
	}
	wantNoWrites(t, calls)
	wantSummary(t, res, "`"+s.name+"`: unchanged")
	s.wantDeclared(t, declaredTags)
}

// (c) Settings changed behind the action's back are repaired; unmanaged tags
// stay (prune-tags is false); the run after that writes nothing.
func testDrift(t *testing.T, s *scenario) {
	in := fullInputs(s.name)
	s.succeed(t, in)
	s.drift(t, scanOff, deletePolicy, otherLifecycle, mutable, tag("team", "someone-else", "owner", "other-team"))
	if st := s.be.read(t, s.name); st.scanOnPush() || st.policy != nil || st.tags["team"] != "someone-else" ||
		st.repo.ImageTagMutability != types.ImageTagMutabilityMutable {
		t.Fatalf("the drift did not take: %+v", st)
	}

	res, calls := s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, true))
	wantChanges(t, res, map[string]string{
		"image-tag-mutability": "update", "scan-on-push": "update", "tags": "update",
		"repository-policy": "create", "lifecycle-policy": "update",
	})
	wantWrites(t, calls, "PutImageScanningConfiguration", "PutImageTagMutability", "SetRepositoryPolicy", "PutLifecyclePolicy", "TagResource")
	if want := map[bool]int{true: 0, false: 1}[s.be.moto()]; count(calls, "StartLifecyclePolicyPreview") != want {
		t.Errorf("%d lifecycle policy previews before the changed policy was written, want %d", count(calls, "StartLifecyclePolicyPreview"), want)
	}
	s.wantDeclared(t, with(declaredTags, "owner", "other-team"))

	res, calls = s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	wantNoWrites(t, calls)
}

// (d) none removes the policies; prune-tags removes undeclared tags.
func testRemoval(t *testing.T, s *scenario) {
	s.succeed(t, fullInputs(s.name))
	s.drift(t, tag("stray", "1"))
	in := map[string]string{
		"repository":        s.name,
		"repository-policy": "none",
		"lifecycle-policy":  "none",
		"tags":              "team=platform",
		"prune-tags":        "true",
	}
	res, calls := s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, true))
	wantChanges(t, res, map[string]string{"repository-policy": "remove", "lifecycle-policy": "remove", "tags": "update"})
	wantWrites(t, calls, "DeleteRepositoryPolicy", "DeleteLifecyclePolicy", "UntagResource")
	st := s.be.read(t, s.name)
	if st.policy != nil || st.lifecycle != nil {
		t.Errorf("policies left: repository %v, lifecycle %v", st.policy, st.lifecycle)
	}
	if want := map[string]string{"team": "platform"}; !equalMaps(st.tags, want) {
		t.Errorf("tags = %v, want %v", st.tags, want)
	}
	if !st.scanOnPush() || st.repo.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion {
		t.Errorf("unmanaged settings changed: %+v", st.repo)
	}

	res, calls = s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	wantNoWrites(t, calls)
}

// (e) Dry-run on a repository that does not exist: the plan, no write.
func testDryRunMissing(t *testing.T, s *scenario) {
	res, calls := s.succeed(t, with(fullInputs(s.name), "dry-run", "true"))
	wantOutputs(t, res, s.repoOutputs(true, true))
	wantChanges(t, res, map[string]string{
		"repository": "create", "encryption": "create", "image-tag-mutability": "create", "scan-on-push": "create",
		"tags": "create", "repository-policy": "create", "lifecycle-policy": "create",
	})
	wantNoWrites(t, calls)
	wantSummary(t, res, "(dry run) `"+s.name+"`: would be created", "| repository | would create |",
		"| repository-policy | would create |", "Dry run, nothing written.")
	if !strings.Contains(res.Stdout, "Dry run, nothing written.") {
		t.Errorf("the log has no dry-run plan:\n%s", res.Stdout)
	}
	if st := s.be.read(t, s.name); st.exists {
		t.Errorf("a dry-run created %s", s.name)
	}
}

// (e) Dry-run on a drifted repository: the plan, no write, drift kept.
func testDryRunDrifted(t *testing.T, s *scenario) {
	in := fullInputs(s.name)
	s.succeed(t, in)
	s.drift(t, scanOff, tag("team", "someone-else"))
	res, calls := s.succeed(t, with(in, "dry-run", "true"))
	wantOutputs(t, res, s.repoOutputs(false, true))
	want := map[string]string{"scan-on-push": "update", "tags": "update"}
	if !s.be.moto() {
		// The dry run previews the unchanged lifecycle policy in the
		// log; the changes output lists only what would be written.
		if !strings.Contains(res.Stdout, "lifecycle-policy preview: 0 image(s) to expire and 0 to transition") {
			t.Errorf("the log has no lifecycle policy preview:\n%s", res.Stdout)
		}
	}
	wantChanges(t, res, want)
	wantNoWrites(t, calls)
	wantSummary(t, res, "(dry run) `"+s.name+"`: would be updated", "| scan-on-push | would update |",
		"| tags | would update |", "| repository-policy | unchanged |")
	st := s.be.read(t, s.name)
	if st.scanOnPush() || st.tags["team"] != "someone-else" {
		t.Errorf("a dry-run repaired the drift: scanOnPush %v, tags %v", st.scanOnPush(), st.tags)
	}
}

// Turning scanning off: the action sends scanOnPush false the way the SDK
// encodes it (left out), which ECR reads as false.
func testScanOnPushOff(t *testing.T, s *scenario) {
	in := fullInputs(s.name)
	s.succeed(t, in)
	in["scan-on-push"] = "false"
	res, calls := s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, true))
	wantChanges(t, res, map[string]string{"scan-on-push": "update"})
	wantWrites(t, calls, "PutImageScanningConfiguration")
	if st := s.be.read(t, s.name); st.scanOnPush() {
		if s.be.moto() {
			s.be.gap(t, "PutImageScanningConfiguration without scanOnPush (the SDK's encoding of false) leaves scanning on")
			t.Skip("moto gap: the rest of this scenario needs scanOnPush false to be stored")
		}
		t.Fatalf("scanOnPush is still true after the action turned it off")
	}
	res, calls = s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	wantNoWrites(t, calls)
}

// (g) Two runs create the same repository at once. Both DescribeRepositories
// calls are held until both arrived, so both runs try CreateRepository and
// one of them loses the race.
func testConcurrentCreate(t *testing.T, s *scenario) {
	s.rec.hold("DescribeRepositories", 2)
	in := fullInputs(s.name)
	results := make([]*ghrunner.Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i], errs[i] = ghrunner.Run(t.Context(), s.step(in)) })
	}
	wg.Wait()
	created := 0
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i+1, errs[i])
		}
		mustExit(t, res, 0)
		if res.Outputs["repository-uri"] != s.be.uri(s.name) {
			t.Errorf("run %d: repository-uri = %q", i+1, res.Outputs["repository-uri"])
		}
		if res.Outputs["created"] == "true" {
			created++
		}
	}
	calls := s.rec.take()
	var statuses []int
	for _, c := range calls {
		if c.Operation == "CreateRepository" {
			statuses = append(statuses, c.Status)
		}
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{200, 400}) {
		if s.be.moto() && slices.Equal(statuses, []int{200, 200}) {
			s.be.gap(t, "both concurrent CreateRepository calls succeeded; ECR answers RepositoryAlreadyExistsException to one")
		} else {
			t.Errorf("CreateRepository statuses = %v, want one 200 and one 400 (calls: %v)", statuses, calls)
		}
	} else if created != 1 {
		t.Errorf("%d runs say created=true, want exactly 1", created)
	}
	s.wantDeclared(t, declaredTags)
	out, err := s.be.ecr.DescribeRepositories(t.Context(), &ecr.DescribeRepositoriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range out.Repositories {
		if aws.ToString(r.RepositoryName) == s.name {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d repositories named %s", n, s.name)
	}
}

// TestRecorder checks the recorder's operation names and write
// classification on SDK traffic to the emulator.
func TestRecorder(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(emulator.New(emulator.Options{Region: region}))
	t.Cleanup(srv.Close)
	rec := newRecorder(t, srv.URL)
	creds := credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")
	c := ecr.New(ecr.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(rec.url)})
	st := sts.New(sts.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(rec.url)})
	ctx := t.Context()
	if _, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("rec/app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"rec/missing"}}); errorCode(err) != "RepositoryNotFoundException" {
		t.Fatalf("DescribeRepositories of a missing repository: %v", err)
	}
	aa := accessanalyzer.New(accessanalyzer.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(rec.url)})
	if _, err := aa.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`), PolicyType: aatypes.PolicyTypeResourcePolicy}); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	want := []call{{"sts", "GetCallerIdentity", region, 200}, {"ecr", "CreateRepository", region, 200}, {"ecr", "DescribeRepositories", region, 400}, {"access-analyzer", "ValidatePolicy", region, 200}}
	if !slices.Equal(got, want) {
		t.Errorf("recorded %+v, want %+v", got, want)
	}
	if w := writes(got); !slices.Equal(w, []string{"CreateRepository"}) {
		t.Errorf("writes = %v", w)
	}
	if len(rec.take()) != 0 {
		t.Errorf("take did not empty the log")
	}
}

func TestIsWrite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    call
		want bool
	}{
		{call{Service: "ecr", Operation: "CreateRepository"}, true},
		{call{Service: "ecr", Operation: "PutImageTagMutability"}, true},
		{call{Service: "ecr", Operation: "TagResource"}, true},
		{call{Service: "ecr", Operation: "DeleteRepositoryPolicy"}, true},
		{call{Service: "ecr", Operation: "DescribeRepositories"}, false},
		{call{Service: "ecr", Operation: "GetLifecyclePolicy"}, false},
		{call{Service: "ecr", Operation: "ListTagsForResource"}, false},
		{call{Service: "sts", Operation: "GetCallerIdentity"}, false},
		{call{Service: "access-analyzer", Operation: "ValidatePolicy"}, false},
		{call{Service: "unknown", Operation: "POST /"}, true},
	} {
		if got := isWrite(tc.c); got != tc.want {
			t.Errorf("isWrite(%v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

// (j) repository-policy-sid-prefix: Lambda's statement, written by someone
// else, is kept through an added owned statement, a re-run and none.
func testSharedPolicy(t *testing.T, s *scenario) {
	const lambda = `{"Version":"2012-10-17","Statement":[{"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow",` +
		`"Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	const owned = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-CrossAccountPull","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	s.succeed(t, map[string]string{"repository": s.name})
	s.drift(t, func(ctx context.Context, c *ecr.Client, name string) error {
		_, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &name, PolicyText: aws.String(lambda)})
		return err
	})
	in := map[string]string{"repository": s.name, "repository-policy-sid-prefix": "ci-", "repository-policy": owned}
	res, calls := s.succeed(t, in)
	wantChanges(t, res, map[string]string{"repository-policy": "update"})
	wantWrites(t, calls, "SetRepositoryPolicy")
	wantSummary(t, res, "1 foreign statement(s) kept")
	st := s.be.read(t, s.name)
	if st.policy == nil || !strings.Contains(*st.policy, "LambdaECRImageRetrievalPolicy") || !strings.Contains(*st.policy, "ci-CrossAccountPull") {
		t.Fatalf("policy after the merge: %v", st.policy)
	}

	res, calls = s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	wantNoWrites(t, calls)

	in["repository-policy"] = "none"
	res, calls = s.succeed(t, in)
	wantChanges(t, res, map[string]string{"repository-policy": "update"})
	wantWrites(t, calls, "SetRepositoryPolicy")
	st = s.be.read(t, s.name)
	if st.policy == nil || !strings.Contains(*st.policy, "LambdaECRImageRetrievalPolicy") || strings.Contains(*st.policy, "ci-") {
		t.Fatalf("policy after none: %v", st.policy)
	}
}

// state: absent: a repository with images is kept without force-delete and
// the step says how many; dry-run shows the deletion and writes nothing;
// force-delete deletes it with its images; the re-run finds nothing to do.
func testAbsent(t *testing.T, s *scenario) {
	s.succeed(t, map[string]string{"repository": s.name, "scan-on-push": "true"})
	s.be.pushImages(t, s.name, 2)
	absent := map[string]string{"repository": s.name, "state": "absent"}

	res, calls := s.run(t, absent)
	mustExit(t, res, 1)
	if !strings.Contains(res.Stdout, "it holds 2 image(s) and force-delete is not set") {
		t.Errorf("the refusal does not say how many images:\n%s", res.Stdout)
	}
	wantOutputs(t, res, map[string]string{"deleted": "false", "changed": "false"})
	wantWrites(t, calls, "DeleteRepository")
	if count(calls, "DescribeImages") == 0 {
		t.Errorf("the images were not counted: %v", calls)
	}
	if !s.be.read(t, s.name).exists {
		t.Fatal("the repository was deleted without force-delete")
	}

	force := with(absent, "force-delete", "true")
	res, calls = s.succeed(t, with(force, "dry-run", "true"))
	wantOutputs(t, res, map[string]string{"deleted": "true", "changed": "true", "repository-uri": s.be.uri(s.name)})
	wantNoWrites(t, calls)
	wantSummary(t, res, "(dry run) `"+s.name+"`: would be deleted", "present, 2 image(s) -> absent")

	res, calls = s.succeed(t, force)
	wantOutputs(t, res, map[string]string{"deleted": "true", "changed": "true", "created": "false",
		"repository-uri": s.be.uri(s.name), "repository-arn": s.be.arn(s.name), "repository-name": s.name})
	wantChanges(t, res, map[string]string{"repository": "remove"})
	if !strings.Contains(res.Outputs["changes"], `"from":"present, 2 image(s)"`) {
		t.Errorf("changes = %s, want the image count", res.Outputs["changes"])
	}
	wantWrites(t, calls, "DeleteRepository")
	wantSummary(t, res, "`"+s.name+"`: deleted")
	if s.be.read(t, s.name).exists {
		t.Fatal("the repository still exists after force-delete")
	}

	res, calls = s.succeed(t, force)
	wantOutputs(t, res, map[string]string{"deleted": "false", "changed": "false", "changes": "[]", "repository-uri": "", "repository-name": s.name})
	wantNoWrites(t, calls)
}

// (k) Several Regions in one step: the same repository and policy in each,
// then a re-run that writes nothing in any.
func testSeveralRegions(t *testing.T, s *scenario) {
	const other = "us-west-2"
	in := map[string]string{"repository": s.name, "aws-region": region + ",\n" + other, "repository-policy": crossAccountPolicy, "scan-on-push": "true"}
	res, calls := s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(true, true))
	for _, r := range []string{region, other} {
		var creates []string
		for _, c := range calls {
			if c.Region == r && isWrite(c) {
				creates = append(creates, c.Operation)
			}
		}
		slices.Sort(creates)
		if !slices.Equal(creates, []string{"CreateRepository", "SetRepositoryPolicy"}) {
			t.Errorf("writes in %s = %v, want the repository and its policy", r, creates)
		}
	}
	var byRegion map[string]struct {
		URI              string `json:"uri"`
		Created, Changed bool
		Error            string
	}
	if err := json.Unmarshal([]byte(res.Outputs["regions"]), &byRegion); err != nil {
		t.Fatalf("regions output %q: %v", res.Outputs["regions"], err)
	}
	if r := byRegion[other]; len(byRegion) != 2 || !r.Created || r.Error != "" || r.URI != s.be.account+".dkr.ecr."+other+".amazonaws.com/"+s.name {
		t.Errorf("regions output = %+v", byRegion)
	}
	if r := byRegion[region]; r.URI != s.be.uri(s.name) || !r.Created {
		t.Errorf("regions[%s] = %+v", region, r)
	}
	wantSummary(t, res, "## ECR in 2 Regions", "| `"+region+"` (primary) | created |", "| `"+other+"` | created |")
	st := s.be.readIn(t, other, s.name)
	if !st.exists || !st.scanOnPush() || st.policy == nil {
		t.Fatalf("%s: repository %+v (exists %v), policy %v", other, st.repo, st.exists, st.policy)
	}
	if eq, err := policy.RepositoryPoliciesEqual(*st.policy, crossAccountPolicy, "aws"); err != nil || !eq {
		t.Errorf("%s: repository policy %s does not mean the declared one (%v)", other, *st.policy, err)
	}

	res, calls = s.succeed(t, in)
	wantOutputs(t, res, s.repoOutputs(false, false))
	wantNoWrites(t, calls)
	for _, r := range []string{region, other} {
		described := false
		for _, c := range calls {
			described = described || (c.Region == r && c.Operation == "DescribeRepositories")
		}
		if !described {
			t.Errorf("the re-run did not read %s: %v", r, calls)
		}
	}
}
