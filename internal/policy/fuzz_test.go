package policy

import (
	"testing"
)

func FuzzRepositoryPolicy(f *testing.F) {
	for _, s := range seeds(f, "repository") {
		f.Add(s)
	}
	f.Add(`{"Statement":[null]}`)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"Bool":{"k":[true,1,"x"]}}}}`)
	other := seed(f, "repository", "lambda-pull.json")
	f.Fuzz(func(t *testing.T, text string) {
		// Comparing arbitrary text must never panic.
		_, _ = RepositoryPoliciesEqual(text, other, "aws")
		if ValidateRepositoryPolicy(text) != nil {
			return
		}
		for _, variant := range []string{text, Pretty(text)} {
			eq, err := RepositoryPoliciesEqual(text, variant, "aws")
			if err != nil || !eq {
				t.Fatalf("a valid policy does not equal %q: %v, %v", variant, eq, err)
			}
		}
		if p := Pretty(text); charCount(p) <= MaxRepositoryPolicyChars {
			if err := ValidateRepositoryPolicy(p); err != nil {
				t.Fatalf("the Pretty form of a valid policy is invalid: %v", err)
			}
		}
	})
}

func FuzzLifecyclePolicy(f *testing.F) {
	for _, s := range seeds(f, "lifecycle") {
		f.Add(s)
	}
	f.Add(`{"rules":[{"rulePriority":1e400},{"rulePriority":"x"},{"rulePriority":1},1,{"rulePriority":1.0}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		valid := ValidateLifecyclePolicy(text) == nil
		n, err := NormalizeLifecyclePolicy(text)
		if err != nil {
			if valid {
				t.Fatalf("a valid policy does not normalise: %v", err)
			}
			return
		}
		if again, err := NormalizeLifecyclePolicy(n); err != nil || again != n {
			t.Fatalf("not idempotent:\n%s\n%s (%v)", n, again, err)
		}
		if p, err := NormalizeLifecyclePolicy(Pretty(text)); err != nil || p != n {
			t.Fatalf("the Pretty form normalises differently:\n%s\n%s (%v)", n, p, err)
		}
		if eq, err := LifecyclePoliciesEqual(text, n); err != nil || !eq {
			t.Fatalf("a policy does not equal its normal form: %v, %v", eq, err)
		}
		if valid && charCount(n) <= MaxLifecyclePolicyChars {
			if err := ValidateLifecyclePolicy(n); err != nil {
				t.Fatalf("the normal form of a valid policy is invalid: %v", err)
			}
		}
	})
}
