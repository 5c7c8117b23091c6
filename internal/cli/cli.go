// Package cli runs the action from a terminal or another CI system: flags
// mirror the action's inputs (they are made from action.yml), the log is
// shown as plain text, and the outputs are printed.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
)

// Exit codes of the command line.
const (
	ExitOK      = 0 // everything is in the declared state (or, in dry-run, the plan was computed)
	ExitFailed  = 1 // the reconcile failed; the log says which call and why
	ExitInvalid = 2 // bad flags or inputs; nothing was sent to AWS
)

// ExitError carries the process exit code for main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Env is what the command line runs with.
type Env struct {
	Args       []string
	Getenv     func(string) string
	Stdout     io.Writer
	Stderr     io.Writer
	ActionYAML []byte
	Version    string
	// Options adjust the run (tests point the clients at an emulator).
	Options []action.Option
}

// Run parses the flags and runs the action once.
func Run(ctx context.Context, env Env) error {
	meta, err := actionmeta.Parse(env.ActionYAML)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	fs := flag.NewFlagSet("ecr-reconcile", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	values := map[string]*string{}
	for _, in := range meta.Inputs {
		values[in.Name] = fs.String(in.Name, "", in.Description+defaultNote(in))
	}
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() { usage(fs, env.Stderr) }
	if err := fs.Parse(env.Args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &ExitError{Code: ExitInvalid, Err: err}
	}
	if *showVersion {
		fmt.Fprintln(env.Stdout, "ecr-reconcile", env.Version)
		return nil
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &ExitError{Code: ExitInvalid, Err: fmt.Errorf("unexpected argument %q: every setting is a flag", fs.Arg(0))}
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	flags := func(key string) string {
		if name, ok := strings.CutPrefix(key, "INPUT_"); ok && set[strings.ToLower(name)] {
			return *values[strings.ToLower(name)]
		}
		return env.Getenv(key)
	}
	// The runner passes action.yml's defaults; so does the CLI.
	getenv := meta.WithInputDefaults(flags)
	a := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(logview.NewWriter(env.Stdout)))
	err = action.Run(ctx, a, env.Options...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, action.ErrInvalidInput):
		return &ExitError{Code: ExitInvalid, Err: err}
	}
	return &ExitError{Code: ExitFailed, Err: err}
}

func defaultNote(in actionmeta.Input) string {
	if in.Default == "" {
		return ""
	}
	return " (default " + in.Default + ")"
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `Usage: ecr-reconcile [flags]

Makes sure an Amazon ECR repository exists and its settings match the flags,
then prints the plan and the outputs. Each flag is the GitHub Action input of
the same name; an unset flag falls back to the INPUT_<NAME> environment
variable, then to the action's default. AWS credentials, region and endpoints
come from the usual AWS_* environment variables.

Examples:
  ecr-reconcile --repository team/app --aws-region eu-west-1 --scan-on-push true --dry-run true
  ecr-reconcile --repository team/app --repository-policy ecr/policy.json --tags "team=core,env=prod"

Exit codes: 0 done (or planned, with --dry-run), 1 the reconcile failed,
2 invalid flags or inputs (nothing was sent to AWS).

Flags:
`)
	fs.PrintDefaults()
}
