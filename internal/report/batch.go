package report

import (
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// BatchSummary renders the job summary for a batch: one row per repository.
func BatchSummary(items []reconcile.Item, dryRun bool) string {
	var b strings.Builder
	title := "ECR repositories"
	if dryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(&b, "### %s\n\n%s\n\n| Repository | Result | Changes | Error |\n|---|---|---|---|\n", title, BatchTally(items, dryRun))
	for _, it := range items {
		result, changes := "**failed**", ""
		if it.Result != nil {
			result = strings.Replace(outcome(it.Result, it.Err != nil), "failed", "**failed**", 1)
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
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", it.Name, result, cell(changes), cell(errText))
	}
	return b.String()
}

// BatchTally counts the repositories by outcome; in a dry run nothing was
// written, and the counts say "would be".
func BatchTally(items []reconcile.Item, dryRun bool) string {
	var created, updated, unchanged, failed int
	for _, it := range items {
		switch {
		case it.Err != nil:
			failed++
		case it.Result.Created:
			created++
		case it.Result.Changed():
			updated++
		default:
			unchanged++
		}
	}
	would := ""
	if dryRun {
		would = "would be "
	}
	return fmt.Sprintf("%d repositories: %d %screated, %d %supdated, %d unchanged, %d failed.", len(items), created, would, updated, would, unchanged, failed)
}
