package action_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const pullPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`

const expireUntagged = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`

func TestCreateThenNoOpThroughOutputsAndSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := map[string]string{
		"repository":        "team/app",
		"repository-policy": pullPolicy,
		"lifecycle-policy":  expireUntagged,
		"tags":              "team=payments, env=prod",
		"scan-on-push":      "true",
	}
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	out := e.outputs(t)
	uri := "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"
	want := map[string]string{
		"repository-uri":  uri,
		"repository-arn":  "arn:aws:ecr:us-east-1:123456789012:repository/team/app",
		"repository-name": "team/app",
		"registry-id":     "123456789012",
		"registry":        "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"created":         "true",
		"changed":         "true",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("output %s = %q, want %q", k, out[k], v)
		}
	}
	var changes []change
	if err := json.Unmarshal([]byte(out["changes"]), &changes); err != nil || len(changes) != 5 {
		t.Errorf("changes = %s (%v), want 5 entries", out["changes"], err)
	}
	sum := e.summary(t)
	for _, s := range []string{"`team/app`: created", "| repository-policy | created |", "| scan-on-push | created |", "```diff"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
	if !strings.Contains(log, "::group::Plan for team/app: created") || !strings.Contains(log, "+ repository-policy") {
		t.Errorf("log lacks the plan group:\n%s", log)
	}

	e.rerunWritesNothing(t, in)
	out = e.outputs(t)
	if out["created"] != "false" || out["changed"] != "false" || out["changes"] != "[]" || out["repository-uri"] != uri {
		t.Errorf("second run outputs = %v", out)
	}
}

func TestInvalidInputsAreRefusedBeforeAnyAWSCall(t *testing.T) {
	t.Parallel()
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("a", 10300) + `","Effect":"Allow","Principal":"*","Action":"ecr:*"}]}`
	var tags51 []string
	for i := range 51 {
		tags51 = append(tags51, fmt.Sprintf("k%d=v", i))
	}
	cases := []struct {
		name   string
		inputs map[string]string
		input  string // the input the error must name
	}{
		{"no repository", map[string]string{}, "repository"},
		{"both modes", map[string]string{"repository": "a1", "repositories": "b1"}, "repositories"},
		{"upper-case name", map[string]string{"repository": "Team/App"}, "repository"},
		{"name too short", map[string]string{"repository": "a"}, "repository"},
		{"policy not an object", map[string]string{"repository": "app", "repository-policy": `["x"]`}, "repository-policy"},
		{"policy not json", map[string]string{"repository": "app", "repository-policy": `{"Statement": [`}, "repository-policy"},
		{"policy with Resource", map[string]string{"repository": "app", "repository-policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}]}`}, "repository-policy"},
		{"duplicate Sids", map[string]string{"repository": "app", "repository-policy": `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"},{"Sid":"A","Effect":"Allow","Principal":"*","Action":"ecr:PutImage"}]}`}, "repository-policy"},
		{"oversized policy", map[string]string{"repository": "app", "repository-policy": big}, "repository-policy"},
		{"lifecycle not json", map[string]string{"repository": "app", "lifecycle-policy": `{"rules": [`}, "lifecycle-policy"},
		{"duplicate priorities", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"any rule not last", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"lifecycle field misspelt", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"descr` + `ipton":"x","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"lifecycle selection field misspelt", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumbr":1},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"two untagged rules", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":9},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"oversized lifecycle", map[string]string{"repository": "app", "lifecycle-policy": `{"rules":[{"rulePriority":1,"description":"` + strings.Repeat("d", 31000) + `","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`}, "lifecycle-policy"},
		{"policy file missing", map[string]string{"repository": "app", "repository-policy": "ecr/missing.json"}, "repository-policy"},
		{"policy file outside workspace", map[string]string{"repository": "app", "repository-policy": "../../etc/passwd"}, "repository-policy"},
		{"51 tags", map[string]string{"repository": "app", "tags": strings.Join(tags51, "\n")}, "tags"},
		{"aws: tag", map[string]string{"repository": "app", "tags": "aws:owner=me"}, "tags"},
		{"bad tag line", map[string]string{"repository": "app", "tags": "novalue"}, "tags"},
		{"bad mutability", map[string]string{"repository": "app", "image-tag-mutability": "sometimes"}, "image-tag-mutability"},
		{"filters without exclusion", map[string]string{"repository": "app", "image-tag-mutability": "MUTABLE", "image-tag-mutability-exclusion-filters": "cache"}, "image-tag-mutability"},
		{"exclusion without filters", map[string]string{"repository": "app", "image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION"}, "image-tag-mutability-exclusion-filters"},
		{"six filters", map[string]string{"repository": "app", "image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION", "image-tag-mutability-exclusion-filters": "a,b,c,d,e,f"}, "image-tag-mutability-exclusion-filters"},
		{"bad bool", map[string]string{"repository": "app", "scan-on-push": "yes please"}, "scan-on-push"},
		{"bad encryption", map[string]string{"repository": "app", "encryption-type": "ROT13"}, "encryption-type"},
		{"kms key with AES256", map[string]string{"repository": "app", "encryption-type": "AES256", "kms-key": "alias/x"}, "kms-key"},
		{"bad region", map[string]string{"repository": "app", "aws-region": "moon-1"}, "aws-region"},
		{"bad registry id", map[string]string{"repository": "app", "registry-id": "12345"}, "registry-id"},
		{"role name instead of ARN", map[string]string{"repository": "app", "role-to-assume": "deployer"}, "role-to-assume"},
		{"bad session name", map[string]string{"repository": "app", "role-to-assume": "arn:aws:iam::123456789012:role/x", "role-session-name": "has space"}, "role-session-name"},
		{"duration too short", map[string]string{"repository": "app", "role-to-assume": "arn:aws:iam::123456789012:role/x", "role-duration-seconds": "60"}, "role-duration-seconds"},
		{"bad on-reconcile-error", map[string]string{"repository": "app", "on-reconcile-error": "ignore"}, "on-reconcile-error"},
		{"bad timeout", map[string]string{"repository": "app", "timeout-seconds": "0"}, "timeout-seconds"},
		{"bad dry-run", map[string]string{"repository": "app", "dry-run": "maybe"}, "dry-run"},
		{"owned statement without the prefix", map[string]string{"repository": "app", "repository-policy-sid-prefix": "ci-", "repository-policy": pullPolicy}, "repository-policy"},
		{"owned statement without Sid", map[string]string{"repository": "app", "repository-policy-sid-prefix": "ci-", "repository-policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}`}, "repository-policy"},
		{"Sid prefix with a space", map[string]string{"repository": "app", "repository-policy-sid-prefix": "c i", "repository-policy": "none"}, "repository-policy-sid-prefix"},
		{"Sid prefix without policy", map[string]string{"repository": "app", "repository-policy-sid-prefix": "ci-"}, "repository-policy-sid-prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			log, err := e.run(t, tc.inputs)
			if err == nil {
				t.Fatalf("accepted invalid input:\n%s", log)
			}
			errs := annotations(log, "error")
			found := false
			for _, a := range errs {
				if strings.Contains(a, fmt.Sprintf("input %q", tc.input)) || strings.Contains(a, fmt.Sprintf("input %%22%s%%22", tc.input)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error annotation names input %q:\n%s", tc.input, log)
			}
			if calls := e.emu.Calls(); len(calls) != 0 {
				t.Errorf("AWS calls were made before validation finished: %+v", calls)
			}
			if _, err := os.Stat(e.vars["GITHUB_OUTPUT"]); err == nil {
				t.Error("outputs were written for an invalid run")
			}
		})
	}
}

func TestPolicyFromWorkspaceFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := os.MkdirAll(filepath.Join(e.workspace, "ecr"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.workspace, "ecr", "policy.json"), []byte(pullPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	if log, err := e.run(t, map[string]string{"repository": "app", "repository-policy": "ecr/policy.json"}); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	r, _ := e.emu.Repository("", "app")
	if !strings.Contains(r.Policy, "arn:aws:iam::210987654321:root") {
		t.Errorf("policy from file not applied: %q", r.Policy)
	}
}

func TestWarnModeKeepsTheStepGreen(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "fail"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.emu.PutRepository(emulator.Repository{Name: "app"})
			e.emu.AddFault(emulator.FaultRule{Operation: "PutLifecyclePolicy", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException", Message: "User is not authorized to perform: ecr:PutLifecyclePolicy"})
			log, err := e.run(t, map[string]string{"repository": "app", "lifecycle-policy": expireUntagged, "scan-on-push": "true", "on-reconcile-error": mode})
			if mode == "warn" {
				if err != nil {
					t.Fatalf("warn mode failed the step: %v", err)
				}
				if w := annotations(log, "warning"); len(w) != 1 || !strings.Contains(w[0], "ecr:PutLifecyclePolicy") {
					t.Errorf("warnings = %v", w)
				}
			} else {
				if err == nil {
					t.Fatal("fail mode succeeded")
				}
				if a := annotations(log, "error"); len(a) != 1 || !strings.Contains(a[0], "lifecycle-policy") {
					t.Errorf("errors = %v", a)
				}
			}
			// Either way the outputs are set and the other setting was applied.
			if out := e.outputs(t); out["repository-uri"] == "" || out["changed"] != "true" {
				t.Errorf("outputs = %v", out)
			}
			if r, _ := e.emu.Repository("", "app"); !r.ScanOnPush {
				t.Error("scan-on-push not applied alongside the failed setting")
			}
		})
	}
}

func TestDryRunMakesNoWriteCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "repository-policy": pullPolicy, "tags": "a=b", "dry-run": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if w := e.emu.Writes(); len(w) != 0 || e.emu.RepositoryCount() != 0 {
		t.Errorf("dry-run wrote %v", w)
	}
	out := e.outputs(t)
	if out["created"] != "true" || out["changed"] != "true" || out["repository-uri"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com/app" {
		t.Errorf("dry-run outputs = %v", out)
	}
	if s := e.summary(t); !strings.Contains(s, "(dry run)") || !strings.Contains(s, "would create") {
		t.Errorf("summary does not show the plan:\n%s", s)
	}
}

func TestMaskAccountID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "app", "mask-aws-account-id": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if !strings.Contains(log, "::add-mask::123456789012\n") {
		t.Errorf("account ID not masked:\n%s", log)
	}
	if i, j := strings.Index(log, "::add-mask::123456789012"), strings.Index(log, "::group::"); i < 0 || i > j {
		t.Error("the account ID was masked only after the plan was printed")
	}
	if s := e.summary(t); strings.Contains(s, "123456789012") || !strings.Contains(s, "***.dkr.ecr") {
		t.Errorf("summary shows the account ID:\n%s", s)
	}
	// Outputs keep the real values: the next steps need them.
	if out := e.outputs(t); out["registry-id"] != "123456789012" {
		t.Errorf("registry-id output = %q", out["registry-id"])
	}
}

func TestRegistryInAnotherAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repository": "shared/base", "registry-id": "210987654321", "tags": "owner=platform"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if _, ok := e.emu.Repository("210987654321", "shared/base"); !ok {
		t.Fatal("repository not created in the named registry")
	}
	if _, ok := e.emu.Repository("", "shared/base"); ok {
		t.Error("repository also created in the caller's own registry")
	}
	out := e.outputs(t)
	if out["registry-id"] != "210987654321" || out["repository-uri"] != "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared/base" {
		t.Errorf("outputs = %v", out)
	}
	for _, c := range e.emu.Calls() {
		// Tag calls name the registry in the repository's ARN instead.
		if arn, ok := c.Params["resourceArn"]; ok {
			if !strings.Contains(arn, ":210987654321:repository/") {
				t.Errorf("%s sent with an ARN in another registry: %+v", c.Operation, c)
			}
			continue
		}
		// The registry-level reads take no registry ID: ECR answers them
		// for the caller's registry, and the run says it did not check.
		if c.Operation == "DescribeRepositoryCreationTemplates" {
			continue
		}
		if c.Service == "ecr" && c.Params["registryId"] != "210987654321" {
			t.Errorf("%s sent without the registry ID: %+v", c.Operation, c)
		}
	}
	if n := annotations(log, "notice"); len(n) != 1 || !strings.Contains(n[0], "not checked") || !strings.Contains(n[0], "of registry 210987654321") {
		t.Errorf("notices %q, want one saying the other registry's templates were not checked", n)
	}
}
