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
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// Exit codes of the command line.
const (
	ExitOK      = 0 // everything is in the declared state (or, in dry-run, the plan was computed)
	ExitFailed  = 1 // the reconcile failed; the log says which call and why
	ExitInvalid = 2 // bad flags or inputs; nothing was sent to AWS
	// An interrupted run exits 128 plus the signal's number: 130 (SIGINT)
	// or 143 (SIGTERM); see action.Interrupted.
)

// ExitError carries the process exit code for main.
type ExitError struct {
	Code int
	Err  error
	// reported is set when the error was already printed.
	reported bool
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

// Run parses the flags and runs the action once. Errors are printed on
// Stderr, once each; Stdout carries only the plan and the outputs.
//
// The command line may run in a workflow step, whose stderr the runner
// reads for workflow commands: everything printed on Stderr goes through
// wfcmd's neutralising writer, and an error, which can quote a flag as it
// was given, is one bounded line.
func Run(ctx context.Context, env Env) error {
	stderr := wfcmd.NewWriter(env.Stderr, 0)
	defer stderr.Flush()
	env.Stderr = stderr
	err := run(ctx, env)
	var exit *ExitError
	if errors.As(err, &exit) && !exit.reported {
		fmt.Fprintf(env.Stderr, "%s\n", wfcmd.OneLine("ecr-reconcile: "+firstLine(exit.Err.Error()), wfcmd.MaxLine))
		if exit.Code == ExitInvalid {
			fmt.Fprintln(env.Stderr, "Run 'ecr-reconcile --help' for the flags.")
		}
	}
	return err
}

func run(ctx context.Context, env Env) error {
	meta, err := actionmeta.Parse(env.ActionYAML)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	fs := flag.NewFlagSet("ecr-reconcile", flag.ContinueOnError)
	// Parse errors are printed once, by Run, without the usage.
	fs.SetOutput(io.Discard)
	values := map[string]*string{}
	bools := map[string]bool{}
	for _, in := range meta.Inputs {
		values[in.Name] = new(string)
		if in.IsBool() {
			bools[in.Name] = true
			fs.Var(boolValue{values[in.Name]}, in.Name, in.Description+defaultNote(in))
			continue
		}
		fs.StringVar(values[in.Name], in.Name, "", in.Description+defaultNote(in))
	}
	showVersion := fs.Bool("version", false, "print the version and exit")
	debug := fs.Bool("debug", false, "show a debug line for each AWS call (as RUNNER_DEBUG=1 does)")
	help := false
	fs.BoolVar(&help, "help", false, "show this help")
	fs.BoolVar(&help, "h", false, "show this help")
	if err := fs.Parse(joinBoolValues(env.Args, bools)); err != nil {
		return &ExitError{Code: ExitInvalid, Err: err}
	}
	if help {
		usage(fs, env.Stderr)
		return nil
	}
	if *showVersion {
		fmt.Fprintln(env.Stdout, "ecr-reconcile", env.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return &ExitError{Code: ExitInvalid, Err: fmt.Errorf("unexpected argument %q: every setting is a flag, such as --repository team/app", fs.Arg(0))}
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	showDebug := *debug || env.Getenv("RUNNER_DEBUG") == "1"
	flags := func(key string) string {
		if name, ok := strings.CutPrefix(key, "INPUT_"); ok && set[strings.ToLower(name)] {
			return *values[strings.ToLower(name)]
		}
		switch key {
		case "RUNNER_DEBUG":
			if showDebug {
				return "1"
			}
		case "GITHUB_WORKSPACE":
			// Policy files are read from the current directory.
			return ""
		}
		return env.Getenv(key)
	}
	// The runner passes action.yml's defaults; so does the CLI.
	getenv := meta.WithInputDefaults(flags)
	log := logview.NewSplitWriter(env.Stdout, env.Stderr, showDebug)
	a := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(log))
	notes := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(log.Diag()))
	err = action.RunCommandLine(ctx, a, action.CommandLine{Outputs: env.Stdout, Notes: notes}, env.Options...)
	var intr *action.Interrupted
	switch {
	case err == nil:
		return nil
	case errors.Is(err, action.ErrInvalidInput):
		return &ExitError{Code: ExitInvalid, Err: err, reported: true}
	case errors.As(err, &intr):
		return &ExitError{Code: intr.ExitCode(), Err: err, reported: true}
	}
	// The action has printed the error (on Stderr, as an annotation).
	return &ExitError{Code: ExitFailed, Err: err, reported: true}
}

// boolValue is a boolean flag kept as the input's text: "--dry-run" alone
// is "true", and "--dry-run=false" is accepted in any letter case; the
// inputs parser checks the value.
type boolValue struct{ s *string }

func (b boolValue) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}
func (b boolValue) Set(v string) error { *b.s = v; return nil }
func (b boolValue) IsBoolFlag() bool   { return true }

// joinBoolValues accepts the older "--dry-run true" spelling: a boolean
// flag followed by a lone true or false takes it as its value. Nothing else
// is taken, so "--dry-run --repository app" works as with any Go command.
func joinBoolValues(args []string, bools map[string]bool) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimLeft(arg, "-")
		if strings.HasPrefix(arg, "-") && !strings.Contains(name, "=") && bools[name] && i+1 < len(args) {
			if v := args[i+1]; strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
				out = append(out, arg+"="+v)
				i++
				continue
			}
		}
		out = append(out, arg)
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
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
then prints the plan and the outputs (name=value lines) on stdout; errors,
warnings and progress go to stderr. Each flag is the GitHub Action input of
the same name; an unset flag falls back to the INPUT_<NAME> environment
variable, then to the action's default. A true/false flag alone means true
(--dry-run); write --dry-run=false to turn it off.

Credentials: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
AWS_SESSION_TOKEN) in the environment, or the AWS SDK's other default sources;
--role-to-assume assumes a role with them. Region and endpoints come from the
usual AWS_* variables. Policy file paths are relative to the current
directory (the workspace of a command-line run) and must stay inside it.

Examples:
  ecr-reconcile --repository team/app --aws-region eu-west-1 --tags team=core --dry-run
  ecr-reconcile --repository team/app --repository-policy ecr/policy.json --tags "team=core,env=prod"

Exit codes: 0 done (or planned, with --dry-run), 1 the reconcile failed,
2 invalid flags or inputs (nothing was sent to AWS), 130 or 143 interrupted
by SIGINT or SIGTERM (the log says what was written; no outputs are printed).

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
