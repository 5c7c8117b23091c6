// Package emulator is an in-process, stateful emulator of the parts of Amazon
// ECR and ECR Public (awsJson1_1), AWS STS (awsQuery) and IAM Access
// Analyzer's ValidatePolicy (restJson1) that ecr-reconcile
// uses. It speaks the real wire protocols, so the real aws-sdk-go-v2 clients
// can be pointed at it over HTTP, and it reproduces ECR's error types and
// habits (policy re-formatting, eventual consistency, throttling) so tests
// exercise the same code paths as production.
package emulator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures an Emulator.
type Options struct {
	// Region is the default Region: the one Repository and PutRepository
	// use, and the one an unsigned request is taken to address. Every
	// Region is served, each with its own state, chosen by the credential
	// scope of the request's SigV4 signature. Default "us-east-1".
	Region    string
	AccountID string // default "123456789012"
	// Latency is added before every response (for benchmarks).
	Latency time.Duration
	// InvisibleReadsAfterCreate: after CreateRepository, this many subsequent
	// calls that name the new repository, reads (DescribeRepositories,
	// Get*Policy, ListTagsForResource) and writes alike (tags, mutability,
	// scanning, both policies), answer RepositoryNotFoundException, as real
	// ECR's eventual consistency can.
	InvisibleReadsAfterCreate int
	// InvisibleWritesAfterCreate: after CreateRepository, each write
	// operation naming the new repository (tags, mutability, scanning, both
	// policies) answers RepositoryNotFoundException its first this many
	// calls, counted per operation and apart from the reads: on ECR a job
	// that lost a creation race can see the winner's repository in one
	// call and not yet in the next.
	InvisibleWritesAfterCreate int
	// FillPolicyDefaults stores policies with ECR's defaults written out, as
	// ECR may return them: a repository policy without Version gets
	// "Version": "2008-10-17", and its principal and action lists lose
	// duplicates (an account ID and its root ARN are one principal); a
	// lifecycle selection without storageClass gets "standard". Without it
	// the emulator stores what was sent, re-formatted. The action must find
	// no difference either way.
	FillPolicyDefaults bool
	// Clock returns the current time (default time.Now); it stamps createdAt
	// and decides when issued STS credentials expire.
	Clock func() time.Time
	// RepositoryQuota is the "Registered repositories" service quota of each
	// registry (0: none). CreateRepository beyond it answers ECR's
	// LimitExceededException, which no retry can fix.
	RepositoryQuota int
}

// Emulator is an http.Handler serving ECR and STS. It is safe for concurrent
// use; one mutex guards all state and is never held while sleeping.
type Emulator struct {
	opts  Options
	reqID atomic.Uint64

	mu         sync.Mutex
	registries map[string]map[string]*Repository // account → name → repository
	invisible  map[string]int                    // repoKey → reads still answering not found
	// invisibleWrites: repoKey|operation → writes still answering not found
	invisibleWrites map[string]int
	calls           []*Call
	faults          []*faultState
	pending         map[string]pendingPrincipal // principal ARN → SetRepositoryPolicy refusals left
	policy          []compiledStatement         // nil = allow all
	validator       func(token string) error
	externalID      map[string]string   // role ARN → required ExternalId
	sessions        map[string]*session // access key ID → assumed-role session
	secrets         []string            // issued secret keys and session tokens
	extra           registryState       // images' previews, registry scanning, creation templates
	// regionStatus marks Regions that are not enabled or unknown; absent
	// means enabled.
	regionStatus map[string]RegionStatus
	public       publicState // ECR Public repositories and registry aliases
	holds        []*Hold     // calls to delay (HoldNext)
	// extraFindings are added to every ValidatePolicy answer.
	extraFindings []PolicyFinding
}

// New returns an empty emulator.
func New(opts Options) *Emulator {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	return &Emulator{
		opts:            opts,
		registries:      map[string]map[string]*Repository{},
		invisible:       map[string]int{},
		invisibleWrites: map[string]int{},
		pending:         map[string]pendingPrincipal{},
		externalID:      map[string]string{},
		sessions:        map[string]*session{},
	}
}

// Region is the region the emulator serves.
func (e *Emulator) Region() string { return e.opts.Region }

// AccountID is the default account: the registry of static (non-session) keys.
func (e *Emulator) AccountID() string { return e.opts.AccountID }

func (e *Emulator) now() time.Time { return e.opts.Clock() }

// request is one parsed incoming call, whichever service it is for.
type request struct {
	call   *Call
	ecr    *ecrInput    // decoded ECR body
	public *publicInput // decoded ECR Public body
	form   url.Values   // STS parameters
	// analyzer is a decoded IAM Access Analyzer ValidatePolicy request.
	analyzer *analyzerInput
	status   int
	code     string
}

const ecrTargetPrefix = "AmazonEC2ContainerRegistry_V20150921."

// ServeHTTP serves one ECR or STS request.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// The client went away mid-body; there is nobody to answer.
		return
	}
	req := e.parse(r, body)
	e.record(req.call)
	defer e.finish(req)

	if !sleep(r.Context(), e.opts.Latency) {
		req.code = CodeNoResponse
		return
	}
	if rule, ok := e.matchFault(req.call.Operation, r.Header.Get("Amz-Sdk-Invocation-Id")); ok {
		if e.applyFault(w, r, req, rule) {
			return
		}
	}
	if h := e.takeHold(req.call); h != nil {
		close(h.arrived)
		// Deferred first, so it runs after the response is written.
		defer close(h.served)
		select {
		case <-h.release:
		case <-r.Context().Done():
			req.code = CodeNoResponse
			return
		}
	}
	switch req.call.Service {
	case "ecr":
		e.serveECR(w, req)
	case "ecr-public":
		e.serveECRPublic(w, req)
	case "sts":
		e.serveSTS(w, req)
	case analyzerService:
		e.serveAnalyzer(w, req)
	default:
		e.writeECRError(w, req, errf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation"))
	}
}

// parse identifies the service, operation and the notable parameters.
func (e *Emulator) parse(r *http.Request, body []byte) *request {
	auth := r.Header.Get("Authorization")
	req := &request{call: &Call{AccessKeyID: accessKeyID(auth), Region: e.regionOf(auth)}}
	if target, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), ecrPublicTargetPrefix); ok {
		req.call.Service = "ecr-public"
		req.call.Operation = target
		describePublicCall(req, body)
		return req
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		req.call.Service = "ecr"
		// A foreign prefix leaves the whole target as the operation, which
		// is then answered as unknown.
		req.call.Operation = strings.TrimPrefix(target, ecrTargetPrefix)
		e.describeECRCall(req, body)
		return req
	}
	if r.Method == http.MethodPost && r.URL.Path == validationPath {
		describeAnalyzerCall(req, r, body)
		return req
	}
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("Action") != "" {
		req.call.Service = "sts"
		req.call.Operation = form.Get("Action")
		req.form = form
		describeSTSCall(req)
		return req
	}
	req.call.Service = "unknown"
	return req
}

// accessKeyID extracts the key ID from a SigV4 Authorization header.
func accessKeyID(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return strings.TrimSpace(id)
}

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// apiError is an error answer of either service.
type apiError struct {
	status  int
	code    string
	message string
}

func (a *apiError) Error() string { return a.code + ": " + a.message }

func errf(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// requestID returns a UUID-shaped ID, unique within this emulator.
func (e *Emulator) requestID() string {
	return fmt.Sprintf("ec7e0000-0000-4000-8000-%012x", e.reqID.Add(1))
}
