// Package action is the glue between the GitHub Actions runtime and the
// reconcile engine: it reads inputs, sets up AWS access, runs the reconcile
// and reports through the log, annotations, outputs and the job summary.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
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
	return (&runner{a: a, log: newLogger(a, nil), opts: opts}).runReported(ctx)
}

// CommandLine is how a run from a terminal differs from one on a runner.
type CommandLine struct {
	// Outputs receives the outputs as name=value lines, always, and as they
	// are: a script reads them, so mask-aws-account-id does not hide them.
	Outputs io.Writer
	// Notes is where progress lines go (the credentials used, where the
	// outputs were also written), apart from the plan and the outputs.
	Notes *githubactions.Action
}

// RunCommandLine performs one run for the command line; see CommandLine.
func RunCommandLine(ctx context.Context, a *githubactions.Action, cl CommandLine, opts ...Option) error {
	return (&runner{a: a, log: newLogger(a, cl.Notes), cl: &cl, opts: opts}).runReported(ctx)
}

func (r *runner) runReported(ctx context.Context) error {
	err := r.run(ctx)
	var intr *Interrupted
	if stopped := interruption(ctx); err != nil && stopped != nil && !errors.As(err, &intr) {
		// Stopped before there was a result to report (inputs, credentials,
		// the first reads, a creation in flight).
		r.annotate("error", "ecr-reconcile: interrupted", fmt.Sprintf("%s before the run finished: no write completed "+
			"(a call in flight when the signal came may still have taken effect). Outputs are not set. Re-run the step to finish: %s", stopped, err))
		return fmt.Errorf("%w: %w", stopped, errReported)
	}
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
	log  *logger
	opts []Option
	// cl is set when the command line runs the action.
	cl  *CommandLine
	cfg *inputs.Config
	// stopped is the signal that interrupted the reconcile (see stop);
	// tracked is what the report showed, for its account.
	stopped *Interrupted
	tracked []tracked
}

func (r *runner) run(ctx context.Context) error {
	a := r.a
	// Secrets the runner hands us are masked before anything is printed.
	for _, k := range []string{"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		r.mask(a.Getenv(k))
	}

	// An input's error may quote an account ID: masked from the start.
	r.log.setMaskAccounts(inputs.MasksAccountIDs(a))

	// Reading policy files is bounded by the step's deadline too.
	loadCtx, cancelLoad := context.WithTimeout(ctx, inputs.ReadTimeout(a.GetInput("timeout-seconds")))
	cfg, err := inputs.LoadContext(loadCtx, a, a.Getenv("GITHUB_WORKSPACE"))
	cancelLoad()
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
	r.log.setMaskAccounts(cfg.MaskAccountID)
	r.maskAccount(cfg.Spec.RegistryID)

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	client := awsclient.Options{
		Region:   cfg.Region,
		Adaptive: cfg.Batch(),
		// Retries and the SDK's warnings are progress notes: the command
		// line's stdout holds only the plan and the outputs.
		Logf:   r.log.note,
		Debugf: r.log.debugSink(),
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
		return fmt.Errorf("AWS credentials: %w", r.credentialsAdvice(err))
	}
	r.maskAccount(auth.AccountID)
	recs := r.reconcilers(auth)
	if len(recs) > 1 {
		r.log.note("Credentials: " + auth.Source + "; regions " + cfg.Region + " (primary), " + strings.Join(cfg.Regions[1:], ", "))
		return r.runRegions(ctx, recs)
	}
	if cfg.Public {
		r.log.note("Credentials: " + auth.Source + "; ECR Public (" + recs[0].Options.Region + ")")
	} else {
		r.log.note("Credentials: " + auth.Source + "; region " + cfg.Region)
	}
	if cfg.Batch() {
		return r.runBatch(ctx, recs[0])
	}
	return r.runOne(ctx, recs[0])
}

func (r *runner) runOne(ctx context.Context, rec *reconcile.Reconciler) error {
	res, err := rec.Reconcile(ctx, r.cfg.Spec)
	if res == nil {
		return err
	}
	r.stop(ctx)
	r.track("", reconcile.Item{Name: res.Repository.Name, Result: res, Err: err})
	r.maskAccount(res.Repository.RegistryID)
	r.printPlan(res.Repository.Name, res)
	r.annotateNotes([]notedItem{{notes: res.Notes}})
	entry := resultEntry(reconcile.Item{Name: res.Repository.Name, Result: res, Err: err}, r.cfg.WarnOnly)
	outputs := append(singleOutputs(res), regionsOutput(map[string]ResultJSON{rec.Options.Region: entry}))
	if werr := r.publish(outputs, report.Summary(res)); werr != nil {
		return werr
	}
	return r.settle(err)
}

// printPlan shows one repository's plan as a collapsible log group.
func (r *runner) printPlan(name string, res *reconcile.Result) {
	r.log.group(fmt.Sprintf("Plan for %s: %s", name, report.Outcome(res)))
	var b strings.Builder
	report.Plan(&b, res)
	r.log.info(strings.TrimRight(b.String(), "\n"))
	r.log.endGroup()
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

// publish sets the outputs and appends the job summary. The command line
// prints the outputs (and writes them to GITHUB_OUTPUT too when it is set);
// a runner step without GITHUB_OUTPUT logs them. An interrupted run sets
// no outputs (see Interrupted).
func (r *runner) publish(outputs [][2]string, summary string) error {
	// An output is data for later steps and keeps its values (a URI with
	// its account, for docker push); under mask-aws-account-id every
	// account ID in it is masked first, so that the runner hides it
	// wherever the value is shown.
	for _, kv := range outputs {
		r.log.maskIn(kv[1])
	}
	if r.stopped != nil {
		return r.interrupted(summary)
	}
	if r.cl != nil {
		var b strings.Builder
		for _, kv := range outputs {
			b.WriteString(wfcmd.Neutralize(kv[0]+"="+kv[1]) + "\n")
		}
		if _, err := io.WriteString(r.cl.Outputs, b.String()); err != nil {
			return fmt.Errorf("printing outputs: %w", err)
		}
	}
	switch path := r.a.Getenv("GITHUB_OUTPUT"); {
	case path != "":
		if err := writeOutputs(path, outputs); err != nil {
			return fmt.Errorf("writing outputs: %w", err)
		}
		if r.cl != nil {
			r.log.note("Outputs also written to GITHUB_OUTPUT (" + path + ")")
		}
	case r.cl == nil:
		for _, kv := range outputs {
			r.log.info(kv[0] + "=" + kv[1])
		}
	}
	return r.writeSummary(summary)
}

// writeSummary appends to the job summary, when the step has one.
func (r *runner) writeSummary(summary string) error {
	if path := r.a.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		// The summary is not a log, which the runner masks: under
		// mask-aws-account-id the account IDs are replaced here.
		if r.cfg != nil && r.cfg.MaskAccountID {
			summary = awsid.RedactAccountIDs(summary)
		}
		if err := appendFile(path, summary+"\n"); err != nil {
			return fmt.Errorf("writing the job summary: %w", err)
		}
	}
	return nil
}

// cliCredentialsAdvice is where the command line finds credentials; the
// workflow's advice (id-token permission, configure-aws-credentials) does
// not apply there.
const cliCredentialsAdvice = "on the command line, set AWS_PROFILE to a profile of ~/.aws/config, " +
	"or put AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment; " +
	"add --role-to-assume to assume a role with those credentials"

func (r *runner) credentialsAdvice(err error) error {
	if r.cl == nil {
		return err
	}
	if errors.Is(err, awsauth.ErrNoCredentials) {
		return fmt.Errorf("%w: %s", awsauth.ErrNoCredentials, cliCredentialsAdvice)
	}
	var missing *githubactions.EnvMissingError
	if errors.As(err, &missing) || (r.cfg.Auth.RoleToAssume != "" && r.a.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL") == "") {
		return fmt.Errorf("--role-to-assume found no AWS credentials to assume it with (and no GitHub OIDC token outside a workflow): %s", cliCredentialsAdvice)
	}
	return err
}

func (r *runner) annotate(level, title, msg string) { r.log.annotate(level, title, msg) }

func (r *runner) mask(secret string) { r.log.mask(secret) }

// maskAccount masks an account ID when mask-aws-account-id is set.
func (r *runner) maskAccount(id string) { r.log.maskAccount(id) }
