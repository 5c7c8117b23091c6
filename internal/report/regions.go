package report

import (
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// RegionSection is one Region's part of a step over several Regions: its
// repositories, or in single mode its one repository.
type RegionSection struct {
	Region  string
	Primary bool
	Items   []reconcile.Item
}

// RegionsSummary renders the job summary of a step over several Regions: a
// table with one row per Region, then under each Region's heading what a
// step of that Region alone would show (Summary or BatchSummary). A
// repository that could not be reconciled at all in a Region shows its error.
func RegionsSummary(sections []RegionSection, batch, dryRun, warnOnly bool) string {
	var b strings.Builder
	title := fmt.Sprintf("ECR in %d Regions", len(sections))
	if dryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(&b, "## %s\n\n| Region | Result |\n|---|---|\n", title)
	for _, s := range sections {
		result := BatchTally(s.Items, dryRun, warnOnly)
		if !batch {
			result = itemResult(s.Items[0], warnOnly)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", s.heading(), result)
	}
	// Each Region's part shares what the table above leaves of the bound
	// (less its heading).
	share := (MaxSummaryBytes - b.Len()) / len(sections)
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n", s.heading())
		switch it := s.Items[0]; {
		case batch:
			b.WriteString(batchSummary(s.Items, dryRun, warnOnly, share-len(s.heading())-8))
		case it.Result != nil:
			b.WriteString(Summary(it.Result))
		default:
			fmt.Fprintf(&b, "### ECR repository %s: **failed**\n\n%s\n", cell(it.Name), cell(it.Err.Error()))
		}
	}
	return b.String()
}

func (s RegionSection) heading() string {
	if s.Primary {
		return cell(s.Region) + " (primary)"
	}
	return cell(s.Region)
}
