package emulator

import "strings"

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

// SetAllowedActions restricts callers to the listed actions ("ecr:Op",
// "ecr-public:Op", "sts:Op", or a whole service as "ecr-public:*", or "*"),
// as an identity policy's Action list does; any other action answers
// AccessDeniedException (ECR, ECR Public) or AccessDenied (STS). Action names
// compare case-insensitively, as IAM's do. nil allows everything.
func (e *Emulator) SetAllowedActions(actions []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if actions == nil {
		e.allowed = nil
		return
	}
	e.allowed = make(map[string]bool, len(actions))
	for _, a := range actions {
		e.allowed[strings.ToLower(a)] = true
	}
}

func (e *Emulator) allows(action string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.allowed == nil {
		return true
	}
	action = strings.ToLower(action)
	service, _, _ := strings.Cut(action, ":")
	return e.allowed[action] || e.allowed[service+":*"] || e.allowed["*"]
}

// SetPendingPrincipal models IAM eventual consistency: a repository policy
// that names this principal ARN is rejected with InvalidParameterException
// "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid
// repository policy provided'" for the next failures SetRepositoryPolicy
// attempts; failures < 0 = the principal never appears, 0 = it exists now.
func (e *Emulator) SetPendingPrincipal(arn string, failures int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if failures == 0 {
		delete(e.pending, arn)
		return
	}
	e.pending[arn] = failures
}

// principalPending reports whether any principal does not exist yet and
// counts the attempt; the caller holds e.mu.
func (e *Emulator) principalPending(principals []string) bool {
	hit := false
	for _, p := range principals {
		n, ok := e.pending[p]
		if !ok {
			continue
		}
		hit = true
		switch {
		case n == 1:
			delete(e.pending, p)
		case n > 1:
			e.pending[p] = n - 1
		}
	}
	return hit
}
