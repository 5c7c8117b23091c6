package action

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// batchResult is one repository's entry in the results output.
type batchResult struct {
	URI     string             `json:"uri,omitempty"`
	Created bool               `json:"created"`
	Changed bool               `json:"changed"`
	Changes []reconcile.Change `json:"changes"`
	Error   string             `json:"error,omitempty"`
}

func (r *runner) runBatch(ctx context.Context, rec *reconcile.Reconciler) error {
	items := rec.ReconcileBatch(ctx, r.cfg.Spec, r.cfg.Repositories, r.cfg.Concurrency)
	for _, it := range items {
		if it.Result != nil {
			r.maskAccount(it.Result.Repository.RegistryID)
		}
	}

	uris := map[string]string{}
	results := map[string]batchResult{}
	var created, changed bool
	var failed []string
	for _, it := range items {
		br := batchResult{Changes: []reconcile.Change{}}
		if res := it.Result; res != nil {
			r.printPlan(it.Name, res)
			uris[it.Name] = res.Repository.URI
			br = batchResult{URI: res.Repository.URI, Created: res.Created, Changed: res.Changed(), Changes: res.ChangedOnly()}
			created = created || res.Created
			changed = changed || res.Changed()
		}
		if err := r.settle(it.Err); err != nil {
			br.Error = err.Error()
			failed = append(failed, it.Name)
			r.annotate("error", "ecr-reconcile: "+it.Name, err.Error())
		}
		results[it.Name] = br
	}
	uriJSON, _ := json.Marshal(uris)
	resultJSON, _ := json.Marshal(results)
	outputs := [][2]string{
		{"repository-uris", string(uriJSON)},
		{"results", string(resultJSON)},
		{"created", strconv.FormatBool(created)},
		{"changed", strconv.FormatBool(changed)},
	}
	if err := r.publish(outputs, report.BatchSummary(items, r.cfg.DryRun)); err != nil {
		return err
	}
	r.log.info(report.BatchTally(items, r.cfg.DryRun))
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d repositories failed: %s: %w", len(failed), len(items), strings.Join(failed, ", "), errReported)
	}
	return nil
}
