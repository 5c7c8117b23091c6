// Package run is one run of ecr-reconcile, whichever door started it: it
// takes the parsed inputs and an environment, sets up AWS access, runs the
// reconcile in every Region and returns what happened as a Result. It prints
// nothing of the result: the GitHub Action (internal/action) and the command
// line (internal/cli) render it, each in its own way.
package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// Option adjusts the AWS client configuration of a run. Only tests use it,
// to point the clients at an emulator and to shorten the retry timings;
// the product's endpoints come from the SDK's own resolution. The tests
// cannot reach the same place through the environment they inject
// (Env.Getenv): the SDK reads AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>
// and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS from the process itself, at each
// client's construction, and takes no environment of ours. Reading them
// through Getenv would write the SDK's precedence rules (service over
// global, the ignore switch, the shared config's services section) a
// second time, and a partial copy would let AWS_ENDPOINT_URL win where the
// SDK ignores it. Setting the process environment instead would keep the
// tests from running in parallel.
type Option func(*awsclient.Options)

// Log is what a run prints while it runs, before there is a result: the
// credentials it uses and what the AWS clients say (retries), as progress
// notes, and the secrets and account IDs to mask before any of it is
// shown. The door's logger implements it; every line goes through its
// neutralising.
type Log interface {
	Note(text string)
	// DebugSink is where per-call debug lines go, nil when they are off.
	DebugSink() func(string)
	Mask(secret string)
	MaskAccount(id string)
}

// Env is what a run takes from its door besides the inputs.
type Env struct {
	// Getenv reads the environment: credentials, AWS_* settings, the
	// runner's OIDC token request.
	Getenv  func(string) string
	Log     Log
	Options []Option
}

// Load parses the inputs; reading policy files is bounded by the step's
// deadline too. An invalid input is an inputs.Errors.
func Load(ctx context.Context, src inputs.Source, workspace string) (*inputs.Config, error) {
	ctx, cancel := context.WithTimeout(ctx, inputs.ReadTimeout(src.GetInput(inputref.TimeoutSeconds.String())))
	defer cancel()
	return inputs.LoadContext(ctx, src, workspace)
}

// Result is what one run did.
type Result struct {
	Config *inputs.Config
	// Err is set when the run stopped before any repository had a result:
	// the credentials (a *CredentialsError), or the only repository's
	// reconcile when it returned nothing.
	Err error
	// Regions holds each Region's repositories, the primary Region first;
	// with one Region and one repository, one item.
	Regions []Region
	// Interrupted is the signal that stopped the reconcile, nil if none
	// did. An interrupted run sets no outputs and never warns.
	Interrupted *Interrupted
}

// Region is one Region's part of the run.
type Region struct {
	Name  string
	Items []reconcile.Item
}

// CredentialsError is a failure to get AWS credentials.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string { return "AWS credentials: " + e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// Run performs one run with cfg (from Load).
func Run(ctx context.Context, cfg *inputs.Config, env Env) *Result {
	res := &Result{Config: cfg}
	env.Log.MaskAccount(cfg.Spec.RegistryID)

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	client := awsclient.Options{
		Region:   cfg.Region,
		Adaptive: cfg.Batch(),
		// Retries and the SDK's warnings are progress notes: the command
		// line's stdout holds only the plan and the outputs.
		Logf:   env.Log.Note,
		Debugf: env.Log.DebugSink(),
	}
	for _, o := range env.Options {
		o(&client)
	}
	// The OIDC token is fetched by awsauth (HTTPTokenFetcher), whose errors
	// never hold the token service's answer.
	auth, err := awsauth.Load(ctx, awsauth.Options{
		Getenv:              env.Getenv,
		Client:              client,
		RoleToAssume:        cfg.Auth.RoleToAssume,
		RoleSessionName:     cfg.Auth.RoleSessionName,
		RoleExternalID:      cfg.Auth.RoleExternalID,
		RoleDurationSeconds: cfg.Auth.RoleDurationSeconds,
		Audience:            cfg.Auth.Audience,
		Mask:                env.Log.Mask,
	})
	if err != nil {
		res.Err = &CredentialsError{Err: err}
		res.stop(ctx)
		return res
	}
	env.Log.MaskAccount(auth.AccountID)
	recs := reconcilers(cfg, auth, env.Log.MaskAccount)
	switch {
	case len(recs) > 1:
		env.Log.Note("Credentials: " + auth.Source + "; regions " + cfg.Region + " (primary), " + strings.Join(cfg.Regions[1:], ", "))
	case cfg.Public:
		env.Log.Note("Credentials: " + auth.Source + "; ECR Public (" + recs[0].Options.Region + ")")
	default:
		env.Log.Note("Credentials: " + auth.Source + "; region " + cfg.Region)
	}
	res.Regions = reconcileAll(ctx, cfg, recs)
	res.stop(ctx)
	if len(res.Regions) == 1 && !cfg.Batch() && res.Regions[0].Items[0].Result == nil {
		// Nothing to report but the error.
		res.Err = res.Regions[0].Items[0].Err
		res.Regions = nil
		return res
	}
	if len(recs) > 1 {
		explainRefusals(res.Regions)
	}
	for _, reg := range res.Regions {
		for _, it := range reg.Items {
			if it.Result != nil {
				env.Log.MaskAccount(it.Result.Repository.RegistryID)
			}
		}
	}
	return res
}

// reconcileAll reconciles in every Region at once; one Region's failure
// does not stop the others.
func reconcileAll(ctx context.Context, cfg *inputs.Config, recs []*reconcile.Reconciler) []Region {
	runs := make([]Region, len(recs))
	var wg sync.WaitGroup
	for i, rec := range recs {
		runs[i].Name = rec.Options.Region
		wg.Go(func() {
			if cfg.Batch() {
				runs[i].Items = rec.ReconcileBatch(ctx, cfg.Spec, cfg.Repositories, cfg.Concurrency)
				return
			}
			if rec.Options.Slots != nil {
				rec.Options.Slots <- struct{}{}
				defer func() { <-rec.Options.Slots }()
			}
			res, err := rec.Reconcile(ctx, cfg.Spec)
			runs[i].Items = []reconcile.Item{{Name: cfg.Spec.Name, Result: res, Err: err}}
		})
	}
	wg.Wait()
	return runs
}

// stop notes whether a signal stopped the run; it is read once, so that
// the whole report agrees. An interrupted run never warns: every failure,
// the interrupted writes included, is an error.
func (r *Result) stop(ctx context.Context) {
	if r.Interrupted = Interruption(ctx); r.Interrupted != nil {
		r.Config.WarnOnly = false
	}
}

// MultiRegion reports whether the run has several Regions; the log and the
// annotations then name each repository with its Region.
func (r *Result) MultiRegion() bool { return len(r.Regions) > 1 }

// Label names a repository of region in the log and annotations: with its
// Region when the run has several.
func (r *Result) Label(name, region string) string {
	if !r.MultiRegion() {
		return name
	}
	return name + " in " + region
}

// Status is the item's status: report.StatusFailed, StatusWarned, or OK.
func (r *Result) Status(it reconcile.Item) string { return report.Status(it, r.Config.WarnOnly) }

// Failed names the repositories of reg that failed.
func (r *Result) Failed(reg Region) []string {
	var failed []string
	for _, it := range reg.Items {
		if r.Status(it) == report.StatusFailed {
			failed = append(failed, it.Name)
		}
	}
	return failed
}

// Failure is the step's failure once the result is reported, nil if it
// succeeded: with one repository in one Region, its reconcile error
// (settings that failed on a usable repository are only warned about under
// on-reconcile-error: warn); in batch mode, which repositories failed; with
// several Regions, which Regions.
func (r *Result) Failure() error {
	cfg := r.Config
	if !r.MultiRegion() {
		reg := r.Regions[0]
		if !cfg.Batch() {
			err := reg.Items[0].Err
			var se *reconcile.SettingsError
			if errors.As(err, &se) && cfg.WarnOnly {
				return nil
			}
			return err
		}
		if failed := r.Failed(reg); len(failed) > 0 {
			return fmt.Errorf("%d of %d repositories failed: %s", len(failed), len(reg.Items), someOf(failed, ", ", "see the results output"))
		}
		return nil
	}
	var failed []string
	for _, reg := range r.Regions {
		if len(r.Failed(reg)) > 0 {
			failed = append(failed, reg.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d Regions failed: %s", len(failed), len(r.Regions), strings.Join(failed, ", "))
	}
	return nil
}

// Summary is the job summary in Markdown.
func (r *Result) Summary() string {
	cfg := r.Config
	switch {
	case r.MultiRegion():
		sections := make([]report.RegionSection, 0, len(r.Regions))
		for i, reg := range r.Regions {
			sections = append(sections, report.RegionSection{Region: reg.Name, Primary: i == 0, Items: reg.Items})
		}
		return report.RegionsSummary(sections, cfg.Batch(), cfg.DryRun, cfg.WarnOnly)
	case cfg.Batch():
		return report.BatchSummary(r.Regions[0].Items, cfg.DryRun, cfg.WarnOnly)
	}
	return report.Summary(r.Regions[0].Items[0].Result)
}
