package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// Batch outcomes of one repository, as the results output, the summary
// table and the tally all name them.
const (
	statusCreated   = "created"
	statusUpdated   = "updated"
	StatusDeleted   = "deleted" // state: absent
	statusUnchanged = "unchanged"
	// StatusWarned: some settings failed on a usable repository and
	// on-reconcile-error: warn let the step succeed.
	StatusWarned = "warned"
	StatusFailed = "failed"
)

// Status is the outcome of one repository of a batch. warnOnly is
// on-reconcile-error: warn.
func Status(it reconcile.Item, warnOnly bool) string {
	var se *reconcile.SettingsError
	switch {
	case it.Err != nil && warnOnly && it.Result != nil && errors.As(it.Err, &se):
		return StatusWarned
	case it.Err != nil:
		return StatusFailed
	case it.Result.Created:
		return statusCreated
	case it.Result.Deleted:
		return StatusDeleted
	case it.Result.Changed():
		return statusUpdated
	}
	return statusUnchanged
}

// MaxSummaryBytes bounds the job summary one step writes. GitHub drops a
// step's summary over 1 MiB entirely and adds an error annotation instead
// ("Step isolation and limits", https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#step-isolation-and-limits);
// half of it leaves room for what other tools add to the same step's file
// (the composite action's own steps) and for the masking of account IDs.
const MaxSummaryBytes = 512 << 10

// BatchSummary renders the job summary for a batch: one row per repository,
// within MaxSummaryBytes.
func BatchSummary(items []reconcile.Item, dryRun, warnOnly bool) string {
	return batchSummary(items, dryRun, warnOnly, MaxSummaryBytes)
}

// batchSummary is BatchSummary within budget bytes. When everything does
// not fit, it leaves out, in this order and only as far as needed, the rows
// of unchanged repositories, their notes, the lifecycle previews, the other
// notes and then the last rows, and says what it left out and that the results output has
// every repository.
func batchSummary(items []reconcile.Item, dryRun, warnOnly bool, budget int) string {
	title := "ECR repositories"
	if dryRun {
		title += " (dry run)"
	}
	head := fmt.Sprintf("### %s\n\n%s\n\n| Repository | Result | Changes | Error |\n|---|---|---|---|\n", title, BatchTally(items, dryRun, warnOnly))
	rows := make([]string, len(items))
	for i, it := range items {
		rows[i] = batchRow(it, warnOnly)
	}
	var pb strings.Builder
	batchPreviews(&pb, items)
	previews := pb.String()
	// The notes of unchanged repositories can go before the others; shown
	// are all, in order, until then.
	var nb [3]strings.Builder
	for _, it := range items {
		if it.Result == nil {
			continue
		}
		w := &nb[0]
		if Status(it, warnOnly) == statusUnchanged {
			w = &nb[1]
		}
		for _, n := range it.Result.Notes {
			line := fmt.Sprintf("- **%s** %s %s: %s\n", markdownText(string(n.Level)), cell(it.Name), markdownText(n.Setting), noteText(n))
			w.WriteString(line)
			nb[2].WriteString(line)
		}
	}
	notes, unchangedNotes, shownNotes := nb[0].String(), nb[1].String(), nb[2].String()
	render := func(rows []string, left []string) string {
		var out strings.Builder
		out.WriteString(head)
		for _, r := range rows {
			out.WriteString(r)
		}
		if len(left) > 0 {
			out.WriteString(leftOut(left))
		}
		out.WriteString(previews)
		if shownNotes != "" {
			out.WriteString("\n" + shownNotes)
		}
		return out.String()
	}
	if full := render(rows, nil); len(full) <= budget {
		return full
	}
	// Condensed: the rows of unchanged repositories go first, then the
	// previews, then the notes.
	var kept []string
	unchanged := 0
	for i, it := range items {
		if Status(it, warnOnly) == statusUnchanged {
			unchanged++
			continue
		}
		kept = append(kept, rows[i])
	}
	var left []string
	if unchanged > 0 {
		left = append(left, fmt.Sprintf("the rows of %d unchanged repositories", unchanged))
		if out := render(kept, left); len(out) <= budget {
			return out
		}
	}
	if unchangedNotes != "" {
		shownNotes, left = notes, append(left, "their notes")
		if out := render(kept, left); len(out) <= budget {
			return out
		}
	}
	if previews != "" {
		previews, left = "", append(left, "the lifecycle policy previews")
		if out := render(kept, left); len(out) <= budget {
			return out
		}
	}
	if shownNotes != "" {
		shownNotes, left = "", append(left, "the other notes")
		if out := render(kept, left); len(out) <= budget {
			return out
		}
	}
	// Still too large: as many rows as fit, in order.
	more := func(n int) []string {
		return append(slices.Clip(left), fmt.Sprintf("the rows of %d more repositories", n))
	}
	n, size := 0, len(render(nil, more(len(kept))))
	for n < len(kept) && size+len(kept[n]) <= budget {
		size += len(kept[n])
		n++
	}
	return render(kept[:n], more(len(kept)-n))
}

// leftOut is the line under a condensed table that says what is not shown
// and where it is.
func leftOut(what []string) string {
	return fmt.Sprintf("\n_The job summary is limited to %d KiB: %s are not shown here. The `results` output has every repository's result, changes and notes, and the log has each plan._\n",
		MaxSummaryBytes>>10, strings.Join(what, ", "))
}

// batchRow is one repository's row of the batch table.
func batchRow(it reconcile.Item, warnOnly bool) string {
	result, changes := itemResult(it, warnOnly), ""
	if it.Result != nil {
		var parts []string
		for _, c := range it.Result.ChangedOnly() {
			parts = append(parts, c.Setting+" "+string(c.Action))
		}
		changes = strings.Join(parts, ", ")
	}
	errText := ""
	if it.Err != nil {
		errText = it.Err.Error()
	}
	return fmt.Sprintf("| %s | %s | %s | %s |\n", cell(it.Name), result, cell(changes), cell(errText))
}

// itemResult is a repository's Result cell: its outcome, with a failure or
// a warning in bold.
func itemResult(it reconcile.Item, warnOnly bool) string {
	switch {
	case it.Result == nil:
		return "**failed**"
	case Status(it, warnOnly) == StatusWarned:
		return outcome(it.Result, false) + ", **warned**"
	}
	return strings.Replace(outcome(it.Result, it.Err != nil), "failed", "**failed**", 1)
}

// BatchTally counts the repositories by outcome; in a dry run nothing was
// written, and the counts say "would be". warnOnly is on-reconcile-error:
// warn, under which a repository can be "warned".
func BatchTally(items []reconcile.Item, dryRun, warnOnly bool) string {
	n := map[string]int{}
	for _, it := range items {
		n[Status(it, warnOnly)]++
	}
	would := ""
	if dryRun {
		would = "would be "
	}
	s := fmt.Sprintf("%d repositories: %d %screated, %d %supdated", len(items), n[statusCreated], would, n[statusUpdated], would)
	if d := n[StatusDeleted]; d > 0 {
		s += fmt.Sprintf(", %d %sdeleted", d, would)
	}
	s += fmt.Sprintf(", %d unchanged", n[statusUnchanged])
	if warnOnly {
		s += fmt.Sprintf(", %d warned", n[StatusWarned])
	}
	return s + fmt.Sprintf(", %d failed.", n[StatusFailed])
}
