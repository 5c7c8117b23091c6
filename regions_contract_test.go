package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

// The binary over several Regions: aws-region as a multi-line input, one
// Region not enabled. The regions output is the contract action.yml states:
// an object keyed by Region, each value a result with the fields of an entry
// of results; the single-repository outputs are the primary Region's.
func TestContractSeveralRegions(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t)
	emu.SetRegionStatus("me-south-1", emulator.RegionNotEnabled)
	res, err := ghrunner.Run(context.Background(), ghrunner.Step{Bin: bin, Env: staticEnv(url), Inputs: map[string]string{
		"repository": "svc/api",
		"aws-region": "eu-central-1\nus-east-2\nme-south-1\n",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 1 {
		t.Fatalf("exit %d, want 1 for the Region not enabled\nstdout:\n%s", res.ExitCode, res.Stdout)
	}
	if res.Outputs["repository-uri"] != "123456789012.dkr.ecr.eu-central-1.amazonaws.com/svc/api" || res.Outputs["created"] != "true" {
		t.Errorf("primary outputs = %v", res.Outputs)
	}
	var byRegion map[string]map[string]any
	if err := json.Unmarshal([]byte(res.Outputs["regions"]), &byRegion); err != nil {
		t.Fatalf("regions = %q: %v", res.Outputs["regions"], err)
	}
	if len(byRegion) != 3 {
		t.Fatalf("regions = %v, want three Regions", byRegion)
	}
	for region, r := range byRegion {
		for _, field := range []string{"created", "changed", "changes"} {
			if _, ok := r[field]; !ok {
				t.Errorf("regions[%s] has no %q: %v", region, field, r)
			}
		}
	}
	if byRegion["us-east-2"]["uri"] != "123456789012.dkr.ecr.us-east-2.amazonaws.com/svc/api" || byRegion["us-east-2"]["created"] != true {
		t.Errorf("regions[us-east-2] = %v", byRegion["us-east-2"])
	}
	if e, _ := byRegion["me-south-1"]["error"].(string); !strings.Contains(e, "me-south-1 refused the credentials") {
		t.Errorf("regions[me-south-1] = %v, want the not-enabled error", byRegion["me-south-1"])
	}
	for _, region := range []string{"eu-central-1", "us-east-2"} {
		if _, ok := emu.RepositoryIn(region, "", "svc/api"); !ok {
			t.Errorf("%s: no repository", region)
		}
	}
	if !strings.Contains(res.Summary, "## ECR in 3 Regions") || !strings.Contains(res.Stdout, "::error title=ecr-reconcile%3A svc/api in me-south-1::") {
		t.Errorf("summary:\n%s\nstdout:\n%s", res.Summary, res.Stdout)
	}
}
