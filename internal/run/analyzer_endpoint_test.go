package run

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
)

// endpointSource answers the SDK's per-service endpoint lookup as the
// environment's AWS_ENDPOINT_URL_<SERVICE> variables do, without touching
// the process environment.
type endpointSource map[string]string

func (s endpointSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := s[strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))]
	return v, ok, nil
}

// hostRecorder is an HTTP client that records the host of each request
// and answers none.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hosts = append(h.hosts, r.URL.Host)
	return nil, errors.New("not sent")
}

// The policy check goes where the SDK sends Access Analyzer's calls, never
// to ECR's endpoint override: that one often names an ECR VPC endpoint, a
// FIPS endpoint or a proxy that serves ECR only.
func TestAnalyzerEndpointIsAccessAnalyzers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		endpoints endpointSource
		want      string
	}{
		{"ECR's override only", endpointSource{"ECR": "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com"}, "access-analyzer.eu-west-1.amazonaws.com"},
		{"Access Analyzer's override", endpointSource{"ECR": "https://vpce-1.api.ecr.eu-west-1.vpce.amazonaws.com", "ACCESSANALYZER": "https://analyzer.example.test"}, "analyzer.example.test"},
	} {
		for _, public := range []bool{false, true} {
			rec := &hostRecorder{}
			auth := awsauth.Result{Config: aws.Config{
				Region:        "eu-west-1",
				Credentials:   credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
				HTTPClient:    rec,
				Retryer:       func() aws.Retryer { return aws.NopRetryer{} },
				ConfigSources: []any{tc.endpoints},
			}}
			recs := reconcilers(&inputs.Config{Regions: []string{"eu-west-1"}, Public: public}, auth, func(string) {})
			_, _, _ = recs[0].Options.Analyzer.ValidatePolicy(t.Context(), "{}", "")
			wantHost := tc.want
			if public && !strings.Contains(tc.want, "example") {
				wantHost = "access-analyzer.us-east-1.amazonaws.com"
			}
			if len(rec.hosts) != 1 || rec.hosts[0] != wantHost {
				t.Errorf("%s (public %v): ValidatePolicy sent to %v, want %s", tc.name, public, rec.hosts, wantHost)
			}
		}
	}
}
