package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// The registry's scanning rules decide instead of the repository's
// scanOnPush flag: the action says so in a warning (annotation, plan,
// notes output), sets the flag as declared, and its re-run writes nothing.
// The scanning configuration is registry-wide, so this test runs alone,
// not in parallel with TestScenarios, and puts the previous configuration
// back. It manages nothing a creation template sets, so it makes no
// template read (moto does not serve that one).
func TestRegistryScanningWarning(t *testing.T) {
	be := newBackend(t)
	id := runID(t)
	ctx := t.Context()
	prev, err := be.ecr.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		t.Fatalf("reading the registry scanning configuration: %v", err)
	}
	t.Cleanup(func() {
		in := &ecr.PutRegistryScanningConfigurationInput{}
		if c := prev.ScanningConfiguration; c != nil {
			in.ScanType, in.Rules = c.ScanType, c.Rules
		}
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := be.ecr.PutRegistryScanningConfiguration(ctx, in); err != nil {
			t.Errorf("restoring the registry scanning configuration: %v", err)
		}
	})
	// Basic scanning with a scan-on-push rule for other names: this
	// repository is left to manual scans whatever its flag says.
	filter := "e2e-" + id + "/scanned-*"
	if _, err := be.ecr.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{
		ScanType: types.ScanTypeBasic,
		Rules: []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush,
			RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String(filter), FilterType: types.ScanningRepositoryFilterTypeWildcard}}}},
	}); err != nil {
		t.Fatalf("setting the registry scanning configuration: %v", err)
	}
	s := &scenario{be: be, rec: be.recorder(t), name: "e2e-" + id + "/registry-scanning"}
	in := map[string]string{"repository": s.name, "scan-on-push": "true"}
	want := "the registry's basic scanning configuration applies manual scans only to " + s.name + " (no rule's filter matches it)"

	for run, changed := range []bool{true, false} {
		res, calls := s.succeed(t, in)
		wantOutputs(t, res, s.repoOutputs(changed, changed))
		var notes []struct{ Setting, Level, Text string }
		if err := json.Unmarshal([]byte(res.Outputs["notes"]), &notes); err != nil || len(notes) != 1 ||
			notes[0].Setting != "scan-on-push" || notes[0].Level != "warning" || !strings.Contains(notes[0].Text, want) {
			t.Errorf("run %d: notes = %s (%v), want one scan-on-push warning containing %q", run+1, res.Outputs["notes"], err, want)
		}
		if !strings.Contains(res.Stdout, "::warning title=ecr-reconcile%3A scan-on-push::") || !strings.Contains(res.Stdout, "warning: scan-on-push: "+notes0(notes)) {
			t.Errorf("run %d: the log lacks the warning annotation or plan line:\n%s", run+1, res.Stdout)
		}
		if n := count(calls, "GetRegistryScanningConfiguration"); n != 1 {
			t.Errorf("run %d: %d scanning configuration reads, want 1", run+1, n)
		}
		if n := count(calls, "DescribeRepositoryCreationTemplates"); n != 0 {
			t.Errorf("run %d: templates read with nothing comparable managed: %v", run+1, calls)
		}
		if !changed {
			wantNoWrites(t, calls)
		}
	}
	// The flag is as declared, even though the registry does not use it.
	if st := be.read(t, s.name); !st.scanOnPush() {
		t.Errorf("scanOnPush is false")
	}
}

func notes0(notes []struct{ Setting, Level, Text string }) string {
	if len(notes) == 0 {
		return "\x00"
	}
	return notes[0].Text
}
