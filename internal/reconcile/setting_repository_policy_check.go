package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// actionValidatePolicy is the IAM action of the policy check. It names no
// resource: it is granted on "*" (docs/iam/registry-checks-policy.json).
const actionValidatePolicy = "access-analyzer:ValidatePolicy"

// PolicyAnalyzer is IAM Access Analyzer's policy validation of a resource
// policy, in the repository's Region (us-east-1 for ECR Public):
// internal/reconcile/ecrsdk adapts the SDK's client to it, with at most one
// retry a page: the check must not use up the time the writes need.
type PolicyAnalyzer interface {
	// ValidatePolicy returns one page of findings on text, the policy as
	// a resource policy, and the next page's token ("" after the last).
	ValidatePolicy(ctx context.Context, text, nextToken string) (findings []PolicyFinding, next string, err error)
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
	// maxFindings are shown at most; a note counts the rest.
	maxFindings = 20
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
		// A panic fails the check, which is then not made, rather than
		// the process.
		if err := safely(func() error { v = validatePolicy(ctx, r.Options.Analyzer, d.Text); return nil }); err != nil {
			v = policyVerdict{err: err}
		}
	}()
	return func() policyVerdict { <-done; return v }, cancel
}

// validatePolicy asks for every finding on text, following nextToken (a
// token seen before ends the check: pageTokens).
func validatePolicy(ctx context.Context, api PolicyAnalyzer, text string) policyVerdict {
	var v policyVerdict
	var seen pageTokens
	token := ""
	for {
		findings, next, err := api.ValidatePolicy(ctx, text, token)
		if err != nil {
			return policyVerdict{err: err}
		}
		v.findings = append(v.findings, findings...)
		switch {
		case seen.repeated(next):
			return policyVerdict{err: seen.endless(actionValidatePolicy)}
		case next == "":
			return v
		}
		token = next
	}
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
		why := policyNotCheckedWhy(v.err, r.policyCheckWithin())
		if r.Options.FailOnPolicySecurityWarning {
			// Strictness asked for and no verdict: the policy is refused
			// rather than written unchecked.
			return nil, &policyNotCheckedError{Why: why}
		}
		return []Note{{Setting: SettingRepositoryPolicy, Level: NoteNotice, Text: "not checked: the declared repository policy with IAM Access Analyzer (" +
			actionValidatePolicy + "); the local checks passed and the run goes on. " + why}}, nil
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
	// The first maxFindings are shown, and the number of the others.
	if n := len(refused) - maxFindings; n > 0 {
		refused = append(refused[:maxFindings], fmt.Sprintf("and %d more finding(s)", n))
	}
	if len(refused) > 0 {
		return nil, &policyRefusedError{Findings: refused}
	}
	if n := len(notes) - maxFindings; n > 0 {
		notes = append(notes[:maxFindings], Note{Setting: SettingRepositoryPolicy, Level: NoteNotice,
			Text: fmt.Sprintf("IAM Access Analyzer: and %d more finding(s), not shown", n)})
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

// policyNotCheckedError refuses the declared repository policy when the
// run was asked to fail on IAM Access Analyzer's security warnings and the
// check could not be made: without a verdict, a policy that might carry
// one is not written. Nothing was written.
type policyNotCheckedError struct {
	// Why the check was not made, and the fix.
	Why string
}

func (e *policyNotCheckedError) Error() string {
	return fmt.Sprintf("%s: the declared policy could not be checked with IAM Access Analyzer (%s) and %v is true, so the policy is refused and nothing was written. %s. "+
		"Or set %v: false to write it with the local checks only",
		SettingRepositoryPolicy, actionValidatePolicy, inputref.FailOnPolicySecurityWarning, e.Why, inputref.FailOnPolicySecurityWarning)
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

// policyNotCheckedWhy says why a check could not be made, and what to do.
func policyNotCheckedWhy(err error, within time.Duration) string {
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
	return why
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

// learnMoreLink keeps a link to AWS's documentation (an https URL on one
// of docsHosts, of bounded length); a link anywhere else, which the plan
// would show as AWS's advice, is dropped.
func learnMoreLink(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || !slices.Contains(docsHosts, u.Host) || u.User != nil ||
		len(s) > maxLinkChars || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return ""
	}
	return s
}

// docsHosts are the hosts of AWS's documentation: the global one and the
// China Regions' (amazonaws.cn).
var docsHosts = []string{"docs.aws.amazon.com", "docs.amazonaws.cn"}
