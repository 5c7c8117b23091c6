package emulator

import (
	"regexp"
	"strings"
)

// caller is the identity behind an access key.
type caller struct {
	account string
	arn     string
	userID  string
	session *session // nil for static keys
}

// callerOf resolves an access key: keys issued by AssumeRole* act as their
// role, any other key as the static user of the default account. expired
// reports a session key past its expiration.
func (e *Emulator) callerOf(keyID string) (who caller, expired bool) {
	e.mu.Lock()
	s := e.sessions[keyID]
	e.mu.Unlock()
	if s == nil {
		return caller{
			account: e.opts.AccountID,
			arn:     "arn:aws:iam::" + e.opts.AccountID + ":user/emulator",
			userID:  "AIDAEMULATOR0000USER",
		}, false
	}
	return caller{account: s.account, arn: s.arn(), userID: s.roleID + ":" + s.name, session: s},
		!e.now().Before(s.expires)
}

// Statement is one Allow statement of an identity-based IAM policy. Actions
// and Resources are IAM patterns: "*" matches any run of characters, "?" one
// character; actions compare without regard to case, resources with.
type Statement struct {
	Actions   []string
	Resources []string
}

// SetPolicy restricts callers to what the statements allow; any other ECR
// or STS call answers AccessDeniedException (ECR) or AccessDenied (STS), as
// IAM's implicit deny. nil allows everything. ECR calls are evaluated per
// resource as IAM does: the repository ARN for calls that name one (every
// name of a DescribeRepositories, the resourceArn of tag calls), and
// "arn:aws:ecr:REGION:ACCOUNT:repository/*" for a DescribeRepositories
// without names, which only a statement covering every repository allows.
// STS calls are evaluated on their action alone.
func (e *Emulator) SetPolicy(statements []Statement) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if statements == nil {
		e.policy = nil
		return
	}
	e.policy = make([]compiledStatement, 0, len(statements))
	for _, st := range statements {
		var c compiledStatement
		for _, a := range st.Actions {
			c.actions = append(c.actions, iamPattern(a, true))
		}
		for _, r := range st.Resources {
			c.resources = append(c.resources, iamPattern(r, false))
		}
		e.policy = append(e.policy, c)
	}
}

// SetAllowedActions allows the listed actions ("ecr:Op" / "sts:Op") on
// every resource, and nothing else. nil allows everything.
func (e *Emulator) SetAllowedActions(actions []string) {
	if actions == nil {
		e.SetPolicy(nil)
		return
	}
	e.SetPolicy([]Statement{{Actions: actions, Resources: []string{"*"}}})
}

type compiledStatement struct {
	actions, resources []*regexp.Regexp
}

// iamPattern compiles an IAM wildcard pattern.
func iamPattern(p string, foldCase bool) *regexp.Regexp {
	var b strings.Builder
	if foldCase {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// allows reports whether action is allowed on resource ("" = on any
// resource, for STS).
func (e *Emulator) allows(action, resource string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.policy == nil {
		return true
	}
	for _, st := range e.policy {
		if anyMatch(st.actions, action) && (resource == "" || anyMatch(st.resources, resource)) {
			return true
		}
	}
	return false
}

// PrincipalError is the form of ECR's refusal of a repository policy that
// names a principal IAM has not made visible yet.
type PrincipalError int

const (
	// PrincipalInvalidPolicy: InvalidParameterException "Invalid parameter
	// at 'PolicyText' failed to satisfy constraint: 'Invalid repository
	// policy provided'", ECR's long-standing answer.
	PrincipalInvalidPolicy PrincipalError = iota
	// PrincipalNotFound: InvalidParameterException "Invalid parameter at
	// 'PolicyText' failed to satisfy constraint: 'Principal not found'",
	// the newer form.
	PrincipalNotFound
)

// SetPendingPrincipal models IAM eventual consistency: a repository policy
// that names this principal ARN is rejected (in the PrincipalInvalidPolicy
// form) for the next failures SetRepositoryPolicy attempts; failures < 0 =
// the principal never appears, 0 = it exists now.
func (e *Emulator) SetPendingPrincipal(arn string, failures int) {
	e.SetPendingPrincipalAs(arn, failures, PrincipalInvalidPolicy)
}

// SetPendingPrincipalAs is SetPendingPrincipal with the refusal's form.
func (e *Emulator) SetPendingPrincipalAs(arn string, failures int, form PrincipalError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if failures == 0 {
		delete(e.pending, arn)
		return
	}
	e.pending[arn] = pendingPrincipal{failures: failures, form: form}
}

type pendingPrincipal struct {
	failures int // left; < 0 forever
	form     PrincipalError
}

// principalPending returns the refusal when any principal does not exist
// yet and counts the attempt; the caller holds e.mu.
func (e *Emulator) principalPending(principals []string) *apiError {
	var fail *apiError
	for _, p := range principals {
		pp, ok := e.pending[p]
		if !ok {
			continue
		}
		if fail == nil {
			fail = invalidPolicy()
			if pp.form == PrincipalNotFound {
				fail = invalidParam("PolicyText", "Principal not found")
			}
		}
		switch {
		case pp.failures == 1:
			delete(e.pending, p)
		case pp.failures > 1:
			pp.failures--
			e.pending[p] = pp
		}
	}
	return fail
}
