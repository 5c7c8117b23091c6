package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// ActionValidatePolicy is the IAM action of the policy check. It names no
// resource: it is granted on "*" (docs/iam/registry-checks-policy.json).
const ActionValidatePolicy = "access-analyzer:ValidatePolicy"

// PolicyAnalyzer is IAM Access Analyzer's policy validation; the SDK's
// client has it. The client is for the repository's Region (us-east-1 for
// ECR Public).
type PolicyAnalyzer interface {
	ValidatePolicy(context.Context, *accessanalyzer.ValidatePolicyInput, ...func(*accessanalyzer.Options)) (*accessanalyzer.ValidatePolicyOutput, error)
}

var _ PolicyAnalyzer = (*accessanalyzer.Client)(nil)

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
	findings []aatypes.ValidatePolicyFinding
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
		v = validatePolicy(ctx, r.Options.Analyzer, d.Text)
	}()
	return func() policyVerdict { <-done; return v }, cancel
}

// validatePolicy asks for every finding on text, following nextToken. At
// most one retry: the check must not use up the time the writes need.
func validatePolicy(ctx context.Context, api PolicyAnalyzer, text string) policyVerdict {
	p := accessanalyzer.NewValidatePolicyPaginator(api, &accessanalyzer.ValidatePolicyInput{
		PolicyDocument: aws.String(text),
		PolicyType:     aatypes.PolicyTypeResourcePolicy,
		// ValidatePolicyResourceType is left out: its values (S3, DynamoDB,
		// role trust policies) have none for an ECR repository, and the
		// general resource policy checks apply without it.
	})
	var v policyVerdict
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, func(o *accessanalyzer.Options) { o.RetryMaxAttempts = 2 })
		if err != nil {
			return policyVerdict{err: err}
		}
		v.findings = append(v.findings, out.Findings...)
	}
	return v
}

// policyCheckNotes turns the verdict into notes, or into the refusal of
// the policy: an ERROR finding (and a SECURITY_WARNING one when
// Options.FailOnPolicySecurityWarning is set) refuses it before any
// write. Only a run that writes (in dry-run, would write) the policy
// waits for the verdict; a run that leaves the policy as it is shows
// nothing about it.
func (r *Reconciler) policyCheckNotes(spec Spec, st State, changes []Change) ([]Note, error) {
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
		case f.FindingType == aatypes.ValidatePolicyFindingTypeError,
			f.FindingType == aatypes.ValidatePolicyFindingTypeSecurityWarning && r.Options.FailOnPolicySecurityWarning:
			refused = append(refused, string(f.FindingType)+" "+shown)
		case f.FindingType == aatypes.ValidatePolicyFindingTypeSecurityWarning:
			notes = append(notes, Note{Setting: SettingRepositoryPolicy, Level: NoteWarning, Text: "IAM Access Analyzer security warning: " + shown})
		default:
			notes = append(notes, Note{Setting: SettingRepositoryPolicy, Level: NoteNotice, Text: fmt.Sprintf("IAM Access Analyzer %s: %s", strings.ToLower(string(f.FindingType)), shown)})
		}
	}
	if len(refused) > 0 {
		return nil, &PolicyRefusedError{Findings: refused}
	}
	return notes, nil
}

// PolicyRefusedError is IAM Access Analyzer's refusal of the declared
// repository policy; nothing was written.
type PolicyRefusedError struct {
	// Findings are the refusing findings as shown: type, statement, text,
	// issue code and link.
	Findings []string
}

func (e *PolicyRefusedError) Error() string {
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
			ActionValidatePolicy, ActionValidatePolicy)
	case errors.Is(err, context.DeadlineExceeded):
		why = fmt.Sprintf("IAM Access Analyzer did not answer within %s", within)
	default:
		why = "IAM Access Analyzer could not be reached: " + oneLine(err.Error(), maxFindingChars)
	}
	return Note{Setting: SettingRepositoryPolicy, Level: NoteNotice, Text: "not checked: the declared repository policy with IAM Access Analyzer (" +
		ActionValidatePolicy + "); the local checks passed and the run goes on. " + why}
}

// showFinding is one finding as the plan and errors show it: where, what,
// the issue code and the link. Every part came from the service: it is
// put on one line, bounded, and the link is shown only as an https URL.
func showFinding(text string, f aatypes.ValidatePolicyFinding) string {
	var b strings.Builder
	if i, ok := statementIndex(f.Locations); ok {
		b.WriteString(policy.StatementNameIn(text, i) + ": ")
	}
	b.WriteString(oneLine(aws.ToString(f.FindingDetails), maxFindingChars))
	if code := issueCode(aws.ToString(f.IssueCode)); code != "" {
		b.WriteString(" [" + code + "]")
	}
	if link := learnMoreLink(aws.ToString(f.LearnMoreLink)); link != "" {
		b.WriteString(" (see " + link + ")")
	}
	return b.String()
}

// statementIndex is the statement a finding is located in: the first
// location whose path starts at Statement, then an index (a policy whose
// Statement is one object has no index: statement 0).
func statementIndex(locs []aatypes.Location) (int, bool) {
	for _, l := range locs {
		if len(l.Path) == 0 {
			continue
		}
		if k, ok := l.Path[0].(*aatypes.PathElementMemberValue); !ok || k.Value != "Statement" {
			continue
		}
		if len(l.Path) > 1 {
			if i, ok := l.Path[1].(*aatypes.PathElementMemberIndex); ok {
				return int(i.Value), true
			}
		}
		return 0, true
	}
	return 0, false
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
