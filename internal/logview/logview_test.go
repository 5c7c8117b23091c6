package logview_test

import (
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

func TestRenderShowsWhatTheLogPageShows(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		"::add-mask::s3cr3t-value",
		"using s3cr3t-value here",
		"::group::Plan for app: created",
		"  + repository  create  app",
		"::endgroup::",
		"::debug::hidden detail",
		"::error title=ecr-reconcile%3A invalid input tags::input \"tags\": line one%0Aline two",
		"::warning::careful",
	}, "\n")
	want := strings.Join([]string{
		"using *** here",
		"▼ Plan for app: created",
		"  + repository  create  app",
		"Error: input \"tags\": line one",
		"  line two",
		"Warning: careful",
	}, "\n") + "\n"
	if got := logview.Render(in); got != want {
		t.Errorf("Render:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriterHandlesSplitWrites(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := logview.NewWriter(&b)
	for _, part := range []string{"::gro", "up::Title\nplain ", "line\n", "::endgroup::\n"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.String(), "▼ Title\nplain line\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The command line may itself run in a workflow step: what the rendering
// unescapes must not start a workflow command in that step's log.
func TestRenderedAnnotationsStartNoCommand(t *testing.T) {
	t.Parallel()
	in := "::error title=x::denied%0A::stop-commands::tok%0A  ::warning::fake\n::group::a%0D::add-mask::x\n"
	got := logview.Render(in)
	if cmds := wfcmd.Commands(got); len(cmds) != 0 {
		t.Errorf("rendered log holds commands %+v:\n%s", cmds, got)
	}
	if !strings.Contains(got, "\n  \\::stop-commands::tok\n") {
		t.Errorf("the injected line is not shown, escaped:\n%s", got)
	}
}

func TestSplitWriterSendsAnnotationsToDiag(t *testing.T) {
	t.Parallel()
	var out, diag strings.Builder
	w := logview.NewSplitWriter(&out, &diag, false)
	_, _ = w.Write([]byte("::add-mask::s3cr3t\n::group::Plan\nplan line\n::error::bad s3cr3t\n::debug::hidden\n::endgroup::\n"))
	_, _ = w.Diag().Write([]byte("note s3cr3t\n"))
	if got, want := out.String(), "▼ Plan\nplan line\n"; got != want {
		t.Errorf("out = %q, want %q", got, want)
	}
	if got, want := diag.String(), "Error: bad ***\nnote ***\n"; got != want {
		t.Errorf("diag = %q, want %q", got, want)
	}
	var dbg strings.Builder
	_, _ = logview.NewSplitWriter(&dbg, &dbg, true).Write([]byte("::debug::aws ECR X: HTTP 200\n"))
	if got := dbg.String(); got != "Debug: aws ECR X: HTTP 200\n" {
		t.Errorf("debug shown as %q", got)
	}
}
