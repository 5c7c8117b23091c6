package awsid_test

import (
	"slices"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
)

func TestFindAccountIDs(t *testing.T) {
	t.Parallel()
	for text, want := range map[string][]string{
		"User: arn:aws:iam::210987654321:user/ci is not authorized":                         {"210987654321"},
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/a and 123456789012:x, '111122223333'": {"123456789012", "111122223333"},
		"1234567890123 12345678901 sha256:ab123456789012cd a123456789012":                   nil,
		"123456789012": {"123456789012"},
	} {
		if got := awsid.FindAccountIDs(text); !slices.Equal(got, want) {
			t.Errorf("awsid.FindAccountIDs(%q) = %q, want %q", text, got, want)
		}
	}
	if got := awsid.RedactAccountIDs("arn:aws:iam::210987654321:user/ci in 210987654321"); got != "arn:aws:iam::***:user/ci in ***" {
		t.Errorf("RedactAccountIDs = %q", got)
	}
}

func FuzzRedactAccountIDs(f *testing.F) {
	f.Add("arn:aws:iam::210987654321:user/ci")
	f.Add("a123456789012 1234567890123")
	f.Fuzz(func(t *testing.T, text string) {
		out := awsid.RedactAccountIDs(text)
		if ids := awsid.FindAccountIDs(out); len(ids) > 0 {
			t.Errorf("awsid.RedactAccountIDs(%q) = %q still names %q", text, out, ids)
		}
	})
}
