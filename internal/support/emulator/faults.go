package emulator

import (
	"net"
	"net/http"
	"time"
)

// FaultKind selects what an injected fault does.
type FaultKind int

// Fault kinds. Error codes are ECR's; STS answers the same faults with its
// own codes (Throttling, InternalFailure, ServiceUnavailable).
const (
	FaultThrottle    FaultKind = iota // 400 ThrottlingException "Rate exceeded"
	FaultServerError                  // 500 ServerException
	FaultUnavailable                  // 503 ServiceUnavailableException
	FaultReset                        // hijack the connection and close it without a response (connection reset mid-request)
	FaultHang                         // never answer until the request context ends
	FaultLatency                      // sleep Delay then serve normally
	FaultError                        // respond with Status (default 400), Code and Message given in the rule
)

// FaultRule describes when and how to fail requests.
type FaultRule struct {
	Operation string // "" matches any operation (ECR or STS)
	Kind      FaultKind
	Every     int // fire on every Nth matching call (1 or 0 = every matching call)
	Times     int // fire at most this many times in total (0 = unlimited)
	After     int // skip the first After matching calls
	// PerRequest caps how often the rule fails one SDK operation call (its
	// retries share the amz-sdk-invocation-id header); 0 = no cap. With
	// concurrent clients a global Every can otherwise land on the same
	// request's retries again and again, which makes a test that expects
	// retries to succeed depend on scheduling.
	PerRequest    int
	Delay         time.Duration
	Status        int
	Code, Message string
}

type faultState struct {
	rule  FaultRule
	seen  int // matching calls so far
	fired int
	perID map[string]int // fired count per invocation ID, when PerRequest > 0
}

// AddFault appends a rule. Rules are checked in order for each request; the
// first that fires wins and later rules do not see the request.
func (e *Emulator) AddFault(r FaultRule) {
	e.mu.Lock()
	e.faults = append(e.faults, &faultState{rule: r})
	e.mu.Unlock()
}

// ClearFaults removes all rules.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	e.faults = nil
	e.mu.Unlock()
}

// matchFault counts the call against each matching rule in order and returns
// the first rule that fires.
func (e *Emulator) matchFault(op, invocationID string) (FaultRule, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.faults {
		if f.rule.Operation != "" && f.rule.Operation != op {
			continue
		}
		f.seen++
		n := f.seen - f.rule.After
		every := max(f.rule.Every, 1)
		if n < 1 || n%every != 0 || (f.rule.Times > 0 && f.fired >= f.rule.Times) {
			continue
		}
		if f.rule.PerRequest > 0 {
			if f.perID == nil {
				f.perID = map[string]int{}
			}
			if f.perID[invocationID] >= f.rule.PerRequest {
				continue
			}
			f.perID[invocationID]++
		}
		f.fired++
		return f.rule, true
	}
	return FaultRule{}, false
}

// applyFault acts out rule and reports whether the request is finished.
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, req *request, rule FaultRule) bool {
	sts := req.call.Service == "sts"
	var fail *apiError
	switch rule.Kind {
	case FaultThrottle:
		fail = errf(http.StatusBadRequest, pick(sts, "Throttling", "ThrottlingException"), "Rate exceeded")
	case FaultServerError:
		fail = errf(http.StatusInternalServerError, pick(sts, "InternalFailure", "ServerException"), "An internal error occurred")
	case FaultUnavailable:
		fail = errf(http.StatusServiceUnavailable, pick(sts, "ServiceUnavailable", "ServiceUnavailableException"), "Service unavailable")
	case FaultReset:
		req.code = CodeConnectionReset
		e.finish(req) // before the client can see the reset; resetConnection may panic
		resetConnection(w)
		return true
	case FaultHang:
		<-r.Context().Done()
		req.code = CodeNoResponse
		return true
	case FaultLatency:
		if !sleep(r.Context(), rule.Delay) {
			req.code = CodeNoResponse
			return true
		}
		return false
	case FaultError:
		status := rule.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		msg := rule.Message
		if msg == "" {
			msg = rule.Code
		}
		fail = errf(status, rule.Code, msg)
	default:
		return false
	}
	switch {
	case sts:
		e.writeSTSError(w, req, fail)
	case req.call.Service == analyzerService:
		e.writeAnalyzerError(w, req, fail)
	default:
		e.writeECRError(w, req, fail)
	}
	return true
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// resetConnection drops the TCP connection without an HTTP response. A zero
// linger makes the kernel send RST rather than FIN, like a real reset.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Not hijackable (e.g. HTTP/2): let net/http abort the stream.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn() // unwrap TLS
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
