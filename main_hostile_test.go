package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// unsolicited follows every answer of hostileServer on the same
// connection: net/http reports it through the standard log package, with
// the bytes quoted.
const unsolicited = "HTTP/1.1 200 OK\r\nX-Forged: ##[error]unsolicited\r\n\r\n##[add-mask]Plan"

// hostileServer answers as the emulator does, with two things ECR never
// sends: a Date header the SDK cannot parse (its logger quotes it), and,
// after each answer, bytes the client did not ask for on the idle
// keep-alive connection.
func hostileServer(t *testing.T, emu *emulator.Emulator) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		body := rec.Body.Bytes()
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		for k, vs := range rec.Header() {
			for _, v := range vs {
				fmt.Fprintf(buf, "%s: %s\r\n", k, v)
			}
		}
		fmt.Fprintf(buf, "Date: ##[error]date\r\nContent-Length: %d\r\n\r\n", len(body))
		_, _ = buf.Write(body)
		_, _ = buf.WriteString(unsolicited)
		_ = buf.Flush()
		// Give the client's read loop the time to find the bytes on the
		// idle connection before it is closed.
		time.Sleep(50 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// assertNoForgedCommands reads stdout and stderr as the runner does: no
// line may be a workflow command but the ones the action issues.
func assertNoForgedCommands(t *testing.T, res *ghrunner.Result) {
	t.Helper()
	for name, out := range map[string]string{"stdout": res.Stdout, "stderr": res.Stderr} {
		for _, c := range wfcmd.Commands(out) {
			switch {
			case !c.Legacy && (c.Name == "group" || c.Name == "endgroup" || c.Name == "debug" || c.Name == "notice"):
			case !c.Legacy && c.Name == "add-mask" && (c.Message == staticEnv("")["AWS_SECRET_ACCESS_KEY"] || c.Message == staticEnv("")["AWS_ACCESS_KEY_ID"]):
			default:
				t.Errorf("%s holds a workflow command the action did not issue: %q", name, c.Line)
			}
		}
	}
}

// An endpoint's bytes reach the log through the neutralising path only,
// also when a library (the AWS SDK's logger, net/http through the standard
// log package) prints them.
func TestContractLibraryTextCannotStartWorkflowCommands(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"action", "command line"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.Options{})
			url := hostileServer(t, emu)
			step := ghrunner.Step{Bin: bin, Env: staticEnv(url), Inputs: map[string]string{"repository": "svc/api", "tags": "team=core", "aws-region": "us-east-1"}}
			if mode == "command line" {
				step.Inputs = nil
				step.Args = []string{"--repository", "svc/api", "--tags", "team=core", "--aws-region", "us-east-1"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := ghrunner.Run(ctx, step)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != 0 {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", res.ExitCode, res.Stdout, res.Stderr)
			}
			if _, ok := emu.Repository("", "svc/api"); !ok {
				t.Errorf("the repository was not created")
			}
			assertNoForgedCommands(t, res)
			all := res.Stdout + res.Stderr
			// Both libraries did speak, neutralised: the test shows the path.
			if !strings.Contains(all, `AWS SDK warn: failed to parse response Date header value`) || !strings.Contains(all, `##\[error]date`) {
				t.Errorf("the SDK's warning is not in the log, neutralised:\n%s\n%s", res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, "Unsolicited response received on idle HTTP channel") || !strings.Contains(res.Stderr, `##\[error]unsolicited`) {
				t.Errorf("net/http's line is not on stderr, neutralised:\n%s", res.Stderr)
			}
			for _, line := range append(strings.Split(res.Stdout, "\n"), strings.Split(res.Stderr, "\n")...) {
				if len(line) > 4*wfcmd.MaxLine {
					t.Errorf("a line of %d bytes", len(line))
				}
			}
		})
	}
}
