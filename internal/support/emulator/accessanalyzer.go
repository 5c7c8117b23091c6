package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// IAM Access Analyzer's ValidatePolicy (restJson1: POST /policy/validation),
// served on the same endpoint as the other services, told apart by its
// path. It makes a few of the service's own checks of a resource policy
// (a missing Version, an action its service does not have, a principal
// that is not a valid ARN) and returns the findings a test sets on top.

const (
	analyzerService  = "access-analyzer"
	validatePolicyOp = "ValidatePolicy"
	validationPath   = "/policy/validation"
	// analyzerLearnMore is where IAM documents its policy checks.
	analyzerLearnMore = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)

// Finding types of ValidatePolicy.
const (
	FindingError           = "ERROR"
	FindingSecurityWarning = "SECURITY_WARNING"
	FindingWarning         = "WARNING"
	FindingSuggestion      = "SUGGESTION"
)

// PolicyFinding is a finding that SetPolicyFindings adds to every
// ValidatePolicy answer.
type PolicyFinding struct {
	Type, IssueCode, Details, LearnMoreLink string
	// Statement is the index of the statement the finding is located in;
	// -1 locates it at the policy as a whole.
	Statement int
}

// SetPolicyFindings makes every ValidatePolicy answer carry these findings
// after the emulator's own; nil removes them.
func (e *Emulator) SetPolicyFindings(findings []PolicyFinding) {
	e.mu.Lock()
	e.extraFindings = slices.Clone(findings)
	e.mu.Unlock()
}

// describeAnalyzerCall records a ValidatePolicy call; Params "policy" is a
// digest of the policy document, so tests can count distinct policies.
func describeAnalyzerCall(req *request, r *http.Request, body []byte) {
	req.call.Service = analyzerService
	req.call.Operation = validatePolicyOp
	req.analyzer = &analyzerInput{maxResults: r.URL.Query().Get("maxResults"), nextToken: r.URL.Query().Get("nextToken")}
	if err := json.Unmarshal(body, &req.analyzer.body); err != nil {
		req.analyzer.bad = true
	}
	sum := sha256.Sum256([]byte(req.analyzer.body.PolicyDocument))
	req.call.Params = map[string]string{"policy": hex.EncodeToString(sum[:8]), "policyType": req.analyzer.body.PolicyType}
}

type analyzerInput struct {
	body struct {
		PolicyDocument             string `json:"policyDocument"`
		PolicyType                 string `json:"policyType"`
		Locale                     string `json:"locale"`
		ValidatePolicyResourceType string `json:"validatePolicyResourceType"`
	}
	maxResults, nextToken string
	bad                   bool
}

type wireFinding struct {
	FindingDetails string         `json:"findingDetails"`
	FindingType    string         `json:"findingType"`
	IssueCode      string         `json:"issueCode"`
	LearnMoreLink  string         `json:"learnMoreLink"`
	Locations      []wireLocation `json:"locations"`
}

type wireLocation struct {
	Path []map[string]any `json:"path"`
	Span wireSpan         `json:"span"`
}

type wireSpan struct {
	Start wirePosition `json:"start"`
	End   wirePosition `json:"end"`
}

type wirePosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func (e *Emulator) serveAnalyzer(w http.ResponseWriter, req *request) {
	in := req.analyzer
	if !e.allows(analyzerService+":"+validatePolicyOp, "") {
		e.writeAnalyzerError(w, req, errf(http.StatusForbidden, "AccessDeniedException",
			"User: arn:aws:iam::"+e.opts.AccountID+":user/emulator is not authorized to perform: access-analyzer:ValidatePolicy on resource: arn:aws:access-analyzer:"+req.call.Region+":"+e.opts.AccountID+":*"))
		return
	}
	switch {
	case in.bad:
		e.writeAnalyzerError(w, req, errf(http.StatusBadRequest, "ValidationException", "Invalid request body"))
		return
	case in.body.PolicyDocument == "":
		e.writeAnalyzerError(w, req, errf(http.StatusBadRequest, "ValidationException", "policyDocument is required"))
		return
	case !slices.Contains([]string{"IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}, in.body.PolicyType):
		e.writeAnalyzerError(w, req, errf(http.StatusBadRequest, "ValidationException", "Invalid policyType"))
		return
	}
	findings := checkPolicy(in.body.PolicyDocument)
	e.mu.Lock()
	extra := slices.Clone(e.extraFindings)
	e.mu.Unlock()
	for _, f := range extra {
		path := []map[string]any{}
		if f.Statement >= 0 {
			path = []map[string]any{{"value": "Statement"}, {"index": f.Statement}}
		}
		link := f.LearnMoreLink
		if link == "" {
			link = analyzerLearnMore
		}
		findings = append(findings, wireFinding{f.Details, f.Type, f.IssueCode, link, []wireLocation{{Path: path, Span: spanOf(in.body.PolicyDocument, "")}}})
	}
	// Pages of maxResults (default: all), the token being the index of
	// the next finding.
	start, _ := strconv.Atoi(in.nextToken)
	start = min(max(start, 0), len(findings))
	end := len(findings)
	if n, err := strconv.Atoi(in.maxResults); err == nil && n > 0 {
		end = min(start+n, end)
	}
	out := struct {
		Findings  []wireFinding `json:"findings"`
		NextToken string        `json:"nextToken,omitempty"`
	}{Findings: findings[start:end]}
	if end < len(findings) {
		out.NextToken = strconv.Itoa(end)
	}
	body, _ := json.Marshal(out)
	e.writeAnalyzer(w, req, http.StatusOK, body)
}

func (e *Emulator) writeAnalyzerError(w http.ResponseWriter, req *request, fail *apiError) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{fail.message})
	w.Header().Set("X-Amzn-Errortype", fail.code)
	req.code = fail.code
	e.writeAnalyzer(w, req, fail.status, body)
}

func (e *Emulator) writeAnalyzer(w http.ResponseWriter, req *request, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", e.requestID())
	req.status = status
	e.finish(req)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// checkPolicy makes the emulator's own checks.
func checkPolicy(text string) []wireFinding {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	if err := dec.Decode(&doc); err != nil {
		return []wireFinding{{"The policy is not valid JSON: " + err.Error(), FindingError, "JSON_SYNTAX_ERROR", analyzerLearnMore,
			[]wireLocation{{Path: []map[string]any{}, Span: spanOf(text, "")}}}}
	}
	var out []wireFinding
	if _, ok := doc["Version"]; !ok {
		out = append(out, wireFinding{"We recommend that you specify the Version element to help you with debugging permission issues.",
			FindingWarning, "MISSING_VERSION", analyzerLearnMore, []wireLocation{{Path: []map[string]any{}, Span: spanOf(text, "")}}})
	}
	var stmts []any
	switch s := doc["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	}
	for i, it := range stmts {
		st, _ := it.(map[string]any)
		for j, a := range listOf(st["Action"]) {
			if known(a) {
				continue
			}
			out = append(out, wireFinding{fmt.Sprintf("The action %s does not exist.", a), FindingError, "INVALID_ACTION", analyzerLearnMore,
				[]wireLocation{{Path: []map[string]any{{"value": "Statement"}, {"index": i}, {"value": "Action"}, {"index": j}}, Span: spanOf(text, a)}}})
		}
		p, _ := st["Principal"].(map[string]any)
		for j, id := range listOf(p["AWS"]) {
			if id == "*" || ecrspec.IsAccountID(id) || iamPrincipal.MatchString(id) {
				continue
			}
			out = append(out, wireFinding{fmt.Sprintf("The principal %s is not a valid ARN or account ID.", id), FindingError, "INVALID_ARN_PRINCIPAL", analyzerLearnMore,
				[]wireLocation{{Path: []map[string]any{{"value": "Statement"}, {"index": i}, {"value": "Principal"}, {"key": "AWS"}, {"index": j}}, Span: spanOf(text, id)}}})
		}
	}
	return out
}

// known reports whether an action exists: "*", or a name of ECR or ECR
// Public, wildcards matched as IAM matches them.
func known(action string) bool {
	if action == "*" {
		return true
	}
	prefix, name, ok := strings.Cut(action, ":")
	var names []string
	switch {
	case !ok:
		return false
	case strings.EqualFold(prefix, "ecr"):
		names = ecrspec.Actions
	case strings.EqualFold(prefix, "ecr-public"):
		names = ecrspec.PublicOperations
	default:
		return false
	}
	re := iamPattern(name, true)
	return slices.ContainsFunc(names, re.MatchString)
}

func listOf(v any) []string {
	switch s := v.(type) {
	case string:
		return []string{s}
	case []any:
		var out []string
		for _, it := range s {
			if str, ok := it.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// spanOf locates the first occurrence of a literal in the policy (the
// whole policy for ""), as the service's spans do.
func spanOf(text, literal string) wireSpan {
	start, end := 0, len(text)
	if literal != "" {
		if i := strings.Index(text, literal); i >= 0 {
			start, end = i, i+len(literal)
		}
	}
	pos := func(off int) wirePosition {
		line := 1 + strings.Count(text[:off], "\n")
		return wirePosition{Line: line, Column: off - (strings.LastIndex(text[:off], "\n") + 1), Offset: off}
	}
	return wireSpan{pos(start), pos(end)}
}
