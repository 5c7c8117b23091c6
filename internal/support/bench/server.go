package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const (
	region    = "us-east-1"
	accountID = "123456789012"
	// Static keys; the emulator does not check signatures.
	accessKeyID     = "AKIABENCHBENCHBENCH0"
	secretAccessKey = "bench-secret-access-key"
)

// server is the emulator behind real HTTP on loopback.
type server struct {
	*emulator.Emulator
	*httptest.Server
}

// startServer serves a new emulator that adds latency to every response.
func startServer(latency time.Duration) server {
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: latency})
	srv := httptest.NewUnstartedServer(emu)
	// Idle connections left by finished runs' clients are closed soon
	// rather than piling up for the client's 90 s idle timeout.
	srv.Config.IdleTimeout = 10 * time.Second
	srv.Start()
	return server{emu, srv}
}

// counts are the calls of one measured run, from the emulator's call log.
type counts struct {
	Calls, Writes int       // writes as emulator.Call.IsWrite says
	Ops           []string  // in arrival order
	Levels        int       // longest chain of non-overlapping calls
	First         time.Time // the first request's arrival
}

func (s server) counts() counts {
	calls := s.Calls()
	c := counts{Calls: len(calls), Levels: levels(calls)}
	for _, call := range calls {
		c.Ops = append(c.Ops, call.Operation)
		if call.IsWrite() {
			c.Writes++
		}
	}
	if len(calls) > 0 {
		c.First = calls[0].Received
	}
	return c
}

// levels is the critical path counted in calls: the longest chain of calls
// in which each one arrived after the previous one had been answered. Calls
// made in parallel overlap and share a level. Noise (a goroutine delayed by
// more than the injected latency) can only lengthen the chain, never shorten
// it, so the minimum over runs is the structural figure.
func levels(calls []emulator.Call) int {
	sp := slices.SortedFunc(slices.Values(calls), func(a, b emulator.Call) int { return a.Received.Compare(b.Received) })
	depth := make([]int, len(sp))
	for i := range sp {
		depth[i] = 1
		for j := range i {
			if !sp[j].Answered.After(sp[i].Received) {
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
	}
	return slices.Max(append(depth, 0))
}

// clients are built the way the action builds them: awsauth.Load pointed at
// the emulator, the action's retryer (adaptive in batch mode, as
// internal/run selects) and its default HTTP client.
type clients struct {
	ecr *ecr.Client
	an  *accessanalyzer.Client
}

func dial(ctx context.Context, url string, adaptive bool) (clients, error) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey}
	res, err := awsauth.Load(ctx, awsauth.Options{
		Getenv: func(k string) string { return env[k] },
		Client: awsclient.Options{Region: region, Endpoint: url, Adaptive: adaptive},
	})
	if err != nil {
		return clients{}, err
	}
	return clients{res.ECRClient(), accessanalyzer.NewFromConfig(res.Config)}, nil
}

func reconciler(c *ecr.Client, dryRun bool) *reconcile.Reconciler {
	return &reconcile.Reconciler{ECR: ecrsdk.New(c), Options: reconcile.Options{DryRun: dryRun, Region: region}}
}

// batchSpec is what a platform team manages across many repositories:
// repository policy, lifecycle policy, tags and scan-on-push. Of these,
// DescribeRepositories returns only scan-on-push, so each repository needs
// batchReadsPerRepo reads; the scanning configuration (scan-on-push is
// managed) and the creation templates (tags and policies are) are
// batchRegistryReads, once per batch.
func batchSpec() reconcile.Spec {
	spec := fullSpec("")
	spec.Mutability, spec.Encryption = nil, nil
	return spec
}

const batchReadsPerRepo, batchRegistryReads = 3, 2

// seedBatch stores n repositories prefix-0000... bypassing the API, copies
// of one a reconcile of batchSpec created (once per server), so that they
// hold exactly what the engine writes (policy text as ECR re-formats it).
func seedBatch(ctx context.Context, srv server, prefix string, n int) ([]string, error) {
	const template = "seed/template"
	if _, ok := srv.Repository("", template); !ok {
		c, err := dial(ctx, srv.URL, false)
		spec := batchSpec()
		spec.Name = template
		if err == nil {
			_, err = reconciler(c.ecr, false).Reconcile(ctx, spec)
		}
		if err != nil {
			return nil, fmt.Errorf("creating the seed template: %w", err)
		}
	}
	tmpl, _ := srv.Repository("", template)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%04d", prefix, i)
		r := tmpl
		r.Name, r.ARN, r.URI = names[i], "", ""
		srv.PutRepository(r)
	}
	return names, nil
}

// BatchRow is one batch size: Bound is one read per managed setting not
// returned by DescribeRepositories, per repository, plus ⌈N/100⌉
// describes and the registry-level reads; LowerBound is calls × latency ÷
// concurrency.
type BatchRow struct {
	N, Calls, Writes, Bound int
	Ops                     []string
	Wall                    spread[time.Duration]
	LowerBound              time.Duration
}

// runBatch measures a batch with nothing to change at each size: one
// unmeasured warm-up, then cfg.Runs measured runs.
func runBatch(ctx context.Context, cfg Config, rep *Report) error {
	srv := startServer(cfg.Latency)
	defer srv.Close()
	for _, n := range cfg.Sizes {
		names, err := seedBatch(ctx, srv, fmt.Sprintf("n%d/svc", n), n)
		if err != nil {
			return err
		}
		row := BatchRow{N: n, Bound: batchReadsPerRepo*n + ceilDiv(n, 100) + batchRegistryReads}
		var calls, writes []int
		var walls []time.Duration
		for run := -1; run < cfg.Runs; run++ {
			logf("batch N=%d: run %d/%d", n, run+1, cfg.Runs)
			c, err := dial(ctx, srv.URL, true)
			if err != nil {
				return err
			}
			srv.ResetCalls()
			start := time.Now()
			items := reconciler(c.ecr, false).ReconcileBatch(ctx, batchSpec(), names, cfg.Concurrency)
			wall := time.Since(start)
			for _, it := range items {
				if it.Err != nil {
					return fmt.Errorf("N=%d: %s: %w", n, it.Name, it.Err)
				}
			}
			cnt := srv.counts()
			if run < 0 && cnt.Writes != 0 {
				return fmt.Errorf("N=%d: the seeded repositories differ from the declared state: %d writes (%s)", n, cnt.Writes, opsString(cnt.Ops))
			} else if run >= 0 {
				calls, writes, walls, row.Ops = append(calls, cnt.Calls), append(writes, cnt.Writes), append(walls, wall), cnt.Ops
			}
		}
		row.Calls, row.Writes, row.Wall = median(calls), median(writes), spreadOf(walls)
		row.LowerBound = time.Duration(row.Calls) * cfg.Latency / time.Duration(cfg.Concurrency)
		rep.Batch = append(rep.Batch, row)
		rep.target(true, row.Writes == 0, fmt.Sprintf("batch N=%d: writes when nothing differs", n), "0", fmt.Sprint(row.Writes))
		rep.target(true, row.Calls <= row.Bound, fmt.Sprintf("batch N=%d: calls", n),
			fmt.Sprintf("≤ %d (%d×%d reads + %d describes + %d registry reads)", row.Bound, n, batchReadsPerRepo, ceilDiv(n, 100), batchRegistryReads), fmt.Sprint(row.Calls))
	}
	return nil
}

// spread is a figure over the runs: median, minimum and maximum.
type spread[T int | int64 | time.Duration] struct{ Med, Min, Max T }

func spreadOf[T int | int64 | time.Duration](xs []T) spread[T] {
	return spread[T]{median(xs), slices.Min(xs), slices.Max(xs)}
}

func median[T int | int64 | time.Duration](xs []T) T {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ceilDiv(a, b int) int { return (a + b - 1) / b }
