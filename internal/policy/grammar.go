package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// ECR answers every policy it cannot accept with the same
// InvalidParameterException "Invalid repository policy provided" that it
// uses while IAM has not yet made a new principal visible to it, so the
// engine cannot tell a mistake from a principal still propagating and waits
// up to two minutes before it gives up. The checks here refuse, before any
// call, what IAM's grammar makes certainly invalid: a principal of a shape
// IAM does not have, an ecr: action ECR does not have, and a condition
// operator IAM does not know. Whether a well-formed principal exists only
// IAM can say.

// iamPrincipalARN matches the IAM principals a resource-based policy can
// name (IAM User Guide, "AWS JSON policy elements: Principal"): an account's
// root, a user, a role (with a path), a role session and a federated user
// session. Partition and account are checked apart, for the error message.
var iamPrincipalARN = regexp.MustCompile(`^arn:([^:]+):(?:` +
	`iam::(` + ecrspec.RegistryIDPattern + `):(?:root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)` +
	`|sts::(` + ecrspec.RegistryIDPattern + `):(?:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+))$`)

// iamGroupARN is an IAM user group, which IAM refuses as a principal.
var iamGroupARN = regexp.MustCompile(`^arn:[^:]+:iam::` + ecrspec.RegistryIDPattern + `:group/`)

// servicePrincipal is the shape of an AWS service principal: a lower-case
// DNS name such as lambda.amazonaws.com (or a partition's own suffix).
var servicePrincipal = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$`)

// checkPrincipal checks one principal of a Principal or NotPrincipal (name)
// of type kind (AWS, Service, Federated, CanonicalUser).
func checkPrincipal(name, kind, id string) error {
	if id != "*" && strings.ContainsAny(id, "*?") {
		return fmt.Errorf(`%s %s %q has a wildcard inside it; IAM accepts "*" only as the whole principal: name the account (%q) or the role, or use "*" with a Condition on aws:PrincipalArn or aws:PrincipalAccount`,
			name, kind, shorten(id), "arn:aws:iam::123456789012:root")
	}
	switch kind {
	case "AWS":
		return checkAWSPrincipal(name, id)
	case "Service":
		if id == "*" || !servicePrincipal.MatchString(id) {
			return fmt.Errorf(`%s Service %q is not a service principal; write the service's principal name, for example "lambda.amazonaws.com"`, name, shorten(id))
		}
	}
	return nil
}

func checkAWSPrincipal(name, id string) error {
	const fix = `use an account ID (123456789012), "*", or the ARN of an account's root, a user, a role, a role session or a federated user, for example arn:aws:iam::123456789012:role/name`
	if id == "*" || ecrspec.IsAccountID(id) {
		return nil
	}
	if iamGroupARN.MatchString(id) {
		return fmt.Errorf(`%s AWS %q is an IAM group, and IAM does not accept a group as a principal; name the group's users or a role they assume, or the account`, name, shorten(id))
	}
	m := iamPrincipalARN.FindStringSubmatch(id)
	if m == nil {
		return fmt.Errorf(`%s AWS %q is not valid, IAM has no such principal; %s`, name, shorten(id), fix)
	}
	if !regions.IsPartitionID(m[1]) {
		return fmt.Errorf(`%s AWS %q names the partition %q, which does not exist; write arn:aws:... (or the partition of the account: aws-cn, aws-us-gov, ...)`, name, shorten(id), shorten(m[1]))
	}
	return nil
}

// actionHint is the fix for an action name the service does not have: the
// full list when it is short, else the closest name, if any.
func (s service) actionHint(name string) string {
	if len(s.operations) <= 30 {
		return s.actionList()
	}
	hint := fmt.Sprintf(`%s's actions are listed in the Service Authorization Reference ("Actions, resources, and condition keys for Amazon Elastic Container Registry"); use one of them, or %s:* for all`, s.name(), s.prefix)
	if c := closest(name, s.operations); c != "" && !strings.ContainsAny(name, "*?") {
		hint = fmt.Sprintf("did you mean %s:%s? %s", s.prefix, c, hint)
	}
	return hint
}

// conditionOperators are IAM's condition operators (IAM User Guide, "IAM
// JSON policy elements: Condition operators").
var conditionOperators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

// conditionOperator is a condition operator taken apart: the IAM operator
// it is built on (spelled as in conditionOperators), the set operator
// before it ("ForAnyValue:" or "ForAllValues:", or none) and whether
// IfExists follows it. IAM reads operators in any letter case; so does
// parseConditionOperator, and every rule that looks at an operator (the
// grammar check, the public-principal guard) reads it through here.
type conditionOperator struct {
	base     string
	set      string
	ifExists bool
}

// negated reports whether the operator matches when the key does not
// (StringNotEquals, NotIpAddress, ArnNotLike, ...).
func (o conditionOperator) negated() bool { return strings.Contains(o.base, "Not") }

// like reports whether the operator reads * and ? in its values as
// wildcards.
func (o conditionOperator) like() bool { return strings.HasSuffix(o.base, "Like") }

// parseConditionOperator takes apart an IAM condition operator, with an
// optional ForAnyValue: or ForAllValues: set operator before it and an
// IfExists after it (except on Null, which already tests for existence).
func parseConditionOperator(op string) (conditionOperator, bool) {
	var o conditionOperator
	rest := op
	for _, set := range []string{"ForAnyValue:", "ForAllValues:"} {
		if len(rest) > len(set) && strings.EqualFold(rest[:len(set)], set) {
			o.set, rest = set, rest[len(set):]
			break
		}
	}
	known := func(s string) (string, bool) {
		i := slices.IndexFunc(conditionOperators, func(c string) bool { return strings.EqualFold(c, s) })
		if i < 0 {
			return "", false
		}
		return conditionOperators[i], true
	}
	if b, ok := known(rest); ok {
		o.base = b
		return o, true
	}
	if trimmed, ok := cutSuffixFold(rest, "IfExists"); ok {
		if b, ok := known(trimmed); ok && b != "Null" {
			o.base, o.ifExists = b, true
			return o, true
		}
	}
	return conditionOperator{}, false
}

// checkConditionOperator accepts what parseConditionOperator takes apart.
func checkConditionOperator(op string) error {
	if _, ok := parseConditionOperator(op); ok {
		return nil
	}
	return fmt.Errorf(`Condition operator %q is not an IAM condition operator; use one such as StringEquals, StringLike, ArnLike, Bool or IpAddress (optionally with IfExists, or ForAnyValue:/ForAllValues: before it)`, shorten(op))
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// PrincipalsToResolve names, statement by statement, the AWS principals
// ECR has to find in IAM before it accepts the policy (every one but "*"):
// what to check when ECR keeps refusing a policy whose grammar is right.
// Nil when the text is not a policy or names none.
func PrincipalsToResolve(text string) []string {
	_, stmts, err := statementsOf(text)
	if err != nil {
		return nil
	}
	var out []string
	for i, st := range stmts {
		where := fmt.Sprintf("statement %d", i+1)
		if sid, ok := st["Sid"].(string); ok && sid != "" {
			where = fmt.Sprintf("statement %d (Sid %q)", i+1, shorten(sid))
		}
		for _, key := range []string{"Principal", "NotPrincipal"} {
			p, _ := st[key].(map[string]any)
			ids, _ := stringList(p["AWS"])
			for _, id := range ids {
				if id != "*" {
					out = append(out, where+": "+shorten(id))
				}
			}
		}
	}
	return out
}
