package inputs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// TestRangesAreDocumented ties every range the validator enforces to the
// input's description in action.yml (and so to the README's Inputs table,
// which internal/docs keeps identical): the description states "N to M",
// and the parser accepts N and M and refuses N-1 and M+1.
func TestRangesAreDocumented(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	chars := func(n int) string { return strings.Repeat("a", n) }
	probes := map[string]func(n int) error{
		"repository": func(n int) error { _, err := ParseRepositoryName(chars(n)); return err },
		"image-tag-mutability-exclusion-filters": func(n int) error {
			var fs []string
			for i := range n {
				fs = append(fs, fmt.Sprint("f", i))
			}
			_, err := Load(fakeSource{"repository": "app", "aws-region": "us-east-1",
				"image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION", "image-tag-mutability-exclusion-filters": strings.Join(fs, ",")}, "")
			return err
		},
		"role-session-name":     func(n int) error { return validateSessionName(chars(n)) },
		"role-external-id":      func(n int) error { return parseExternalID(chars(n)) },
		"role-duration-seconds": func(n int) error { _, err := parseDurationSeconds(strconv.Itoa(n)); return err },
		"timeout-seconds":       func(n int) error { _, err := parseTimeoutSeconds(strconv.Itoa(n)); return err },
		"max-concurrency":       func(n int) error { _, err := parseConcurrency(strconv.Itoa(n)); return err },
	}
	rng := regexp.MustCompile(`\b(\d+) to (\d+)\b`)
	for name, probe := range probes {
		in, ok := meta.Input(name)
		if !ok {
			t.Errorf("action.yml has no input %s", name)
			continue
		}
		m := rng.FindStringSubmatch(in.Description)
		if m == nil {
			t.Errorf("%s: the description does not state its range (N to M): %q", name, in.Description)
			continue
		}
		lo, _ := strconv.Atoi(m[1])
		hi, _ := strconv.Atoi(m[2])
		for _, n := range []int{lo, hi} {
			if err := probe(n); err != nil {
				t.Errorf("%s: documented range %d to %d, but %d is refused: %v", name, lo, hi, n, err)
			}
		}
		for _, n := range []int{lo - 1, hi + 1} {
			if n >= 0 && probe(n) == nil {
				t.Errorf("%s: documented range %d to %d, but %d is accepted", name, lo, hi, n)
			}
		}
	}
	// Tags have three limits; the description states each.
	in, _ := meta.Input("tags")
	for _, want := range []string{fmt.Sprintf("at most %d tags", ecrspec.MaxTags), fmt.Sprintf("keys of up to %d characters", ecrspec.MaxTagKeyChars), fmt.Sprintf("values of up to %d", ecrspec.MaxTagValueChars)} {
		if !strings.Contains(in.Description, want) {
			t.Errorf("tags: the description lacks %q: %q", want, in.Description)
		}
	}
}
