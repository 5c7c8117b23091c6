package emulator

import (
	"regexp"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// ECR refuses a repository policy that IAM's grammar rejects with the same
// InvalidParameterException it answers while a new principal propagates:
// a principal of a shape IAM does not have (a wildcard inside an ARN, a
// group, another service's ARN), an ecr: action ECR does not have, or a
// condition operator IAM does not know. The emulator's own model of that
// grammar, apart from the action's validator.

var (
	// iamPrincipal: an account's root, a user, a role, a role session or a
	// federated user session, in any partition.
	iamPrincipal = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?:(?:iam::` + ecrspec.RegistryIDPattern +
		`:(?:root|(?:user|role)/[\w+=,.@/-]+)|sts::` + ecrspec.RegistryIDPattern + `:(?:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+))$`)
	serviceName = regexp.MustCompile(`^[a-z0-9-]+(?:\.[a-z0-9-]+)+$`)
	// conditionOp: IAM's operators, with the set prefixes and IfExists.
	conditionOp = regexp.MustCompile(`(?i)^(?:ForAnyValue:|ForAllValues:)?(?:(?:String(?:Not)?Equals(?:IgnoreCase)?|String(?:Not)?Like|` +
		`Numeric(?:Not)?Equals|Numeric(?:Less|Greater)Than(?:Equals)?|Date(?:Not)?Equals|Date(?:Less|Greater)Than(?:Equals)?|` +
		`Bool|BinaryEquals|(?:Not)?IpAddress|Arn(?:Not)?(?:Equals|Like))(?:IfExists)?|Null)$`)
)

// grammatical reports whether a statement's principals, ecr: actions and
// condition operators are ones IAM and ECR know.
func grammatical(st map[string]any) bool {
	for _, key := range []string{"Principal", "NotPrincipal"} {
		p, ok := st[key].(map[string]any)
		if !ok {
			continue
		}
		for kind, v := range p {
			ids, _, _ := stringOrList(v)
			for _, id := range ids {
				if !principalOK(kind, id) {
					return false
				}
			}
		}
	}
	for _, key := range []string{"Action", "NotAction"} {
		actions, _, _ := stringOrList(st[key])
		for _, a := range actions {
			if prefix, name, ok := strings.Cut(a, ":"); ok && strings.EqualFold(prefix, "ecr") && !ecrActionExists(name) {
				return false
			}
		}
	}
	if cond, ok := st["Condition"].(map[string]any); ok {
		for op := range cond {
			if !conditionOp.MatchString(op) {
				return false
			}
		}
	}
	return true
}

func principalOK(kind, id string) bool {
	if id == "*" {
		return kind == "AWS"
	}
	if strings.ContainsAny(id, "*?") {
		return false
	}
	switch kind {
	case "AWS":
		return ecrspec.IsAccountID(id) || iamPrincipal.MatchString(id)
	case "Service":
		return serviceName.MatchString(id)
	}
	return true
}

// ecrActionExists matches an action name, which may hold * and ?, against
// ECR's IAM actions, case-insensitively as IAM does.
func ecrActionExists(name string) bool {
	re, err := regexp.Compile(`(?i)^` + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(name)) + `$`)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(ecrspec.Actions, re.MatchString)
}
