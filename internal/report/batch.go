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
	fmt.Fprintf(&b, "### %s\n\n%s\n\n| Repository | Result | Changes | Error |\n|---|---|---|---|\n", title, BatchTally(items, warnOnly))
	for _, it := range items {
		outcome, changes := "**failed**", ""
		if it.Result != nil {
			outcome = Outcome(it.Result)
			var parts []string
			for _, c := range it.Result.ChangedOnly() {
				parts = append(parts, c.Setting+" "+string(c.Action))
			}
			changes = strings.Join(parts, ", ")
		}
		errText := ""
		if it.Err != nil {
			errText = it.Err.Error()
			switch {
			case Status(it, warnOnly) == StatusWarned:
				outcome += ", **warned**"
			case it.Result != nil:
				outcome += ", **partly failed**"
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", it.Name, outcome, cell(changes), cell(errText))
	}
	return b.String()
}

// BatchTally counts the repositories by outcome.
func BatchTally(items []reconcile.Item, warnOnly bool) string {
	n := map[string]int{}
	for _, it := range items {
		n[Status(it, warnOnly)]++
	}
	s := fmt.Sprintf("%d repositories: %d created, %d updated, %d unchanged", len(items), n[StatusCreated], n[StatusUpdated], n[StatusUnchanged])
	if warnOnly {
		s += fmt.Sprintf(", %d warned", n[StatusWarned])
	}
	return s + fmt.Sprintf(", %d failed.", n[StatusFailed])
}
