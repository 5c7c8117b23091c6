package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
)

// Config is what one harness run measures.
type Config struct {
	Runs int
	// Latency is added by the emulator to every response in the batch and
	// process sections; SingleLatency in the single-repository section,
	// where a large value makes wall ÷ latency a reliable count of
	// sequential round trips.
	Latency       time.Duration
	SingleLatency time.Duration
	Sizes         []int
	Concurrency   int
	Quick         bool
	// Process measures the real binary (builds it with go build).
	Process bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// QuickConfig is the smoke run the test uses: tiny sizes, one run, small latency.
func QuickConfig() Config {
	return Config{Runs: 1, Latency: 10 * time.Millisecond, SingleLatency: 10 * time.Millisecond, Sizes: []int{1, 10, 120}, Concurrency: 10, Quick: true}
}

// DefaultConfig is `go run ./internal/support/bench` without flags.
func DefaultConfig() Config {
	return Config{Runs: 5, Latency: 20 * time.Millisecond, SingleLatency: 50 * time.Millisecond, Sizes: []int{1, 10, 100, 1000}, Concurrency: 10, Process: true}
}

// Report is everything measured, ready to print or assert on.
type Report struct {
	Config  Config
	Started time.Time
	Elapsed time.Duration
	Single  []SingleRow
	Ratios  []RatioRow
	Batch   []BatchRow
	// PolicyCheck compares runs with and without IAM Access Analyzer's
	// check of the repository policy (policycheck.go).
	PolicyCheck []SingleRow
	Process     []ProcessRow
	Targets     []Target
}

// Target is one goal and whether the measurement meets it.
type Target struct {
	Name     string
	Want     string
	Measured string
	Met      bool
	// Structural targets are computed from call counts alone, never from
	// time: the test asserts them. Round trips, whether from wall time or
	// from the call log's timestamps, are not structural.
	Structural bool
}

func (r *Report) target(structural, met bool, name, want, measured string) {
	r.Targets = append(r.Targets, Target{Name: name, Want: want, Measured: measured, Met: met, Structural: structural})
}

func (c Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Run measures everything Config asks for.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Config: cfg, Started: time.Now()}
	if err := runSingle(ctx, cfg, rep); err != nil {
		return rep, fmt.Errorf("single repository: %w", err)
	}
	if err := runBatch(ctx, cfg, rep); err != nil {
		return rep, fmt.Errorf("batch: %w", err)
	}
	if err := runPolicyCheck(ctx, cfg, rep); err != nil {
		return rep, fmt.Errorf("policy check: %w", err)
	}
	if cfg.Process {
		if err := runProcess(ctx, cfg, rep); err != nil {
			return rep, fmt.Errorf("process: %w", err)
		}
	}
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// client is an ECR client built the way the action builds it: awsauth.Load
// pointed at the emulator, the action's retryer (adaptive in batch mode, as
// internal/run selects) and its default HTTP client.
func newClient(ctx context.Context, url string, adaptive bool, optFns ...func(*ecr.Options)) (*ecr.Client, error) {
	res, err := loadAuth(ctx, url, adaptive)
	if err != nil {
		return nil, err
	}
	return res.ECRClient(optFns...), nil
}

// loadAuth is the action's credentials and client configuration, pointed
// at the emulator.
func loadAuth(ctx context.Context, url string, adaptive bool) (awsauth.Result, error) {
	env := map[string]string{
		"AWS_ACCESS_KEY_ID":     accessKeyID,
		"AWS_SECRET_ACCESS_KEY": secretAccessKey,
	}
	return awsauth.Load(ctx, awsauth.Options{
		Getenv: func(k string) string { return env[k] },
		Client: awsclient.Options{Region: region, Endpoint: url, Adaptive: adaptive},
	})
}

func reconciler(c *ecr.Client, dryRun bool) *reconcile.Reconciler {
	return &reconcile.Reconciler{ECR: ecrsdk.New(c), Options: reconcile.Options{DryRun: dryRun, Region: region}}
}

const repositoryPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ClusterPull",
    "Effect": "Allow",
    "Principal": {"AWS": ["210987654321", "arn:aws:iam::111122223333:root"]},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
  }]
}`

const lifecyclePolicy = `{"rules": [
  {"rulePriority": 1, "description": "untagged", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}},
  {"rulePriority": 2, "description": "keep 30", "selection": {"tagStatus": "tagged", "tagPatternList": ["v*", "release-*"], "countType": "imageCountMoreThan", "countNumber": 30}, "action": {"type": "expire"}}
]}`

// Drifted values someone set by hand.
const (
	driftPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"ecr:BatchGetImage"}]}`
	driftLife   = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
)

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

// batchSpec is what a platform team manages across many repositories:
// repository policy, lifecycle policy, tags and scan-on-push. Of these,
// DescribeRepositories returns only scan-on-push, so each repository needs
// three reads.
func batchSpec() reconcile.Spec {
	scan := true
	return reconcile.Spec{
		RepositoryPolicy: &reconcile.Document{Text: repositoryPolicy},
		LifecyclePolicy:  &reconcile.Document{Text: lifecyclePolicy},
		Tags:             map[string]string{"team": "platform", "cost-center": "1234"},
		ScanOnPush:       &scan,
	}
}

// batchReadsPerRepo is the number of managed settings of batchSpec that
// DescribeRepositories does not return.
const batchReadsPerRepo = 3

// batchRegistryReads are the registry-level reads of batchSpec, once per
// batch: the scanning configuration (scan-on-push is managed) and the
// creation templates (tags and policies are).
const batchRegistryReads = 2

func median[T int | int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		var zero T
		return zero
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func roundTrips(wall, latency time.Duration) int {
	return int(math.Round(float64(wall) / float64(latency)))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
