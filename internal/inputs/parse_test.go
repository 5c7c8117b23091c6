package inputs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// wantErr fails unless err is non-nil and contains every substring of want.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func readSeed(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "seeds", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestParseRepositoryName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ab": "ab", " team/app \n": "team/app", "a--b": "a--b", "a__b": "a__b", "a.b_c-d": "a.b_c-d",
		"a/b/c/d": "a/b/c/d", "base/node_20.x": "base/node_20.x", "0/1": "0/1", strings.Repeat("a", 256): strings.Repeat("a", 256),
	} {
		if got, err := ParseRepositoryName(in); err != nil || got != want {
			t.Errorf("ParseRepositoryName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"has 0 characters", "ECR needs 2 to 256", `for example "team/my-app"`}},
		{"a", []string{"has 1 characters"}},
		{strings.Repeat("a", 257), []string{"has 257 characters"}},
		{"Team/App", []string{"upper-case letters", `use "team/app"`}},
		{"-app", []string{`"-app" is not valid`, "lower-case letters and digits"}},
		{"app-", []string{"is not valid"}},
		{"team//app", []string{"is not valid"}},
		{"/app", []string{"is not valid"}},
		{"team/app/", []string{"is not valid"}},
		{"my app", []string{"is not valid"}},
		{"app:latest", []string{"is not valid"}},
		{"TEAM_ÄPP", []string{"is not valid"}},
	}
	for _, tt := range tests {
		_, err := ParseRepositoryName(tt.in)
		wantErr(t, err, tt.want...)
	}
}

func TestParseRepositoryNames(t *testing.T) {
	t.Parallel()
	got, err := ParseRepositoryNames(readSeed(t, "repositories.txt"))
	if want := []string{"team/api", "team/web-app", "base/node_20.x", "a--b"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseRepositoryNames = %q, %v; want %q", got, err, want)
	}
	_, err = ParseRepositoryNames("a/b\r\nc/d\nBad Name\n")
	wantErr(t, err, "line 3:", `"Bad Name" is not valid`)
	_, err = ParseRepositoryNames("app\n# comment\napp # again\n")
	wantErr(t, err, `"app" is listed twice (lines 1 and 3)`, "list each repository once")
	for _, in := range []string{"", " \n# only a comment\n"} {
		_, err = ParseRepositoryNames(in)
		wantErr(t, err, "no repository name given", "one name per line")
	}
}

func TestParseTags(t *testing.T) {
	t.Parallel()
	valid := []struct {
		in   string
		want map[string]string
	}{
		{"", nil},
		{" \n ", nil},
		{readSeed(t, "tags-lines.txt"), map[string]string{
			"team": "platform", "env": "prod", "cost-center": "1234", "owner": "ops@example.com", "url": "https://example.com/a=b", "empty": "",
		}},
		{readSeed(t, "tags.json"), map[string]string{"team": "platform", "env": "prod", "Name": "my app: v1.2 / +x=y@z"}},
		{"a=1,a=1", map[string]string{"a": "1"}},
		{"Équipe=données, 名前=値", map[string]string{"Équipe": "données", "名前": "値"}},
		{`{"a=b": " spaced "}`, map[string]string{"a=b": " spaced "}},
		{`{}`, map[string]string{}},
		{"AWSome=yes", map[string]string{"AWSome": "yes"}},
	}
	for _, tt := range valid {
		got, err := ParseTags(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTags(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	var fifty, fiftyOne []string
	for i := range 51 {
		if i < 50 {
			fifty = append(fifty, "k"+strings.Repeat("x", i)+"=v")
		}
		fiftyOne = append(fiftyOne, "k"+strings.Repeat("x", i)+"=v")
	}
	if got, err := ParseTags(strings.Join(fifty, "\n")); err != nil || len(got) != 50 {
		t.Errorf("50 tags: %d, %v", len(got), err)
	}
	invalid := []struct {
		in   string
		want []string
	}{
		{"team", []string{`tag "team" has no "="`, "write key=value"}},
		{"=v", []string{"empty key", "write key=value"}},
		{"aws:x=1", []string{`tag key "aws:x" starts with "aws:", which is reserved for AWS; use another key`}},
		{"AWS:Name=1", []string{`"AWS:Name" starts with "aws:"`}},
		{strings.Repeat("k", 129) + "=v", []string{"is 129 characters; use at most 128"}},
		{"k=" + strings.Repeat("v", 257), []string{`the value of tag "k" is 257 characters; use at most 256`}},
		{"a=1\na=2", []string{`tag key "a" is given twice with different values ("1" and "2"); keep one`}},
		{"k!=v", []string{`tag key "k!" has characters AWS does not allow`, "use only letters"}},
		{"k=v;w", []string{`the value of tag "k" has characters`}},
		{"k=\xff", []string{`the value of tag "k" has characters`}},
		{strings.Join(fiftyOne, ","), []string{"51 tags given; ECR allows at most 50", "remove some"}},
		{`{"a": 1}`, []string{`tag "a" has the value 1, which is not a string`, `quote it, for example "a": "1"`}},
		{`{"a": null}`, []string{`tag "a" has the value null`}},
		{`{"a": "1",}`, []string{"not valid JSON", "write a JSON object of strings"}},
		{`{"a": "1"} x`, []string{"text after the JSON object"}},
		{`{"a": "1", "a": "2"}`, []string{`"a" is given twice`}},
		{`{"aws:a": "1"}`, []string{`reserved for AWS`}},
	}
	for _, tt := range invalid {
		_, err := ParseTags(tt.in)
		wantErr(t, err, tt.want...)
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , \n ,", nil},
		{"a", []string{"a"}},
		{"b, a\r\nc,,a\n b ", []string{"b", "a", "c"}},
		{"A,a", []string{"A", "a"}},
	}
	for _, tt := range tests {
		if got := ParseList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"true": true, "True": true, "TRUE": true, " true\n": true, "tRuE": true, "false": false, "False": false, "FALSE": false} {
		got, err := ParseBool(in)
		if err != nil || got == nil || *got != want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseBool(""); got != nil || err != nil {
		t.Errorf(`ParseBool("") = %v, %v; want nil, nil`, got, err)
	}
	for _, in := range []string{"yes", "1", "on", "t", "truee"} {
		_, err := ParseBool(in)
		wantErr(t, err, "is not a boolean; use true or false")
	}
}

func TestParseMutability(t *testing.T) {
	t.Parallel()
	valid := []struct {
		value, filters string
		want           *reconcile.Mutability
	}{
		{"", "", nil},
		{"immutable", "", &reconcile.Mutability{Value: "IMMUTABLE"}},
		{" Mutable ", "", &reconcile.Mutability{Value: "MUTABLE"}},
		{"immutable_with_exclusion", readSeed(t, "exclusion-filters.txt"),
			&reconcile.Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"*.rc*", "dev-*", "latest", "pr-*"}}},
		{"MUTABLE_WITH_EXCLUSION", "release-*, release-*", &reconcile.Mutability{Value: "MUTABLE_WITH_EXCLUSION", Filters: []string{"release-*"}}},
		{"IMMUTABLE_WITH_EXCLUSION", "*", &reconcile.Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"*"}}},
		{"IMMUTABLE_WITH_EXCLUSION", "a,b,c,d,e", &reconcile.Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"a", "b", "c", "d", "e"}}},
	}
	for _, tt := range valid {
		got, err := ParseMutability(tt.value, tt.filters)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMutability(%q, %q) = %+v, %v; want %+v", tt.value, tt.filters, got, err, tt.want)
		}
	}
	invalid := []struct {
		value, filters string
		want           []string
	}{
		{"", "latest", []string{"is empty, but image-tag-mutability-exclusion-filters is set", "set it to IMMUTABLE_WITH_EXCLUSION"}},
		{"frozen", "", []string{`"frozen" is not a tag mutability`, "use MUTABLE, IMMUTABLE"}},
		{"IMMUTABLE", "latest", []string{"IMMUTABLE takes no exclusion filters; use IMMUTABLE_WITH_EXCLUSION", "remove image-tag-mutability-exclusion-filters"}},
		{"IMMUTABLE_WITH_EXCLUSION", " , ", []string{"needs exclusion filters", "give 1 to 5"}},
		{"MUTABLE_WITH_EXCLUSION", "a,b,c,d,e,f", []string{"6 exclusion filters given; ECR allows at most 5"}},
		{"MUTABLE_WITH_EXCLUSION", "v1/x", []string{`exclusion filter "v1/x" is not valid`, "with * as a wildcard"}},
		{"MUTABLE_WITH_EXCLUSION", strings.Repeat("a", 129), []string{"is not valid", "up to 128"}},
	}
	for _, tt := range invalid {
		_, err := ParseMutability(tt.value, tt.filters)
		wantErr(t, err, tt.want...)
	}
}

func TestParseEncryption(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:kms:us-east-1:111122223333:"
	valid := []struct {
		typ, key string
		want     *reconcile.Encryption
	}{
		{"", "", nil},
		{"aes256", "", &reconcile.Encryption{Type: "AES256"}},
		{"kms", "", &reconcile.Encryption{Type: "KMS"}},
		{"KMS_DSSE", "1234abcd-12ab-34cd-56ef-1234567890ab", &reconcile.Encryption{Type: "KMS_DSSE", KMSKey: "1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"KMS", "mrk-1234abcd12ab34cd56ef1234567890ab", &reconcile.Encryption{Type: "KMS", KMSKey: "mrk-1234abcd12ab34cd56ef1234567890ab"}},
		{"KMS", arn + "key/1234abcd-12ab-34cd-56ef-1234567890ab", &reconcile.Encryption{Type: "KMS", KMSKey: arn + "key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"KMS", "alias/ecr/images", &reconcile.Encryption{Type: "KMS", KMSKey: "alias/ecr/images"}},
		{"KMS", " arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/my_key ", &reconcile.Encryption{Type: "KMS", KMSKey: "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/my_key"}},
	}
	for _, tt := range valid {
		got, err := ParseEncryption(tt.typ, tt.key)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseEncryption(%q, %q) = %+v, %v; want %+v", tt.typ, tt.key, got, err, tt.want)
		}
	}
	invalid := []struct {
		typ, key string
		want     []string
	}{
		{"", "alias/x", []string{"is empty, but kms-key is set", "set encryption-type to KMS"}},
		{"AES256", "alias/x", []string{"AES256 encryption does not use a KMS key", "remove kms-key"}},
		{"sse", "", []string{`"sse" is not an encryption type`, "use AES256, KMS or KMS_DSSE"}},
		{"KMS", "my-key", []string{`"my-key" is not a KMS key reference`, "use a key ID"}},
		{"KMS", "alias/", []string{"is not a KMS key reference"}},
		{"KMS", arn + "key/not-a-uuid", []string{"is not a KMS key reference"}},
		{"KMS", "arn:aws:kms:us-east-1:1111:alias/x", []string{"is not a KMS key reference"}},
	}
	for _, tt := range invalid {
		_, err := ParseEncryption(tt.typ, tt.key)
		wantErr(t, err, tt.want...)
	}
}

func TestParseRegion(t *testing.T) {
	t.Parallel()
	for _, r := range []string{"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1", "eusc-de-east-1"} {
		if err := ParseRegion(r); err != nil {
			t.Errorf("ParseRegion(%q): %v", r, err)
		}
	}
	for _, r := range []string{"", "us-east", "US-EAST-1", "useast1", "us-east-1a", "us-east-123", "u-east-1", " us-east-1"} {
		wantErr(t, ParseRegion(r), "is not an AWS Region code", "such as us-east-1")
	}
}

func TestParseAccountID(t *testing.T) {
	t.Parallel()
	if err := ParseAccountID("012345678901"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "12345678901", "1234567890123", "12345678901a"} {
		wantErr(t, ParseAccountID(s), "is not an AWS account ID", "12 digits")
	}
}

func TestParseRoleARN(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/deploy",
		"arn:aws:iam::123456789012:role/service-role/ci/deploy+x=y,z.@-_",
		"arn:aws-cn:iam::123456789012:role/r",
		"arn:aws-us-gov:iam::123456789012:role/r",
		"arn:aws-iso-b:iam::123456789012:role/r",
	} {
		if got, err := ParseRoleARN(" " + s + "\n"); err != nil || got != s {
			t.Errorf("ParseRoleARN(%q) = %q, %v", s, got, err)
		}
	}
	_, err := ParseRoleARN("deploy")
	wantErr(t, err, `"deploy" is a role name, not an ARN`, "arn:aws:iam::123456789012:role/deploy")
	_, err = ParseRoleARN("arn:aws:sts::123456789012:assumed-role/deploy/session")
	wantErr(t, err, "STS session ARN", "use the IAM role ARN")
	for _, s := range []string{"", "arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65)} {
		_, err := ParseRoleARN(s)
		wantErr(t, err, "is not an IAM role ARN", "arn:<partition>:iam::<account-id>:role/<path/name>")
	}
}

func TestSessionName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                       "--",
		"a":                      "a-",
		"ecr-reconcile@1.2":      "ecr-reconcile@1.2",
		"owner/repo run #5":      "owner-repo-run--5",
		"héllo":                  "h-llo",
		"\xff\xfe":               "--",
		strings.Repeat("x", 100): strings.Repeat("x", 64),
		strings.Repeat("é", 100): strings.Repeat("-", 64),
	}
	for in, want := range tests {
		got := SanitizeSessionName(in)
		if got != want {
			t.Errorf("SanitizeSessionName(%q) = %q, want %q", in, got, want)
		}
		if err := ValidateSessionName(got); err != nil {
			t.Errorf("sanitized %q is invalid: %v", got, err)
		}
	}
	for _, s := range []string{"", "a", "a b", strings.Repeat("x", 65), "a/b"} {
		wantErr(t, ValidateSessionName(s), "is not a valid session name", "use 2 to 64")
	}
}

func TestParseDurationSeconds(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int32{"": 0, "900": 900, " 3600 ": 3600, "43200": 43200} {
		if got, err := ParseDurationSeconds(in); err != nil || got != want {
			t.Errorf("ParseDurationSeconds(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"899", "43201", "-1"} {
		_, err := ParseDurationSeconds(in)
		wantErr(t, err, "seconds is out of range", "use 900 (15 minutes) to 43200 (12 hours)")
	}
	for _, in := range []string{"1h", "3600.0", "99999999999999999999"} {
		_, err := ParseDurationSeconds(in)
		wantErr(t, err, "is not a whole number of seconds", "use 900")
	}
}

func TestParseExternalID(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"ab", "Ext-ID_1+=,.@:/", strings.Repeat("x", 1224)} {
		if err := ParseExternalID(s); err != nil {
			t.Errorf("ParseExternalID(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a", "secret value", strings.Repeat("x", 1225)} {
		err := ParseExternalID(s)
		wantErr(t, err, "external ID is not valid", "use 2 to 1224")
		if len(s) > 3 && strings.Contains(err.Error(), s) {
			t.Errorf("the error shows the external ID: %v", err)
		}
	}
}

func TestParseAudience(t *testing.T) {
	t.Parallel()
	if err := ParseAudience("sts.amazonaws.com"); err != nil {
		t.Error(err)
	}
	wantErr(t, ParseAudience(""), "audience is empty", "use sts.amazonaws.com")
	wantErr(t, ParseAudience("sts.amazonaws.com other"), "contains whitespace", "give a single audience")
	wantErr(t, ParseAudience("a\tb"), "contains whitespace")
}

func TestParseOnError(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "fail", "fail": "fail", "WARN": "warn", " Fail ": "fail"} {
		if got, err := ParseOnError(in); err != nil || got != want {
			t.Errorf("ParseOnError(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseOnError("ignore")
	wantErr(t, err, `"ignore" is not valid`, "use fail or warn")
}

func TestParseConcurrencyAndTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		f        func(string, int) (int, error)
		in       string
		def, out int
	}{
		{ParseConcurrency, "", 4, 4},
		{ParseConcurrency, "1", 4, 1},
		{ParseConcurrency, " 50 ", 4, 50},
		{ParseTimeoutSeconds, "", 300, 300},
		{ParseTimeoutSeconds, "3600", 300, 3600},
	} {
		if got, err := tt.f(tt.in, tt.def); err != nil || got != tt.out {
			t.Errorf("(%q, %d) = %d, %v; want %d", tt.in, tt.def, got, err, tt.out)
		}
	}
	for _, in := range []string{"0", "51", "x", "2.5"} {
		_, err := ParseConcurrency(in, 4)
		wantErr(t, err, "is not valid", "use a whole number from 1 to 50")
	}
	for _, in := range []string{"0", "3601", "5m"} {
		_, err := ParseTimeoutSeconds(in, 300)
		wantErr(t, err, "is not valid", "use a whole number from 1 to 3600")
	}
}

func TestReadDocumentValues(t *testing.T) {
	t.Parallel()
	ws := filepath.Join("testdata", "workspace")
	file, err := os.ReadFile(filepath.Join(ws, "policies", "repository.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		value, workspace string
		want             *reconcile.Document
	}{
		{"", ws, nil},
		{" \n", ws, nil},
		{"none", ws, &reconcile.Document{Remove: true}},
		{" NONE ", ws, &reconcile.Document{Remove: true}},
		{"\n {\"rules\": []}\n", ws, &reconcile.Document{Text: `{"rules": []}`}},
		{"policies/repository.json", ws, &reconcile.Document{Text: string(file)}},
		{"./policies/nested/../repository.json", ws, &reconcile.Document{Text: string(file)}},
		// An empty workspace is the current directory, here the package's.
		{"testdata/workspace/policies/repository.json", "", &reconcile.Document{Text: string(file)}},
	}
	for _, tt := range tests {
		got, err := ReadDocument(tt.value, tt.workspace)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ReadDocument(%q, %q) = %+v, %v; want %+v", tt.value, tt.workspace, got, err, tt.want)
		}
	}
}

func TestReadDocumentErrors(t *testing.T) {
	t.Parallel()
	ws := filepath.Join("testdata", "workspace")
	tests := []struct {
		value string
		want  []string
	}{
		{"policies/missing.json", []string{`file "policies/missing.json" not found`, "check the path, which is relative to the workspace"}},
		{"../seeds/tags.json", []string{`"../seeds/tags.json" leaves the workspace`, "give a path inside it"}},
		{"policies/../../seeds/tags.json", []string{"leaves the workspace"}},
		{"policies", []string{`"policies" is a directory`, "give the path of the JSON file"}},
		{"policies/blank.json", []string{`"policies/blank.json" is empty`, "write the policy JSON in it, or use none"}},
	}
	for _, tt := range tests {
		_, err := ReadDocument(tt.value, ws)
		wantErr(t, err, tt.want...)
	}
	_, err := ReadDocument("policy.json", filepath.Join(t.TempDir(), "absent"))
	wantErr(t, err, "cannot open the workspace", "check out the repository")
}

// TestReadDocumentPaths covers absolute paths and symbolic links, which
// need a workspace built at test time.
func TestReadDocumentPaths(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	ws := filepath.Join(base, "ws")
	outside := filepath.Join(base, "secret.json")
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, name); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
	}
	write(filepath.Join(ws, "p", "policy.json"), `{"inside":true}`)
	write(outside, `{"secret":true}`)
	write(filepath.Join(ws, "big.json"), strings.Repeat(" ", maxDocumentBytes+1))
	link("p/policy.json", filepath.Join(ws, "relative-link.json"))
	link(filepath.Join(ws, "p", "policy.json"), filepath.Join(ws, "absolute-link.json"))
	link(outside, filepath.Join(ws, "escape.json"))
	link(base, filepath.Join(ws, "up"))
	link(ws, filepath.Join(base, "ws-link"))

	for _, tt := range []struct{ value, workspace string }{
		{filepath.Join(ws, "p", "policy.json"), ws},
		{"relative-link.json", ws},
		{"absolute-link.json", ws},
		{"p/policy.json", filepath.Join(base, "ws-link")},
		{filepath.Join(base, "ws-link", "p", "policy.json"), filepath.Join(base, "ws-link")},
		{filepath.Join(ws, "p", "policy.json"), filepath.Join(base, "ws-link")},
	} {
		doc, err := ReadDocument(tt.value, tt.workspace)
		if err != nil || doc == nil || doc.Text != `{"inside":true}` {
			t.Errorf("ReadDocument(%q, %q) = %+v, %v", tt.value, tt.workspace, doc, err)
		}
	}
	for _, tt := range []struct {
		value string
		want  []string
	}{
		{outside, []string{"is outside the workspace", "give its path relative to the workspace"}},
		{"escape.json", []string{`"escape.json" leads outside the workspace through a symbolic link`, "point to the file itself"}},
		{"up/secret.json", []string{"leads outside the workspace through a symbolic link"}},
		{"big.json", []string{"too large for a policy"}},
	} {
		doc, err := ReadDocument(tt.value, ws)
		wantErr(t, err, tt.want...)
		if doc != nil {
			t.Errorf("ReadDocument(%q) returned %+v with an error", tt.value, doc)
		}
	}
}

// Special files in the workspace are refused before they are opened for
// reading: a named pipe would wait forever for a writer, a device such as
// /dev/zero never ends and reports size 0.
func TestReadDocumentRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ReadDocument("fifo.json", ws)
		done <- err
	}()
	select {
	case err := <-done:
		wantErr(t, err, `"fifo.json" is a named pipe (FIFO), not a regular file`)
	case <-time.After(10 * time.Second):
		t.Fatal("reading a named pipe hangs")
	}
	// A link to /dev/zero leaves the workspace and is refused as such; a
	// device node inside it needs mknod, which root has.
	if err := os.Symlink("/dev/zero", filepath.Join(ws, "zero-link.json")); err == nil {
		_, err := ReadDocument("zero-link.json", ws)
		wantErr(t, err, "leads outside the workspace")
	}
	if err := syscall.Mknod(filepath.Join(ws, "zero.json"), syscall.S_IFCHR|0o666, int(unix1x5())); err != nil {
		t.Logf("no device node test: mknod: %v", err)
		return
	}
	_, err := ReadDocument("zero.json", ws)
	wantErr(t, err, `"zero.json" is a device, not a regular file`)
}

// unix1x5 is the device number of /dev/zero (major 1, minor 5).
func unix1x5() uint64 { return 1<<8 | 5 }

// The reader never trusts a size: an endless reader is cut at the limit.
func TestReadBoundedStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	if _, err := readBounded(endless{}, 1024); !errors.Is(err, errTooLarge) {
		t.Errorf("readBounded(endless) = %v, want errTooLarge", err)
	}
	data, err := readBounded(strings.NewReader("{}"), 2)
	if err != nil || string(data) != "{}" {
		t.Errorf("readBounded = %q, %v", data, err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }
