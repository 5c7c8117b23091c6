package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
)

// Static credentials for both backends; neither checks signatures.
const (
	accessKeyID     = "AKIAE2ESCENARIOS0000"
	secretAccessKey = "e2e-scenarios-secret-access-key"
	region          = "eu-west-1"
)

// backend is the ECR/STS service the scenarios run against.
type backend struct {
	name    string             // "emulator" or "moto"
	emu     *emulator.Emulator // the in-process emulator; nil for moto
	url     string
	account string // the caller's account, as STS reports it
	ecr     *ecr.Client
}

func (b *backend) moto() bool { return b.name == "moto" }

// newBackend connects to moto when -moto-endpoint is given, else starts the
// project's emulator in-process.
func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{name: "moto", url: strings.TrimRight(*motoEndpoint, "/")}
	if b.url == "" {
		b.emu = emulator.New(emulator.Options{Region: region})
		srv := httptest.NewServer(b.emu)
		t.Cleanup(srv.Close)
		b.name, b.url = "emulator", srv.URL
	}
	creds := credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")
	b.ecr = ecr.New(ecr.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(b.url)})
	stsClient := sts.New(sts.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(b.url)})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("%s backend at %s does not answer sts:GetCallerIdentity: %v", b.name, b.url, err)
	}
	b.account = aws.ToString(id.Account)
	if len(b.account) != 12 {
		t.Fatalf("%s backend reports account %q", b.name, b.account)
	}
	t.Logf("backend: %s at %s, account %s, region %s", b.name, b.url, b.account, region)
	return b
}

// gap records that an assertion is adapted because the backend is moto and
// moto does not behave as ECR does there; docs/moto-differences.md lists them.
func (b *backend) gap(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("moto gap (docs/moto-differences.md): "+format, args...)
}

// pushImages puts n images into the repository: through PutImage on moto
// (distinct manifests, one tag each), with the emulator's image store
// otherwise, which does not serve PutImage.
func (b *backend) pushImages(t *testing.T, name string, n int) {
	t.Helper()
	if !b.moto() {
		if !b.emu.SeedImages(region, "", name, n) {
			t.Fatalf("SeedImages: %s not found", name)
		}
		return
	}
	for i := range n {
		manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
			`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%d,"digest":"sha256:%064x"},"layers":[]}`, 100+i, i+1)
		if _, err := b.ecr.PutImage(t.Context(), &ecr.PutImageInput{
			RepositoryName: aws.String(name), ImageManifest: aws.String(manifest), ImageTag: aws.String(fmt.Sprintf("v%d", i+1)),
		}); err != nil {
			t.Fatalf("PutImage %s: %v", name, err)
		}
	}
}

func (b *backend) uri(name string) string {
	return b.account + ".dkr.ecr." + region + ".amazonaws.com/" + name
}

func (b *backend) arn(name string) string {
	return "arn:aws:ecr:" + region + ":" + b.account + ":repository/" + name
}

// runID makes repository names unique per test run, so that runs against a
// long-lived moto server do not see each other's repositories.
func runID(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// call is one request the proxy forwarded.
type call struct {
	Service   string // "ecr", "sts", "access-analyzer" or "unknown"
	Operation string
	Region    string // from the credential scope of the signature; "" if unsigned
	Status    int    // HTTP status of the answer; 0 when none came back
}

func (c call) String() string { return c.Service + ":" + c.Operation }

// isWrite is the emulator's definition of a write, which holds for moto too.
func isWrite(c call) bool { return emulator.IsWrite(c.Service, c.Operation) }

// writes returns the write operations' names, sorted.
func writes(calls []call) []string {
	var out []string
	for _, c := range calls {
		if isWrite(c) {
			out = append(out, c.Operation)
		}
	}
	slices.Sort(out)
	return out
}

func count(calls []call, op string) int {
	n := 0
	for _, c := range calls {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// recorder is a reverse proxy in front of the backend that logs each
// request's operation: the X-Amz-Target suffix for ECR (awsJson1_1), the
// Action parameter for STS (awsQuery), the path of Access Analyzer's
// ValidatePolicy (restJson1).
type recorder struct {
	url   string
	proxy *httputil.ReverseProxy

	mu    sync.Mutex
	calls []*call
	gates map[string]*gate
	// standIns answer an operation the backend does not serve, in its
	// place (set before the recorder is used; read-only afterwards).
	standIns map[string]string
}

// templatesStandIn is ECR's answer to DescribeRepositoryCreationTemplates for
// a registry without templates. moto 5.2.1 does not serve the operation
// (HTTP 500, which the action retries like any server error), so on moto
// the recorder answers it instead (docs/moto-differences.md).
const templatesStandIn = `{"registryId":"%s","repositoryCreationTemplates":[]}`

// recorder returns a recorder in front of the backend, with the stand-ins
// the backend needs.
func (b *backend) recorder(t *testing.T) *recorder {
	t.Helper()
	r := newRecorder(t, b.url)
	if b.moto() {
		b.gap(t, "DescribeRepositoryCreationTemplates is not served (HTTP 500); the recorder answers it as ECR does for a registry without templates")
		r.standIns = map[string]string{"DescribeRepositoryCreationTemplates": fmt.Sprintf(templatesStandIn, b.account)}
	}
	return r
}

func newRecorder(t *testing.T, backendURL string) *recorder {
	t.Helper()
	target, err := url.Parse(backendURL)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{gates: map[string]*gate{}}
	r.proxy = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		// Keep the Host the request was signed for.
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	c := &call{Service: "unknown", Operation: req.Method + " " + req.URL.Path, Region: signedRegion(req.Header.Get("Authorization"))}
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		c.Service = "ecr"
		c.Operation = target[strings.LastIndex(target, ".")+1:]
	} else if req.Method == http.MethodPost && req.URL.Path == "/policy/validation" {
		// IAM Access Analyzer's ValidatePolicy (restJson1): a read.
		c.Service, c.Operation = "access-analyzer", "ValidatePolicy"
	} else if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
		c.Service, c.Operation = "sts", form.Get("Action")
	} else if a := req.URL.Query().Get("Action"); a != "" {
		c.Service, c.Operation = "sts", a
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	g := r.gates[c.Operation]
	r.mu.Unlock()
	if answer, ok := r.standIns[c.Operation]; ok {
		sw := &statusWriter{ResponseWriter: w, r: r, c: c}
		sw.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = sw.Write([]byte(answer))
		return
	}
	if g != nil {
		// Held requests reach the backend at once but their answers wait
		// for each other: every held run then sees the state from before
		// any of them acted, however the goroutines are scheduled.
		rec := httptest.NewRecorder()
		r.proxy.ServeHTTP(rec, req)
		g.wait(req.Context())
		sw := &statusWriter{ResponseWriter: w, r: r, c: c}
		maps.Copy(sw.Header(), rec.Header())
		sw.WriteHeader(rec.Code)
		_, _ = sw.Write(rec.Body.Bytes())
		return
	}
	r.proxy.ServeHTTP(&statusWriter{ResponseWriter: w, r: r, c: c}, req)
}

// signedRegion reads the Region of a SigV4 credential scope
// (Credential=KEY/DATE/REGION/SERVICE/aws4_request).
func signedRegion(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	scope, _, _ := strings.Cut(rest, ",")
	if parts := strings.Split(scope, "/"); len(parts) == 5 {
		return parts[2]
	}
	return ""
}

// take returns the calls logged since the last take and empties the log.
func (r *recorder) take() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]call, len(r.calls))
	for i, c := range r.calls {
		out[i] = *c
	}
	r.calls = nil
	return out
}

// hold makes the answers to the first n requests for op wait until all n
// have been served by the backend (bounded by a timeout), so that n
// concurrent runs are lined up there.
func (r *recorder) hold(op string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gates[op] = &gate{n: n, open: make(chan struct{})}
}

type gate struct {
	mu      sync.Mutex
	n       int
	arrived int
	open    chan struct{}
}

func (g *gate) wait(ctx context.Context) {
	g.mu.Lock()
	g.arrived++
	switch {
	case g.arrived > g.n:
		g.mu.Unlock()
		return
	case g.arrived == g.n:
		close(g.open)
	}
	g.mu.Unlock()
	t := time.NewTimer(15 * time.Second)
	defer t.Stop()
	select {
	case <-g.open:
	case <-t.C:
	case <-ctx.Done():
	}
}

// statusWriter logs the status before it is sent, so a client that has its
// answer always finds the status in the log.
type statusWriter struct {
	http.ResponseWriter
	r     *recorder
	c     *call
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.wrote = true
		s.r.mu.Lock()
		s.c.Status = code
		s.r.mu.Unlock()
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

// state is a repository as read back through the ECR API.
type state struct {
	exists    bool
	repo      types.Repository
	policy    *string // nil: no repository policy
	lifecycle *string // nil: no lifecycle policy
	tags      map[string]string
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// read reads the repository's whole state directly from the backend (not
// through any recorder).
func (b *backend) read(t *testing.T, name string) state {
	t.Helper()
	return readWith(t, b.ecr, name)
}

// readIn is read in another Region than the scenarios' own.
func (b *backend) readIn(t *testing.T, region, name string) state {
	t.Helper()
	return readWith(t, ecr.New(b.ecr.Options(), func(o *ecr.Options) { o.Region = region }), name)
}

func readWith(t *testing.T, client *ecr.Client, name string) state {
	t.Helper()
	ctx := t.Context()
	var s state
	out, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	switch {
	case errorCode(err) == "RepositoryNotFoundException":
		return s
	case err != nil:
		t.Fatalf("DescribeRepositories %s: %v", name, err)
	case len(out.Repositories) != 1:
		t.Fatalf("DescribeRepositories %s returned %d repositories", name, len(out.Repositories))
	}
	s.exists, s.repo = true, out.Repositories[0]
	pol, err := client.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &name})
	switch {
	case errorCode(err) == "RepositoryPolicyNotFoundException":
	case err != nil:
		t.Fatalf("GetRepositoryPolicy %s: %v", name, err)
	default:
		s.policy = pol.PolicyText
	}
	lc, err := client.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: &name})
	switch {
	case errorCode(err) == "LifecyclePolicyNotFoundException":
	case err != nil:
		t.Fatalf("GetLifecyclePolicy %s: %v", name, err)
	default:
		s.lifecycle = lc.LifecyclePolicyText
	}
	tags, err := client.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: s.repo.RepositoryArn})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", name, err)
	}
	s.tags = map[string]string{}
	for _, tag := range tags.Tags {
		s.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return s
}

func (s state) filters() []string {
	var out []string
	for _, f := range s.repo.ImageTagMutabilityExclusionFilters {
		out = append(out, string(f.FilterType)+":"+aws.ToString(f.Filter))
	}
	slices.Sort(out)
	return out
}

func (s state) scanOnPush() bool {
	return s.repo.ImageScanningConfiguration != nil && s.repo.ImageScanningConfiguration.ScanOnPush
}

func (s state) encryption() string {
	if s.repo.EncryptionConfiguration == nil {
		return ""
	}
	return string(s.repo.EncryptionConfiguration.EncryptionType)
}

// changes parses the changes output into setting → action.
func changes(t *testing.T, res *ghrunner.Result) map[string]string {
	t.Helper()
	var list []struct{ Setting, Action string }
	if err := json.Unmarshal([]byte(res.Outputs["changes"]), &list); err != nil {
		t.Fatalf("changes output %q: %v", res.Outputs["changes"], err)
	}
	out := map[string]string{}
	for _, c := range list {
		if _, dup := out[c.Setting]; dup {
			t.Errorf("changes output lists %s twice: %s", c.Setting, res.Outputs["changes"])
		}
		out[c.Setting] = c.Action
	}
	return out
}

func equalMaps(a, b map[string]string) bool { return maps.Equal(a, b) }

// explicitScanOnPushFalse makes a PutImageScanningConfiguration request say
// "scanOnPush": false. The SDK leaves a false boolean out, which ECR (and the
// emulator) read as false, but moto ignores the empty configuration and keeps
// scanning on; see docs/moto-differences.md.
func explicitScanOnPushFalse(stack *middleware.Stack) error {
	return stack.Serialize.Add(middleware.SerializeMiddlewareFunc("E2EExplicitScanOnPushFalse",
		func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			req, ok := in.Request.(*smithyhttp.Request)
			if !ok || req.GetStream() == nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, errors.New("explicitScanOnPushFalse: no serialized request")
			}
			body, err := io.ReadAll(req.GetStream())
			if err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, err
			}
			fixed := bytes.Replace(body, []byte(`"imageScanningConfiguration":{}`), []byte(`"imageScanningConfiguration":{"scanOnPush":false}`), 1)
			if bytes.Equal(fixed, body) && !bytes.Contains(body, []byte(`"scanOnPush":false`)) {
				return middleware.SerializeOutput{}, middleware.Metadata{}, fmt.Errorf("explicitScanOnPushFalse: unexpected body %s", body)
			}
			if req, err = req.SetStream(bytes.NewReader(fixed)); err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, err
			}
			in.Request = req
			return next.HandleSerialize(ctx, in)
		}), middleware.After)
}
