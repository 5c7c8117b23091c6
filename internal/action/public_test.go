package action_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const publicPushPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-push","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr-public:BatchCheckLayerAvailability","ecr-public:PutImage"]}]}`

const testAccount = "123456789012"

// publicInputs manage everything ECR Public has: catalog data with a
// logo, a policy and tags.
func publicInputs(t *testing.T, e *env) map[string]string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(e.workspace, "logo.png"), []byte("\x89PNG\r\n\x1a\nlogo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"repository":                "team/app",
		"public":                    "true",
		"aws-region":                "eu-west-1", // ignored: ECR Public is in us-east-1
		"repository-policy":         publicPushPolicy,
		"tags":                      "team=web",
		"catalog-description":       "The app",
		"catalog-about":             "# About\nIt runs.",
		"catalog-usage":             "docker pull it",
		"catalog-architectures":     "x86-64, arm 64",
		"catalog-operating-systems": "Linux",
		"catalog-logo":              "logo.png",
	}
}

func changedSettings(t *testing.T, out map[string]string) []string {
	t.Helper()
	var changes []change
	if err := json.Unmarshal([]byte(out["changes"]), &changes); err != nil {
		t.Fatalf("changes %q: %v", out["changes"], err)
	}
	var s []string
	for _, c := range changes {
		s = append(s, c.Setting+":"+c.Action)
	}
	return s
}

func TestPublicCreateThenNoOp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := publicInputs(t, e)
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	alias := emulator.DefaultRegistryAlias(testAccount)
	out := e.outputs(t)
	want := map[string]string{
		"repository-uri":  "public.ecr.aws/" + alias + "/team/app",
		"repository-arn":  "arn:aws:ecr-public::" + testAccount + ":repository/team/app",
		"repository-name": "team/app",
		"registry-id":     testAccount,
		"registry":        "public.ecr.aws/" + alias,
		"created":         "true",
		"changed":         "true",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("output %s = %q, want %q", k, out[k], v)
		}
	}
	if got, want := changedSettings(t, out), []string{"repository:create", "tags:create", "repository-policy:create", "catalog:create"}; !slices.Equal(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
	r, ok := e.emu.PublicRepository("", "team/app")
	if !ok {
		t.Fatal("the public repository was not created")
	}
	c := r.Catalog
	if c.Description != "The app" || c.AboutText != "# About\nIt runs." || c.UsageText != "docker pull it" ||
		!slices.Equal(c.Architectures, []string{"x86-64", "ARM 64"}) || !slices.Equal(c.OperatingSystems, []string{"Linux"}) ||
		string(c.Logo) != "\x89PNG\r\n\x1a\nlogo" {
		t.Errorf("catalog data = %+v", c)
	}
	if r.Tags["team"] != "web" || !strings.Contains(r.Policy, "ci-push") {
		t.Errorf("tags %v, policy %s", r.Tags, r.Policy)
	}
	for _, c := range e.emu.Calls() {
		if c.Service != "ecr-public" && c.Service != "sts" && c.Service != "access-analyzer" {
			t.Errorf("a call to %s: %+v", c.Service, c)
		}
		// The policy is checked where ECR Public is.
		if c.Service != "sts" && c.Region != "us-east-1" {
			t.Errorf("%s went to %s", c.Operation, c.Region)
		}
	}
	// Tags and catalog data go with CreateRepository; only the policy
	// needs a write of its own.
	var writes []string
	for _, w := range e.emu.Writes() {
		writes = append(writes, w.Operation)
	}
	if want := []string{"CreateRepository", "SetRepositoryPolicy"}; !slices.Equal(writes, want) {
		t.Errorf("creation writes = %v, want %v", writes, want)
	}
	if !strings.Contains(e.summary(t), "| catalog | created |") {
		t.Errorf("summary lacks the catalog:\n%s", e.summary(t))
	}

	e.rerunWritesNothing(t, in)
	// One round of reads after the describe: catalog, policy and tags
	// together. The policy check went out with them (the policy could
	// have needed a write) and was cancelled unanswered, before or after
	// it reached the emulator.
	var ops []string
	for _, c := range e.emu.Calls() {
		if c.Operation != "ValidatePolicy" {
			ops = append(ops, c.Operation)
		}
	}
	slices.Sort(ops)
	if n := e.emu.Count("ValidatePolicy"); n > 1 {
		t.Errorf("%d policy checks in the no-op, want at most 1", n)
	}
	if want := []string{"DescribeRepositories", "GetRepositoryCatalogData", "GetRepositoryPolicy", "ListTagsForResource"}; !slices.Equal(ops, want) {
		t.Errorf("no-op calls = %v, want %v", ops, want)
	}
	out = e.outputs(t)
	if out["created"] != "false" || out["changed"] != "false" || out["changes"] != "[]" || out["repository-uri"] != want["repository-uri"] {
		t.Errorf("second run outputs = %v", out)
	}
}

func TestPublicDriftIsRepaired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := publicInputs(t, e)
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("create: %v\n%s", err, log)
	}
	r, _ := e.emu.PublicRepository("", "team/app")
	r.Catalog.Description, r.Catalog.Architectures = "edited", []string{"ARM"}
	r.Policy = strings.Replace(publicPushPolicy, "PutImage", "*", 1)
	r.Tags = map[string]string{"team": "other"}
	e.emu.PutPublicRepository(r)

	e.resetFiles(t)
	e.emu.ResetCalls()
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("repair: %v\n%s", err, log)
	}
	if got, want := changedSettings(t, e.outputs(t)), []string{"tags:update", "repository-policy:update", "catalog:update"}; !slices.Equal(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
	r, _ = e.emu.PublicRepository("", "team/app")
	if r.Catalog.Description != "The app" || !slices.Equal(r.Catalog.Architectures, []string{"x86-64", "ARM 64"}) ||
		r.Catalog.AboutText != "# About\nIt runs." || len(r.Catalog.Logo) == 0 {
		t.Errorf("catalog after repair = %+v", r.Catalog)
	}
	if r.Tags["team"] != "web" || strings.Contains(r.Policy, `"ecr-public:*"`) {
		t.Errorf("tags %v, policy %s", r.Tags, r.Policy)
	}
	e.emu.ResetCalls()
	e.resetFiles(t)
	if log, err := e.run(t, in); err != nil || len(e.emu.Writes()) != 0 {
		t.Errorf("run after repair: %v, writes %v\n%s", err, e.emu.Writes(), log)
	}
}

// Only the managed catalog members are written; the others keep their
// values. A logo the action cannot send back stops the write instead of
// being lost.
func TestPublicCatalogMembersNotDeclaredAreKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "app", Catalog: emulator.CatalogData{Description: "old", UsageText: "kept"}})
	in := map[string]string{"repository": "app", "public": "true", "catalog-description": "new"}
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	r, _ := e.emu.PublicRepository("", "app")
	if r.Catalog.Description != "new" || r.Catalog.UsageText != "kept" {
		t.Errorf("catalog = %+v", r.Catalog)
	}

	r.Catalog.Logo = []byte("logo")
	e.emu.PutPublicRepository(r)
	e.emu.ResetCalls()
	in["catalog-description"] = "newer"
	log, err := e.run(t, in)
	if err == nil || !strings.Contains(log, "catalog-logo") {
		t.Errorf("a catalog write that could drop the logo: err %v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
}

func TestPublicOwnedPolicyKeepsForeignStatements(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := `{"Version":"2012-10-17","Statement":[{"Sid":"platform-pull","Effect":"Allow","Principal":"*","Action":"ecr-public:BatchGetImage"}]}`
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "app", Policy: foreign})
	in := map[string]string{"repository": "app", "public": "true", "repository-policy": publicPushPolicy, "repository-policy-sid-prefix": "ci-"}
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	r, _ := e.emu.PublicRepository("", "app")
	if !strings.Contains(r.Policy, "platform-pull") || !strings.Contains(r.Policy, "ci-push") {
		t.Errorf("policy = %s", r.Policy)
	}
	e.emu.ResetCalls()
	if log, err := e.run(t, in); err != nil || len(e.emu.Writes()) != 0 {
		t.Errorf("re-run: %v, writes %v\n%s", err, e.emu.Writes(), log)
	}
}

func TestPublicRefusesWhatECRPublicDoesNotHave(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{
		"repository":                             "app",
		"public":                                 "true",
		"lifecycle-policy":                       expireUntagged,
		"image-tag-mutability":                   "IMMUTABLE_WITH_EXCLUSION",
		"image-tag-mutability-exclusion-filters": "latest",
		"scan-on-push":                           "true",
		"encryption-type":                        "KMS",
		"kms-key":                                "alias/app",
		"registry-id":                            "210987654321",
		"repository-policy":                      pullPolicy, // ecr: actions, not ecr-public:
	})
	if err == nil {
		t.Fatalf("accepted:\n%s", log)
	}
	wantRefused(t, e, log, "", "lifecycle-policy", "image-tag-mutability", "image-tag-mutability-exclusion-filters", "scan-on-push", "encryption-type", "kms-key", "registry-id", "repository-policy")
}

// wantRefused checks that each input has an error annotation (saying
// also, when set) and that no call was made.
func wantRefused(t *testing.T, e *env, log, also string, inputs ...string) {
	t.Helper()
	errs := annotations(log, "error")
	for _, in := range inputs {
		if !slices.ContainsFunc(errs, func(a string) bool { return strings.Contains(a, "invalid input "+in+"::") && strings.Contains(a, also) }) {
			t.Errorf("no error for %s:\n%s", in, strings.Join(errs, "\n"))
		}
	}
	if c := e.emu.Calls(); len(c) != 0 {
		t.Errorf("calls made: %v", c)
	}
}

func TestCatalogInputsNeedPublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{
		"repository":                "app",
		"catalog-description":       "x",
		"catalog-about":             "x",
		"catalog-usage":             "x",
		"catalog-architectures":     "ARM",
		"catalog-operating-systems": "Linux",
		"catalog-logo":              "logo.png",
	})
	if err == nil {
		t.Fatalf("accepted:\n%s", log)
	}
	wantRefused(t, e, log, "public: true", "catalog-description", "catalog-about", "catalog-usage", "catalog-architectures", "catalog-operating-systems", "catalog-logo")
}

func TestPublicCatalogValuesAreChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.workspace, "big.png"), make([]byte, 512001), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := e.run(t, map[string]string{
		"repository":                "app",
		"public":                    "true",
		"catalog-description":       strings.Repeat("d", 1025),
		"catalog-about":             strings.Repeat("a", 25601),
		"catalog-architectures":     "amd64",
		"catalog-operating-systems": "macOS",
		"catalog-logo":              "big.png",
	})
	if err == nil {
		t.Fatalf("accepted:\n%s", log)
	}
	for _, s := range []string{"catalog-description::", "at most 1024", "catalog-about::", "at most 25600", `write "x86-64"`, "macOS", "512000 bytes"} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %q:\n%s", s, log)
		}
	}
	if c := e.emu.Calls(); len(c) != 0 {
		t.Errorf("calls made: %v", c)
	}
}

func TestPublicDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The registry has an alias already (another repository).
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "other"})
	in := publicInputs(t, e)
	in["dry-run"] = "true"
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("dry-run: %v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("dry-run wrote %v", w)
	}
	out := e.outputs(t)
	alias := emulator.DefaultRegistryAlias(testAccount)
	if out["created"] != "true" || out["repository-uri"] != "public.ecr.aws/"+alias+"/team/app" || out["registry"] != "public.ecr.aws/"+alias {
		t.Errorf("dry-run outputs = %v", out)
	}
	if _, ok := e.emu.PublicRepository("", "team/app"); ok {
		t.Error("dry-run created the repository")
	}
}

func TestPublicBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "app-b", Tags: map[string]string{"team": "old"}})
	in := map[string]string{"repositories": "app-a\napp-b\napp-c", "public": "true", "tags": "team=web", "catalog-description": "Shared"}
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("batch: %v\n%s", err, log)
	}
	alias := emulator.DefaultRegistryAlias(testAccount)
	var uris map[string]string
	if err := json.Unmarshal([]byte(e.outputs(t)["repository-uris"]), &uris); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"app-a", "app-b", "app-c"} {
		r, ok := e.emu.PublicRepository("", n)
		if !ok || r.Tags["team"] != "web" || r.Catalog.Description != "Shared" {
			t.Errorf("%s: %+v (exists %v)", n, r, ok)
		}
		if uris[n] != "public.ecr.aws/"+alias+"/"+n {
			t.Errorf("uri of %s = %q", n, uris[n])
		}
	}
	e.emu.ResetCalls()
	if log, err := e.run(t, in); err != nil || len(e.emu.Writes()) != 0 {
		t.Errorf("batch re-run: %v, writes %v\n%s", err, e.emu.Writes(), log)
	}
}

// A repository without catalog data may answer
// RepositoryCatalogDataNotFoundException (the model lists it for
// GetRepositoryCatalogData): that is empty catalog data, not a failure.
func TestPublicCatalogDataNotFoundIsEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "app"})
	e.emu.AddFault(emulator.FaultRule{Operation: "GetRepositoryCatalogData", Kind: emulator.FaultError, Times: 1,
		Code: "RepositoryCatalogDataNotFoundException", Message: "The repository catalog data does not exist."})
	log, err := e.run(t, map[string]string{"repository": "app", "public": "true", "catalog-operating-systems": "linux"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	r, _ := e.emu.PublicRepository("", "app")
	if !slices.Equal(r.Catalog.OperatingSystems, []string{"Linux"}) {
		t.Errorf("catalog = %+v", r.Catalog)
	}
	if got := changedSettings(t, e.outputs(t)); !slices.Equal(got, []string{"catalog:update"}) {
		t.Errorf("changes = %v", got)
	}
}

// A denied ECR Public call names the ecr-public: action to grant.
func TestPublicAccessDeniedNamesTheECRPublicAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutPublicRepository(emulator.PublicRepository{Name: "app"})
	e.emu.SetAllowedActions([]string{"ecr-public:DescribeRepositories"})
	log, err := e.run(t, map[string]string{"repository": "app", "public": "true", "catalog-description": "x"})
	if err == nil || !strings.Contains(log, `add \"ecr-public:GetRepositoryCatalogData\"`) && !strings.Contains(log, `add "ecr-public:GetRepositoryCatalogData"`) {
		t.Errorf("err %v\n%s", err, log)
	}
}

// Before the account's first public repository its registry has no alias
// yet, so a dry-run cannot know the URI: it says so with an empty one.
func TestPublicDryRunBeforeTheFirstRepository(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "public": "true", "dry-run": "true"})
	if err != nil {
		t.Fatalf("dry-run: %v\n%s", err, log)
	}
	out := e.outputs(t)
	if out["created"] != "true" || out["repository-uri"] != "" || out["registry"] != "" || out["repository-arn"] != "arn:aws:ecr-public::"+testAccount+":repository/app" {
		t.Errorf("outputs = %v", out)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("dry-run wrote %v", w)
	}
}

// state: absent deletes an ECR Public repository as it does a private one:
// refused while it holds images, deleted with force-delete, then a no-op.
func TestPublicAbsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if log, err := e.run(t, map[string]string{"repository": "team/app", "public": "true"}); err != nil {
		t.Fatalf("create: %v\n%s", err, log)
	}
	if !e.emu.SeedPublicImages("", "team/app", 2) {
		t.Fatal("no public repository to seed")
	}
	in := map[string]string{"repository": "team/app", "public": "true", "state": "absent"}
	e.resetFiles(t)
	log, err := e.run(t, in)
	if err == nil || !strings.Contains(log, "2 image(s)") || !strings.Contains(log, "force-delete: true") {
		t.Fatalf("a public repository with images was not refused with its count: %v\n%s", err, log)
	}
	if _, ok := e.emu.PublicRepository("", "team/app"); !ok {
		t.Fatal("the refused deletion deleted the repository")
	}
	in["force-delete"] = "true"
	e.resetFiles(t)
	if log, err := e.run(t, in); err != nil {
		t.Fatalf("force: %v\n%s", err, log)
	}
	if out := e.outputs(t); out["deleted"] != "true" || out["repository-uri"] != "public.ecr.aws/"+emulator.DefaultRegistryAlias(testAccount)+"/team/app" {
		t.Errorf("outputs = %v", out)
	}
	if _, ok := e.emu.PublicRepository("", "team/app"); ok {
		t.Error("the repository still exists")
	}
	e.rerunWritesNothing(t, in)
	if out := e.outputs(t); out["deleted"] != "false" {
		t.Errorf("re-run: deleted = %q", out["deleted"])
	}
}
