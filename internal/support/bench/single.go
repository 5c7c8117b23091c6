package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Scenarios of the single-repository section, in the order they run.
const (
	scenarioCreate = "create"
	scenarioNoOp   = "no-op"
	// scenarioNoOpKnown is the no-op with the registry account known (the
	// registry-id input): the tags read then goes out with the describe.
	scenarioNoOpKnown = "no-op, registry-id given"
	scenarioDrift     = "drift-repair"
)

const (
	implOurs     = "ecr-reconcile"
	implBaseline = "naive baseline"
)

// SingleRow is the median of one scenario for one implementation.
type SingleRow struct {
	Scenario, Impl string
	Calls, Writes  int
	Wall           time.Duration // median
	WallMin        time.Duration
	WallMax        time.Duration
	// RoundTrips is the median wall time ÷ the injected latency, rounded.
	RoundTrips int
	// Levels is the critical path counted from the server's call log
	// (minimum over runs; LevelsMax shows the noise).
	Levels, LevelsMax int
	// Ops lists the operations of the last run, in arrival order.
	Ops []string
}

// RatioRow compares the baseline with ecr-reconcile for one scenario.
type RatioRow struct {
	Scenario                   string
	Calls, Writes, Wall        float64 // baseline ÷ ours; +Inf when ours is 0
	OursWrites, BaselineWrites int
	OursCalls, BaselineCalls   int
	OursWall, BaselineWall     time.Duration
}

type sample struct {
	counts counts
	wall   time.Duration
	ops    []string
}

// singleScenarios are measured in this order on one repository.
var singleScenarios = []string{scenarioCreate, scenarioNoOp, scenarioNoOpKnown, scenarioDrift}

// runSingle runs create, no-op and drift-repair for ecr-reconcile and for
// the naive baseline, interleaved so that both see the same noise.
func runSingle(ctx context.Context, cfg Config, rep *Report) error {
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: cfg.SingleLatency})
	srv, err := startServer(emu)
	if err != nil {
		return err
	}
	defer srv.close()

	impls := []struct {
		name string
		run  func(context.Context, *ecr.Client, reconcile.Spec) error
	}{
		{implOurs, func(ctx context.Context, c *ecr.Client, spec reconcile.Spec) error {
			_, err := reconciler(c, false).Reconcile(ctx, spec)
			return err
		}},
		{implBaseline, naive},
	}
	samples := map[[2]string][]sample{}
	for run := range cfg.Runs {
		cfg.logf("single repository: run %d/%d", run+1, cfg.Runs)
		for _, impl := range impls {
			name := fmt.Sprintf("bench/%s-%d", strings.ReplaceAll(impl.name, " ", "-"), run)
			spec := fullSpec(name)
			for _, sc := range singleScenarios {
				spec := spec
				if sc == scenarioNoOpKnown {
					spec.RegistryID = accountID
				}
				if sc == scenarioDrift {
					if err := drift(emu, name); err != nil {
						return err
					}
				}
				c, err := newClient(ctx, srv.url, false)
				if err != nil {
					return err
				}
				srv.reset()
				start := time.Now()
				err = impl.run(ctx, c, spec)
				wall := time.Since(start)
				if err != nil {
					return fmt.Errorf("%s %s: %w", impl.name, sc, err)
				}
				cnt := srv.counts()
				var ops []string
				for _, call := range emu.Calls() {
					ops = append(ops, call.Operation)
				}
				key := [2]string{sc, impl.name}
				samples[key] = append(samples[key], sample{counts: cnt, wall: wall, ops: ops})
				// Both implementations must have reached the declared state.
				if err := verifyDeclared(ctx, srv.url, spec); err != nil {
					return fmt.Errorf("%s after %s: %w", impl.name, sc, err)
				}
			}
		}
	}

	byKey := map[[2]string]SingleRow{}
	for _, sc := range singleScenarios {
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
			rep.Single = append(rep.Single, row)
			byKey[[2]string{sc, impl.name}] = row
		}
		ours, base := byKey[[2]string{sc, implOurs}], byKey[[2]string{sc, implBaseline}]
		rep.Ratios = append(rep.Ratios, RatioRow{
			Scenario:  sc,
			Calls:     ratio(float64(base.Calls), float64(ours.Calls)),
			Writes:    ratio(float64(base.Writes), float64(ours.Writes)),
			Wall:      ratio(float64(base.Wall), float64(ours.Wall)),
			OursCalls: ours.Calls, BaselineCalls: base.Calls,
			OursWrites: ours.Writes, BaselineWrites: base.Writes,
			OursWall: ours.Wall, BaselineWall: base.Wall,
		})
	}

	noop, create := byKey[[2]string{scenarioNoOp, implOurs}], byKey[[2]string{scenarioCreate, implOurs}]
	rep.target(true, noop.Writes == 0, "no-op: writes", "0", fmt.Sprint(noop.Writes))
	rep.target(false, noop.Levels <= 2, "no-op: sequential round trips (call log)", "≤ 2", fmt.Sprint(noop.Levels))
	rep.target(false, noop.RoundTrips <= 2, "no-op: sequential round trips (wall ÷ latency)", "≤ 2",
		fmt.Sprintf("%d (%.1f ms ÷ %v)", noop.RoundTrips, ms(noop.Wall), cfg.SingleLatency))
	known := byKey[[2]string{scenarioNoOpKnown, implOurs}]
	rep.target(true, known.Writes == 0, "no-op, registry-id given: writes", "0", fmt.Sprint(known.Writes))
	rep.target(false, known.Levels <= 1, "no-op, registry-id given: sequential round trips (call log)", "≤ 1", fmt.Sprint(known.Levels))
	rep.target(false, known.RoundTrips <= 1, "no-op, registry-id given: sequential round trips (wall ÷ latency)", "≤ 1",
		fmt.Sprintf("%d (%.1f ms ÷ %v)", known.RoundTrips, ms(known.Wall), cfg.SingleLatency))
	rep.target(false, create.Levels <= 3, "create, both policies: sequential round trips (call log)", "≤ 3", fmt.Sprint(create.Levels))
	rep.target(false, create.RoundTrips <= 3, "create, both policies: sequential round trips (wall ÷ latency)", "≤ 3",
		fmt.Sprintf("%d (%.1f ms ÷ %v)", create.RoundTrips, ms(create.Wall), cfg.SingleLatency))
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return a / b
}

// drift changes by hand every setting that can be repaired.
func drift(emu *emulator.Emulator, name string) error {
	r, ok := emu.Repository("", name)
	if !ok {
		return fmt.Errorf("drift: repository %q missing", name)
	}
	r.Policy, r.Lifecycle = driftPolicy, driftLife
	r.Tags = maps.Clone(r.Tags)
	r.Tags["team"] = "someone-else"
	r.Mutability, r.ExclusionFilters = "MUTABLE", nil
	r.ScanOnPush = false
	emu.PutRepository(r)
	return nil
}

// verifyDeclared checks, with a dry-run reconcile, that the repository holds
// the declared state. Its calls are not measured (the log is reset before
// the next measurement).
func verifyDeclared(ctx context.Context, url string, spec reconcile.Spec) error {
	c, err := newClient(ctx, url, false)
	if err != nil {
		return err
	}
	res, err := reconciler(c, true).Reconcile(ctx, spec)
	if err != nil {
		return err
	}
	if res.Changed() {
		return fmt.Errorf("not in the declared state: %v", res.ChangedOnly())
	}
	return nil
}

// naive is the baseline: what common actions and CLI scripts do. Sequential
// calls, `describe || create`, then every managed setting re-put on every
// run without reading it or comparing:
//
//	aws ecr describe-repositories --repository-names $NAME ||
//	  aws ecr create-repository --repository-name $NAME --encryption-configuration ...
//	aws ecr set-repository-policy ...
//	aws ecr put-lifecycle-policy ...
//	aws ecr tag-resource ...
//	aws ecr put-image-tag-mutability ...
//	aws ecr put-image-scanning-configuration ...
func naive(ctx context.Context, c *ecr.Client, spec reconcile.Spec) error {
	var arn string
	out, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{spec.Name}})
	var apiErr smithy.APIError
	switch {
	case err == nil:
		arn = aws.ToString(out.Repositories[0].RepositoryArn)
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "RepositoryNotFoundException":
		in := &ecr.CreateRepositoryInput{RepositoryName: &spec.Name}
		if e := spec.Encryption; e != nil {
			// Encryption can only be set here.
			in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(e.Type)}
		}
		created, err := c.CreateRepository(ctx, in)
		if err != nil {
			return err
		}
		arn = aws.ToString(created.Repository.RepositoryArn)
	default:
		return err
	}
	if d := spec.RepositoryPolicy; d != nil {
		if _, err := c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &spec.Name, PolicyText: &d.Text}); err != nil {
			return err
		}
	}
	if d := spec.LifecyclePolicy; d != nil {
		if _, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &spec.Name, LifecyclePolicyText: &d.Text}); err != nil {
			return err
		}
	}
	if len(spec.Tags) > 0 {
		var tags []types.Tag
		for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
			tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k])})
		}
		if _, err := c.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: &arn, Tags: tags}); err != nil {
			return err
		}
	}
	if m := spec.Mutability; m != nil {
		in := &ecr.PutImageTagMutabilityInput{RepositoryName: &spec.Name, ImageTagMutability: types.ImageTagMutability(m.Value)}
		for _, f := range m.Filters {
			in.ImageTagMutabilityExclusionFilters = append(in.ImageTagMutabilityExclusionFilters,
				types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
		}
		if _, err := c.PutImageTagMutability(ctx, in); err != nil {
			return err
		}
	}
	if spec.ScanOnPush != nil {
		if _, err := c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
			RepositoryName:             &spec.Name,
			ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: *spec.ScanOnPush},
		}); err != nil {
			return err
		}
	}
	return nil
}
