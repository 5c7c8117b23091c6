package ghrunner_test

import (
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ghrunner"
)

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	got, err := ghrunner.ParseOutputs("a=1\nb<<EOF\nline1\nline2\nEOF\nc=x=y\na=2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "2", "b": "line1\nline2", "c": "x=y"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, bad := range []string{"noequals\n", "x<<EOF\nunterminated\n"} {
		if _, err := ghrunner.ParseOutputs(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestInputVarKeepsHyphens(t *testing.T) {
	t.Parallel()
	if got := ghrunner.InputVar("aws-region"); got != "INPUT_AWS-REGION" {
		t.Errorf("InputVar = %q", got)
	}
	if got := ghrunner.InputVar("my input"); got != "INPUT_MY_INPUT" {
		t.Errorf("InputVar = %q", got)
	}
}
