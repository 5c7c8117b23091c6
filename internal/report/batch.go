package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// Batch outcomes of one repository, as the results output, the summary
// table and the tally all name them.
const (
	StatusCreated   = "created"
	StatusUpdated   = "updated"
	StatusDeleted   = "deleted" // state: absent
	StatusUnchanged = "unchanged"
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
		return StatusCreated
	case it.Result.Deleted:
		return StatusDeleted
	case it.Result.Changed():
		return StatusUpdated
	}
	return StatusUnchanged
}

// BatchSummary renders the job summary for a batch: one row per repository.
func BatchSummary(items []reconcile.Item, dryRun, warnOnly bool) string {
	var b strings.Builder
	title := "ECR repositories"
	if dryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(&b, "### %s\n\n%s\n\n| Repository | Result | Changes | Error |\n|---|---|---|---|\n", title, BatchTally(items, dryRun, warnOnly))
	for _, it := range items {
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
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(it.Name), result, cell(changes), cell(errText))
	}
	batchPreviews(&b, items)
	notes := ""
	for _, it := range items {
		if it.Result != nil {
			for _, n := range it.Result.Notes {
				notes += fmt.Sprintf("- **%s** %s %s: %s\n", markdownText(string(n.Level)), cell(it.Name), markdownText(n.Setting), noteText(n))
			}
		}
	}
	if notes != "" {
		b.WriteString("\n" + notes)
	}
	return b.String()
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
	s := fmt.Sprintf("%d repositories: %d %screated, %d %supdated", len(items), n[StatusCreated], would, n[StatusUpdated], would)
	if d := n[StatusDeleted]; d > 0 {
		s += fmt.Sprintf(", %d %sdeleted", d, would)
	}
	s += fmt.Sprintf(", %d unchanged", n[StatusUnchanged])
	if warnOnly {
		s += fmt.Sprintf(", %d warned", n[StatusWarned])
	}
	return s + fmt.Sprintf(", %d failed.", n[StatusFailed])
}
