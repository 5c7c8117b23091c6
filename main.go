// Command ecr-reconcile is a GitHub Action that makes sure an Amazon ECR
// repository exists with the declared settings; outside GitHub Actions it is
// a command-line tool with the same behaviour. See README.md.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/cli"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// actionYAML declares the inputs and their defaults; the command line's
// flags are made from it, and both modes read the defaults from it.
//
//go:embed action.yml
var actionYAML []byte

func main() {
	// On a runner, stdout and stderr are read for workflow commands. Text
	// that libraries print past the action's logger goes through the same
	// neutralising as the rest: net/http writes to the standard log package
	// with an endpoint's bytes (an unsolicited response on an idle
	// connection); the AWS SDK's logger is awsclient's.
	stderr := wfcmd.NewWriter(os.Stderr, wfcmd.MaxLine)
	log.SetOutput(stderr)
	ctx, stop := notifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := guard(os.Stdout, stderr, os.Getenv, func() error { return realMain(ctx) })
	stop()
	_ = stderr.Flush()
	var exit *cli.ExitError
	var intr *action.Interrupted
	switch {
	case err == nil:
	case errors.As(err, &exit):
		os.Exit(exit.Code)
	case errors.As(err, &intr):
		os.Exit(intr.ExitCode())
	default:
		os.Exit(1)
	}
}

// notifyContext is signal.NotifyContext with the signal as the context's
// cause (an *action.Interrupted), so that the run can tell an interruption
// from a timeout and exit with the signal's code. A second signal ends the
// process at once, as it would without the handler.
func notifyContext(parent context.Context, sigs ...os.Signal) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(&action.Interrupted{Signal: s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

// errPanic is what a panic of the run becomes.
var errPanic = errors.New("internal error")

// guard runs fn and turns a panic into an error annotation and a non-zero
// exit. Left to the runtime, a panic prints its value and stack on stderr
// as they are, and the value can hold text from outside (an endpoint's
// answer); here both go through the neutralising writer.
func guard(stdout, stderr io.Writer, getenv func(string) string, fn func() error) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		msg := wfcmd.OneLine(fmt.Sprint(v), 0)
		fmt.Fprintf(stderr, "panic: %s\n\n%s\n", msg, debug.Stack())
		text := "the run stopped on an internal error (" + msg + "); what was written before it is in the log above. Please report it with the log."
		if getenv("GITHUB_ACTIONS") == "true" {
			githubactions.New(githubactions.WithWriter(stdout), githubactions.WithGetenv(getenv)).WithFieldsMap(map[string]string{"title": "ecr-reconcile: internal error"}).Errorf("%s", wfcmd.Neutralize(text))
		} else {
			fmt.Fprintf(stderr, "ecr-reconcile: %s\n", text)
		}
		err = errPanic
	}()
	return fn()
}

// realMain runs as a GitHub Action when the runner starts it (no arguments,
// GITHUB_ACTIONS=true), and as a command-line tool otherwise.
func realMain(ctx context.Context) error {
	args := os.Args[1:]
	if len(args) == 0 && os.Getenv("GITHUB_ACTIONS") == "true" {
		meta, err := actionmeta.Parse(actionYAML)
		if err != nil {
			return err
		}
		// The runner applies action.yml's defaults already; applying them
		// again covers an input set to an empty string.
		return action.Run(ctx, githubactions.New(githubactions.WithGetenv(meta.WithInputDefaults(os.Getenv))))
	}
	// cli.Run prints its own errors, on stderr.
	return cli.Run(ctx, cli.Env{Args: args, Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, ActionYAML: actionYAML, Version: version})
}
