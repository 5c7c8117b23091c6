package action

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// Interrupted is the cause of the run's context when a signal stopped it:
// the entry point cancels the context with it (context.WithCancelCause). A
// cancellation is never a warning, whatever on-reconcile-error says: the
// run fails with the exit code a shell gives a process the signal ended,
// says what was written and what was not, and sets no outputs, so that a
// later step that reads them (or a "&& docker push") does not go on as if
// the repository were in its declared state. The job summary is written,
// headed "Interrupted".
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string { return "interrupted by " + e.name() }

// ExitCode is 128 plus the signal's number: 130 for SIGINT, 143 for
// SIGTERM.
func (e *Interrupted) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

func (e *Interrupted) name() string {
	switch e.Signal {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return e.Signal.String()
}

// interruption returns the signal that stopped ctx, nil if none did.
func interruption(ctx context.Context) *Interrupted {
	var i *Interrupted
	if errors.As(context.Cause(ctx), &i) {
		return i
	}
	return nil
}

// stop notes whether a signal stopped the reconcile that just returned; it
// is read once, so that the whole report agrees. An interrupted run never
// warns: every failure, the interrupted writes included, is an error.
func (r *runner) stop(ctx context.Context) {
	if r.stopped = interruption(ctx); r.stopped != nil {
		r.cfg.WarnOnly = false
	}
}

// tracked is one repository's outcome as the report showed it, for the
// account of an interrupted run.
type tracked struct {
	label string
	item  reconcile.Item
}

func (r *runner) track(label string, it reconcile.Item) {
	r.tracked = append(r.tracked, tracked{label, it})
}

// interrupted reports an interrupted run in place of its outputs: an error
// annotation that says which writes completed and which did not, and the
// job summary under an "Interrupted" heading.
func (r *runner) interrupted(summary string) error {
	msg := fmt.Sprintf("%s before the run finished. %s Outputs are not set. Re-run the step to finish: it changes only what still differs.", r.stopped, progress(r.tracked))
	r.annotate("error", "ecr-reconcile: interrupted", msg)
	head := "### Interrupted\n\n" + msg + "\n\n"
	if err := r.writeSummary(head + within(summary, report.MaxSummaryBytes-len(head))); err != nil {
		return err
	}
	return fmt.Errorf("%w: %w", r.stopped, errReported)
}

// progress says what a run that was stopped had written, and what not.
func progress(items []tracked) string {
	var done, notDone []string
	for _, t := range items {
		name := t.label
		if name == "" {
			name = t.item.Name
		}
		res := t.item.Result
		if res == nil {
			notDone = append(notDone, name+" (nothing written: "+firstLine(t.item.Err)+")")
			continue
		}
		if res.DryRun {
			continue
		}
		if res.Created {
			done = append(done, name+": repository created")
		}
		for _, c := range res.Changes {
			switch {
			case c.Action == reconcile.ActionFailed:
				notDone = append(notDone, name+": "+c.Setting)
			case c.Setting == reconcile.SettingRepository && res.Created:
				// Said above.
			case c.Changed():
				done = append(done, name+": "+c.Setting+" "+pastTense(c.Action))
			}
		}
	}
	const more = "the plans in the log say which"
	var b strings.Builder
	if len(done) == 0 {
		b.WriteString("No write completed.")
	} else {
		b.WriteString("Written: " + someOf(done, "; ", more) + ".")
	}
	if len(notDone) > 0 {
		b.WriteString(" Not written (a call in flight when the signal came may still have taken effect): " + someOf(notDone, "; ", more) + ".")
	}
	return b.String()
}

// maxListed bounds the entries a list in an annotation names.
const maxListed = 20

// someOf joins the first maxListed entries of list, each cut to a bounded
// length, and counts the others, saying where they are (where).
func someOf(list []string, sep, where string) string {
	shown := make([]string, 0, min(len(list), maxListed))
	for _, s := range list[:min(len(list), maxListed)] {
		if r := []rune(s); len(r) > maxListedChars {
			s = string(r[:maxListedChars]) + "…"
		}
		shown = append(shown, s)
	}
	out := strings.Join(shown, sep)
	if n := len(list) - len(shown); n > 0 {
		out += fmt.Sprintf("%sand %d more; %s", sep, n, where)
	}
	return out
}

// maxListedChars bounds one entry of such a list: a repository name (256
// at most) and what happened to it.
const maxListedChars = 400

// within cuts a job summary to budget bytes, at a line, and says so.
func within(summary string, budget int) string {
	const cut = "\n\n… the rest of the summary is left out to keep it within its size bound; the log has every plan.\n"
	if len(summary) <= budget {
		return summary
	}
	keep := summary[:max(budget-len(cut), 0)]
	if i := strings.LastIndexByte(keep, '\n'); i >= 0 {
		keep = keep[:i]
	}
	return keep + cut
}

func pastTense(a reconcile.Action) string {
	switch a {
	case reconcile.ActionCreate:
		return "set"
	case reconcile.ActionRemove:
		return "removed"
	}
	return "updated"
}

func firstLine(err error) string {
	if err == nil {
		return "stopped"
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
