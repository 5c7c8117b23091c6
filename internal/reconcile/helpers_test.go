package reconcile_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const (
	account = "123456789012"
	region  = "us-east-1"
)

// fixture is an emulator behind real HTTP and a reconciler using the real
// SDK client against it.
type fixture struct {
	emu *emulator.Emulator
	ecr *ecr.Client
	// analyzer is IAM Access Analyzer's client on the same emulator; the
	// reconciler uses it only when checked says so.
	analyzer *accessanalyzer.Client
	url      string
}

func newFixture(t *testing.T, opts emulator.Options) *fixture {
	t.Helper()
	return newFixtureWrapped(t, opts, func(h http.Handler) http.Handler { return h })
}

// newFixtureWrapped puts wrap in front of the emulator.
func newFixtureWrapped(t *testing.T, opts emulator.Options, wrap func(http.Handler) http.Handler) *fixture {
	t.Helper()
	opts.Region, opts.AccountID = region, account
	emu := emulator.New(opts)
	srv := httptest.NewServer(wrap(emu))
	t.Cleanup(srv.Close)
	f := &fixture{emu: emu, url: srv.URL}
	f.ecr = f.clientAs("AKIDEXAMPLE")
	f.analyzer = accessanalyzer.New(accessanalyzer.Options{
		Region:       region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 5 * time.Millisecond
			o.RateLimiter = ratelimit.None
		}),
	})
	return f
}

// clientAs is a client of the fixture's emulator signing with another
// access key: another job, as the emulator's call log and holds see it.
func (f *fixture) clientAs(keyID string) *ecr.Client {
	return ecr.New(ecr.Options{
		Region:       region,
		BaseEndpoint: aws.String(f.url),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 5 * time.Millisecond
			o.RateLimiter = ratelimit.None // as the action's own client: no retry quota
		}),
	})
}

// checked is reconciler with the policy check of IAM Access Analyzer.
func (f *fixture) checked(dryRun bool) *reconcile.Reconciler {
	rec := f.reconciler(dryRun)
	rec.Options.Analyzer = ecrsdk.NewAnalyzer(f.analyzer)
	return rec
}

// createBarrier holds the first n CreateRepository requests until all n
// have arrived, so n racing jobs all try to create and n-1 lose, however
// the goroutines are scheduled. It gives up waiting after 10 s.
func createBarrier(n int) func(http.Handler) http.Handler {
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".CreateRepository") {
				mu.Lock()
				arrived++
				if arrived == n {
					close(all)
				}
				wait := arrived <= n
				mu.Unlock()
				if wait {
					select {
					case <-all:
					case <-time.After(10 * time.Second):
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (f *fixture) reconciler(dryRun bool) *reconcile.Reconciler {
	r := &reconcile.Reconciler{ECR: ecrsdk.New(f.ecr), Options: reconcile.Options{DryRun: dryRun, Region: region}}
	quick(&r.Options)
	return r
}

// quick shortens the engine's waits for eventual consistency (the
// emulator's lasts a number of reads, not seconds), so that no test sleeps.
func quick(o *reconcile.Options) {
	o.SetConsistency(reconcile.Backoff{Attempts: 6, Base: time.Millisecond, Max: 4 * time.Millisecond})
	o.SetPropagation(reconcile.Backoff{Attempts: 6, Base: time.Millisecond, Max: 4 * time.Millisecond})
	o.SetOwnedSettle(func(context.Context) error { return nil })
}

// previewPoll is the preview's polling at test speed, within budget.
func previewPoll(within time.Duration) reconcile.Backoff {
	return reconcile.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, Within: within}
}

func (f *fixture) run(t *testing.T, spec reconcile.Spec) *reconcile.Result {
	t.Helper()
	res, err := f.reconciler(false).Reconcile(context.Background(), spec)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	return res
}

func (f *fixture) repo(t *testing.T, name string) emulator.Repository {
	t.Helper()
	r, ok := f.emu.Repository("", name)
	if !ok {
		t.Fatalf("repository %q does not exist in the emulator", name)
	}
	return r
}

func (f *fixture) ops() []string {
	var ops []string
	for _, c := range f.emu.Calls() {
		ops = append(ops, c.Operation)
	}
	slices.Sort(ops)
	return ops
}

func (f *fixture) writeOps() []string {
	var ops []string
	for _, c := range f.emu.Writes() {
		ops = append(ops, c.Operation)
	}
	slices.Sort(ops)
	return ops
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func ptr[T any](v T) *T { return &v }

func actionOf(res *reconcile.Result, setting string) reconcile.Action {
	for _, c := range res.Changes {
		if c.Setting == setting {
			return c.Action
		}
	}
	return ""
}

const crossAccountPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ClusterPull",
    "Effect": "Allow",
    "Principal": {"AWS": ["210987654321", "arn:aws:iam::111122223333:root"]},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
  }]
}`

const lifecycle = `{"rules": [
  {"rulePriority": 2, "description": "keep 30", "selection": {"tagStatus": "tagged", "tagPatternList": ["v*", "release-*"], "countType": "imageCountMoreThan", "countNumber": 30}, "action": {"type": "expire"}},
  {"rulePriority": 1, "description": "untagged", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}, "action": {"type": "expire"}}
]}`

// fullSpec manages every setting of a private repository: the one spec
// that does, so that a new setting is added here and every test that runs
// it (calls, consistency, reliability, IAM) covers it.
func fullSpec(name string) reconcile.Spec {
	return reconcile.Spec{
		Name:             name,
		RepositoryPolicy: &reconcile.Document{Text: crossAccountPolicy},
		LifecyclePolicy:  &reconcile.Document{Text: lifecycle},
		Tags:             map[string]string{"team": "payments", "env": "prod"},
		Mutability:       &reconcile.Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"cache", "latest"}},
		ScanOnPush:       ptr(true),
		Encryption:       &reconcile.Encryption{Type: "AES256"},
	}
}
