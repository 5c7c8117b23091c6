package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// BatchRow is the median of the runs of one batch size.
type BatchRow struct {
	N       int
	Variant string // "" for the action's own HTTP client
	Calls   int
	Writes  int
	// Bound is the target: one read per managed setting not returned by
	// DescribeRepositories, per repository, plus ⌈N/100⌉ describes.
	Bound int
	Ops   map[string]int

	Wall, WallMin, WallMax time.Duration
	// LowerBound is calls × latency ÷ concurrency.
	LowerBound time.Duration
	// Ideal models the engine's schedule with zero overhead: the describe
	// calls (concurrency at a time), then ⌈N/concurrency⌉ rounds of one
	// round trip (a repository's reads run in parallel).
	Ideal time.Duration

	// Conns is the number of TCP connections that carried requests;
	// MaxInFlight the most requests the emulator served at once.
	Conns, MaxInFlight int
	// Go heap of the bench process (the emulator runs in a child process):
	// TotalAlloc delta, peak of live heap objects above the level before
	// the run, and live heap still held by the results after a GC.
	AllocBytes, PeakHeapBytes, RetainedBytes uint64
}

func runBatch(ctx context.Context, cfg Config, rep *Report) error {
	child, err := startChild(ctx, cfg.Latency)
	if err != nil {
		return err
	}
	defer child.stop()

	// The seeded repositories are copies of one that a reconcile created,
	// so they hold exactly what the engine writes (policy text as ECR
	// re-formats it, tags, scan-on-push).
	const template = "seed/template"
	c, err := newClient(ctx, child.url, false)
	if err != nil {
		return err
	}
	spec := batchSpec()
	tmplSpec := spec
	tmplSpec.Name = template
	if _, err := reconciler(c, false).Reconcile(ctx, tmplSpec); err != nil {
		return fmt.Errorf("creating the seed template: %w", err)
	}

	maxN := slices.Max(cfg.Sizes)
	for _, n := range cfg.Sizes {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("n%d/svc-%04d", n, i)
		}
		if err := child.seed(ctx, template, names); err != nil {
			return err
		}
		variants := []struct {
			label string
			opts  []func(*ecr.Options)
		}{{"", nil}}
		if n == maxN {
			// Is the action's HTTP client limited by its idle pool? Compare
			// with the net/http default (2 idle connections per host) and
			// the SDK's BuildableClient default (10).
			for _, pool := range []int{2, 10} {
				variants = append(variants, struct {
					label string
					opts  []func(*ecr.Options)
				}{fmt.Sprintf("what-if: MaxIdleConnsPerHost=%d", pool), []func(*ecr.Options){withIdlePool(pool)}})
			}
		}
		for _, v := range variants {
			row, err := batchSize(ctx, cfg, child, spec, names, v.label, v.opts)
			if err != nil {
				return fmt.Errorf("N=%d %s: %w", n, v.label, err)
			}
			rep.Batch = append(rep.Batch, row)
			if v.label != "" {
				continue
			}
			rep.target(true, row.Writes == 0, fmt.Sprintf("batch N=%d: writes when nothing differs", n), "0", fmt.Sprint(row.Writes))
			rep.target(true, row.Calls <= row.Bound, fmt.Sprintf("batch N=%d: calls", n),
				fmt.Sprintf("≤ %d (%d×%d reads + %d describes)", row.Bound, n, batchReadsPerRepo, ceilDiv(n, 100)), fmt.Sprint(row.Calls))
			if n == maxN {
				r := float64(row.Wall) / float64(row.LowerBound)
				rep.target(false, r <= 1.5, fmt.Sprintf("batch N=%d: wall ÷ lower bound (calls × latency ÷ concurrency)", n), "≤ 1.5",
					fmt.Sprintf("%.2f (%.0f ms ÷ %.0f ms)", r, ms(row.Wall), ms(row.LowerBound)))
				ri := float64(row.Wall) / float64(row.Ideal)
				rep.target(false, ri <= 1.5, fmt.Sprintf("batch N=%d: wall ÷ ideal schedule (stricter, see method)", n), "≤ 1.5",
					fmt.Sprintf("%.2f (%.0f ms ÷ %.0f ms)", ri, ms(row.Wall), ms(row.Ideal)))
			}
		}
	}
	return nil
}

// batchSize runs one unmeasured warm-up, then cfg.Runs measured runs.
func batchSize(ctx context.Context, cfg Config, child *childEmulator, spec reconcile.Spec, names []string, label string, opts []func(*ecr.Options)) (BatchRow, error) {
	n := len(names)
	row := BatchRow{N: n, Variant: label, Bound: batchReadsPerRepo*n + ceilDiv(n, 100)}
	var calls, writes, conns, inflight []int
	var walls []time.Duration
	var allocs, peaks, retained []uint64
	for run := -1; run < cfg.Runs; run++ {
		if run >= 0 {
			cfg.logf("batch N=%d%s: run %d/%d", n, strings.TrimRight(" "+label, " "), run+1, cfg.Runs)
		}
		c, err := newClient(ctx, child.url, true, opts...)
		if err != nil {
			return row, err
		}
		rec := reconciler(c, false)
		if err := child.reset(ctx); err != nil {
			return row, err
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		peak := startPeakSampler()
		start := time.Now()
		items := rec.ReconcileBatch(ctx, spec, names, cfg.Concurrency)
		wall := time.Since(start)
		peakBytes := peak()
		runtime.ReadMemStats(&after)
		runtime.GC()
		var held runtime.MemStats
		runtime.ReadMemStats(&held)
		for _, it := range items {
			if it.Err != nil {
				return row, fmt.Errorf("%s: %w", it.Name, it.Err)
			}
		}
		runtime.KeepAlive(items)
		cnt, err := child.counts(ctx)
		if err != nil {
			return row, err
		}
		if cnt.Writes != 0 && run < 0 {
			return row, fmt.Errorf("the seeded repositories differ from the declared state: %d writes (%v)", cnt.Writes, cnt.Ops)
		}
		if run < 0 {
			continue
		}
		calls = append(calls, cnt.Calls)
		writes = append(writes, cnt.Writes)
		conns = append(conns, cnt.Conns)
		inflight = append(inflight, cnt.MaxInFlight)
		walls = append(walls, wall)
		allocs = append(allocs, after.TotalAlloc-before.TotalAlloc)
		peaks = append(peaks, sub(peakBytes, before.HeapAlloc))
		retained = append(retained, sub(held.HeapAlloc, before.HeapAlloc))
		row.Ops = cnt.Ops
	}
	row.Calls, row.Writes, row.Conns, row.MaxInFlight = median(calls), median(writes), median(conns), median(inflight)
	row.Wall, row.WallMin, row.WallMax = median(walls), slices.Min(walls), slices.Max(walls)
	row.AllocBytes, row.PeakHeapBytes, row.RetainedBytes = medianU(allocs), medianU(peaks), medianU(retained)
	conc := cfg.Concurrency
	row.LowerBound = time.Duration(row.Calls) * cfg.Latency / time.Duration(conc)
	row.Ideal = time.Duration(ceilDiv(ceilDiv(n, 100), conc)+ceilDiv(n, conc)) * cfg.Latency
	return row, nil
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

func medianU(xs []uint64) uint64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// startPeakSampler samples the live heap every 2 ms (runtime/metrics does not
// stop the world) until the returned function is called, which returns the
// peak seen.
func startPeakSampler() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	sample := func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		mu.Lock()
		peak = max(peak, s[0].Value.Uint64())
		mu.Unlock()
	}
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
