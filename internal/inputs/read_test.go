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

// Every input of action.yml is read when the inputs are loaded: a general
// input by the loader, a setting's by the setting's declare or by the
// refusal of the registry that lacks it. An input nothing reads, such as
// the input of a setting whose file was removed, would be accepted whatever
// its value.
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
