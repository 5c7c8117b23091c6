package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// BatchRow is the median of the runs of one batch size.
type BatchRow struct {
	N      int
	Calls  int
	Writes int
	// Bound is one read per managed setting not returned by
	// DescribeRepositories, per repository, plus ⌈N/100⌉ describes and
	// the registry-level reads, once per batch.
	Bound int
	Ops   map[string]int

	Wall, WallMin, WallMax time.Duration
	// LowerBound is calls × latency ÷ concurrency.
	LowerBound time.Duration
}

// runBatch measures a batch with nothing to change at each size.
func runBatch(ctx context.Context, cfg Config, rep *Report) error {
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: cfg.Latency})
	srv, err := startServer(emu)
	if err != nil {
		return err
	}
	defer srv.close()

	// The seeded repositories are copies of one that a reconcile created,
	// so they hold exactly what the engine writes (policy text as ECR
	// re-formats it, tags, scan-on-push).
	const template = "seed/template"
	c, err := newClient(ctx, srv.url, false)
	if err != nil {
		return err
	}
	spec := batchSpec()
	tmplSpec := spec
	tmplSpec.Name = template
	if _, err := reconciler(c, false).Reconcile(ctx, tmplSpec); err != nil {
		return fmt.Errorf("creating the seed template: %w", err)
	}

	for _, n := range cfg.Sizes {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("n%d/svc-%04d", n, i)
		}
		if err := seedCopies(emu, template, names); err != nil {
			return err
		}
		row, err := batchSize(ctx, cfg, srv, spec, names)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err)
		}
		rep.Batch = append(rep.Batch, row)
		rep.target(true, row.Writes == 0, fmt.Sprintf("batch N=%d: writes when nothing differs", n), "0", fmt.Sprint(row.Writes))
		rep.target(true, row.Calls <= row.Bound, fmt.Sprintf("batch N=%d: calls", n),
			fmt.Sprintf("≤ %d (%d×%d reads + %d describes + %d registry reads)", row.Bound, n, batchReadsPerRepo, ceilDiv(n, 100), batchRegistryReads), fmt.Sprint(row.Calls))
	}
	return nil
}

// batchSize runs one unmeasured warm-up, then cfg.Runs measured runs.
func batchSize(ctx context.Context, cfg Config, srv *server, spec reconcile.Spec, names []string) (BatchRow, error) {
	n := len(names)
	row := BatchRow{N: n, Bound: batchReadsPerRepo*n + ceilDiv(n, 100) + batchRegistryReads}
	var calls, writes []int
	var walls []time.Duration
	for run := -1; run < cfg.Runs; run++ {
		if run >= 0 {
			cfg.logf("batch N=%d: run %d/%d", n, run+1, cfg.Runs)
		}
		c, err := newClient(ctx, srv.url, true)
		if err != nil {
			return row, err
		}
		srv.reset()
		start := time.Now()
		items := reconciler(c, false).ReconcileBatch(ctx, spec, names, cfg.Concurrency)
		wall := time.Since(start)
		for _, it := range items {
			if it.Err != nil {
				return row, fmt.Errorf("%s: %w", it.Name, it.Err)
			}
		}
		cnt := srv.counts()
		if run < 0 {
			if cnt.Writes != 0 {
				return row, fmt.Errorf("the seeded repositories differ from the declared state: %d writes (%v)", cnt.Writes, cnt.Ops)
			}
			continue
		}
		calls, writes, walls = append(calls, cnt.Calls), append(writes, cnt.Writes), append(walls, wall)
		row.Ops = cnt.Ops
	}
	row.Calls, row.Writes = median(calls), median(writes)
	row.Wall, row.WallMin, row.WallMax = median(walls), slices.Min(walls), slices.Max(walls)
	row.LowerBound = time.Duration(row.Calls) * cfg.Latency / time.Duration(cfg.Concurrency)
	return row, nil
}
