package inputref

import "testing"

// Every reference is worded, each as a different input; whether the word is
// an input of action.yml is internal/inputs' test (TestEngineRefsAreInputs).
func TestEveryRefIsWorded(t *testing.T) {
	t.Parallel()
	seen := map[string]Ref{}
	for _, r := range All() {
		s := r.String()
		if other, dup := seen[s]; s == "" || dup {
			t.Errorf("%d prints %q (as %d does): want a distinct input", r, s, other)
		}
		seen[s] = r
	}
	if got := Ref(0).String(); got != "?" {
		t.Errorf("the zero Ref prints %q", got)
	}
}
