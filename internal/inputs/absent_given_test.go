package inputs

import (
	"errors"
	"strings"
	"testing"
)

// With state: absent every setting input that is given is refused by
// name with the absent fix (action.yml: "no setting input may be given
// with absent"), whether or not its value parses to something: a list
// of separators only is given all the same. And no fix offered with
// absent switches the registry (set public: true), which would delete
// another repository.
func TestAbsentRefusesEveryGivenSettingInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		input, value, public string
	}{
		{"image-tag-mutability-exclusion-filters", ",", "false"},
		{"catalog-architectures", ",", "true"},
		{"catalog-operating-systems", " , ", "true"},
		{"catalog-architectures", ",", "false"},
		// A setting's flag set to true is given: this one changes how the
		// repository policy is checked.
		{"allow-public-repository-policy", "true", "false"},
		{"allow-public-repository-policy", "TRUE", "true"},
	} {
		src := fakeSource{"repository": "app", "aws-region": "us-east-1", "state": "absent", "public": tc.public, tc.input: tc.value}
		_, err := Load(src, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) {
			t.Errorf("state: absent, public: %s, %s: %q accepted (%v): the deletion would go ahead with a setting input given", tc.public, tc.input, tc.value, err)
			continue
		}
		if len(errs) != 1 || errs[0].Input != tc.input || !strings.Contains(errs[0].Err.Error(), "Remove "+tc.input) {
			t.Errorf("state: absent, public: %s, %s: %q: errors %v, want one on %s with the absent fix", tc.public, tc.input, tc.value, err, tc.input)
		}
	}
}
