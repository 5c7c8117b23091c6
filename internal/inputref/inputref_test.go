package inputref

import "testing"

// A Ref prints as its input, from the generated table in the constants'
// order; a Ref outside the table prints "?" rather than another input.
func TestRefsPrintTheirInputs(t *testing.T) {
	t.Parallel()
	for r, want := range map[Ref]string{
		Repository: "repository", KMSKey: "kms-key", RegistryID: "registry-id",
		MaskAWSAccountID: "mask-aws-account-id", 0: "?", count: "?",
	} {
		if got := r.String(); got != want {
			t.Errorf("Ref %d prints %q, want %q", r, got, want)
		}
	}
}
