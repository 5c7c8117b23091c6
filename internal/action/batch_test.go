package action_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

func TestBatchOutputsAndSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "svc/existing", ScanOnPush: true})
	// The second create fails; the others must still be reconciled.
	e.emu.AddFault(emulator.FaultRule{Operation: "CreateRepository", Kind: emulator.FaultError, Status: 400, Code: "KmsException", Message: "kms:CreateGrant denied", After: 1, Times: 1})
	log, err := e.run(t, map[string]string{
		"repositories": "# services\nsvc/existing\n\nsvc/new-a\nsvc/new-b\n",
		"scan-on-push": "true",
	})
	if err == nil {
		t.Fatal("a failed repository did not fail the step")
	}
	if a := annotations(log, "error"); len(a) != 1 || !strings.Contains(a[0], "KmsException") {
		t.Errorf("error annotations = %v", a)
	}
	out := e.outputs(t)
	var uris map[string]string
	if err := json.Unmarshal([]byte(out["repository-uris"]), &uris); err != nil {
		t.Fatalf("repository-uris = %q: %v", out["repository-uris"], err)
	}
	if uris["svc/existing"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc/existing" || len(uris) != 2 {
		t.Errorf("repository-uris = %v", uris)
	}
	var results map[string]result
	if err := json.Unmarshal([]byte(out["results"]), &results); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for name, r := range results {
		if r.Error != "" {
			failed++
			continue
		}
		if r.Created != (name != "svc/existing") || r.Changed != r.Created {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if len(results) != 3 || failed != 1 || out["created"] != "true" {
		t.Errorf("results = %+v, created=%s", results, out["created"])
	}
	sum := e.summary(t)
	for _, s := range []string{"| `svc/existing` | unchanged |", "3 repositories: 1 created, 0 updated, 1 unchanged, 1 failed.", "**failed**"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

func TestBatchDryRunAsksForTheAccountOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log, err := e.run(t, map[string]string{"repositories": "a1\nb1\nc1\nd1", "dry-run": "true", "tags": "x=y"})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if n := e.emu.Count("GetCallerIdentity"); n != 1 {
		t.Errorf("GetCallerIdentity called %d times for 4 missing repositories, want 1", n)
	}
	if len(e.emu.Writes()) != 0 {
		t.Errorf("dry-run wrote %v", e.emu.Writes())
	}
	var uris map[string]string
	if err := json.Unmarshal([]byte(e.outputs(t)["repository-uris"]), &uris); err != nil || uris["d1"] != "123456789012.dkr.ecr.us-east-1.amazonaws.com/d1" {
		t.Errorf("repository-uris = %v (%v)", uris, err)
	}
}

// With on-reconcile-error: warn, a repository whose setting failed is
// "warned" in the results output, the log and the summary table and tally.
func TestBatchWarnedRepositoryIsReportedAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.PutRepository(emulator.Repository{Name: "svc/a"})
	e.emu.PutRepository(emulator.Repository{Name: "svc/b"})
	e.emu.AddFault(emulator.FaultRule{Operation: "PutLifecyclePolicy", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException",
		Message: "User is not authorized to perform: ecr:PutLifecyclePolicy", Times: 1})
	log, err := e.run(t, map[string]string{"repositories": "svc/a\nsvc/b", "lifecycle-policy": expireUntagged, "on-reconcile-error": "warn"})
	if err != nil {
		t.Fatalf("warn mode failed the step: %v\n%s", err, log)
	}
	var results map[string]result
	if err := json.Unmarshal([]byte(e.outputs(t)["results"]), &results); err != nil {
		t.Fatal(err)
	}
	var warned string
	for name, r := range results {
		if r.Warned {
			warned = name
			if !strings.Contains(r.Warning, "lifecycle-policy") || !strings.Contains(r.Warning, "ecr:PutLifecyclePolicy") || r.Error != "" {
				t.Errorf("%s: %+v, want the setting and its error as a warning", name, r)
			}
		} else if !r.Changed || r.Warning != "" || r.Error != "" {
			t.Errorf("%s: %+v, want updated", name, r)
		}
	}
	if warned == "" {
		t.Fatalf("no repository marked as warned in results: %+v", results)
	}
	if w := annotations(log, "warning"); len(w) != 1 || !strings.Contains(w[0], warned+"%3A lifecycle-policy") || !strings.Contains(w[0], "ecr:PutLifecyclePolicy") {
		t.Errorf("warning annotations = %v, want one naming %s and lifecycle-policy", w, warned)
	}
	if a := annotations(log, "error"); len(a) != 0 {
		t.Errorf("error annotations = %v", a)
	}
	tally := "2 repositories: 0 created, 1 updated, 0 unchanged, 1 warned, 0 failed."
	if !strings.Contains(log, tally) {
		t.Errorf("log lacks the tally %q:\n%s", tally, log)
	}
	sum := e.summary(t)
	for _, s := range []string{tally, "| `" + warned + "` | unchanged, **warned** |"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

// TestBatchRefusesEveryBadNameBeforeAnyCall: names ECR's pattern refuses
// (each would fail its whole DescribeRepositories chunk) are all reported
// in one error on the "repositories" input, and nothing is sent to AWS.
func TestBatchRefusesEveryBadNameBeforeAnyCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var names []string
	for i := range 150 {
		names = append(names, fmt.Sprintf("svc/app-%d", i))
	}
	bad := []string{"a..b", "a._b", "a-_b", "a___b"}
	for i, b := range bad {
		names[10+i*40] = b // spread over both chunks of 100
	}
	log, err := e.run(t, map[string]string{"repositories": strings.Join(names, "\n")})
	if err == nil {
		t.Fatalf("bad names accepted:\n%s", log)
	}
	errs := annotations(log, "error")
	if len(errs) != 1 {
		t.Fatalf("want one error annotation, got %q", errs)
	}
	for i, b := range bad {
		if want := fmt.Sprintf("line %d: repository name %q", 11+i*40, b); !strings.Contains(log, want) &&
			!strings.Contains(errs[0], strings.ReplaceAll(want, `"`, "%22")) {
			t.Errorf("error does not report %s:\n%s", want, errs[0])
		}
	}
	if !strings.Contains(errs[0], "repositories") {
		t.Errorf("error does not name the input: %s", errs[0])
	}
	if calls := e.emu.Calls(); len(calls) != 0 {
		t.Errorf("%d AWS calls made before validation finished: %+v", len(calls), calls)
	}
}

// A batch whose summary would pass the bound gets a condensed one that says
// where the full result is; the results output still has every
// repository. The repositories exist and nothing is managed, so that the
// batch costs one DescribeRepositories call per 100 names.
func TestLargeBatchSummaryIsCondensed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var names strings.Builder
	const n = 2200
	for i := range n {
		name := fmt.Sprintf("platform/%s/service-%04d", strings.Repeat("x", 220), i)
		e.emu.PutRepository(emulator.Repository{Name: name})
		names.WriteString(name + "\n")
	}
	_, err := e.run(t, map[string]string{"repositories": names.String()})
	if err != nil {
		t.Fatalf("%.300v", err)
	}
	sum := e.summary(t)
	if len(sum) > 512<<10 || !strings.Contains(sum, "the rows of 2200 unchanged repositories are not shown here") || !strings.Contains(sum, "The `results` output has every repository") {
		t.Errorf("summary of %d bytes, not condensed as it should be:\n%.600s", len(sum), sum)
	}
	var results map[string]json.RawMessage
	if err := json.Unmarshal([]byte(e.outputs(t)["results"]), &results); err != nil || len(results) != n {
		t.Errorf("results has %d repositories (%v), want %d", len(results), err, n)
	}
}
