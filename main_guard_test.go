package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// A panic whose value holds text from outside reaches neither stdout nor
// stderr raw: it becomes an error annotation (on a runner) or an error line
// (on the command line), the run fails, and the stack is still shown.
func TestGuardNeutralisesAPanic(t *testing.T) {
	t.Parallel()
	const hostile = "bad answer\n::stop-commands::x\r::add-mask::Plan ##[error]y"
	for _, onRunner := range []bool{true, false} {
		var stdout, stderr strings.Builder
		w := wfcmd.NewWriter(&stderr, wfcmd.MaxLine)
		getenv := func(k string) string {
			if k == "GITHUB_ACTIONS" && onRunner {
				return "true"
			}
			return ""
		}
		err := guard(&stdout, w, getenv, func() error { panic(fmt.Errorf("%s", hostile)) })
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !errors.Is(err, errPanic) {
			t.Errorf("guard = %v, want errPanic", err)
		}
		cmds := wfcmd.Commands(stdout.String() + stderr.String())
		switch {
		case onRunner && (len(cmds) != 1 || cmds[0].Name != "error" || !strings.Contains(cmds[0].Message, "internal error")):
			t.Errorf("on a runner, the output's commands are %+v, want one error annotation:\n%s\n%s", cmds, stdout.String(), stderr.String())
		case !onRunner && len(cmds) != 0:
			t.Errorf("on the command line, the output holds commands %+v", cmds)
		}
		if !strings.Contains(stderr.String(), "goroutine ") || !strings.Contains(stderr.String(), `##\[error]y`) {
			t.Errorf("stderr lacks the stack or the neutralised value:\n%s", stderr.String())
		}
	}
	if err := guard(nil, nil, nil, func() error { return nil }); err != nil {
		t.Errorf("guard without a panic = %v", err)
	}
}
