package logview_test

import (
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
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
