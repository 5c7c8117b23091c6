package awsauth

import "strings"

const (
	envRunID      = "GITHUB_RUN_ID"
	envRunAttempt = "GITHUB_RUN_ATTEMPT"

	sessionNamePrefix = "ecr-reconcile"
	sessionNameMin    = 2
	sessionNameMax    = 64
)

// sessionName is the name sent to STS: the given one, or one derived from
// the workflow run, sanitised either way.
func sessionName(given string, getenv func(string) string) string {
	if strings.TrimSpace(given) == "" {
		return DefaultSessionName(getenv)
	}
	return SanitizeSessionName(given)
}

// DefaultSessionName derives a role session name from the workflow run:
// "ecr-reconcile-<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>" (attempt omitted when
// unset), or "ecr-reconcile" outside GitHub Actions. The result is sanitised
// with SanitizeSessionName.
func DefaultSessionName(getenv func(string) string) string {
	if getenv == nil {
		return sessionNamePrefix
	}
	name := sessionNamePrefix
	if id := strings.TrimSpace(getenv(envRunID)); id != "" {
		name += "-" + id
		if attempt := strings.TrimSpace(getenv(envRunAttempt)); attempt != "" {
			name += "-" + attempt
		}
	}
	return SanitizeSessionName(name)
}

// SanitizeSessionName makes name acceptable to STS as a RoleSessionName
// (2 to 64 characters of [A-Za-z0-9_+=,.@-]): every other character is
// replaced by '-', the result is truncated to 64 characters, and a result
// shorter than 2 characters is prefixed with "ecr-reconcile-". It is the
// project's only sanitiser; the role-session-name input is validated (not
// changed) by inputs.
func SanitizeSessionName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= sessionNameMax {
			break
		}
		if isSessionNameChar(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) < sessionNameMin {
		s = sessionNamePrefix + "-" + s
		s = strings.TrimSuffix(s, "-")
	}
	return s
}

func isSessionNameChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("_+=,.@-", r)
}
