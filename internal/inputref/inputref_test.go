package inputref

import (
	"slices"
	"testing"
)

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

// A list input splits on commas, newlines and carriage returns (CRLF line
// ends), trims each item, drops blank ones and keeps order and repeats.
func TestList(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":                        nil,
		" , \r\n,\n ":             nil,
		"a":                       {"a"},
		" a , b ,c":               {"a", "b", "c"},
		"a\r\nb\r\n\r\nc\r\n":     {"a", "b", "c"},
		"a\rb":                    {"a", "b"},
		"b, a\n\tb \n":            {"b", "a", "b"},
		"k = v , key=two words\n": {"k = v", "key=two words"},
	} {
		if got := List(in); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", in, got, want)
		}
	}
}
