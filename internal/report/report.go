// Package report renders reconcile results for people: the plan in the log,
// and the job summary in Markdown.
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

var symbols = map[reconcile.Action]string{
	reconcile.ActionCreate:    "+",
	reconcile.ActionUpdate:    "~",
	reconcile.ActionRemove:    "-",
	reconcile.ActionUnchanged: "=",
	reconcile.ActionFailed:    "!",
}

// Plan writes the plan for one repository as a workflow log shows it: one
// line per managed setting, then the policy diffs, then a one-line tally.
func Plan(w io.Writer, res *reconcile.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range res.Changes {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", symbols[c.Action], c.Setting, c.Action, value(c))
	}
	tw.Flush()
	planPreviews(w, res)
	for _, n := range res.Notes {
		fmt.Fprintf(w, "  %s: %s: %s\n", n.Level, n.Setting, n.Text)
	}
	for _, c := range res.Changes {
		if c.Diff != "" && c.Changed() {
			fmt.Fprintf(w, "\n  %s %s:\n", c.Setting, c.Action)
			for _, line := range strings.Split(strings.TrimRight(c.Diff, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	fmt.Fprintf(w, "\n%s\n", tally(res))
}

func value(c reconcile.Change) string {
	switch {
	case c.Action == reconcile.ActionFailed:
		return c.Error
	case c.From != "" && c.From != c.To && c.Changed():
		return c.From + " -> " + c.To
	}
	return c.To
}

// tally counts the actions: "Applied: 1 to create, 2 to update, 0 to remove,
// 3 unchanged." or, in dry-run, "Dry run, nothing written. Plan: ...", with
// ", 1 failed" before the period when a setting failed.
func tally(res *reconcile.Result) string {
	n := map[reconcile.Action]int{}
	for _, c := range res.Changes {
		n[c.Action]++
	}
	verb := "Applied"
	if res.DryRun {
		verb = "Dry run, nothing written. Plan"
	}
	s := fmt.Sprintf("%s: %d to create, %d to update, %d to remove, %d unchanged", verb,
		n[reconcile.ActionCreate], n[reconcile.ActionUpdate], n[reconcile.ActionRemove], n[reconcile.ActionUnchanged])
	if f := n[reconcile.ActionFailed]; f > 0 {
		s += fmt.Sprintf(", %d failed", f)
	}
	return s + "."
}

// Outcome says in a few words what happened to the repository as a whole:
// "created", "updated", "deleted", "unchanged", or, when a setting failed, "failed" or
// "created, partly failed" (the heading of the log group and of the job
// summary, which must not say "unchanged" above a failure).
func Outcome(res *reconcile.Result) string {
	failed := false
	for _, c := range res.Changes {
		failed = failed || c.Action == reconcile.ActionFailed
	}
	return outcome(res, failed)
}

// outcome is Outcome when whether something failed is known otherwise (a
// batch item's error).
func outcome(res *reconcile.Result, failed bool) string {
	prefix := ""
	if res.DryRun {
		prefix = "would be "
	}
	var done string
	switch {
	case res.Created:
		done = prefix + "created"
	case res.Deleted:
		done = prefix + "deleted"
	case res.Changed():
		done = prefix + "updated"
	case failed:
		return "failed"
	default:
		return "unchanged"
	}
	if failed {
		done += ", partly failed"
	}
	return done
}
