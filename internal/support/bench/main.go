// Command bench measures how many ECR round trips, calls and writes a
// reconcile costs, against a naive baseline, in batch, and for the real
// binary, using the project's emulator served over HTTP on loopback with an
// injected per-call latency. It prints a Markdown report (docs/BENCHMARKS.md
// is one such report).
//
//	go run ./internal/support/bench                       # full run, a few minutes
//	go run ./internal/support/bench -quick                # smoke run (what the test runs)
//	go run ./internal/support/bench -runs 9 -latency 50ms -sizes 1,10,100,1000 -concurrency 10
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
)

func main() {
	if isExecHelper() {
		os.Exit(execHelperMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := realMain(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg.Log = os.Stderr
	rep, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	printReport(os.Stdout, rep, args)
	return nil
}

func parseFlags(args []string) (Config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	def := DefaultConfig()
	runs := fs.Int("runs", def.Runs, "measured runs per figure (medians are reported)")
	latency := fs.Duration("latency", def.Latency, "latency the emulator adds to every response (batch and binary sections)")
	singleLatency := fs.Duration("single-latency", def.SingleLatency, "latency for the single-repository section, large so that wall ÷ latency counts round trips reliably")
	sizes := fs.String("sizes", "1,10,100,1000", "batch sizes, comma-separated")
	conc := fs.Int("concurrency", def.Concurrency, "batch concurrency (the action's max-concurrency default is 10)")
	quick := fs.Bool("quick", false, "smoke run: sizes 1,10,120, 1 run, 10ms latencies, no binary build (explicit flags still win)")
	process := fs.Bool("process", def.Process, "measure the real binary (builds it); off by default with -quick")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := def
	if *quick {
		cfg = QuickConfig()
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "runs":
			cfg.Runs = *runs
		case "latency":
			cfg.Latency = *latency
		case "single-latency":
			cfg.SingleLatency = *singleLatency
		case "concurrency":
			cfg.Concurrency = *conc
		case "process":
			cfg.Process = *process
		}
	})
	if set(fs, "sizes") || !*quick {
		var err error
		if cfg.Sizes, err = parseSizes(*sizes); err != nil {
			return Config{}, err
		}
	}
	switch {
	case cfg.Runs < 1:
		return Config{}, errors.New("-runs must be at least 1")
	case cfg.Latency <= 0 || cfg.SingleLatency <= 0:
		return Config{}, errors.New("-latency and -single-latency must be positive (the round-trip figures divide by them)")
	case cfg.Concurrency < 1:
		return Config{}, errors.New("-concurrency must be at least 1")
	}
	return cfg, nil
}

func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes: %q is not a positive integer", p)
		}
		out = append(out, n)
	}
	return out, nil
}
