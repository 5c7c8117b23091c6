package action_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// threeRegions is aws-region as a workflow would write it: a list, the
// primary first, commas and newlines alike.
const threeRegions = "us-east-1, eu-west-1\nap-southeast-2\n"

var allThree = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

func uriIn(region, name string) string {
	return "123456789012.dkr.ecr." + region + ".amazonaws.com/" + name
}

// change is one entry of the changes output, result one repository's
// entry of the results and regions outputs. The tests decode the outputs
// into types of their own, not the run's, so that a renamed key fails them.
type change struct {
	Setting, Action string
	Preview         *reconcile.LifecyclePreview
}

type result struct {
	URI                       string
	Created, Deleted, Changed bool
	Changes                   []change
	Notes                     []reconcile.Note
	Error                     string
	Warned                    bool
	Warning                   string
}

// regionBatch is one Region's entry of the regions output in batch mode.
type regionBatch struct {
	RepositoryURIs map[string]string `json:"repository-uris"`
	Results        map[string]result
}

// decodeRegions decodes the regions output: T is result in single mode,
// regionBatch in batch mode.
func decodeRegions[T any](t *testing.T, out map[string]string) map[string]T {
	t.Helper()
	var m map[string]T
	if err := json.Unmarshal([]byte(out["regions"]), &m); err != nil {
		t.Fatalf("regions = %q: %v", out["regions"], err)
	}
	return m
}

func regionsSingle(t *testing.T, out map[string]string) map[string]result {
	t.Helper()
	return decodeRegions[result](t, out)
}

// writesByRegion counts the write calls the emulator served, by Region.
func writesByRegion(e *env) map[string][]string {
	out := map[string][]string{}
	for _, c := range e.emu.Writes() {
		out[c.Region] = append(out[c.Region], c.Operation)
	}
	return out
}

// The same repository and policy in three Regions: created in each, then a
// re-run that writes nothing anywhere; the outputs, the summary and the
// log say the same.
func TestRegionsCreateThenNoOp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inputs := map[string]string{"repository": "team/app", "aws-region": threeRegions, "repository-policy": pullPolicy, "scan-on-push": "true", "tags": "team=platform"}
	log, err := e.run(t, inputs)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for _, region := range allThree {
		repo, ok := e.emu.RepositoryIn(region, "", "team/app")
		if !ok || !repo.ScanOnPush || repo.Policy == "" || repo.Tags["team"] != "platform" {
			t.Errorf("%s: repository %+v (exists %v), want it with the declared settings", region, repo, ok)
		}
		if !strings.Contains(log, "Plan for team/app in "+region+": created") {
			t.Errorf("log has no plan for %s:\n%s", region, log)
		}
	}
	w := writesByRegion(e)
	for _, region := range allThree {
		if !slices.Contains(w[region], "CreateRepository") || !slices.Contains(w[region], "SetRepositoryPolicy") {
			t.Errorf("%s: writes %v", region, w[region])
		}
	}
	out := e.outputs(t)
	// The single-repository outputs describe the primary Region.
	if out["repository-uri"] != uriIn("us-east-1", "team/app") || out["registry"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com" ||
		out["repository-arn"] != "arn:aws:ecr:us-east-1:123456789012:repository/team/app" || out["created"] != "true" {
		t.Errorf("primary outputs = %v", out)
	}
	byRegion := regionsSingle(t, out)
	if len(byRegion) != 3 {
		t.Fatalf("regions = %v, want the three Regions", byRegion)
	}
	for _, region := range allThree {
		r := byRegion[region]
		if r.URI != uriIn(region, "team/app") || !r.Created || !r.Changed || r.Error != "" || len(r.Changes) == 0 {
			t.Errorf("regions[%s] = %+v", region, r)
		}
	}
	sum := e.summary(t)
	for _, want := range []string{"## ECR in 3 Regions", "| `us-east-1` (primary) | created |", "| `eu-west-1` | created |", "| `ap-southeast-2` | created |",
		"## `eu-west-1`\n\n### ECR repository `team/app`: created", "URI: `" + uriIn("ap-southeast-2", "team/app") + "`"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}

	e.resetFiles(t)
	e.emu.ResetCalls()
	log, err = e.run(t, inputs)
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("re-run wrote %+v", w)
	}
	read := map[string]bool{}
	for _, c := range e.emu.Calls() {
		read[c.Region] = true
	}
	for _, region := range allThree {
		if !read[region] {
			t.Errorf("re-run did not read %s", region)
		}
	}
	out = e.outputs(t)
	for region, r := range regionsSingle(t, out) {
		if r.Created || r.Changed || len(r.Changes) != 0 || r.Error != "" {
			t.Errorf("re-run regions[%s] = %+v, want unchanged", region, r)
		}
	}
	if out["changed"] != "false" || !strings.Contains(e.summary(t), "| `eu-west-1` | unchanged |") {
		t.Errorf("re-run outputs %v, summary:\n%s", out, e.summary(t))
	}
}

// An opt-in Region the account has not enabled fails that Region alone,
// with a message that says so; the others are reconciled, and the outputs,
// annotations and summary agree.
func TestRegionNotEnabledFailsOnlyThatRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetRegionStatus("ap-east-1", emulator.RegionNotEnabled)
	e.emu.SetRegionStatus("eu-west-9", emulator.RegionUnknown)
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "us-east-1,ap-east-1,eu-west-1,eu-west-9"})
	if err == nil || !strings.Contains(err.Error(), "2 of 4 Regions failed: ap-east-1, eu-west-9") {
		t.Fatalf("err = %v, want the two refusing Regions named\n%s", err, log)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		if _, ok := e.emu.RepositoryIn(region, "", "app"); !ok {
			t.Errorf("%s: not created although another Region failed", region)
		}
	}
	hints := map[string]string{
		"ap-east-1": "ap-east-1 refused the credentials: it is probably an opt-in Region that the account has not enabled",
		"eu-west-9": "eu-west-9 refused the credentials, and it is not a Region this action knows",
	}
	byRegion := regionsSingle(t, e.outputs(t))
	for region, hint := range hints {
		if r := byRegion[region]; !strings.Contains(r.Error, hint) || r.Created || r.URI != "" {
			t.Errorf("regions[%s] = %+v, want the error with %q", region, r, hint)
		}
	}
	if r := byRegion["eu-west-1"]; !r.Created || r.Error != "" {
		t.Errorf("regions[eu-west-1] = %+v", r)
	}
	errs := annotations(log, "error")
	if len(errs) != 2 {
		t.Fatalf("error annotations = %q, want one per failed Region", errs)
	}
	for _, a := range errs {
		optIn := strings.Contains(a, "app in ap-east-1") && strings.Contains(a, "opt-in Region")
		unknown := strings.Contains(a, "app in eu-west-9") && strings.Contains(a, "check the spelling in aws-region")
		if !optIn && !unknown {
			t.Errorf("annotation %q names neither refusing Region with its hint", a)
		}
	}
	if out := e.outputs(t); out["repository-uri"] != uriIn("us-east-1", "app") {
		t.Errorf("repository-uri = %q, want the primary's", out["repository-uri"])
	}
	sum := e.summary(t)
	for _, want := range []string{"| `ap-east-1` | **failed** |", "| `eu-west-1` | created |", "## `ap-east-1`\n\n### ECR repository `app`: **failed**", "opt-in Region"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// When every Region refuses the credentials, they, not the Regions, are the
// likely cause: the error is not blamed on opt-in Regions.
func TestEveryRegionRefusingIsNotBlamedOnRegions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, region := range []string{"ap-east-1", "me-south-1"} {
		e.emu.SetRegionStatus(region, emulator.RegionNotEnabled)
	}
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "ap-east-1,me-south-1"})
	if err == nil {
		t.Fatal("no error")
	}
	for region, r := range regionsSingle(t, e.outputs(t)) {
		if !strings.Contains(r.Error, "UnrecognizedClientException") || strings.Contains(r.Error, "opt-in") {
			t.Errorf("regions[%s].error = %q, want AWS's error without the opt-in hint", region, r.Error)
		}
	}
	if strings.Contains(log, "opt-in") {
		t.Errorf("log blames opt-in Regions:\n%s", log)
	}
}

// Batch × Regions: every repository in every Region; the regions output
// holds each Region's repository-uris and results, and the batch outputs
// are the primary Region's.
func TestBatchInSeveralRegions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Region: "eu-west-1", Name: "svc/a", ScanOnPush: true})
	inputs := map[string]string{"repositories": "svc/a\nsvc/b", "aws-region": "us-east-1\neu-west-1", "scan-on-push": "true"}
	log, err := e.run(t, inputs)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	out := e.outputs(t)
	var uris map[string]string
	if err := json.Unmarshal([]byte(out["repository-uris"]), &uris); err != nil || uris["svc/a"] != uriIn("us-east-1", "svc/a") || len(uris) != 2 {
		t.Errorf("repository-uris = %q (%v), want the primary Region's", out["repository-uris"], err)
	}
	byRegion := decodeRegions[regionBatch](t, out)
	if len(byRegion) != 2 {
		t.Fatalf("regions = %+v", byRegion)
	}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		rb := byRegion[region]
		for _, name := range []string{"svc/a", "svc/b"} {
			res := rb.Results[name]
			wantCreated := region == "us-east-1" || name == "svc/b"
			if rb.RepositoryURIs[name] != uriIn(region, name) || res.URI != uriIn(region, name) || res.Created != wantCreated || res.Error != "" {
				t.Errorf("regions[%s] %s: uri %q, result %+v", region, name, rb.RepositoryURIs[name], res)
			}
		}
	}
	var results map[string]result
	if err := json.Unmarshal([]byte(out["results"]), &results); err != nil || !slices.Equal(keys(results), keys(byRegion["us-east-1"].Results)) || !results["svc/a"].Created {
		t.Errorf("results = %q (%v), want the primary Region's", out["results"], err)
	}
	for _, want := range []string{"us-east-1: 2 repositories: 2 created, 0 updated, 0 unchanged, 0 failed.", "eu-west-1: 2 repositories: 1 created, 0 updated, 1 unchanged, 0 failed.",
		"Plan for svc/a in eu-west-1: unchanged", "Plan for svc/b in eu-west-1: created"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	sum := e.summary(t)
	for _, want := range []string{"| `eu-west-1` | 2 repositories: 1 created, 0 updated, 1 unchanged, 0 failed. |", "## `eu-west-1`\n\n### ECR repositories", "| `svc/a` | unchanged |"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}

	e.rerunWritesNothing(t, inputs)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A dry run over several Regions writes nothing, asks for the account once,
// and says what would be created in each Region.
func TestRegionsDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Region: "eu-west-1", Name: "app"})
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "us-east-1,eu-west-1,ap-southeast-2", "dry-run": "true", "scan-on-push": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("dry run wrote %+v", w)
	}
	if n := e.emu.Count("GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity called %d times, want 1 for all Regions", n)
	}
	byRegion := regionsSingle(t, e.outputs(t))
	for _, region := range []string{"us-east-1", "ap-southeast-2"} {
		if r := byRegion[region]; !r.Created || r.URI != uriIn(region, "app") {
			t.Errorf("regions[%s] = %+v, want would be created", region, r)
		}
	}
	if r := byRegion["eu-west-1"]; r.Created || !r.Changed {
		t.Errorf("regions[eu-west-1] = %+v, want would be updated", r)
	}
	sum := e.summary(t)
	for _, want := range []string{"## ECR in 3 Regions (dry run)", "| `us-east-1` (primary) | would be created |", "| `eu-west-1` | would be updated |"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// A role is assumed once, in the primary Region, for every Region.
func TestRegionsAssumeTheRoleOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "eu-central-1,us-west-2", "role-to-assume": "arn:aws:iam::123456789012:role/deployer"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	var assume []emulator.Call
	signed := map[string]string{}
	for _, c := range e.emu.Calls() {
		if c.Operation == "AssumeRole" {
			assume = append(assume, c)
		}
		if c.Service == "ecr" {
			signed[c.Region] = c.AccessKeyID
		}
	}
	if len(assume) != 1 || assume[0].Region != "eu-central-1" {
		t.Fatalf("AssumeRole calls %+v, want one in the primary Region", assume)
	}
	if signed["eu-central-1"] == "" || signed["eu-central-1"] != signed["us-west-2"] || signed["us-west-2"] == "AKIAENVENVENVENV0000" {
		t.Errorf("ECR calls signed with %v, want the assumed role's key in both Regions", signed)
	}
	if !strings.Contains(log, "regions eu-central-1 (primary), us-west-2") {
		t.Errorf("log does not name the Regions:\n%s", log)
	}
}

// max-concurrency bounds the step, all Regions together.
func TestRegionsShareMaxConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.AddFault(emulator.FaultRule{Operation: "CreateRepository", Kind: emulator.FaultLatency, Delay: 30_000_000})
	var mu sync.Mutex
	inFlight, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		create := strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".CreateRepository")
		if create {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		}
		e.emu.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	log, err := e.run(t, map[string]string{"repositories": "a1\na2\na3\na4", "aws-region": threeRegions, "max-concurrency": "2"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if n := e.emu.Count("CreateRepository"); n != 12 {
		t.Fatalf("CreateRepository called %d times, want 4 in each of 3 Regions", n)
	}
	if peak > 2 {
		t.Errorf("%d CreateRepository calls in flight at once, max-concurrency is 2 for all Regions", peak)
	}
}

// One Region keeps the output of a step without Regions: no Region in the
// plan's heading nor in the summary, and the regions output has one entry.
func TestOneRegionKeepsTheSingleRegionOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "eu-west-1"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if !strings.Contains(log, "Plan for app: created") || strings.Contains(log, "in eu-west-1") || !strings.Contains(log, "; region eu-west-1") {
		t.Errorf("log:\n%s", log)
	}
	if sum := e.summary(t); !strings.HasPrefix(sum, "### ECR repository `app`: created") || strings.Contains(sum, "Regions") {
		t.Errorf("summary:\n%s", sum)
	}
	out := e.outputs(t)
	byRegion := regionsSingle(t, out)
	if r := byRegion["eu-west-1"]; len(byRegion) != 1 || r.URI != out["repository-uri"] || !r.Created {
		t.Errorf("regions = %+v, outputs %v", byRegion, out)
	}
}

// A bad Region list is refused before any call, on aws-region.
func TestBadRegionsAreRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ regions, want string }{
		{"us-east-1,eu_west_1", `\"eu_west_1\" is not an AWS Region code`},
		{"us-east-1\ncn-north-1", "list Regions of one partition only"},
		{"us-gov-west-1, us-east-1", "is in partition aws but the primary Region"},
	} {
		e := newEnv(t)
		log, err := e.run(t, map[string]string{"repository": "app", "aws-region": tc.regions})
		if err == nil {
			t.Fatalf("%q: no error", tc.regions)
		}
		if n := len(e.emu.Calls()); n != 0 {
			t.Errorf("%q: %d calls before the input was refused", tc.regions, n)
		}
		a := annotations(log, "error")
		if len(a) != 1 || !strings.Contains(a[0], "invalid input aws-region") || !strings.Contains(a[0], strings.ReplaceAll(tc.want, `\"`, `"`)) {
			t.Errorf("%q: annotations %q, want one on aws-region with %q", tc.regions, a, tc.want)
		}
	}
}

// When the primary Region fails, its outputs are not set (there is nothing
// to say of it), the other Regions are still reconciled, and regions says
// what happened in each.
func TestPrimaryRegionFailing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetRegionStatus("ap-east-1", emulator.RegionNotEnabled)
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "ap-east-1,eu-west-1"})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 Regions failed: ap-east-1") {
		t.Fatalf("err = %v\n%s", err, log)
	}
	out := e.outputs(t)
	if _, set := out["repository-uri"]; set {
		t.Errorf("repository-uri = %q for a primary Region that failed", out["repository-uri"])
	}
	byRegion := regionsSingle(t, out)
	if !strings.Contains(byRegion["ap-east-1"].Error, "opt-in Region") || !byRegion["eu-west-1"].Created {
		t.Errorf("regions = %+v", byRegion)
	}
	if _, ok := e.emu.RepositoryIn("eu-west-1", "", "app"); !ok {
		t.Error("eu-west-1 not reconciled after the primary failed")
	}
}

// Under on-reconcile-error: warn, a setting that fails in one Region is a
// warning on that Region alone; the step succeeds, and the outputs, the
// annotation and the summary name the same Region.
func TestRegionsWarnMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		e.emu.PutRepository(emulator.Repository{Region: region, Name: "app"})
	}
	e.emu.AddFault(emulator.FaultRule{Operation: "PutLifecyclePolicy", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException",
		Message: "User is not authorized to perform: ecr:PutLifecyclePolicy", Times: 1})
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "us-east-1,eu-west-1", "lifecycle-policy": expireUntagged, "on-reconcile-error": "warn"})
	if err != nil {
		t.Fatalf("warn mode failed the step: %v\n%s", err, log)
	}
	var warned string
	for region, r := range regionsSingle(t, e.outputs(t)) {
		switch {
		case r.Warned && strings.Contains(r.Warning, "ecr:PutLifecyclePolicy") && r.Error == "":
			warned = region
		case r.Warned || r.Error != "" || !r.Changed:
			t.Errorf("regions[%s] = %+v, want updated", region, r)
		}
	}
	if warned == "" {
		t.Fatalf("no Region warned: %s", e.outputs(t)["regions"])
	}
	if w := annotations(log, "warning"); len(w) != 1 || !strings.Contains(w[0], "app in "+warned+"%3A lifecycle-policy not reconciled") {
		t.Errorf("warning annotations = %q, want one naming %s", w, warned)
	}
	sum := e.summary(t)
	rows := 0
	for _, line := range strings.Split(sum, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, ", **warned** |") {
			rows++
			if !strings.HasPrefix(line, "| `"+warned+"`") {
				t.Errorf("summary row %q, but regions says %s warned", line, warned)
			}
		}
	}
	if rows != 1 {
		t.Errorf("%d warned rows in the summary, want 1:\n%s", rows, sum)
	}
}

// A Region listed twice is reconciled once, and the primary stays first.
func TestRepeatedRegionIsReconciledOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "aws-region": "eu-west-1\nus-east-1\neu-west-1"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if n := e.emu.Count("CreateRepository"); n != 2 {
		t.Errorf("CreateRepository called %d times, want once in each of 2 Regions", n)
	}
	out := e.outputs(t)
	if byRegion := regionsSingle(t, out); len(byRegion) != 2 || out["repository-uri"] != uriIn("eu-west-1", "app") {
		t.Errorf("regions = %v, repository-uri = %q", byRegion, out["repository-uri"])
	}
}
