package action_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// state: absent through the whole step: outputs, summary, log and exit agree.

func TestAbsentDeletesThenIsANoOp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "previews/pr-7"})
	in := map[string]string{"repository": "previews/pr-7", "state": "absent"}
	log, err := e.run(t, in)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	out := e.outputs(t)
	uri := "123456789012.dkr.ecr.us-east-1.amazonaws.com/previews/pr-7"
	for k, v := range map[string]string{"deleted": "true", "created": "false", "changed": "true", "repository-uri": uri, "repository-name": "previews/pr-7"} {
		if out[k] != v {
			t.Errorf("output %s = %q, want %q", k, out[k], v)
		}
	}
	if out["changes"] != `[{"setting":"repository","action":"remove","from":"present","to":"absent"}]` {
		t.Errorf("changes = %s", out["changes"])
	}
	for _, s := range []string{"Plan for previews/pr-7: deleted", "- repository", "0 to create, 0 to update, 1 to remove"} {
		if !strings.Contains(log, s) {
			t.Errorf("log lacks %q:\n%s", s, log)
		}
	}
	if s := e.summary(t); !strings.Contains(s, "`previews/pr-7`: deleted") || !strings.Contains(s, "| repository | removed | `present -> absent` |") {
		t.Errorf("summary:\n%s", s)
	}
	if _, ok := e.emu.Repository("", "previews/pr-7"); ok {
		t.Error("the repository still exists")
	}

	e.rerunWritesNothing(t, in)
	out = e.outputs(t)
	for k, v := range map[string]string{"deleted": "false", "changed": "false", "changes": "[]", "repository-uri": "", "repository-name": "previews/pr-7"} {
		if out[k] != v {
			t.Errorf("re-run: output %s = %q, want %q", k, out[k], v)
		}
	}
}

// A repository with images is kept without force-delete: the step fails,
// even under on-reconcile-error: warn, and says how many images and the fix.
func TestAbsentRefusalFailsTheStepEvenUnderWarn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "app"})
	e.emu.SeedImages("us-east-1", "", "app", 3)
	log, err := e.run(t, map[string]string{"repository": "app", "state": "absent", "on-reconcile-error": "warn"})
	if err == nil {
		t.Fatalf("a refused deletion did not fail the step:\n%s", log)
	}
	errs := annotations(log, "error")
	if len(errs) != 1 || !strings.Contains(errs[0], "3 image(s)") || !strings.Contains(errs[0], "force-delete: true") {
		t.Errorf("error annotations = %v", errs)
	}
	out := e.outputs(t)
	if out["deleted"] != "false" || out["changed"] != "false" || out["changes"] != "[]" {
		t.Errorf("outputs = %v", out)
	}
	if !strings.Contains(log, "! repository  failed  it holds 3 image(s)") || !strings.Contains(e.summary(t), "`app`: failed") {
		t.Errorf("the plan does not show the count:\n%s", log)
	}
	if _, ok := e.emu.Repository("", "app"); !ok {
		t.Error("the repository was deleted")
	}
}

func TestAbsentDryRunAndForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "app"})
	e.emu.SeedImages("us-east-1", "", "app", 2)
	log, err := e.run(t, map[string]string{"repository": "app", "state": "absent", "force-delete": "true", "dry-run": "true"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if out := e.outputs(t); out["deleted"] != "true" || out["changed"] != "true" {
		t.Errorf("dry-run outputs = %v", out)
	}
	if s := e.summary(t); !strings.Contains(s, "(dry run) `app`: would be deleted") || !strings.Contains(s, "present, 2 image(s) -> absent") {
		t.Errorf("dry-run summary:\n%s", s)
	}
	if w := e.emu.Writes(); len(w) != 0 {
		t.Errorf("dry-run wrote %+v", w)
	}

	e.resetFiles(t)
	if log, err := e.run(t, map[string]string{"repository": "app", "state": "absent", "force-delete": "true"}); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if out := e.outputs(t); out["deleted"] != "true" || !strings.Contains(out["changes"], `"from":"present, 2 image(s)"`) {
		t.Errorf("outputs = %v", out)
	}
	if _, ok := e.emu.Repository("", "app"); ok {
		t.Error("the repository still exists")
	}
}

func TestAbsentBatchResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "pr/1"})
	e.emu.PutRepository(emulator.Repository{Name: "pr/2"})
	e.emu.SeedImages("us-east-1", "", "pr/2", 4)
	log, err := e.run(t, map[string]string{"repositories": "pr/1\npr/2\npr/3", "state": "absent"})
	if err == nil {
		t.Fatalf("a refused deletion did not fail the batch:\n%s", log)
	}
	var results map[string]result
	out := e.outputs(t)
	if err := json.Unmarshal([]byte(out["results"]), &results); err != nil {
		t.Fatal(err)
	}
	if r := results["pr/1"]; !r.Deleted || !r.Changed || r.Error != "" {
		t.Errorf("pr/1 = %+v", r)
	}
	if r := results["pr/2"]; r.Deleted || !strings.Contains(r.Error, "4 image(s)") {
		t.Errorf("pr/2 = %+v", r)
	}
	if r := results["pr/3"]; r.Deleted || r.Changed || r.Error != "" {
		t.Errorf("pr/3 = %+v", r)
	}
	if !strings.Contains(out["results"], `"deleted":false`) {
		t.Errorf("deleted is not always in each result: %s", out["results"])
	}
	want := "3 repositories: 0 created, 0 updated, 1 deleted, 1 unchanged, 1 failed."
	if !strings.Contains(log, want) || !strings.Contains(e.summary(t), want) {
		t.Errorf("tally %q missing from log or summary:\n%s\n%s", want, log, e.summary(t))
	}
}

// Every setting input is refused with state: absent, each by name, before
// any AWS call; force-delete is refused without it.
func TestAbsentRefusesSettingInputs(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	values := map[string]string{
		"repository-policy": pullPolicy, "repository-policy-sid-prefix": "ci-", "allow-public-repository-policy": "true", "lifecycle-policy": "none", "tags": "a=1",
		"prune-tags": "true", "image-tag-mutability": "IMMUTABLE", "image-tag-mutability-exclusion-filters": "latest",
		"scan-on-push": "false", "encryption-type": "AES256", "kms-key": "alias/x",
	}
	all := map[string]string{"repository": "app", "state": "absent"}
	// The inputs of the settings of a private repository.
	var settingInputs []string
	for _, s := range reconcile.Settings() {
		for _, in := range s.Inputs {
			if s.Private {
				settingInputs = append(settingInputs, in.String())
			}
		}
	}
	for _, in := range settingInputs {
		if _, ok := meta.Input(in); !ok {
			t.Errorf("%s is not an input of action.yml", in)
		}
		if _, ok := values[in]; !ok {
			// Any value given is refused with state: absent; a true/false
			// input only when true.
			values[in] = "x"
			if def, _ := meta.Input(in); def.IsBool() {
				values[in] = "true"
			}
		}
		all[in] = values[in]
	}
	cases := []map[string]string{all, {"repository": "app", "force-delete": "true"}, {"repository": "app", "state": "gone"}}
	for _, in := range settingInputs {
		cases = append(cases, map[string]string{"repository": "app", "state": "absent", in: values[in]})
	}
	for _, tc := range cases {
		e := newEnv(t)
		log, err := e.run(t, tc)
		if err == nil {
			t.Errorf("%v accepted:\n%s", tc, log)
			continue
		}
		errs := strings.Join(annotations(log, "error"), "\n")
		for in := range tc {
			if in == "repository" || (in == "state" && tc[in] == "absent") {
				continue
			}
			if !strings.Contains(errs, fmt.Sprintf("input %%22%s%%22", in)) && !strings.Contains(errs, fmt.Sprintf("input %q", in)) {
				t.Errorf("%v: no error names %s:\n%s", tc, in, errs)
			}
		}
		if calls := e.emu.Calls(); len(calls) != 0 {
			t.Errorf("%v: AWS calls before validation finished: %+v", tc, calls)
		}
	}
	// A flag's false is its default and manages nothing.
	for _, in := range []string{"prune-tags", "allow-public-repository-policy"} {
		e := newEnv(t)
		if log, err := e.run(t, map[string]string{"repository": "app", "state": "absent", in: "false"}); err != nil {
			t.Errorf("%s: false refused: %v\n%s", in, err, log)
		}
	}
}

// state: absent in several Regions: each Region deletes or refuses on its
// own; the regions output says which, the primary's outputs describe it.
func TestAbsentInSeveralRegions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, region := range allThree[:2] {
		e.emu.PutRepository(emulator.Repository{Name: "previews/pr-9", Region: region})
	}
	e.emu.SeedImages("eu-west-1", "", "previews/pr-9", 2)
	log, err := e.run(t, map[string]string{"repository": "previews/pr-9", "aws-region": threeRegions, "state": "absent"})
	if err == nil {
		t.Fatalf("a refused deletion in eu-west-1 did not fail the step:\n%s", log)
	}
	out := e.outputs(t)
	if out["deleted"] != "true" || out["repository-uri"] != uriIn("us-east-1", "previews/pr-9") {
		t.Errorf("primary outputs = %v", out)
	}
	byRegion := regionsSingle(t, out)
	if r := byRegion["us-east-1"]; !r.Deleted || r.Error != "" {
		t.Errorf("us-east-1 = %+v", r)
	}
	if r := byRegion["eu-west-1"]; r.Deleted || !strings.Contains(r.Error, "2 image(s)") {
		t.Errorf("eu-west-1 = %+v", r)
	}
	if r := byRegion["ap-southeast-2"]; r.Deleted || r.Changed || r.Error != "" {
		t.Errorf("ap-southeast-2 = %+v", r)
	}
	if _, ok := e.emu.RepositoryIn("eu-west-1", "", "previews/pr-9"); !ok {
		t.Error("eu-west-1's repository was deleted without force-delete")
	}
	if _, ok := e.emu.RepositoryIn("us-east-1", "", "previews/pr-9"); ok {
		t.Error("us-east-1's repository still exists")
	}

	e.resetFiles(t)
	if log, err := e.run(t, map[string]string{"repository": "previews/pr-9", "aws-region": threeRegions, "state": "absent", "force-delete": "true"}); err != nil {
		t.Fatalf("force: %v\n%s", err, log)
	}
	if r := regionsSingle(t, e.outputs(t))["eu-west-1"]; !r.Deleted {
		t.Errorf("force: eu-west-1 = %+v", r)
	}
	if w := writesByRegion(e); len(w["eu-west-1"]) != 2 || len(w["us-east-1"]) != 1 || len(w["ap-southeast-2"]) != 0 {
		t.Errorf("writes by Region = %v", w)
	}
}
