package report

import (
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

var badges = map[reconcile.Action]string{
	reconcile.ActionCreate:    "created",
	reconcile.ActionUpdate:    "updated",
	reconcile.ActionRemove:    "removed",
	reconcile.ActionUnchanged: "unchanged",
	reconcile.ActionFailed:    "**failed**",
}

var dryBadges = map[reconcile.Action]string{
	reconcile.ActionCreate: "would create",
	reconcile.ActionUpdate: "would update",
	reconcile.ActionRemove: "would remove",
}

// Summary renders the job summary for one repository: a heading, a table of
// every managed setting and what was done, and the policy diffs folded away.
func Summary(res *reconcile.Result) string {
	var b strings.Builder
	title := "ECR repository"
	if res.DryRun {
		title += " (dry run)"
	}
	fmt.Fprintf(&b, "### %s %s: %s\n\n", title, cell(res.Repository.Name), Outcome(res))
	if res.Repository.URI != "" {
		fmt.Fprintf(&b, "URI: %s\n\n", cell(res.Repository.URI))
	}
	b.WriteString("| Setting | Result | Value |\n|---|---|---|\n")
	for _, c := range res.Changes {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", markdownText(c.Setting), badge(res.DryRun, c.Action), cell(value(c)))
	}
	summaryPreviews(&b, res)
	if len(res.Notes) > 0 {
		b.WriteString("\n")
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "- **%s** %s: %s\n", n.Level, n.Setting, noteText(n))
	}
	for _, c := range res.Changes {
		if c.Diff != "" && c.Changed() {
			fmt.Fprintf(&b, "\n<details><summary>%s diff</summary>\n\n%s\n</details>\n", c.Setting, fenced("diff", c.Diff))
		}
	}
	fmt.Fprintf(&b, "\n%s\n", tally(res))
	return b.String()
}

// fenced wraps content in a Markdown code block whose fence is one backtick
// longer than the longest run of backticks in it (at least three): a policy
// or catalog text holding a "```" line, which a unified diff turns into
// " ```", would otherwise close a plain fence early and the rest would
// render as Markdown.
func fenced(info, content string) string {
	longest, run := 0, 0
	for _, r := range content {
		if r != '`' {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + info + "\n" + strings.TrimRight(content, "\n") + "\n" + fence + "\n"
}

func badge(dry bool, a reconcile.Action) string {
	if b, ok := dryBadges[a]; ok && dry {
		return b
	}
	return badges[a]
}

// cell makes a value safe inside a Markdown table cell, or a heading, as
// code: on one line, no "|" that ends the cell, no backtick that ends the
// code span. Every value of a cell that did not come from this code goes
// through cell or markdownText.
func cell(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "`", "'").Replace(s)
	return "`" + s + "`"
}

// noteText is a note's text as Markdown that shows it as it is, on its
// list item's line: a note quotes values from AWS (template tags, KMS key
// IDs, error messages), which must not become markup, links, HTML or an
// @-mention of a GitHub team.
func noteText(n reconcile.Note) string { return markdownText(n.Text) }

// markdownText escapes s for Markdown prose, on one line.
var markdownText = strings.NewReplacer(
	"\r", " ", "\n", " ",
	"&", "&amp;", "<", "&lt;", ">", "&gt;", "@", "&#64;",
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "|", "\\|", "#", "\\#", "~", "\\~", "!", "\\!",
).Replace

// Interrupted is the job summary's heading for a run stopped by a signal,
// with msg, which quotes AWS's answers, escaped as prose.
func Interrupted(msg string) string {
	return "### Interrupted\n\n" + markdownText(msg) + "\n\n"
}
