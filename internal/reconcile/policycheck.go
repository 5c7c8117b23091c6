package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// actionValidatePolicy is the IAM action of the policy check. It names no
// resource: it is granted on "*" (docs/iam/registry-checks-policy.json).
const actionValidatePolicy = "access-analyzer:ValidatePolicy"

// PolicyAnalyzer is IAM Access Analyzer's policy validation of a resource
// policy, in the repository's Region (us-east-1 for ECR Public):
// internal/reconcile/ecrsdk adapts the SDK's client to it. It returns
// every finding, following the service's pages, with at most one retry:
// the check must not use up the time the writes need.
type PolicyAnalyzer interface {
	ValidatePolicy(ctx context.Context, text string) ([]PolicyFinding, error)
}

// PolicyFinding is one finding of IAM Access Analyzer on a policy, as the
// service wrote it (shown only after showFinding bounds it).
type PolicyFinding struct {
	// Type is ERROR, SECURITY_WARNING, SUGGESTION or WARNING.
	Type                              string
	Details, IssueCode, LearnMoreLink string
	// Statement is the index of the statement the finding is located in,
	// when HasStatement says it is located in one.
	Statement    int
	HasStatement bool
}

// defaultPolicyCheckWithin bounds the policy check: the verdict waits this
// long at most, retries included, so that a slow or unreachable service
// delays the writes by seconds, not by the step's timeout.
const defaultPolicyCheckWithin = 5 * time.Second

// Bounds of what a finding shows: the service's text is shown as data,
// on one line and at most this long.
const (
	maxFindingChars = 400
	maxLinkChars    = 200
	maxIssueChars   = 64
)

// policyVerdict is IAM Access Analyzer's answer about the declared policy.
type policyVerdict struct {
	findings []PolicyFinding
	err      error
}

func (r *Reconciler) policyCheckWithin() time.Duration {
	if r.Options.PolicyCheckWithin > 0 {
		return r.Options.PolicyCheckWithin
	}
	return defaultPolicyCheckWithin
}

// startPolicyCheck sends the declared repository policy to IAM Access
// Analyzer when a run may write it (it is managed, not removed, and a
// client is configured), so that the call goes out with the first read
// round and its verdict is in before the first write at no extra round
// trip. It returns nil when nothing is sent, and a function that waits for
// the verdict otherwise; cancel ends a call nobody waits for.
func (r *Reconciler) startPolicyCheck(ctx context.Context, spec Spec) (wait func() policyVerdict, cancel func()) {
	d := spec.RepositoryPolicy
	if r.Options.Analyzer == nil || d == nil || d.Remove || spec.Absent {
		return nil, func() {}
	}
	ctx, cancel = context.WithTimeout(ctx, r.policyCheckWithin())
	done := make(chan struct{})
	var v policyVerdict
	go func() {
		defer close(done)
		v.findings, v.err = r.Options.Analyzer.ValidatePolicy(ctx, d.Text)
	}()
	return func() policyVerdict { <-done; return v }, cancel
}

// policyCheckNotes turns the verdict into notes, or into the refusal of
// the policy: an ERROR finding (and a SECURITY_WARNING one when
// Options.FailOnPolicySecurityWarning is set) refuses it before any
// write. Only a run that writes (in dry-run, would write) the policy
// waits for the verdict; a run that leaves the policy as it is shows
// nothing about it.
func (r *Reconciler) policyCheckNotes(spec Spec, st state, changes []Change) ([]Note, error) {
	if st.policyCheck == nil || !writesPolicy(changes) {
		return nil, nil
	}
	v := st.policyCheck()
	text := spec.RepositoryPolicy.Text
	if v.err != nil {
		return []Note{policyNotChecked(v.err, r.policyCheckWithin())}, nil
	}
	var notes []Note
	var refused []string
	for _, f := range v.findings {
		shown := showFinding(text, f)
		switch {
		case f.Type == string(aatypes.ValidatePolicyFindingTypeError),
			f.Type == string(aatypes.ValidatePolicyFindingTypeSecurityWarning) && r.Options.FailOnPolicySecurityWarning:
			refused = append(refused, f.Type+" "+shown)
		case f.Type == string(aatypes.ValidatePolicyFindingTypeSecurityWarning):
			notes = append(notes, Note{Setting: SettingRepositoryPolicy, Level: NoteWarning, Text: "IAM Access Analyzer security warning: " + shown})
		default:
			notes = append(notes, Note{Setting: SettingRepositoryPolicy, Level: NoteNotice, Text: fmt.Sprintf("IAM Access Analyzer %s: %s", strings.ToLower(f.Type), shown)})
		}
	}
	if len(refused) > 0 {
		return nil, &policyRefusedError{Findings: refused}
	}
	return notes, nil
}

// policyRefusedError is IAM Access Analyzer's refusal of the declared
// repository policy; nothing was written.
type policyRefusedError struct {
	// Findings are the refusing findings as shown: type, statement, text,
	// issue code and link.
	Findings []string
}

func (e *policyRefusedError) Error() string {
	return fmt.Sprintf("%s: IAM Access Analyzer refused the declared policy, so nothing was written: %s. Fix the policy and run again",
		SettingRepositoryPolicy, strings.Join(e.Findings, "; "))
}

// writesPolicy reports whether the run writes (in dry-run, would write)
// the repository policy.
func writesPolicy(changes []Change) bool {
	for _, c := range changes {
		if c.Setting == SettingRepositoryPolicy {
			return c.Action == ActionCreate || c.Action == ActionUpdate
		}
	}
	return false
}

// policyNotChecked is the notice for a check that could not be made: the
// run goes on with the local checks.
func policyNotChecked(err error, within time.Duration) Note {
	var why string
	switch {
	case isAccessDenied(err):
		why = fmt.Sprintf("access denied to %s. Add %s (Resource \"*\") to the role's IAM policy (docs/iam/registry-checks-policy.json) to have the run check it",
			actionValidatePolicy, actionValidatePolicy)
	case errors.Is(err, context.DeadlineExceeded):
		why = fmt.Sprintf("IAM Access Analyzer did not answer within %s", within)
	default:
		why = "IAM Access Analyzer could not be reached: " + oneLine(err.Error(), maxFindingChars)
	}
	return Note{Setting: SettingRepositoryPolicy, Level: NoteNotice, Text: "not checked: the declared repository policy with IAM Access Analyzer (" +
		actionValidatePolicy + "); the local checks passed and the run goes on. " + why}
}

// showFinding is one finding as the plan and errors show it: where, what,
// the issue code and the link. Every part came from the service: it is
// put on one line, bounded, and the link is shown only as an https URL.
func showFinding(text string, f PolicyFinding) string {
	var b strings.Builder
	if f.HasStatement {
		b.WriteString(policy.StatementNameIn(text, f.Statement) + ": ")
	}
	b.WriteString(oneLine(f.Details, maxFindingChars))
	if code := issueCode(f.IssueCode); code != "" {
		b.WriteString(" [" + code + "]")
	}
	if link := learnMoreLink(f.LearnMoreLink); link != "" {
		b.WriteString(" (see " + link + ")")
	}
	return b.String()
}

// oneLine replaces control characters (line breaks included) with spaces
// and cuts the text at n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// issueCode keeps an issue code that looks like one (UPPER_SNAKE_CASE).
func issueCode(s string) string {
	if s == "" || len(s) > maxIssueChars || strings.TrimFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' }) != "" {
		return ""
	}
	return s
}

// learnMoreLink keeps a link that is an https URL of bounded length.
func learnMoreLink(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || len(s) > maxLinkChars || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return ""
	}
	return s
}
