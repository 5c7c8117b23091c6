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
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// The scenarios of the single-repository section and of the policy check
// section, in the order they run on one repository. "no-op, registry-id
// given" knows the registry account (the registry-id input), so the tags
// read goes out with the describe; "policy update" changes the repository
// policy alone.
var (
	singleScenarios = []string{"create", "no-op", "no-op, registry-id given", "drift-repair"}
	policyScenarios = []string{"create, policy managed", "policy update", "no-op, policy managed"}
)

const (
	implOurs     = "ecr-reconcile"
	implBaseline = "naive baseline"
	implNoCheck  = "ecr-reconcile, no policy check"
	implChecked  = "ecr-reconcile + IAM Access Analyzer"
)

const repositoryPolicy = `{"Version": "2012-10-17", "Statement": [{"Sid": "ClusterPull", "Effect": "Allow",
  "Principal": {"AWS": ["210987654321", "arn:aws:iam::111122223333:root"]},
  "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]}]}`

const lifecyclePolicy = `{"rules": [
  {"rulePriority": 1, "description": "untagged", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}},
  {"rulePriority": 2, "description": "keep 30", "selection": {"tagStatus": "tagged", "tagPatternList": ["v*", "release-*"], "countType": "imageCountMoreThan", "countNumber": 30}, "action": {"type": "expire"}}
]}`

// updatedPolicy is repositoryPolicy with one more account.
var updatedPolicy = strings.Replace(repositoryPolicy, `"210987654321", `, `"210987654321", "444455556666", `, 1)

// fullSpec manages every setting.
func fullSpec(name string) reconcile.Spec {
	scan := true
	return reconcile.Spec{
		Name:             name,
		RepositoryPolicy: &reconcile.Document{Text: repositoryPolicy},
		LifecyclePolicy:  &reconcile.Document{Text: lifecyclePolicy},
		Tags:             map[string]string{"team": "payments", "env": "prod"},
		Mutability:       &reconcile.Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"cache", "latest"}},
		ScanOnPush:       &scan,
		Encryption:       &reconcile.Encryption{Type: "AES256"},
	}
}

// SingleRow is one scenario for one implementation: Calls and Writes are
// medians; RoundTrips is the median wall time ÷ the injected latency,
// rounded; Levels is the critical path counted from the server's call log
// (its minimum over runs is the figure, its maximum shows the noise); Ops
// are the last run's operations, in arrival order.
type SingleRow struct {
	Scenario, Impl string
	Calls, Writes  int
	Wall           spread[time.Duration]
	RoundTrips     int
	Levels         spread[int]
	Ops            []string
}

// run runs one implementation.
func run(ctx context.Context, impl string, c clients, spec reconcile.Spec) error {
	if impl == implBaseline {
		return naive(ctx, c.ecr, spec)
	}
	rec := reconciler(c.ecr, false)
	if impl == implChecked {
		rec.Options.Analyzer = ecrsdk.NewAnalyzer(c.an)
	}
	_, err := rec.Reconcile(ctx, spec)
	return err
}

// measure runs the scenarios in order, each implementation on its own
// repository, runs interleaved so that all see the same noise, and returns
// one row per scenario and implementation.
func measure(ctx context.Context, cfg Config, section string, impls, scenarios []string) ([]SingleRow, error) {
	srv := startServer(cfg.SingleLatency)
	defer srv.Close()
	samples := make([]struct {
		calls, writes, levels []int
		walls                 []time.Duration
		ops                   []string
	}, len(scenarios)*len(impls))
	for n := range cfg.Runs {
		logf("%s: run %d/%d", section, n+1, cfg.Runs)
		for i, im := range impls {
			for j, sc := range scenarios {
				spec, err := declare(srv.Emulator, fmt.Sprintf("bench/%s-%d-%d", section, i, n), sc)
				if err != nil {
					return nil, err
				}
				// The clients are built before the clock starts, as the
				// action builds them before its first call.
				c, err := dial(ctx, srv.URL, false)
				if err != nil {
					return nil, err
				}
				srv.ResetCalls()
				start := time.Now()
				if err := run(ctx, im, c, spec); err != nil {
					return nil, fmt.Errorf("%s %s: %w", im, sc, err)
				}
				wall, cnt, x := time.Since(start), srv.counts(), &samples[j*len(impls)+i]
				x.calls, x.writes, x.levels, x.walls, x.ops = append(x.calls, cnt.Calls), append(x.writes, cnt.Writes), append(x.levels, cnt.Levels), append(x.walls, wall), cnt.Ops
				// Every implementation must have reached the declared state:
				// a dry-run reconcile finds nothing to change.
				res, err := reconciler(c.ecr, true).Reconcile(ctx, spec)
				if err == nil && res.Changed() {
					err = fmt.Errorf("not in the declared state: %v", res.ChangedOnly())
				}
				if err != nil {
					return nil, fmt.Errorf("%s after %s: %w", im, sc, err)
				}
			}
		}
	}
	rows := make([]SingleRow, len(samples))
	for k, x := range samples {
		rows[k] = SingleRow{Scenario: scenarios[k/len(impls)], Impl: impls[k%len(impls)], Calls: median(x.calls), Writes: median(x.writes),
			Wall: spreadOf(x.walls), Levels: spreadOf(x.levels), Ops: x.ops}
		rows[k].RoundTrips = int(math.Round(float64(rows[k].Wall.Med) / float64(cfg.SingleLatency)))
	}
	return rows, nil
}

// find returns the row of one scenario and implementation.
func find(rows []SingleRow, scenario, impl string) SingleRow {
	i := slices.IndexFunc(rows, func(r SingleRow) bool { return r.Scenario == scenario && r.Impl == impl })
	return rows[i]
}

// runSingle runs create, no-op and drift-repair for ecr-reconcile and for
// the naive baseline.
func runSingle(ctx context.Context, cfg Config, rep *Report) (err error) {
	rep.Single, err = measure(ctx, cfg, "single", []string{implOurs, implBaseline}, singleScenarios)
	if err != nil {
		return err
	}
	for i, sc := range []string{"no-op", "no-op, registry-id given", "create"} {
		bound := []int{2, 1, 3}[i]
		r, name, want := find(rep.Single, sc, implOurs), sc, fmt.Sprintf("≤ %d", bound)
		if sc == "create" {
			name = "create, both policies"
		} else {
			rep.target(true, r.Writes == 0, name+": writes", "0", fmt.Sprint(r.Writes))
		}
		rep.target(false, r.Levels.Min <= bound, name+": sequential round trips (call log)", want, fmt.Sprint(r.Levels.Min))
		rep.target(false, r.RoundTrips <= bound, name+": sequential round trips (wall ÷ latency)", want,
			fmt.Sprintf("%d (%.1f ms ÷ %v)", r.RoundTrips, ms(r.Wall.Med), cfg.SingleLatency))
	}
	return nil
}

// runPolicyCheck measures create, policy update and no-op with and without
// the policy check, and the naive baseline in the same run: the check goes
// out with the first read round, so it must add no round trip.
func runPolicyCheck(ctx context.Context, cfg Config, rep *Report) (err error) {
	rep.PolicyCheck, err = measure(ctx, cfg, "policy", []string{implNoCheck, implChecked, implBaseline}, policyScenarios)
	if err != nil {
		return err
	}
	for _, sc := range policyScenarios {
		with, without := find(rep.PolicyCheck, sc, implChecked), find(rep.PolicyCheck, sc, implNoCheck)
		rep.target(true, with.Calls == without.Calls+1 && with.Writes == without.Writes, sc+": the check adds one call and no write",
			fmt.Sprintf("%d calls, %d writes", without.Calls+1, without.Writes), fmt.Sprintf("%d calls, %d writes", with.Calls, with.Writes))
		rep.target(false, with.Levels.Min <= without.Levels.Min, sc+": round trips with the check (call log)", fmt.Sprintf("≤ %d (without)", without.Levels.Min), fmt.Sprint(with.Levels.Min))
	}
	return nil
}

// declare returns the declared spec of a scenario; drift-repair first
// changes by hand (bypassing the API) every setting that can be repaired.
func declare(emu *emulator.Emulator, name, scenario string) (reconcile.Spec, error) {
	spec := fullSpec(name)
	switch scenario {
	case "no-op, registry-id given":
		spec.RegistryID = accountID
	case "policy update", "no-op, policy managed":
		spec.RepositoryPolicy = &reconcile.Document{Text: updatedPolicy}
	case "drift-repair":
		r, ok := emu.Repository("", name)
		if !ok {
			return spec, fmt.Errorf("drift: repository %q missing", name)
		}
		r.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"ecr:BatchGetImage"}]}`
		r.Lifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
		r.Tags = maps.Clone(r.Tags)
		r.Tags["team"] = "someone-else"
		r.Mutability, r.ExclusionFilters, r.ScanOnPush = "MUTABLE", nil, false
		emu.PutRepository(r)
	}
	return spec, nil
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
		var created *ecr.CreateRepositoryOutput
		if created, err = c.CreateRepository(ctx, in); err != nil {
			return err
		}
		arn = aws.ToString(created.Repository.RepositoryArn)
	default:
		return err
	}
	// Each put runs only if every earlier call succeeded.
	if d := spec.RepositoryPolicy; d != nil {
		_, err = c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: &spec.Name, PolicyText: &d.Text})
	}
	if d := spec.LifecyclePolicy; d != nil && err == nil {
		_, err = c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: &spec.Name, LifecyclePolicyText: &d.Text})
	}
	if len(spec.Tags) > 0 && err == nil {
		in := &ecr.TagResourceInput{ResourceArn: &arn}
		for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
			in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k])})
		}
		_, err = c.TagResource(ctx, in)
	}
	if m := spec.Mutability; m != nil && err == nil {
		in := &ecr.PutImageTagMutabilityInput{RepositoryName: &spec.Name, ImageTagMutability: types.ImageTagMutability(m.Value)}
		for _, f := range m.Filters {
			in.ImageTagMutabilityExclusionFilters = append(in.ImageTagMutabilityExclusionFilters,
				types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
		}
		_, err = c.PutImageTagMutability(ctx, in)
	}
	if spec.ScanOnPush != nil && err == nil {
		_, err = c.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
			RepositoryName: &spec.Name, ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: *spec.ScanOnPush},
		})
	}
	return err
}
