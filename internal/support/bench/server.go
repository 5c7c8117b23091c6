package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
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

// span is one request as the server saw it: arrival and the moment the
// emulator's handler returned (latency included).
type span struct{ start, end time.Time }

// server is the emulator behind real HTTP on loopback, wrapped to record the
// time of every request.
type server struct {
	emu *emulator.Emulator
	url string
	srv *http.Server

	mu    sync.Mutex
	spans []span
}

// startServer serves a new emulator with the given latency on 127.0.0.1.
func startServer(latency time.Duration) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{emu: emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: latency}), url: "http://" + ln.Addr().String()}
	// Idle connections left by finished runs' clients are closed soon
	// rather than piling up for the client's 90 s idle timeout.
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with close
	return s, nil
}

func (s *server) close() { s.srv.Close() }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.emu.ServeHTTP(w, r)
	s.mu.Lock()
	s.spans = append(s.spans, span{start: start, end: time.Now()})
	s.mu.Unlock()
}

// reset empties the call log and the spans.
func (s *server) reset() {
	s.emu.ResetCalls()
	s.mu.Lock()
	s.spans = nil
	s.mu.Unlock()
}

// counts are the calls of one measured run.
type counts struct {
	Calls, Writes int      // writes as emulator.Call.IsWrite says
	Ops           []string // in arrival order
	Levels        int      // longest chain of non-overlapping calls
	First         time.Time
}

func (s *server) counts() counts {
	var c counts
	for _, call := range s.emu.Calls() {
		c.Calls++
		c.Ops = append(c.Ops, call.Operation)
		if call.IsWrite() {
			c.Writes++
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Levels = levels(s.spans)
	for _, sp := range s.spans {
		if c.First.IsZero() || sp.start.Before(c.First) {
			c.First = sp.start
		}
	}
	return c
}

// levels is the critical path counted in calls: the longest chain of calls
// in which each one arrived after the previous one had been answered. Calls
// made in parallel overlap and share a level. Noise (a goroutine delayed by
// more than the injected latency) can only lengthen the chain, never shorten
// it, so the minimum over runs is the structural figure.
func levels(spans []span) int {
	sp := slices.Clone(spans)
	slices.SortFunc(sp, func(a, b span) int { return a.start.Compare(b.start) })
	depth := make([]int, len(sp))
	best := 0
	for i := range sp {
		depth[i] = 1
		for j := range i {
			if !sp[j].end.After(sp[i].start) {
				depth[i] = max(depth[i], depth[j]+1)
			}
		}
		best = max(best, depth[i])
	}
	return best
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

// seedBatch stores under each of names, bypassing the API, a copy of a
// repository that a reconcile of batchSpec created (once per server), so
// the copies hold exactly what the engine writes (policy text as ECR
// re-formats it, tags, scan-on-push).
func seedBatch(ctx context.Context, srv *server, names []string) error {
	const template = "seed/template"
	tmpl, ok := srv.emu.Repository("", template)
	if !ok {
		cl, err := dial(ctx, srv.url, false)
		if err != nil {
			return err
		}
		spec := batchSpec()
		spec.Name = template
		if _, err := reconciler(cl.ecr, false).Reconcile(ctx, spec); err != nil {
			return fmt.Errorf("creating the seed template: %w", err)
		}
		tmpl, _ = srv.emu.Repository("", template)
	}
	for _, n := range names {
		r := tmpl
		r.Name, r.ARN, r.URI = n, "", ""
		srv.emu.PutRepository(r)
	}
	return nil
}

func median[T int | int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		var zero T
		return zero
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func roundTrips(wall, latency time.Duration) int {
	return int(math.Round(float64(wall) / float64(latency)))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// batchSpec is what a platform team manages across many repositories:
// repository policy, lifecycle policy, tags and scan-on-push. Of these,
// DescribeRepositories returns only scan-on-push, so each repository needs
// three reads.
func batchSpec() reconcile.Spec {
	spec := fullSpec("")
	spec.Mutability, spec.Encryption = nil, nil
	return spec
}

// batchReadsPerRepo is the number of managed settings of batchSpec that
// DescribeRepositories does not return.
const batchReadsPerRepo = 3

// batchRegistryReads are the registry-level reads of batchSpec, once per
// batch: the scanning configuration (scan-on-push is managed) and the
// creation templates (tags and policies are).
const batchRegistryReads = 2

// BatchRow is the median of the runs of one batch size.
type BatchRow struct {
	N, Calls, Writes int
	// Bound is one read per managed setting not returned by
	// DescribeRepositories, per repository, plus ⌈N/100⌉ describes and
	// the registry-level reads, once per batch.
	Bound int
	Ops   []string

	Wall, WallMin, WallMax time.Duration
	// LowerBound is calls × latency ÷ concurrency.
	LowerBound time.Duration
}

// runBatch measures a batch with nothing to change at each size: one
// unmeasured warm-up, then cfg.Runs measured runs.
func runBatch(ctx context.Context, cfg Config, rep *Report) error {
	srv, err := startServer(cfg.Latency)
	if err != nil {
		return err
	}
	defer srv.close()
	for _, n := range cfg.Sizes {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("n%d/svc-%04d", n, i)
		}
		if err := seedBatch(ctx, srv, names); err != nil {
			return err
		}
		row := BatchRow{N: n, Bound: batchReadsPerRepo*n + ceilDiv(n, 100) + batchRegistryReads}
		var calls, writes []int
		var walls []time.Duration
		for run := -1; run < cfg.Runs; run++ {
			cfg.logf("batch N=%d: run %d/%d", n, run+1, cfg.Runs)
			c, err := dial(ctx, srv.url, true)
			if err != nil {
				return err
			}
			srv.reset()
			start := time.Now()
			items := reconciler(c.ecr, false).ReconcileBatch(ctx, batchSpec(), names, cfg.Concurrency)
			wall := time.Since(start)
			for _, it := range items {
				if it.Err != nil {
					return fmt.Errorf("N=%d: %s: %w", n, it.Name, it.Err)
				}
			}
			cnt := srv.counts()
			if cnt.Writes != 0 && run < 0 {
				return fmt.Errorf("N=%d: the seeded repositories differ from the declared state: %d writes (%s)", n, cnt.Writes, opsString(cnt.Ops))
			}
			if run >= 0 {
				calls, writes, walls = append(calls, cnt.Calls), append(writes, cnt.Writes), append(walls, wall)
				row.Ops = cnt.Ops
			}
		}
		row.Calls, row.Writes = median(calls), median(writes)
		row.Wall, row.WallMin, row.WallMax = median(walls), slices.Min(walls), slices.Max(walls)
		row.LowerBound = time.Duration(row.Calls) * cfg.Latency / time.Duration(cfg.Concurrency)
		rep.Batch = append(rep.Batch, row)
		rep.target(true, row.Writes == 0, fmt.Sprintf("batch N=%d: writes when nothing differs", n), "0", fmt.Sprint(row.Writes))
		rep.target(true, row.Calls <= row.Bound, fmt.Sprintf("batch N=%d: calls", n),
			fmt.Sprintf("≤ %d (%d×%d reads + %d describes + %d registry reads)", row.Bound, n, batchReadsPerRepo, ceilDiv(n, 100), batchRegistryReads), fmt.Sprint(row.Calls))
	}
	return nil
}
