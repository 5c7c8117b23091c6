package inputref

import (
	"strings"
	"testing"
)

// Before the entry point words them, references print as the engine's own
// names, never as an input's; every reference has one.
func TestEngineNames(t *testing.T) {
	t.Parallel()
	if words.Load() != nil {
		t.Fatal("words set in the engine's own package")
	}
	seen := map[string]bool{}
	for _, r := range All() {
		s := r.String()
		if s == "" || seen[s] || strings.Contains(s, "-") {
			t.Errorf("%d prints %q: want a distinct engine name, not an input's", r, s)
		}
		seen[s] = true
	}
	if got := Ref(0).String(); got != "?" {
		t.Errorf("the zero Ref prints %q", got)
	}
}
