// Package action is the GitHub Action's door: it reads the inputs the
// runner passes, runs once (internal/run) and renders the result for the
// runner: the log as workflow commands, annotations, the outputs in
// GITHUB_OUTPUT and the job summary (internal/ghout).
package action

import (
	"context"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ghout"
	"github.com/ecr-reconcile/ecr-reconcile/internal/run"
)

// Run performs one action run. a reads the inputs with action.yml's
// defaults applied (the runner does that, and so does main through
// actionmeta). The returned error has already been reported as an
// annotation; the caller only sets the exit code.
func Run(ctx context.Context, a *githubactions.Action, opts ...run.Option) error {
	log := ghout.NewLogger(a, nil)
	d := ghout.Door{Log: log, Getenv: a.Getenv}
	d.Outputs = func(outputs [][2]string) error {
		if path := a.Getenv("GITHUB_OUTPUT"); path != "" {
			return ghout.WriteOutputs(path, outputs)
		}
		// Without GITHUB_OUTPUT the log shows them.
		for _, kv := range outputs {
			log.Info(kv[0] + "=" + kv[1])
		}
		return nil
	}
	cfg, err := d.Load(ctx, a, a.Getenv("GITHUB_WORKSPACE"))
	if err != nil {
		return err
	}
	return d.Report(run.Run(ctx, cfg, run.Env{Getenv: a.Getenv, Log: log, Options: opts}))
}
