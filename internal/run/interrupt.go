package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
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

// Interruption returns the signal that stopped ctx, nil if none did.
func Interruption(ctx context.Context) *Interrupted {
	var i *Interrupted
	if errors.As(context.Cause(ctx), &i) {
		return i
	}
	return nil
}

// Progress says what a run that was stopped had written, and what not.
func (r *Result) Progress() string {
	var done, notDone []string
	for _, reg := range r.Regions {
		for _, it := range reg.Items {
			done, notDone = progress(r.Label(it.Name, reg.Name), it, done, notDone)
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

func progress(name string, it reconcile.Item, done, notDone []string) ([]string, []string) {
	res := it.Result
	if res == nil {
		return done, append(notDone, name+" (nothing written: "+firstLine(it.Err)+")")
	}
	if res.DryRun {
		return done, notDone
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
	return done, notDone
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
