// Command ecr-reconcile is a GitHub Action that makes sure an Amazon ECR
// repository exists with the declared settings; outside GitHub Actions it is
// a command-line tool with the same behaviour. See README.md.
package main

import (
	"context"
	_ "embed"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/action"
	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/cli"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// actionYAML declares the inputs and their defaults; the command line's
// flags are made from it, and both modes read the defaults from it.
//
//go:embed action.yml
var actionYAML []byte

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := realMain(ctx)
	stop()
	if err != nil {
		var exit *cli.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.Code)
		}
		os.Exit(1)
	}
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
