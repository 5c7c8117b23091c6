package inputs

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
)

// fakeSource is a runner's view of the inputs: what is set, else
// action.yml's default, as the runner passes it.
type fakeSource map[string]string

func (f fakeSource) GetInput(name string) string {
	if v, ok := f[name]; ok {
		return v
	}
	return actionYMLDefault(name)
}

var actionYMLDefault = sync.OnceValue(func() func(string) string {
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		panic(err)
	}
	meta, err := actionmeta.Parse(b)
	if err != nil {
		panic(err)
	}
	return func(name string) string { in, _ := meta.Input(name); return in.Default }
})()

func (f fakeSource) Getenv(string) string { return "" }

// Each error of a parser that reads two inputs is reported on the input
// that is wrong, and only there.
func TestInputErrorsNameTheWrongInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		inputs map[string]string
		want   string
	}{
		{map[string]string{"image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION", "image-tag-mutability-exclusion-filters": "a,b,c,d,e,f"}, "image-tag-mutability-exclusion-filters"},
		{map[string]string{"image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION", "image-tag-mutability-exclusion-filters": "bad filter!"}, "image-tag-mutability-exclusion-filters"},
		{map[string]string{"image-tag-mutability": "IMMUTABLE_WITH_EXCLUSION"}, "image-tag-mutability-exclusion-filters"},
		{map[string]string{"image-tag-mutability": "MUTABLE", "image-tag-mutability-exclusion-filters": "latest"}, "image-tag-mutability"},
		{map[string]string{"image-tag-mutability-exclusion-filters": "latest"}, "image-tag-mutability"},
		{map[string]string{"image-tag-mutability": "SOMETIMES"}, "image-tag-mutability"},
		{map[string]string{"encryption-type": "KMS", "kms-key": "not a key"}, "kms-key"},
		{map[string]string{"encryption-type": "AES256", "kms-key": "alias/x"}, "kms-key"},
		{map[string]string{"kms-key": "alias/x"}, "encryption-type"},
		{map[string]string{"encryption-type": "ROT13"}, "encryption-type"},
	}
	for _, tt := range tests {
		src := fakeSource{"repository": "app", "aws-region": "us-east-1"}
		for k, v := range tt.inputs {
			src[k] = v
		}
		_, err := Load(src, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Input != tt.want {
			t.Errorf("%v: errors %v, want one on %s", tt.inputs, err, tt.want)
		}
	}
}

// An invalid value is quoted by a short prefix only (the tags' messages,
// which also say where, are the engine's test).
func TestMessagesQuoteAShortPrefix(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 100_000)
	for _, parse := range []func(string) error{
		func(s string) error { _, err := parseBool(s); return err },
		func(s string) error { _, err := ParseRepositoryName(s); return err },
		func(s string) error { _, err := parseRoleARN(s); return err },
		func(s string) error { _, err := parseTimeoutSeconds(s); return err },
		func(s string) error { _, err := parseRegions(s); return err },
		parseAccountID, validateSessionName, parseAudience,
	} {
		err := parse(huge + " y")
		if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "characters in all") {
			t.Errorf("message not cut: %.300v", err)
		}
	}
}

// With state: absent the fix for a setting input is to remove it: its
// other errors, whose fixes (set encryption-type, set public: true) would
// be refused in turn, are not reported. Every setting input given is
// refused (action.yml: "no setting input may be given with absent"),
// whatever it parses to: a list of separators only is given all the same,
// and so is a setting's flag set to true. A flag not true, which the
// absent rule does not refuse, keeps its own error.
func TestAbsentGivesOnlyTheAbsentFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		inputs map[string]string
		want   map[string]string // input: what its one error says
		not    string            // no error says this
	}{
		{map[string]string{"kms-key": "alias/x"}, map[string]string{"kms-key": "Remove kms-key"}, "encryption-type to KMS"},
		{map[string]string{"encryption-type": "AES256", "kms-key": "alias/x"}, map[string]string{"encryption-type": "Remove encryption-type", "kms-key": "Remove kms-key"}, "does not use a KMS key"},
		{map[string]string{"catalog-about": "x"}, map[string]string{"catalog-about": "Remove catalog-about"}, "public: true"},
		{map[string]string{"public": "true", "lifecycle-policy": "none"}, map[string]string{"lifecycle-policy": "Remove lifecycle-policy"}, "public: true"},
		{map[string]string{"tags": "no-equals-sign"}, map[string]string{"tags": "Remove tags"}, `"="`},
		{map[string]string{"image-tag-mutability-exclusion-filters": "latest"}, map[string]string{"image-tag-mutability-exclusion-filters": "Remove image-tag-mutability-exclusion-filters"}, "set image-tag-mutability"},
		{map[string]string{"prune-tags": "maybe"}, map[string]string{"prune-tags": "maybe"}, "state is absent"},
		{map[string]string{"image-tag-mutability-exclusion-filters": ","}, map[string]string{"image-tag-mutability-exclusion-filters": "Remove image-tag-mutability-exclusion-filters"}, "set image-tag-mutability"},
		{map[string]string{"catalog-architectures": ","}, map[string]string{"catalog-architectures": "Remove catalog-architectures"}, "public: true"},
		{map[string]string{"public": "true", "catalog-architectures": ","}, map[string]string{"catalog-architectures": "Remove catalog-architectures"}, "public: true"},
		{map[string]string{"public": "true", "catalog-operating-systems": " , "}, map[string]string{"catalog-operating-systems": "Remove catalog-operating-systems"}, "public: true"},
		{map[string]string{"allow-public-repository-policy": "true"}, map[string]string{"allow-public-repository-policy": "Remove allow-public-repository-policy"}, "public: true"},
		{map[string]string{"public": "true", "allow-public-repository-policy": "TRUE"}, map[string]string{"allow-public-repository-policy": "Remove allow-public-repository-policy"}, "public: true"},
	}
	for _, tt := range tests {
		src := fakeSource{"repository": "app", "aws-region": "us-east-1", "state": "absent"}
		for k, v := range tt.inputs {
			src[k] = v
		}
		_, err := Load(src, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) {
			t.Errorf("%v: accepted (%v)", tt.inputs, err)
			continue
		}
		got := map[string]string{}
		for _, e := range errs {
			if _, dup := got[e.Input]; dup {
				t.Errorf("%v: two errors on %s: %v", tt.inputs, e.Input, err)
			}
			got[e.Input] = e.Err.Error()
			if strings.Contains(e.Err.Error(), tt.not) {
				t.Errorf("%v: %s says %q: %v", tt.inputs, e.Input, tt.not, e.Err)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%v: errors %v, want one on each of %v", tt.inputs, err, tt.want)
		}
		for in, w := range tt.want {
			if !strings.Contains(got[in], w) {
				t.Errorf("%v: error on %s is %q, want it to say %q", tt.inputs, in, got[in], w)
			}
		}
	}
}

// A path that leaves the workspace gets an example of the right kind of
// file: a logo is not a policy.
func TestOutsidePathExampleFitsTheInput(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"catalog-logo": "for example .github/logo.png", "repository-policy": "for example policies/repository.json"} {
		src := fakeSource{"repository": "app", "aws-region": "us-east-1", "public": "true", in: "../x"}
		_, err := Load(src, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Input != in || !strings.Contains(errs[0].Err.Error(), want) {
			t.Errorf("%s outside the workspace: errors %v, want one on %s saying %q", in, err, in, want)
		}
	}
}

// A path input that is not found, or cannot be read, is named once and
// bounded, however long: the file name the system error repeats is left
// out.
func TestPathMessagesAreBounded(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	for _, path := range []string{
		strings.Repeat("d/", 20_000) + "policy.json", // not found
		strings.Repeat("x", 5000) + ".json",          // a name too long for the file system
		"/" + strings.Repeat("y", 5000),              // outside the workspace
	} {
		_, err := readDocument(path, ws)
		if err == nil || len(err.Error()) > 600 || !strings.Contains(err.Error(), "characters in all") {
			t.Errorf("readDocument(%.20q…): message of %d bytes: %.600v", path, len(err.Error()), err)
		}
	}
}
