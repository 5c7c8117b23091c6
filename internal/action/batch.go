package action

import (
	"context"
	"fmt"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

func (r *runner) runBatch(ctx context.Context, rec *reconcile.Reconciler) error {
	items := rec.ReconcileBatch(ctx, r.cfg.Spec, r.cfg.Repositories, r.cfg.Concurrency)
	r.stop(ctx)
	b := r.reportBatch(items, "")
	r.annotateNotes(b.noted)
	outputs := append(b.outputs(), regionsOutput(map[string]RegionBatchJSON{rec.Options.Region: b.regionEntry()}))
	if err := r.publish(outputs, report.BatchSummary(items, r.cfg.DryRun, r.cfg.WarnOnly)); err != nil {
		return err
	}
	r.log.info(report.BatchTally(items, r.cfg.DryRun, r.cfg.WarnOnly))
	if len(b.failed) > 0 {
		return fmt.Errorf("%s: %w", b.failure(), errReported)
	}
	return nil
}

// batchReport is what one batch (of one Region) puts in the outputs.
type batchReport struct {
	uris             map[string]string
	results          map[string]ResultJSON
	created, changed bool
	failed           []string
	n                int
	// noted are the repositories' notes, annotated once the whole step is
	// reported (annotateNotes folds the ones they share).
	noted []notedItem
}

// reportBatch shows each repository's plan and annotations and gathers the
// outputs. region is "" when the step has one Region; otherwise it is named
// beside each repository.
func (r *runner) reportBatch(items []reconcile.Item, region string) batchReport {
	for _, it := range items {
		if it.Result != nil {
			r.maskAccount(it.Result.Repository.RegistryID)
		}
	}
	b := batchReport{uris: map[string]string{}, results: map[string]ResultJSON{}, n: len(items)}
	for _, it := range items {
		b.results[it.Name] = r.reportItem(it, label(it.Name, region))
		if res := it.Result; res != nil {
			b.noted = append(b.noted, notedItem{label: label(it.Name, region), notes: res.Notes})
			b.uris[it.Name] = res.Repository.URI
			b.created = b.created || res.Created
			b.changed = b.changed || res.Changed()
		}
		if report.Status(it, r.cfg.WarnOnly) == report.StatusFailed {
			b.failed = append(b.failed, it.Name)
		}
	}
	return b
}

func (b batchReport) outputs() [][2]string {
	return batchOutputs(b.uris, b.results, b.created, b.changed)
}

func (b batchReport) regionEntry() RegionBatchJSON {
	return RegionBatchJSON{RepositoryURIs: b.uris, Results: b.results}
}

func (b batchReport) failure() string {
	return fmt.Sprintf("%d of %d repositories failed: %s", len(b.failed), b.n, someOf(b.failed, ", ", "see the results output"))
}

// reportItem shows one repository's plan as a log group and its failure or
// warnings as annotations (its notes are annotated with the others'), and returns its entry of the results output.
// label names the repository in both.
func (r *runner) reportItem(it reconcile.Item, label string) ResultJSON {
	r.track(label, it)
	if it.Result != nil {
		r.printPlan(label, it.Result)
	}
	switch report.Status(it, r.cfg.WarnOnly) {
	case report.StatusWarned:
		r.warnSettings(label+": ", it.Err)
	case report.StatusFailed:
		r.annotate("error", "ecr-reconcile: "+label, it.Err.Error())
	}
	return resultEntry(it, r.cfg.WarnOnly)
}

// resultEntry is one repository's entry of the results output.
func resultEntry(it reconcile.Item, warnOnly bool) ResultJSON {
	br := ResultJSON{Changes: []ChangeJSON{}}
	if res := it.Result; res != nil {
		br = ResultJSON{URI: res.Repository.URI, Created: res.Created, Deleted: res.Deleted, Changed: res.Changed(), Changes: changesJSON(res.ChangedOnly()), Notes: res.Notes}
	}
	switch report.Status(it, warnOnly) {
	case report.StatusWarned:
		br.Warned, br.Warning = true, it.Err.Error()
	case report.StatusFailed:
		br.Error = it.Err.Error()
	}
	return br
}

// label names a repository in the log and annotations: with its Region when
// the step has several.
func label(name, region string) string {
	if region == "" {
		return name
	}
	return name + " in " + region
}
