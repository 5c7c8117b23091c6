package run_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// action.yml declares exactly the outputs the two modes set, and its
// descriptions of the JSON outputs name the fields of their shapes.
func TestOutputsMatchActionYAML(t *testing.T) {
	t.Parallel()
	m := testsupport.Action(t)
	var declared []string
	desc := map[string]string{}
	for _, o := range m.Outputs {
		declared = append(declared, o.Name)
		desc[o.Name] = o.Description
	}
	var set []string
	for _, name := range append(slices.Clone(run.SingleOutputs), run.BatchOutputs...) {
		if !slices.Contains(set, name) {
			set = append(set, name)
		}
	}
	slices.Sort(declared)
	slices.Sort(set)
	if !slices.Equal(declared, set) {
		t.Errorf("action.yml declares %q, the action sets %q", declared, set)
	}
	b, err := json.Marshal(run.ResultJSON{})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for f := range fields {
		if !strings.Contains(desc[run.OutputResults], f) {
			t.Errorf("action.yml's description of %s does not name the field %q: %q", run.OutputResults, f, desc[run.OutputResults])
		}
	}
}
