// Package action is the glue between the GitHub Actions runtime and the
// reconcile engine: it reads inputs, sets up AWS access, runs the reconcile
// and reports through the log, annotations, outputs and the job summary.
package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// Option adjusts a run; tests use it to point the clients at an emulator
// and to shorten the retry timings.
type Option func(*awsclient.Options)

// WithClient applies fn to the AWS client configuration of the run.
func WithClient(fn func(*awsclient.Options)) Option { return Option(fn) }

// Run performs one action run. a reads the inputs with action.yml's
// defaults applied (the runner does that, and so do main and the command
// line through actionmeta). The returned error has already been reported as
// an annotation; the caller only sets the exit code.
func Run(ctx context.Context, a *githubactions.Action, opts ...Option) error {
	r := &runner{a: a, opts: opts}
	err := r.run(ctx)
	if err != nil && !errors.Is(err, errReported) && !errors.Is(err, ErrInvalidInput) {
		r.annotate("error", "ecr-reconcile", err.Error())
	}
	return err
}

// errReported marks an error whose annotations were already written.
var errReported = errors.New("reported")

// ErrInvalidInput is returned (wrapped) when an input is invalid; no AWS
// call was made. Its annotations are already written.
var ErrInvalidInput = errors.New("invalid input")

type runner struct {
	a    *githubactions.Action
	opts []Option
	cfg  *inputs.Config
	// logMu serialises what goroutines making AWS calls write: masks from
	// credential refreshes and debug lines.
	logMu sync.Mutex
	// accounts are the account IDs masked under mask-aws-account-id.
	accounts []string
}

func (r *runner) run(ctx context.Context) error {
	a := r.a
	// Secrets the runner hands us are masked before anything is printed.
	for _, k := range []string{"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		r.mask(a.Getenv(k))
	}

	cfg, err := inputs.Load(a, a.Getenv("GITHUB_WORKSPACE"))
	if err != nil {
		var errs inputs.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				r.annotate("error", "ecr-reconcile: invalid input "+e.Input, e.Error())
			}
			return fmt.Errorf("%d %w(s), nothing was sent to AWS", len(errs), ErrInvalidInput)
		}
		return err
	}
	r.cfg = cfg
	r.maskAccount(cfg.Spec.RegistryID)

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	client := awsclient.Options{
		Region:   cfg.Region,
		Adaptive: cfg.Batch(),
		Logf:     r.infof,
	}
	if a.Getenv("RUNNER_DEBUG") == "1" {
		client.Debugf = r.debugf
	}
	for _, o := range r.opts {
		o(&client)
	}
	// The OIDC token is fetched by awsauth (HTTPTokenFetcher), whose errors
	// never hold the token service's answer.
	auth, err := awsauth.Load(ctx, awsauth.Options{
		Getenv:              a.Getenv,
		Client:              client,
		RoleToAssume:        cfg.Auth.RoleToAssume,
		RoleSessionName:     cfg.Auth.RoleSessionName,
		RoleExternalID:      cfg.Auth.RoleExternalID,
		RoleDurationSeconds: cfg.Auth.RoleDurationSeconds,
		Audience:            cfg.Auth.Audience,
		Mask:                r.mask,
	})
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	r.maskAccount(auth.AccountID)
	a.Infof("%s", "Credentials: "+auth.Source+"; region "+cfg.Region)

	rec := &reconcile.Reconciler{
		ECR: auth.ECRClient(),
		Options: reconcile.Options{
			DryRun: cfg.DryRun,
			Region: cfg.Region,
			// Known when the action assumed a role: the tags read then
			// goes out with the describe.
			Account:   auth.AccountID,
			AccountID: auth.AccountLookup(r.maskAccount),
		},
	}
	if cfg.Batch() {
		return r.runBatch(ctx, rec)
	}
	return r.runOne(ctx, rec)
}

func (r *runner) runOne(ctx context.Context, rec *reconcile.Reconciler) error {
	res, err := rec.Reconcile(ctx, r.cfg.Spec)
	if res == nil {
		return err
	}
	r.maskAccount(res.Repository.RegistryID)
	r.printPlan(res.Repository.Name, res)
	if werr := r.publish(singleOutputs(res), report.Summary(res)); werr != nil {
		return werr
	}
	return r.settle(err)
}

// printPlan shows one repository's plan as a collapsible log group.
func (r *runner) printPlan(name string, res *reconcile.Result) {
	r.a.Group(fmt.Sprintf("Plan for %s: %s", name, report.Outcome(res)))
	var b strings.Builder
	report.Plan(&b, res)
	r.a.Infof("%s", strings.TrimRight(b.String(), "\n"))
	r.a.EndGroup()
}

// settle turns a reconcile error into the step's result: with
// on-reconcile-error: warn, settings that could not be written on a usable
// repository are a warning; anything else fails the step.
func (r *runner) settle(err error) error {
	var se *reconcile.SettingsError
	if errors.As(err, &se) && r.cfg.WarnOnly {
		r.warnSettings("", se)
		return nil
	}
	return err
}

// warnSettings writes one warning annotation per failed setting; prefix
// names the repository in batch mode.
func (r *runner) warnSettings(prefix string, err error) {
	var se *reconcile.SettingsError
	if !errors.As(err, &se) {
		return
	}
	for _, c := range se.Failed {
		r.annotate("warning", "ecr-reconcile: "+prefix+c.Setting+" not reconciled", c.Error)
	}
}

// publish sets the outputs and appends the job summary. Outside a runner
// (no GITHUB_OUTPUT) the outputs are printed instead.
func (r *runner) publish(outputs [][2]string, summary string) error {
	if path := r.a.Getenv("GITHUB_OUTPUT"); path != "" {
		if err := writeOutputs(path, outputs); err != nil {
			return fmt.Errorf("writing outputs: %w", err)
		}
	} else {
		for _, kv := range outputs {
			r.a.Infof("%s", kv[0]+"="+kv[1])
		}
	}
	if path := r.a.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		// The summary is not a log: hide masked account IDs ourselves.
		for _, id := range r.accounts {
			summary = strings.ReplaceAll(summary, id, "***")
		}
		if err := appendFile(path, summary+"\n"); err != nil {
			return fmt.Errorf("writing the job summary: %w", err)
		}
	}
	return nil
}

func (r *runner) annotate(level, title, msg string) {
	a := r.a.WithFieldsMap(map[string]string{"title": title})
	if level == "warning" {
		a.Warningf("%s", msg)
		return
	}
	a.Errorf("%s", msg)
}

// mask hides a secret from the log, line by line as the runner requires.
func (r *runner) mask(secret string) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	for _, line := range strings.Split(secret, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			r.a.AddMask(line)
		}
	}
}

// maskAccount masks an account ID when mask-aws-account-id is set.
func (r *runner) maskAccount(id string) {
	if id == "" || !r.cfg.MaskAccountID {
		return
	}
	r.mask(id)
	r.logMu.Lock()
	defer r.logMu.Unlock()
	if !slices.Contains(r.accounts, id) {
		r.accounts = append(r.accounts, id)
	}
}

// infof prints a line from a goroutine making AWS calls (retries).
func (r *runner) infof(msg string) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.a.Infof("%s", msg)
}

// debugf prints a debug line from a goroutine making AWS calls.
func (r *runner) debugf(msg string) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	r.a.Debugf("%s", msg)
}
