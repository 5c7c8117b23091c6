package action_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// answerEmpty puts an endpoint in front of e's emulator that answers each
// call of op with 200 and an empty JSON object: what ECR never sends.
func answerEmpty(t *testing.T, e *env, op string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprint(w, "{}")
			return
		}
		e.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
}

const emptyAnswerLifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`

// A 200 answer without the field the engine reads is an error that names
// the call, in single and batch mode; never a crash, never a guess (an
// answer without a policy is not "no policy", a describe without the
// repository is not "it does not exist").
func TestAnswersWithoutTheirFieldsAreErrors(t *testing.T) {
	t.Parallel()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:BatchGetImage"}]}`
	for _, tc := range []struct {
		name, op string
		exists   bool
		inputs   map[string]string
		// want is in an error annotation; note, in a notice or warning
		// (the advisory reads).
		want, note string
	}{
		{name: "create", op: "CreateRepository", want: "ecr:CreateRepository answered without repository"},
		{name: "describe", op: "DescribeRepositories", exists: true, want: "ecr:DescribeRepositories"},
		{name: "repository policy", op: "GetRepositoryPolicy", exists: true, inputs: map[string]string{"repository-policy": policy}, want: "ecr:GetRepositoryPolicy answered without policyText"},
		{name: "owned statements", op: "GetRepositoryPolicy", exists: true, inputs: map[string]string{"repository-policy": policy, "repository-policy-sid-prefix": "pull"}, want: "ecr:GetRepositoryPolicy answered without policyText"},
		{name: "lifecycle policy", op: "GetLifecyclePolicy", exists: true, inputs: map[string]string{"lifecycle-policy": emptyAnswerLifecycle}, want: "ecr:GetLifecyclePolicy answered without lifecyclePolicyText"},
		{name: "preview", op: "GetLifecyclePolicyPreview", exists: true, inputs: map[string]string{"lifecycle-policy": emptyAnswerLifecycle}, note: "ecr:GetLifecyclePolicyPreview answered without status"},
		{name: "registry scanning", op: "GetRegistryScanningConfiguration", inputs: map[string]string{"scan-on-push": "true"}, note: "ecr:GetRegistryScanningConfiguration answered without scanningConfiguration"},
	} {
		for _, batch := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s batch=%v", tc.name, batch), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				names := []string{"svc/api"}
				in := map[string]string{"repository": "svc/api"}
				if batch {
					names = []string{"svc/a", "svc/b"}
					in = map[string]string{"repositories": "svc/a\nsvc/b"}
				}
				for k, v := range tc.inputs {
					in[k] = v
				}
				for _, n := range names {
					if tc.exists {
						lifecycle := emptyAnswerLifecycle
						if tc.op == "GetLifecyclePolicyPreview" {
							// Another policy, so that the declared one is previewed.
							lifecycle = strings.Replace(lifecycle, `"countNumber":5`, `"countNumber":9`, 1)
						}
						e.emu.PutRepository(emulator.Repository{Name: n, Policy: policy, Lifecycle: lifecycle})
					}
				}
				answerEmpty(t, e, tc.op)
				log, err := e.run(t, in)
				if tc.want != "" {
					if err == nil {
						t.Fatalf("no error:\n%s", log)
					}
					errs := strings.Join(annotations(log, "error"), "\n")
					for _, n := range names {
						if batch && !strings.Contains(errs, n) {
							t.Errorf("no error for %s:\n%s", n, log)
						}
					}
					if !strings.Contains(errs, tc.want) {
						t.Errorf("the error does not say %q:\n%s", tc.want, log)
					}
				}
				if tc.note != "" {
					if err != nil {
						t.Fatalf("an advisory read failed the run: %v\n%s", err, log)
					}
					if notes := strings.Join(append(annotations(log, "notice"), annotations(log, "warning")...), "\n"); !strings.Contains(notes, tc.note) {
						t.Errorf("no note says %q:\n%s", tc.note, log)
					}
				}
				for _, w := range e.emu.Writes() {
					if tc.want != "" && (w.Operation == "SetRepositoryPolicy" || w.Operation == "PutLifecyclePolicy") {
						t.Errorf("%s was written on a guess: %+v", w.Operation, w)
					}
				}
			})
		}
	}
}

// ECR Public's CreateRepository without the repository is the same error,
// naming ECR Public's call, not a repository with an empty URI.
func TestPublicCreateWithoutRepositoryIsAnError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answerEmpty(t, e, "CreateRepository")
	log, err := e.run(t, map[string]string{"repository": "team/app", "public": "true", "tags": "team=web"})
	if err == nil || !strings.Contains(strings.Join(annotations(log, "error"), "\n"), "ecr-public:CreateRepository answered without repository") {
		t.Errorf("err %v\n%s", err, log)
	}
	if b, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"]); strings.Contains(string(b), "repository-uri") {
		t.Errorf("outputs set:\n%s", b)
	}
}
