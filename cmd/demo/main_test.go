package main

import (
	"bytes"
	"context"
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
}
