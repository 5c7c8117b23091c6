package inputs

import (
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// recordingSource sets every input and records which ones are read.
type recordingSource struct {
	values map[string]string
	read   map[string]bool
}

func (r recordingSource) GetInput(name string) string {
	r.read[name] = true
	return r.values[name]
}

func (recordingSource) Getenv(string) string { return "" }

// Every input of action.yml is owned by a setting (listed in its inputs)
// or read by the loader. The refusal of the inputs a registry lacks reads
// every input a setting lists, so this does not prove that a setting's
// declare reads its inputs (reconcile's TestEverySettingDeclaresItsInputs
// does). An input no setting owns and the loader does not read, such as
// the input of a setting whose file was removed, would be accepted
// whatever its value.
func TestEveryInputIsRead(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	read := map[string]bool{}
	for _, public := range []string{"false", "true"} {
		values := map[string]string{}
		for _, in := range meta.Inputs {
			values[in.Name] = "x"
		}
		values["public"] = public
		_, _ = Load(recordingSource{values: values, read: read}, t.TempDir())
	}
	for _, in := range meta.Inputs {
		if !read[in.Name] {
			t.Errorf("input %s of action.yml is never read: a setting's inputs, or the loader, must read it", in.Name)
		}
	}
}
