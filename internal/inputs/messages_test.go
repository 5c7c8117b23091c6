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

// An invalid value is quoted by a short prefix only, and the message says
// where in it the problem is.
func TestMessagesQuoteAShortPrefixAndSayWhere(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 100_000)
	tests := []struct {
		value string
		want  []string
	}{
		{"a=1,b=2," + huge, []string{"entry 3: tag \"xxxx", "… (100000 characters in all)", "has no \"=\""}},
		{"a=1\n" + huge + "=v", []string{"entry 2: tag key \"xxx", "… (100000 characters in all) is 100000 characters"}},
		{"{\"a\": \"1\",\n  \"b\": " + "[" + strings.Repeat("1,", 50_000) + "1]}", []string{"line 2, column 3: tag \"b\" has the value [1,1,", "… (100003 characters in all), which is not a string"}},
		{"{\"a\": \"1\",\n \"b\" 2}", []string{"tags are not valid JSON at line 2, column 6"}},
		{"k=v\nk=w", []string{"entry 2: tag key \"k\" is given twice"}},
	}
	for _, tt := range tests {
		_, err := ParseTags(tt.value)
		if err == nil {
			t.Errorf("ParseTags(%.20q…) = nil error", tt.value)
			continue
		}
		if len(err.Error()) > 400 {
			t.Errorf("ParseTags(%.20q…): message of %d bytes: %.300s", tt.value, len(err.Error()), err)
		}
		wantErr(t, err, tt.want...)
	}
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
