package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

func (r *runner) runBatch(ctx context.Context, rec *reconcile.Reconciler) error {
	items := rec.ReconcileBatch(ctx, r.cfg.Spec, r.cfg.Repositories, r.cfg.Concurrency)
	for _, it := range items {
		if it.Result != nil {
			r.maskAccount(it.Result.Repository.RegistryID)
		}
	}

	uris := map[string]string{}
	results := map[string]ResultJSON{}
	var created, changed bool
	var failed []string
	for _, it := range items {
		br := ResultJSON{Changes: []ChangeJSON{}}
		if res := it.Result; res != nil {
			r.printPlan(it.Name, res)
			uris[it.Name] = res.Repository.URI
			br = ResultJSON{URI: res.Repository.URI, Created: res.Created, Changed: res.Changed(), Changes: changesJSON(res), Notes: res.Notes}
			r.annotateNotes(it.Name+": ", res.Notes)
			created = created || res.Created
			changed = changed || res.Changed()
		}
		switch report.Status(it, r.cfg.WarnOnly) {
		case report.StatusWarned:
			br.Warned, br.Warning = true, it.Err.Error()
			r.warnSettings(it.Name+": ", it.Err)
		case report.StatusFailed:
			br.Error = it.Err.Error()
			failed = append(failed, it.Name)
			r.annotate("error", "ecr-reconcile: "+it.Name, it.Err.Error())
		}
		results[it.Name] = br
	}
	if err := r.publish(batchOutputs(uris, results, created, changed), report.BatchSummary(items, r.cfg.DryRun, r.cfg.WarnOnly)); err != nil {
		return err
	}
	r.log.info(report.BatchTally(items, r.cfg.DryRun, r.cfg.WarnOnly))
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d repositories failed: %s: %w", len(failed), len(items), strings.Join(failed, ", "), errReported)
	}
	return nil
}
