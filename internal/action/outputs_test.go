package action_test

import (
	"slices"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
)

// What a run writes is what the contract lists, for each mode.
func TestOutputsWrittenAreTheContract(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		inputs map[string]string
		want   []string
	}{
		{map[string]string{"repository": "app"}, run.SingleOutputs},
		{map[string]string{"repositories": "app-a\napp-b"}, run.BatchOutputs},
	} {
		e := newEnv(t)
		if log, err := e.run(t, tc.inputs); err != nil {
			t.Fatalf("%v: %v\n%s", tc.inputs, err, log)
		}
		var got []string
		for k := range e.outputs(t) {
			got = append(got, k)
		}
		want := slices.Clone(tc.want)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%v: outputs %q, want %q", tc.inputs, got, want)
		}
	}
}
