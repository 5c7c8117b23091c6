package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Scenarios of the policy check section, in the order they run on one
// repository: the creation with every setting, an update of the
// repository policy alone, then the no-op.
const (
	scenarioPolicyCreate = "create, policy managed"
	scenarioPolicyUpdate = "policy update"
	scenarioPolicyNoOp   = "no-op, policy managed"
)

var policyScenarios = []string{scenarioPolicyCreate, scenarioPolicyUpdate, scenarioPolicyNoOp}

const (
	implNoCheck = "ecr-reconcile, no policy check"
	implChecked = "ecr-reconcile + IAM Access Analyzer"
)

// updatedPolicy is repositoryPolicy with one more account.
var updatedPolicy = strings.Replace(repositoryPolicy, `"210987654321", `, `"210987654321", "444455556666", `, 1)

// runPolicyCheck measures create, policy update and no-op with and without
// the policy check, and the naive baseline in the same run: the check goes
// out with the first read round, so it must add no round trip.
func runPolicyCheck(ctx context.Context, cfg Config, rep *Report) error {
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: cfg.SingleLatency})
	srv, err := startServer(emu)
	if err != nil {
		return err
	}
	defer srv.close()
	type runFunc func(context.Context, *ecr.Client, *accessanalyzer.Client, reconcile.Spec) error
	ours := func(check bool) runFunc {
		return func(ctx context.Context, c *ecr.Client, an *accessanalyzer.Client, spec reconcile.Spec) error {
			rec := reconciler(c, false)
			if check {
				rec.Options.Analyzer = ecrsdk.NewAnalyzer(an)
			}
			_, err := rec.Reconcile(ctx, spec)
			return err
		}
	}
	baseline := func(ctx context.Context, c *ecr.Client, _ *accessanalyzer.Client, spec reconcile.Spec) error {
		return naive(ctx, c, spec)
	}
	impls := []struct {
		name string
		run  runFunc
	}{{implNoCheck, ours(false)}, {implChecked, ours(true)}, {implBaseline, baseline}}
	samples := map[[2]string][]sample{}
	for run := range cfg.Runs {
		cfg.logf("policy check: run %d/%d", run+1, cfg.Runs)
		for i, impl := range impls {
			name := fmt.Sprintf("bench/policy-%d-%d", i, run)
			for _, sc := range policyScenarios {
				spec := fullSpec(name)
				if sc != scenarioPolicyCreate {
					spec.RepositoryPolicy = &reconcile.Document{Text: updatedPolicy}
				}
				// Both clients are built before the clock starts, as the
				// action builds them before its first call.
				auth, err := loadAuth(ctx, srv.url, false)
				if err != nil {
					return err
				}
				c, an := auth.ECRClient(), accessanalyzer.NewFromConfig(auth.Config)
				srv.reset()
				start := time.Now()
				if err := impl.run(ctx, c, an, spec); err != nil {
					return fmt.Errorf("%s %s: %w", impl.name, sc, err)
				}
				wall := time.Since(start)
				cnt := srv.counts()
				var ops []string
				for _, call := range emu.Calls() {
					ops = append(ops, call.Operation)
				}
				key := [2]string{sc, impl.name}
				samples[key] = append(samples[key], sample{counts: cnt, wall: wall, ops: ops})
				if err := verifyDeclared(ctx, srv.url, spec); err != nil {
					return fmt.Errorf("%s after %s: %w", impl.name, sc, err)
				}
			}
		}
	}
	rows := map[[2]string]SingleRow{}
	for _, sc := range policyScenarios {
		for _, impl := range impls {
			ss := samples[[2]string{sc, impl.name}]
			row := SingleRow{Scenario: sc, Impl: impl.name, Ops: ss[len(ss)-1].ops, Levels: 1 << 30}
			var calls, writes []int
			var walls []time.Duration
			for _, s := range ss {
				calls = append(calls, s.counts.Calls)
				writes = append(writes, s.counts.Writes)
				walls = append(walls, s.wall)
				row.Levels = min(row.Levels, s.counts.Levels)
				row.LevelsMax = max(row.LevelsMax, s.counts.Levels)
			}
			row.Calls, row.Writes, row.Wall = median(calls), median(writes), median(walls)
			row.WallMin, row.WallMax = slices.Min(walls), slices.Max(walls)
			row.RoundTrips = roundTrips(row.Wall, cfg.SingleLatency)
			rep.PolicyCheck = append(rep.PolicyCheck, row)
			rows[[2]string{sc, impl.name}] = row
		}
		with, without := rows[[2]string{sc, implChecked}], rows[[2]string{sc, implNoCheck}]
		rep.target(true, with.Calls == without.Calls+1 && with.Writes == without.Writes, sc+": the check adds one call and no write",
			fmt.Sprintf("%d calls, %d writes", without.Calls+1, without.Writes), fmt.Sprintf("%d calls, %d writes", with.Calls, with.Writes))
		rep.target(false, with.Levels <= without.Levels, sc+": round trips with the check (call log)", fmt.Sprintf("≤ %d (without)", without.Levels), fmt.Sprint(with.Levels))
	}
	return nil
}
