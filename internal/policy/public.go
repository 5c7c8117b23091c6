package policy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// NarrowingConditionKeys are the global condition keys that, compared
// with a positive operator, narrow a statement whose principal is every
// AWS account down to callers the policy's owner chooses: an organisation
// or an organisational unit, an account, a principal, or the resource or
// network a request comes from. aws:SourceIp is not one: an address range
// says nothing about whose request it is. The list is the one home of the
// rule; the public-principal guard and its error read it.
var NarrowingConditionKeys = []string{
	"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
	"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths",
	"aws:SourceVpc", "aws:SourceVpce",
}

// orgConditionSnippet is the condition the error proposes: the one that
// keeps a repository shared with a whole organisation and nobody else.
const orgConditionSnippet = `"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-xxxxxxxxxx"}}`

// ErrPublicPolicy is wrapped by CheckPublicPrincipals' error.
var ErrPublicPolicy = errors.New("the policy makes the repository public")

// readOnlyPublic matches the ECR Public actions that change nothing; a
// public repository's images are readable by everyone whatever its policy
// says, so granting these to everyone changes nothing either.
var readOnlyPublic = regexp.MustCompile(`^(?:Describe|Get|List|BatchCheckLayerAvailability)`)

// CheckPublicPrincipals refuses a repository policy that grants every AWS
// account access without narrowing it: an Allow statement whose principal
// is "*" (or {"AWS": "*"}, or a list holding "*"), or that uses
// NotPrincipal, with no condition on one of NarrowingConditionKeys. For an
// ECR Public repository (public), whose images everyone can pull anyway,
// only such a statement that grants an action that is not a read (a push,
// or a change to the repository) is refused. The text has been validated
// (ValidateRepositoryPolicy): what does not parse is left to that check.
func CheckPublicPrincipals(text string, public bool) error {
	_, stmts, err := statementsOf(text)
	if err != nil {
		return nil
	}
	for i, st := range stmts {
		if st["Effect"] != "Allow" || !everyone(st) || narrowed(st["Condition"]) {
			continue
		}
		where := StatementName(st, i)
		if !public {
			return fmt.Errorf("%w: %s allows every AWS account (principal \"*\") with no condition that narrows who can use it. "+
				"Add a condition on your organisation, %s (or on one of %s), or name the accounts in Principal",
				ErrPublicPolicy, where, orgConditionSnippet, strings.Join(NarrowingConditionKeys[1:], ", "))
		}
		if a, ok := publicWrite(st); ok {
			return fmt.Errorf("%w: %s lets every AWS account (principal \"*\") use %s, which pushes to or changes the public repository, with no condition that narrows who can. "+
				"Name the accounts or roles that push in Principal, or add a condition on your organisation, %s (or on one of %s)",
				ErrPublicPolicy, where, a, orgConditionSnippet, strings.Join(NarrowingConditionKeys[1:], ", "))
		}
	}
	return nil
}

// StatementName names the statement at index i (from 0) of a policy as
// the errors of this package do: "statement 1 (Sid "Pull")".
func StatementName(st map[string]any, i int) string {
	if sid, ok := st["Sid"].(string); ok && sid != "" {
		return fmt.Sprintf("statement %d (Sid %q)", i+1, sid)
	}
	return fmt.Sprintf("statement %d", i+1)
}

// StatementNameIn is StatementName for the statement at index i of a
// policy text; a text that does not parse, or an index it does not have,
// gives the number alone.
func StatementNameIn(text string, i int) string {
	_, stmts, err := statementsOf(text)
	if err != nil || i < 0 || i >= len(stmts) {
		return fmt.Sprintf("statement %d", i+1)
	}
	return StatementName(stmts[i], i)
}

// everyone reports whether a statement's principal is every AWS account.
// NotPrincipal with Allow grants everyone but the listed principals.
func everyone(st map[string]any) bool {
	if _, ok := st["NotPrincipal"]; ok {
		return true
	}
	switch p := st["Principal"].(type) {
	case string:
		return p == "*"
	case map[string]any:
		ids, _ := stringList(p["AWS"])
		return slices.Contains(ids, "*")
	}
	return false
}

// narrowed reports whether a condition narrows who can use the statement:
// one of NarrowingConditionKeys under an operator that requires the key to
// match (not a negated one, not ...IfExists, which passes when the key is
// absent, not Null, not ForAllValues:, which passes when the key has no
// value), with a value that pins who the caller is (pinned).
func narrowed(cond any) bool {
	ops, _ := cond.(map[string]any)
	for op, v := range ops {
		o, ok := parseConditionOperator(op)
		if !ok || o.negated() || o.ifExists || o.base == "Null" || o.set == "ForAllValues:" {
			continue
		}
		keys, _ := v.(map[string]any)
		for k, val := range keys {
			i := slices.IndexFunc(NarrowingConditionKeys, func(n string) bool { return strings.EqualFold(n, k) })
			if i < 0 {
				continue
			}
			vals, err := stringList(val)
			if err == nil && len(vals) > 0 && !slices.ContainsFunc(vals, func(s string) bool { return !pinned(NarrowingConditionKeys[i], s, o.like()) }) {
				return true
			}
		}
	}
	return false
}

// pinned reports whether a condition value names whose request it is. A
// bare "*" never does. Under a ...Like operator, * and ? are wildcards: a
// value with one pins the caller only when the part that names the owner
// is free of them — the account of an ARN (arn:aws:iam::123456789012:role/*),
// the organisation of an organisation path (o-abc/r-def/*). An ID with a
// wildcard (o-*, 1234*) pins nothing.
func pinned(key, v string, like bool) bool {
	if v == "*" || v == "" {
		return false
	}
	if !like || !strings.ContainsAny(v, "*?") {
		return true
	}
	switch key {
	case "aws:PrincipalArn", "aws:SourceArn":
		parts := strings.SplitN(v, ":", 6)
		return len(parts) == 6 && parts[4] != "" && !strings.ContainsAny(parts[4], "*?")
	case "aws:PrincipalOrgPaths", "aws:SourceOrgPaths":
		org, _, _ := strings.Cut(v, "/")
		return org != "" && !strings.ContainsAny(org, "*?")
	}
	return false
}

// publicWrite returns the first action of an ECR Public statement that is
// not a read, matched with IAM's wildcards. NotAction grants everything
// it does not list: it is taken as granting a write.
func publicWrite(st map[string]any) (string, bool) {
	if _, ok := st["NotAction"]; ok {
		return "NotAction (every action it does not list)", true
	}
	actions, _ := stringList(st["Action"])
	for _, a := range actions {
		name := a // names hold only letters, digits, * and ? (validated)
		if a != "*" {
			if !strings.Contains(a, ":") {
				continue
			}
			name = actionName(a)
		}
		re := regexp.MustCompile(`(?i)^` + strings.NewReplacer("*", ".*", "?", ".").Replace(name) + `$`)
		for _, op := range publicService.operations {
			if !readOnlyPublic.MatchString(op) && re.MatchString(op) {
				return fmt.Sprintf("%q (ecr-public:%s)", a, op), true
			}
		}
	}
	return "", false
}
