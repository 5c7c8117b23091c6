package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// holdWrite serves the emulator but holds every call of op until the
// client goes away: a write in flight when the step is signalled.
// held is closed when n such calls have arrived.
func holdWrite(t *testing.T, emu *emulator.Emulator, op string, n int) (url string, held <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{})
	var mu sync.Mutex
	seen := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
			// Read the body: only then does the server notice that the
			// client went away, and end the request's context.
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			if seen++; seen == n {
				close(ch)
			}
			mu.Unlock()
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
				t.Errorf("%s was still held after a minute", op)
			}
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// A signal during a write is never a warning, whatever
// on-reconcile-error says: the step exits 130 (SIGINT) or 143 (SIGTERM),
// an error says what was written and what was not, and no output is set,
// in both modes, for one repository and for a batch.
func TestContractInterruptedRunIsNotWarned(t *testing.T) {
	t.Parallel()
	const lifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
	for _, tc := range []struct {
		name    string
		cli     bool
		batch   bool
		sig     os.Signal
		code    int
		sigName string
	}{
		{name: "action single SIGTERM", sig: syscall.SIGTERM, code: 143, sigName: "SIGTERM"},
		{name: "action batch SIGINT", batch: true, sig: syscall.SIGINT, code: 130, sigName: "SIGINT"},
		{name: "command line single SIGINT", cli: true, sig: syscall.SIGINT, code: 130, sigName: "SIGINT"},
		{name: "command line batch SIGTERM", cli: true, batch: true, sig: syscall.SIGTERM, code: 143, sigName: "SIGTERM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.Options{})
			inputs := map[string]string{
				"repository": "svc/api", "tags": "team=core", "lifecycle-policy": lifecycle,
				"on-reconcile-error": "warn", "aws-region": "us-east-1",
			}
			names := []string{"svc/api"}
			if tc.batch {
				delete(inputs, "repository")
				inputs["repositories"] = "svc/a\nsvc/b"
				names = []string{"svc/a", "svc/b"}
			}
			url, held := holdWrite(t, emu, "PutLifecyclePolicy", len(names))
			step := ghrunner.Step{Bin: bin, Env: staticEnv(url), Inputs: inputs}
			if tc.cli {
				step.Inputs = nil
				for k, v := range inputs {
					step.Args = append(step.Args, "--"+k, v)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			p, err := ghrunner.Start(ctx, step)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-held:
			case <-ctx.Done():
				t.Fatal("the write never came")
			}
			if err := p.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			res, err := p.Wait()
			if err != nil {
				t.Fatal(err)
			}
			log := res.Stdout + res.Stderr
			if res.ExitCode != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, tc.code, res.Stdout, res.Stderr)
			}
			if strings.Contains(log, "::warning") || strings.Contains(log, "Warning:") {
				t.Errorf("the interruption is warned:\n%s", log)
			}
			want := []string{"interrupted by " + tc.sigName + " before the run finished", "Outputs are not set"}
			for _, n := range names {
				want = append(want, n+": repository created", n+": lifecycle-policy")
			}
			// The annotation escapes its line breaks; the command line
			// shows it as text.
			text := strings.NewReplacer("%0A", "\n", "%3A", ":", "%25", "%").Replace(log)
			for _, s := range want {
				if !strings.Contains(text, s) {
					t.Errorf("the log does not say %q:\n%s", s, text)
				}
			}
			if !strings.Contains(text, "Not written") {
				t.Errorf("the log does not say what was not written:\n%s", text)
			}
			if res.OutputFile != "" || strings.Contains(res.Stdout, "repository-uri") || strings.Contains(res.Stdout, "results=") {
				t.Errorf("outputs were set as for a finished run:\nfile: %s\nstdout: %s", res.OutputFile, res.Stdout)
			}
			if !tc.cli && !strings.HasPrefix(res.Summary, "### Interrupted\n") {
				t.Errorf("the job summary is not headed Interrupted:\n%s", res.Summary)
			}
			if cmds := wfcmd.Commands(res.Stderr); len(cmds) != 0 {
				t.Errorf("stderr holds a workflow command: %q", cmds[0].Line)
			}
		})
	}
}
