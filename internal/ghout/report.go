// Package ghout renders a run's result as a workflow log shows it: the
// plans as log groups, failures, warnings and notes as annotations, the job
// summary, all through the one neutralising Logger. Both doors use it: the
// GitHub Action writes the log as workflow commands for the runner, and the
// command line shows the same log as plain text (internal/logview). How the
// outputs are rendered is each door's own.
package ghout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// ErrInvalidInput is returned (wrapped) when an input is invalid; no AWS
// call was made. Its annotations are already written.
var ErrInvalidInput = errors.New("invalid input")

// errReported marks an error whose annotations were already written.
var errReported = errors.New("reported")

// Door renders a run for one door: the log through Log, the job summary
// where Getenv names one, and the outputs as the door renders them.
type Door struct {
	Log    *Logger
	Getenv func(string) string
	// Outputs renders the step's outputs (already masked in the log under
	// mask-aws-account-id); it is not called for an interrupted run.
	Outputs func(outputs [][2]string) error
}

// Load reads the inputs from src. The secrets the environment holds are
// masked first and, under mask-aws-account-id, account IDs before any
// input's error, which may quote one, is printed. Its error is reported
// (see Failed).
func (d Door) Load(ctx context.Context, src inputs.Source, workspace string) (*inputs.Config, error) {
	for _, k := range awsauth.SecretEnv {
		d.Log.Mask(src.Getenv(k))
	}
	d.Log.setMaskAccounts(inputs.MasksAccountIDs(src))
	cfg, err := run.Load(ctx, src, workspace)
	if err != nil {
		return nil, d.Failed(ctx, err)
	}
	d.Log.setMaskAccounts(cfg.MaskAccountID)
	return cfg, nil
}

// Failed reports an error that came before the run had a result: invalid
// inputs (one annotation each, and the returned error wraps
// ErrInvalidInput), an interruption, anything else. Every error Failed and
// Report return has been reported; the door only sets the exit code.
func (d Door) Failed(ctx context.Context, err error) error {
	stopped := run.Interruption(ctx)
	var errs inputs.Errors
	if errors.As(err, &errs) && stopped == nil {
		for _, e := range errs {
			d.Log.Annotate("error", "ecr-reconcile: invalid input "+e.Input, e.Error())
		}
		return fmt.Errorf("%d %w(s), nothing was sent to AWS", len(errs), ErrInvalidInput)
	}
	// A signal while the inputs were read (a policy file, the logo) is an
	// interruption, not an invalid input: exit 130/143.
	return d.failed(stopped, err)
}

func (d Door) failed(stopped *run.Interrupted, err error) error {
	if stopped != nil {
		// Stopped before there was a result to report (inputs, credentials,
		// the first reads, a creation in flight).
		d.Log.Annotate("error", "ecr-reconcile: interrupted", fmt.Sprintf("%s before the run finished: no write completed "+
			"(a call in flight when the signal came may still have taken effect). Outputs are not set. Re-run the step to finish: %s", stopped, err))
		return fmt.Errorf("%w: %w", stopped, errReported)
	}
	d.Log.Annotate("error", "ecr-reconcile", err.Error())
	return fmt.Errorf("%w: %w", err, errReported)
}

// Report renders res: each repository's plan as a log group, its failure
// or warnings as annotations, the notes (once each), the outputs, the job
// summary, the tally of a batch. It returns the step's error.
func (d Door) Report(res *run.Result) error {
	if res.Err != nil {
		return d.failed(res.Interrupted, res.Err)
	}
	cfg := res.Config
	// With one repository in one Region, its failure is the step's error,
	// reported once the outputs are set.
	one := !res.MultiRegion() && !cfg.Batch()
	var noted []notedItem
	for _, reg := range res.Regions {
		for _, it := range reg.Items {
			label := res.Label(it.Name, reg.Name)
			if it.Result != nil {
				d.plan(label, it.Result)
				if one {
					noted = append(noted, notedItem{notes: it.Result.Notes})
				} else {
					noted = append(noted, notedItem{label: label, notes: it.Result.Notes})
				}
			}
			if !one {
				d.itemStatus(res, it, label+": ", "ecr-reconcile: "+label)
			}
		}
		if res.MultiRegion() && cfg.Batch() {
			d.Log.Info(reg.Name + ": " + report.BatchTally(reg.Items, cfg.DryRun, cfg.WarnOnly))
		}
	}
	d.Log.annotateNotes(noted)
	if err := d.publish(res); err != nil {
		return err
	}
	if !res.MultiRegion() && cfg.Batch() {
		d.Log.Info(report.BatchTally(res.Regions[0].Items, cfg.DryRun, cfg.WarnOnly))
	}
	err := res.Failure()
	switch {
	case err == nil:
		if one {
			d.itemStatus(res, res.Regions[0].Items[0], "", "")
		}
		return nil
	case one:
		return d.failed(nil, err)
	}
	return fmt.Errorf("%w: %w", err, errReported)
}

// plan shows one repository's plan as a collapsible log group.
func (d Door) plan(label string, res *reconcile.Result) {
	var b strings.Builder
	report.Plan(&b, res)
	d.Log.Plan(fmt.Sprintf("Plan for %s: %s", label, report.Outcome(res)), strings.TrimRight(b.String(), "\n"))
}

// itemStatus writes a repository's warnings (one annotation per setting
// that failed under on-reconcile-error: warn, prefix naming the repository)
// or its failure, titled title.
func (d Door) itemStatus(res *run.Result, it reconcile.Item, prefix, title string) {
	switch res.Status(it) {
	case report.StatusWarned:
		var se *reconcile.SettingsError
		if errors.As(it.Err, &se) {
			for _, c := range se.Failed {
				d.Log.Annotate("warning", "ecr-reconcile: "+prefix+c.Setting+" not reconciled", c.Error)
			}
		}
	case report.StatusFailed:
		d.Log.Annotate("error", title, it.Err.Error())
	}
}

// publish sets the outputs and appends the job summary. An interrupted run
// sets no outputs (see run.Interrupted).
func (d Door) publish(res *run.Result) error {
	outputs := res.Outputs()
	// An output is data for later steps and keeps its values (a URI with
	// its account, for docker push); under mask-aws-account-id every
	// account ID in it is masked first, so that the runner hides it
	// wherever the value is shown.
	for _, kv := range outputs {
		d.Log.maskIn(kv[1])
	}
	summary := res.Summary()
	if res.Interrupted != nil {
		return d.interrupted(res, summary)
	}
	if err := d.Outputs(outputs); err != nil {
		return d.failed(nil, err)
	}
	return d.writeSummary(res.Config, summary)
}

// interrupted reports an interrupted run in place of its outputs: an error
// annotation that says which writes completed and which did not, and the
// job summary under an "Interrupted" heading.
func (d Door) interrupted(res *run.Result, summary string) error {
	msg := fmt.Sprintf("%s before the run finished. %s Outputs are not set. Re-run the step to finish: it changes only what still differs.", res.Interrupted, res.Progress())
	d.Log.Annotate("error", "ecr-reconcile: interrupted", msg)
	head := report.Interrupted(msg)
	if err := d.writeSummary(res.Config, head+within(summary, report.MaxSummaryBytes-len(head))); err != nil {
		return err
	}
	return fmt.Errorf("%w: %w", res.Interrupted, errReported)
}

// within cuts a job summary to budget bytes, at a line, and says so.
func within(summary string, budget int) string {
	const cut = "\n\n… the rest of the summary is left out to keep it within its size bound; the log has every plan.\n"
	if len(summary) <= budget {
		return summary
	}
	keep := summary[:max(budget-len(cut), 0)]
	if i := strings.LastIndexByte(keep, '\n'); i >= 0 {
		keep = keep[:i]
	}
	return keep + cut
}

// writeSummary appends to the job summary, when the step has one.
func (d Door) writeSummary(cfg *inputs.Config, summary string) error {
	path := d.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	// The summary is not a log, which the runner masks: under
	// mask-aws-account-id the account IDs are replaced here.
	if cfg.MaskAccountID {
		summary = awsid.RedactAccountIDs(summary)
	}
	if err := wfcmd.AppendFile(path, summary+"\n"); err != nil {
		return d.failed(nil, fmt.Errorf("writing the job summary: %w", err))
	}
	return nil
}

// WriteOutputs writes the outputs to the runner's GITHUB_OUTPUT file.
func WriteOutputs(path string, outputs [][2]string) error {
	if err := wfcmd.WriteOutputs(path, outputs); err != nil {
		return fmt.Errorf("writing outputs: %w", err)
	}
	return nil
}
