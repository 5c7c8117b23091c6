package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The README's first command must keep showing what it promises: a
// creation, a run with nothing to write, and a repaired drift.
func TestDemoShowsCreateNoOpAndRepair(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := realMain(context.Background(), &out); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	log := out.String()
	runs := strings.Split(log, "\n=== ")
	if len(runs) != 4 {
		t.Fatalf("want 3 runs, got %d:\n%s", len(runs)-1, log)
	}
	for i, want := range [][]string{
		{"Run 1", "▼ Plan for payments/api: created", "created = true", "writes: 3"},
		{"Run 2", "▼ Plan for payments/api: unchanged", "changed = false", "writes: 0 []"},
		{"Run 3", "▼ Plan for payments/api: updated", "~ scan-on-push", "+ repository-policy", "writes: 3"},
	} {
		for _, s := range want {
			if !strings.Contains(runs[i+1], s) {
				t.Errorf("run %d lacks %q:\n%s", i+1, s, runs[i+1])
			}
		}
	}

	// docs/development.md describes runs 1 and 2 by their reads and writes,
	// and says the job summary follows the runs that change something.
	doc, err := os.ReadFile("../../docs/development.md")
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`AWS calls made: (\d+) \((.*)\); writes: (\d+) `)
	for i, re := range []*regexp.Regexp{
		regexp.MustCompile(`\*\*run 1\*\* creates .*?\((\d+) reads, (\d+) writes\)`),
		regexp.MustCompile(`\*\*run 2\*\* repeats .*?\((\d+) reads, [^,]*, (\d+) writes\)`),
	} {
		said := re.FindStringSubmatch(string(doc))
		got := calls.FindStringSubmatch(runs[i+1])
		if said == nil || got == nil {
			t.Fatalf("run %d: docs/development.md claim %q, demo log %q", i+1, said, got)
		}
		n, _ := strconv.Atoi(got[1])
		w, _ := strconv.Atoi(got[3])
		if i == 1 {
			// A run that writes no policy cancels IAM Access Analyzer's
			// check, which went out with the reads, unanswered: it may or
			// may not have reached the emulator, and the docs leave it out.
			n -= strings.Count(got[2], "ValidatePolicy")
		}
		if said[1] != strconv.Itoa(n-w) || said[2] != got[3] {
			t.Errorf("run %d: docs/development.md says %s reads and %s writes; the demo made %d and %d", i+1, said[1], said[2], n-w, w)
		}
	}
	for i, want := range []bool{true, false, true} {
		if got := strings.Contains(runs[i+1], "Job summary"); got != want {
			t.Errorf("run %d prints a job summary: %v, docs/development.md says %v", i+1, got, want)
		}
	}
}
