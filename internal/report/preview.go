package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// The lifecycle policy preview, as the plan and the job summary show it:
// the totals on one line, then one line (or table row) per rule with its
// count and a sample of the images, newest push first.

// previewHeadline is the one line both renderings start with.
func previewHeadline(p *reconcile.LifecyclePreview) string {
	if p.Skipped != "" {
		return "skipped: " + p.Skipped
	}
	s := fmt.Sprintf("%d image(s) to expire and %d to transition under the declared policy, as ECR previews it now", p.Expiring, p.Transitioning)
	if p.Partial {
		s += " (the per-rule counts cover only the part of ECR's result list that could be read)"
	}
	return s
}

// ruleName is "rule 1 (keep 30)" or "rule 1".
func ruleName(r reconcile.RulePreview) string {
	if r.Description == "" {
		return fmt.Sprintf("rule %d", r.Priority)
	}
	return fmt.Sprintf("rule %d (%s)", r.Priority, flat(r.Description))
}

// flat keeps text from AWS (a rule's description, image tags) on the plan
// line it belongs to.
var flat = strings.NewReplacer("\r", " ", "\n", " ").Replace

// ruleCount is "expire 3 image(s)".
func ruleCount(r reconcile.RulePreview) string {
	action := r.Action
	if action == "" {
		action = "act on"
	}
	return fmt.Sprintf("%s %d image(s)", action, r.Images)
}

// sample lists the sample images: "v1.2, latest (pushed 2026-05-01)",
// "untagged sha256:0123456789ab (pushed …)"; more says how many others.
func sample(r reconcile.RulePreview) string {
	parts := make([]string, 0, len(r.Sample)+1)
	for _, img := range r.Sample {
		name := flat(strings.Join(img.Tags, ", "))
		if name == "" {
			name = "untagged " + shortDigest(img.Digest)
		}
		parts = append(parts, fmt.Sprintf("%s (pushed %s)", name, img.PushedAt.UTC().Format("2006-01-02")))
	}
	if more := r.Images - len(r.Sample); more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// planPreviews writes the previews of a plan.
func planPreviews(w io.Writer, res *reconcile.Result) {
	for _, c := range res.Changes {
		p := c.Preview
		if p == nil {
			continue
		}
		fmt.Fprintf(w, "  %s preview: %s\n", c.Setting, previewHeadline(p))
		for _, r := range p.Rules {
			line := fmt.Sprintf("    %s: %s", ruleName(r), ruleCount(r))
			if s := sample(r); s != "" {
				line += ": " + s
			}
			fmt.Fprintln(w, line)
		}
	}
}

// summaryPreviews writes the previews of a job summary.
func summaryPreviews(b *strings.Builder, res *reconcile.Result) {
	for _, c := range res.Changes {
		if p := c.Preview; p != nil {
			fmt.Fprintf(b, "\n**%s preview**: %s.\n", c.Setting, oneLine(previewHeadline(p)))
			previewTable(b, p)
		}
	}
}

// batchPreviews writes the previews of a batch's job summary, one folded
// table per repository.
func batchPreviews(b *strings.Builder, items []reconcile.Item) {
	for _, it := range items {
		if it.Result == nil {
			continue
		}
		for _, c := range it.Result.Changes {
			p := c.Preview
			switch {
			case p == nil:
			case len(p.Rules) == 0:
				fmt.Fprintf(b, "\n%s %s preview: %s.\n", cell(it.Name), c.Setting, oneLine(previewHeadline(p)))
			default:
				fmt.Fprintf(b, "\n<details><summary><code>%s</code> %s preview: %s</summary>\n", html.EscapeString(it.Name), c.Setting, oneLine(previewHeadline(p)))
				previewTable(b, p)
				b.WriteString("\n</details>\n")
			}
		}
	}
}

// previewTable is one row per rule.
func previewTable(b *strings.Builder, p *reconcile.LifecyclePreview) {
	if len(p.Rules) == 0 {
		return
	}
	b.WriteString("\n| Rule | Description | Action | Images | Newest images (tags, pushed) |\n|---|---|---|---|---|\n")
	for _, r := range p.Rules {
		fmt.Fprintf(b, "| %d | %s | %s | %d | %s |\n", r.Priority, cell(r.Description), markdownText(r.Action), r.Images, cell(sample(r)))
	}
}

func oneLine(s string) string { return noteText(reconcile.Note{Text: s}) }
