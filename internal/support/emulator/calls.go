package emulator

import (
	"maps"
	"strings"
	"time"
)

// Call is one request served, as recorded in the call log.
type Call struct {
	Service     string            // "ecr", "ecr-public", "sts" or "access-analyzer" ("unknown" when none)
	Operation   string            // "DescribeRepositories", "AssumeRoleWithWebIdentity", ...
	AccessKeyID string            // from the Authorization header ("" if unsigned)
	Region      string            // from the credential scope of the Authorization header (the default Region if unsigned)
	Repository  string            // repository name the call targets, when there is one (first name for batch describe; derived from resourceArn for tag calls)
	Params      map[string]string // notable parameters: for STS RoleArn, RoleSessionName, ExternalId, DurationSeconds, WebIdentityToken; for ECR registryId (and force on DeleteRepository)
	// Status is the HTTP status sent; 0 while the call is in flight or when
	// no response was sent (FaultReset, FaultHang, client gone).
	Status int
	// ErrorCode is e.g. "ThrottlingException", "" on success. Calls without a
	// response carry CodeConnectionReset or CodeNoResponse.
	ErrorCode string
	// Received is when the request was read; Answered when its outcome was
	// stored, just before the response (zero while in flight). The
	// benchmark counts sequential round trips from them.
	Received, Answered time.Time
}

// Error codes recorded for calls that never got an HTTP response.
const (
	CodeConnectionReset = "ConnectionReset" // FaultReset closed the connection
	CodeNoResponse      = "NoResponse"      // the request context ended first
)

// ecrWrites are the writes whose read-after-create lag the emulator models
// (Options.InvisibleWritesAfterCreate); IsWrite, not this list, says what
// counts as a write.
var ecrWrites = map[string]bool{
	"CreateRepository":              true,
	"SetRepositoryPolicy":           true,
	"DeleteRepositoryPolicy":        true,
	"PutLifecyclePolicy":            true,
	"DeleteLifecyclePolicy":         true,
	"TagResource":                   true,
	"UntagResource":                 true,
	"PutImageTagMutability":         true,
	"PutImageScanningConfiguration": true,
	"DeleteRepository":              true,
	// Registry-level settings. StartLifecyclePolicyPreview is not a write:
	// it changes no setting and no image, and dry-run calls it.
	"PutRegistryScanningConfiguration": true,
	"CreateRepositoryCreationTemplate": true,
	"UpdateRepositoryCreationTemplate": true,
	"DeleteRepositoryCreationTemplate": true,
}

// readPrefixes are the ECR operation name prefixes that never change
// anything; every other ECR operation counts as a write.
var readPrefixes = []string{"Describe", "Get", "List", "BatchGet", "BatchCheck"}

// readOps are ECR operations that change nothing although their names do
// not say so: a lifecycle policy preview changes no setting and no image,
// and dry-run starts one.
var readOps = map[string]bool{"StartLifecyclePolicyPreview": true}

// IsWrite is the project's one definition of a write call, used by the
// emulator's call log, the end-to-end proxy and the benchmark: an ECR or ECR
// Public operation that is not a read (by its name, so that a new write operation
// is counted without being listed), or a request for an unknown service, so
// that a zero-write assertion cannot pass over something unrecognised. STS
// calls never write.
func IsWrite(service, operation string) bool {
	switch service {
	case "sts", analyzerService:
		// Neither changes anything: STS issues credentials, Access
		// Analyzer's ValidatePolicy only reads the policy it is sent.
		return false
	case "ecr", "ecr-public":
		if readOps[operation] {
			return false
		}
		for _, p := range readPrefixes {
			if strings.HasPrefix(operation, p) {
				return false
			}
		}
	}
	return true
}

// IsWrite reports whether the call is a write (see the function IsWrite).
func (c Call) IsWrite() bool { return IsWrite(c.Service, c.Operation) }

func (e *Emulator) record(c *Call) {
	c.Received = time.Now()
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.mu.Unlock()
}

// finish stores the outcome; the entry was logged on arrival so that the log
// keeps arrival order and shows calls still in flight. Responses call it
// before the first byte goes out, so a client that has its answer always
// finds it in the log; ServeHTTP calls it again, harmlessly, for calls that
// end without one.
func (e *Emulator) finish(req *request) {
	e.mu.Lock()
	req.call.Status = req.status
	req.call.ErrorCode = req.code
	if req.call.Answered.IsZero() {
		req.call.Answered = time.Now()
	}
	e.mu.Unlock()
}

// Calls returns a copy of the call log, in arrival order.
func (e *Emulator) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Call, len(e.calls))
	for i, c := range e.calls {
		out[i] = c.clone()
	}
	return out
}

// ResetCalls empties the call log.
func (e *Emulator) ResetCalls() {
	e.mu.Lock()
	e.calls = nil
	e.mu.Unlock()
}

// Count returns how many calls to operation were received, whatever their outcome.
func (e *Emulator) Count(operation string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.calls {
		if c.Operation == operation {
			n++
		}
	}
	return n
}

// Writes returns the logged calls to mutating ECR and ECR Public
// operations, failed or not.
func (e *Emulator) Writes() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Call
	for _, c := range e.calls {
		if c.IsWrite() {
			out = append(out, c.clone())
		}
	}
	return out
}

func (c *Call) clone() Call {
	out := *c
	out.Params = maps.Clone(c.Params)
	return out
}
