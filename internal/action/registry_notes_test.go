package action_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// A registry that overrides scan-on-push: the run succeeds, the plan, an
// annotation, the job summary and the notes output say the same thing, and
// the change itself stays as the repository's flag says.
func TestScanOverrideIsWarnedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetRegistryScanningConfiguration("", emulator.RegistryScanningConfiguration{ScanType: emulator.ScanEnhanced})
	log, err := e.run(t, map[string]string{"repository": "app", "scan-on-push": "true"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	const part = "applies no scanning to app"
	if w := annotations(log, "warning"); len(w) != 1 || !strings.Contains(w[0], "scan-on-push") || !strings.Contains(w[0], part) {
		t.Errorf("warning annotations %q", w)
	}
	if !strings.Contains(log, "warning: scan-on-push: scan-on-push is declared true, but the registry's enhanced scanning configuration "+part) {
		t.Errorf("the plan lacks the warning:\n%s", log)
	}
	var notes []struct{ Setting, Level, Text string }
	if err := json.Unmarshal([]byte(e.outputs(t)["notes"]), &notes); err != nil || len(notes) != 1 ||
		notes[0].Setting != "scan-on-push" || notes[0].Level != "warning" || !strings.Contains(notes[0].Text, part) {
		t.Errorf("notes output %q (%v)", e.outputs(t)["notes"], err)
	}
	if s := e.summary(t); !strings.Contains(s, part) {
		t.Errorf("the job summary lacks the warning:\n%s", s)
	}
}

// In batch mode the registry is read once and a denial is annotated once,
// while each result lists it.
func TestBatchRegistryDenialAnnotatedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "ecr:CreateRepository", "ecr:TagResource", "ecr:PutImageScanningConfiguration", "ecr:DescribeRepositoryCreationTemplates"})
	log, err := e.run(t, map[string]string{"repositories": "team/a\nteam/b\nteam/c", "scan-on-push": "true", "tags": "team=core"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	if n := annotations(log, "notice"); len(n) != 1 || !strings.Contains(n[0], "ecr:GetRegistryScanningConfiguration") {
		t.Errorf("notice annotations %q, want one naming the permission", n)
	}
	for _, op := range []string{"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"} {
		if c := e.emu.Count(op); c != 1 {
			t.Errorf("%s called %d times, want once", op, c)
		}
	}
	var results map[string]result
	if err := json.Unmarshal([]byte(e.outputs(t)["results"]), &results); err != nil || len(results) != 3 {
		t.Fatalf("results %q (%v)", e.outputs(t)["results"], err)
	}
	for name, r := range results {
		if len(r.Notes) != 1 || r.Notes[0].Level != "notice" {
			t.Errorf("%s: notes %+v", name, r.Notes)
		}
	}
}
