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
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

var (
	wantErr  = testsupport.WantErr
	readSeed = testsupport.Seed
)

func TestParseRepositoryName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ab": "ab", " team/app \n": "team/app", "a--b": "a--b", "a__b": "a__b", "a.b_c-d": "a.b_c-d",
		"a/b/c/d": "a/b/c/d", "base/node_20.x": "base/node_20.x", "0/1": "0/1", strings.Repeat("a", 256): strings.Repeat("a", 256),
		"a---b": "a---b", "a.b.c": "a.b.c", "a_b__c": "a_b__c",
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
		// ECR's separators are one ".", one "_", exactly "__", or a run of "-".
		{"a..b", []string{`"a..b" is not valid`, `two "__"`}},
		{"a._b", []string{"is not valid"}},
		{"a-_b", []string{"is not valid"}},
		{"a_-b", []string{"is not valid"}},
		{"a___b", []string{"is not valid"}},
		{"a.-b", []string{"is not valid"}},
		{"team/a..b", []string{"is not valid"}},
	}
	for _, tt := range tests {
		_, err := ParseRepositoryName(tt.in)
		wantErr(t, err, tt.want...)
	}
}

func TestParseRepositoryNames(t *testing.T) {
	t.Parallel()
	got, err := parseRepositoryNames(readSeed(t, "repositories.txt"))
	if want := []string{"team/api", "team/web-app", "base/node_20.x", "a--b"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseRepositoryNames = %q, %v; want %q", got, err, want)
	}
	_, err = parseRepositoryNames("a/b\r\nc/d\nBad Name\n")
	wantErr(t, err, "line 3:", `"Bad Name" is not valid`)
	// Every bad line is reported in one error, not only the first.
	_, err = parseRepositoryNames("ok/one\na..b\nfine\na___b\nfine\nX\n")
	wantErr(t, err, "4 repository names are not valid", `line 2: repository name "a..b"`, `line 4: repository name "a___b"`,
		`repository "fine" is listed twice (lines 3 and 5)`, `line 6: repository name "X" has 1 characters`)
	_, err = parseRepositoryNames(strings.Repeat("a..b\n", 25))
	wantErr(t, err, "25 repository names are not valid", "line 20:", "... and 5 more")
	if strings.Contains(err.Error(), "line 21:") {
		t.Errorf("more than 20 problems listed: %v", err)
	}
	_, err = parseRepositoryNames("app\n# comment\napp # again\n")
	wantErr(t, err, `"app" is listed twice (lines 1 and 3)`, "list each repository once")
	for _, in := range []string{"", " \n# only a comment\n"} {
		_, err = parseRepositoryNames(in)
		wantErr(t, err, "no repository name given", "one name per line")
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"true": true, "True": true, "TRUE": true, " true\n": true, "tRuE": true, "false": false, "False": false, "FALSE": false} {
		got, err := parseBool(in)
		if err != nil || got == nil || *got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := parseBool(""); got != nil || err != nil {
		t.Errorf(`parseBool("") = %v, %v; want nil, nil`, got, err)
	}
	for _, in := range []string{"yes", "1", "on", "t", "truee"} {
		_, err := parseBool(in)
		wantErr(t, err, "is not a boolean; use true or false")
	}
}

func TestParseRegion(t *testing.T) {
	t.Parallel()
	for _, r := range []string{"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1", "eusc-de-east-1"} {
		if got, err := parseRegions(r); err != nil || len(got) != 1 || got[0] != r {
			t.Errorf("parseRegions(%q) = %q, %v", r, got, err)
		}
	}
	for _, r := range []string{"us-east", "US-EAST-1", "useast1", "us-east-1a", "us-east-123", "u-east-1", "us-east-1 eu-west-1"} {
		_, err := parseRegions(r)
		wantErr(t, err, "is not an AWS Region code", "such as us-east-1")
	}
}

func TestParseAccountID(t *testing.T) {
	t.Parallel()
	if err := parseAccountID("012345678901"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "12345678901", "1234567890123", "12345678901a"} {
		wantErr(t, parseAccountID(s), "is not an AWS account ID", "12 digits")
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
		if got, err := parseRoleARN(" " + s + "\n"); err != nil || got != s {
			t.Errorf("parseRoleARN(%q) = %q, %v", s, got, err)
		}
	}
	_, err := parseRoleARN("deploy")
	wantErr(t, err, `"deploy" is a role name, not an ARN`, "arn:aws:iam::123456789012:role/deploy")
	_, err = parseRoleARN("arn:aws:sts::123456789012:assumed-role/deploy/session")
	wantErr(t, err, "STS session ARN", "use the IAM role ARN")
	for _, s := range []string{"", "arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x", "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65)} {
		_, err := parseRoleARN(s)
		wantErr(t, err, "is not an IAM role ARN", "arn:<partition>:iam::<account-id>:role/<path/name>")
	}
}

func TestValidateSessionName(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"ab", "ecr-reconcile@1.2", "a_b+c=d,e.f@g-h", strings.Repeat("x", 64)} {
		if err := validateSessionName(s); err != nil {
			t.Errorf("validateSessionName(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a", "a b", strings.Repeat("x", 65), "a/b", "h\u00e9llo"} {
		wantErr(t, validateSessionName(s), "is not a valid session name", "use 2 to 64")
	}
}

func TestParseDurationSeconds(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int32{"900": 900, " 3600 ": 3600, "43200": 43200} {
		if got, err := parseDurationSeconds(in); err != nil || got != want {
			t.Errorf("parseDurationSeconds(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"899", "43201", "-1"} {
		_, err := parseDurationSeconds(in)
		wantErr(t, err, "seconds is out of range", "use 900 (15 minutes) to 43200 (12 hours)")
	}
	for _, in := range []string{"1h", "3600.0", "99999999999999999999"} {
		_, err := parseDurationSeconds(in)
		wantErr(t, err, "is not a whole number of seconds", "use 900")
	}
	_, err := parseDurationSeconds("")
	wantErr(t, err, "is empty", "default from action.yml")
}

func TestParseExternalID(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"ab", "Ext-ID_1+=,.@:/", strings.Repeat("x", 1224)} {
		if err := parseExternalID(s); err != nil {
			t.Errorf("parseExternalID(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a", "secret value", strings.Repeat("x", 1225)} {
		err := parseExternalID(s)
		wantErr(t, err, "external ID is not valid", "use 2 to 1224")
		if len(s) > 3 && strings.Contains(err.Error(), s) {
			t.Errorf("the error shows the external ID: %v", err)
		}
	}
}

func TestParseAudience(t *testing.T) {
	t.Parallel()
	if err := parseAudience("sts.amazonaws.com"); err != nil {
		t.Error(err)
	}
	wantErr(t, parseAudience(""), "audience is empty", "use sts.amazonaws.com")
	wantErr(t, parseAudience("sts.amazonaws.com other"), "contains whitespace", "give a single audience")
	wantErr(t, parseAudience("a\tb"), "contains whitespace")
}

func TestParseOnError(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"fail": "fail", "WARN": "warn", " Fail ": "fail"} {
		if got, err := parseOnError(in); err != nil || got != want {
			t.Errorf("parseOnError(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := parseOnError("ignore")
	wantErr(t, err, `"ignore" is not valid`, "use fail or warn")
	_, err = parseOnError("")
	wantErr(t, err, "is empty", "default from action.yml")
}

func TestParseConcurrencyAndTimeout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		f   func(string) (int, error)
		in  string
		out int
	}{
		{parseConcurrency, "1", 1},
		{parseConcurrency, " 50 ", 50},
		{parseTimeoutSeconds, "3600", 3600},
	} {
		if got, err := tt.f(tt.in); err != nil || got != tt.out {
			t.Errorf("(%q) = %d, %v; want %d", tt.in, got, err, tt.out)
		}
	}
	for _, in := range []string{"0", "51", "x", "2.5"} {
		_, err := parseConcurrency(in)
		wantErr(t, err, "is not valid", "use a whole number from 1 to 50")
	}
	for _, in := range []string{"0", "3601", "5m"} {
		_, err := parseTimeoutSeconds(in)
		wantErr(t, err, "is not valid", "use a whole number from 1 to 3600")
	}
	// The defaults are action.yml's alone.
	for _, f := range []func(string) (int, error){parseConcurrency, parseTimeoutSeconds} {
		_, err := f("")
		wantErr(t, err, "is empty", "default from action.yml")
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
		got, err := readDocument(tt.value, tt.workspace)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readDocument(%q, %q) = %+v, %v; want %+v", tt.value, tt.workspace, got, err, tt.want)
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
		{"policies", []string{`"policies" is a directory`, "give the path of the policy file"}},
		{"policies/blank.json", []string{`"policies/blank.json" is empty`, "write the policy JSON in it, or use none"}},
	}
	for _, tt := range tests {
		_, err := readDocument(tt.value, ws)
		wantErr(t, err, tt.want...)
	}
	_, err := readDocument("policy.json", filepath.Join(t.TempDir(), "absent"))
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
		doc, err := readDocument(tt.value, tt.workspace)
		if err != nil || doc == nil || doc.Text != `{"inside":true}` {
			t.Errorf("readDocument(%q, %q) = %+v, %v", tt.value, tt.workspace, doc, err)
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
		doc, err := readDocument(tt.value, ws)
		wantErr(t, err, tt.want...)
		if doc != nil {
			t.Errorf("readDocument(%q) returned %+v with an error", tt.value, doc)
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
		_, err := readDocument("fifo.json", ws)
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
		_, err := readDocument("zero-link.json", ws)
		wantErr(t, err, "leads outside the workspace")
	}
	if err := syscall.Mknod(filepath.Join(ws, "zero.json"), syscall.S_IFCHR|0o666, int(unix1x5())); err != nil {
		t.Logf("no device node test: mknod: %v", err)
		return
	}
	_, err := readDocument("zero.json", ws)
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

func TestParseState(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"present": false, "absent": true, " Absent ": true, "PRESENT": false} {
		if got, err := parseState(in); err != nil || got != want {
			t.Errorf("parseState(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "deleted", "gone"} {
		if _, err := parseState(in); err == nil {
			t.Errorf("parseState(%q) accepted", in)
		}
	}
}

func TestParsePreviewMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]reconcile.PreviewMode{"on": reconcile.PreviewOn, " OFF-in-apply ": reconcile.PreviewOffInApply, "Off": reconcile.PreviewOff} {
		if got, err := parsePreviewMode(in); err != nil || got != want {
			t.Errorf("parsePreviewMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := parsePreviewMode("dry-run")
	wantErr(t, err, `"dry-run" is not valid`, "use on, off-in-apply or off")
	_, err = parsePreviewMode("")
	wantErr(t, err, "is empty", "default from action.yml")
}
