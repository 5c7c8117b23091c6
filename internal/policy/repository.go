package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	awspolicy "github.com/hashicorp/awspolicyequivalence"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// MaxRepositoryPolicyChars is ECR's limit on a repository policy text.
const MaxRepositoryPolicyChars = ecrspec.MaxRepositoryPolicyChars

// ecrAction matches what a repository policy may grant. ECR documents
// repository policies as a subset of IAM policies scoped to ECR
// repositories, and another service's action can never apply to a
// repository, so one is reported as a mistake before ECR sees it. IAM
// treats the service prefix case-insensitively; names take * and ?.
var (
	ecrAction       = regexp.MustCompile(`^(?:\*|(?i:ecr):[A-Za-z0-9*?]+)$`)
	ecrPublicAction = regexp.MustCompile(`^(?:\*|(?i:ecr-public):[A-Za-z0-9*?]+)$`)
)

// service is the IAM service whose actions a repository policy grants:
// ECR's for a private repository, ECR Public's for a public one.
type service struct {
	prefix  string
	actions *regexp.Regexp
	example string
	// operations are the service's IAM action names: ECR Public's are
	// exactly its API operations, ECR's are its operations and a few
	// permission-only actions (ecrspec.Actions).
	operations []string
}

var (
	privateService = service{"ecr", ecrAction, "ecr:BatchGetImage", ecrspec.Actions}
	publicService  = service{"ecr-public", ecrPublicAction, "ecr-public:PutImage", ecrspec.PublicOperations}
)

var (
	topLevelKeys  = []string{"Version", "Id", "Statement"}
	statementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	principalKeys = []string{"AWS", "Service", "Federated", "CanonicalUser"}
)

// ValidateRepositoryPolicy checks a repository policy the way ECR does
// before accepting it, so that the mistake is reported with a fix. It does
// not check that principals exist: only IAM can.
func ValidateRepositoryPolicy(text string) error {
	return validateRepositoryPolicy(text, privateService)
}

// ValidatePublicRepositoryPolicy is ValidateRepositoryPolicy for an ECR
// Public repository, whose policy grants ecr-public: actions.
func ValidatePublicRepositoryPolicy(text string) error {
	return validateRepositoryPolicy(text, publicService)
}

func validateRepositoryPolicy(text string, svc service) error {
	if n := charCount(text); n > MaxRepositoryPolicyChars {
		return fmt.Errorf("the repository policy is %d characters; ECR accepts at most %d: merge statements or remove whitespace", n, MaxRepositoryPolicyChars)
	}
	doc, err := decodeObject(text, "repository policy")
	if err != nil {
		return err
	}
	if err := onlyKeys(doc, topLevelKeys, "the policy"); err != nil {
		return err
	}
	if v, ok := doc["Version"]; ok && v != "2012-10-17" && v != "2008-10-17" {
		return fmt.Errorf(`policy Version %s is not supported; use "2012-10-17" (or omit it)`, show(v))
	}
	if v, ok := doc["Id"]; ok {
		if _, isStr := v.(string); !isStr {
			return fmt.Errorf("policy Id must be a string, not %s", kind(v))
		}
	}
	statements, err := statementList(doc["Statement"])
	if err != nil {
		return err
	}
	sids := map[string]int{}
	for i, st := range statements {
		where := fmt.Sprintf("statement %d", i+1)
		if sid, ok := st["Sid"].(string); ok && sid != "" {
			where = fmt.Sprintf("statement %d (Sid %q)", i+1, sid)
			if first, dup := sids[sid]; dup {
				return fmt.Errorf("statements %d and %d both have Sid %q; give each statement its own Sid", first, i+1, sid)
			}
			sids[sid] = i + 1
		}
		if err := validateStatement(st, svc); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	return nil
}

func statementList(v any) ([]map[string]any, error) {
	const hint = `write "Statement": [{"Effect": "Allow", "Principal": {...}, "Action": [...]}]`
	var items []any
	switch s := v.(type) {
	case nil:
		return nil, errors.New("the policy has no Statement; " + hint)
	case map[string]any:
		items = []any{s}
	case []any:
		if len(s) == 0 {
			return nil, errors.New("the policy's Statement list is empty; add a statement, or use none to remove the policy")
		}
		items = s
	default:
		return nil, fmt.Errorf("Statement must be an object or a list of objects, not %s; %s", kind(v), hint)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		st, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d must be an object, not %s", i+1, kind(it))
		}
		out[i] = st
	}
	return out, nil
}

func validateStatement(st map[string]any, svc service) error {
	for _, k := range []string{"Resource", "NotResource"} {
		if _, ok := st[k]; ok {
			return fmt.Errorf("ECR rejects a %s element: remove the %s element; a repository policy applies to its repository", k, k)
		}
	}
	if err := onlyKeys(st, statementKeys, "the statement"); err != nil {
		return err
	}
	if v, ok := st["Sid"]; ok {
		if _, isStr := v.(string); !isStr {
			return fmt.Errorf("Sid must be a string, not %s", kind(v))
		}
	}
	if e := st["Effect"]; e != "Allow" && e != "Deny" {
		if e == nil {
			return errors.New(`Effect is missing; add "Effect": "Allow" or "Effect": "Deny"`)
		}
		return fmt.Errorf(`Effect %s is not valid; use "Allow" or "Deny"`, show(e))
	}
	name, val, err := exactlyOne(st, "Principal", "NotPrincipal", `add "Principal": {"AWS": "arn:aws:iam::123456789012:root"}`)
	if err != nil {
		return err
	}
	if err := validatePrincipal(name, val); err != nil {
		return err
	}
	name, val, err = exactlyOne(st, "Action", "NotAction", fmt.Sprintf(`add "Action": [%q]`, svc.example))
	if err != nil {
		return err
	}
	if err := validateActions(name, val, svc); err != nil {
		return err
	}
	if c, ok := st["Condition"]; ok {
		return validateCondition(c)
	}
	return nil
}

// exactlyOne returns the one of keys a and b that st has.
func exactlyOne(st map[string]any, a, b, hint string) (string, any, error) {
	va, hasA := st[a]
	vb, hasB := st[b]
	switch {
	case hasA && hasB:
		return "", nil, fmt.Errorf("it has both %s and %s; keep one of them", a, b)
	case hasA:
		return a, va, nil
	case hasB:
		return b, vb, nil
	}
	return "", nil, fmt.Errorf("%s is missing; %s", a, hint)
}

func validatePrincipal(name string, v any) error {
	const hint = `for example {"AWS": "arn:aws:iam::123456789012:root"} or {"Service": "lambda.amazonaws.com"}`
	switch p := v.(type) {
	case string:
		if p == "*" {
			return nil
		}
		return fmt.Errorf(`%s %q is not valid: a string principal can only be "*"; write an object, %s`, name, p, hint)
	case map[string]any:
		if len(p) == 0 {
			return fmt.Errorf("%s is an empty object; %s", name, hint)
		}
		for _, k := range sortedKeys(p) {
			if !slices.Contains(principalKeys, k) {
				return fmt.Errorf("%s type %q is not valid; use one of %s", name, k, strings.Join(principalKeys, ", "))
			}
			ids, err := stringList(p[k])
			if err != nil {
				return fmt.Errorf("%s %s: %w", name, k, err)
			}
			for _, id := range ids {
				if err := checkPrincipal(name, k, id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("%s must be \"*\" or an object, not %s; %s", name, kind(v), hint)
}

func validateActions(name string, v any, svc service) error {
	actions, err := stringList(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, a := range actions {
		if svc.actions.MatchString(a) {
			if a == "*" || svc.known(actionName(a)) {
				continue
			}
			verb := "is not an"
			if strings.ContainsAny(a, "*?") {
				verb = "matches no"
			}
			return fmt.Errorf(`%s %q %s %s action; %s`, name, a, verb, svc.name(), svc.actionHint(actionName(a)))
		}
		if svc.operations != nil && ecrAction.MatchString(a) {
			public := svc.prefix + ":" + actionName(a)
			if !svc.known(actionName(a)) {
				return fmt.Errorf(`%s %q is a private ECR action, and ECR Public has no %q; an ECR Public repository policy grants ecr-public: actions: %s`, name, a, public, svc.actionList())
			}
			return fmt.Errorf(`%s %q is a private ECR action; an ECR Public repository policy grants ecr-public: actions: write %q`, name, a, public)
		}
		if strings.Contains(a, ":") {
			return fmt.Errorf(`%s %q is not an %s action; a repository policy only grants %s: actions such as %q: grant other services' actions in an IAM policy`, name, a, svc.name(), svc.prefix, svc.example)
		}
		return fmt.Errorf(`%s %q is not valid; write actions as "%s:Name", for example %q or "%s:*"`, name, a, svc.prefix, svc.example, svc.prefix)
	}
	return nil
}

// actionName is the part of a "prefix:Name" action after the prefix.
func actionName(a string) string { return a[strings.Index(a, ":")+1:] }

// known reports whether an action name (which may hold the wildcards * and
// ?) names or matches one of the service's operations, as IAM matches:
// case-insensitively. A service without a list knows every name.
func (s service) known(name string) bool {
	if s.operations == nil {
		return true
	}
	pattern := strings.NewReplacer("*", ".*", "?", ".").Replace(name) // names hold only letters, digits, * and ?
	re := regexp.MustCompile(`(?i)^` + pattern + `$`)
	return slices.ContainsFunc(s.operations, re.MatchString)
}

// actionList names the service's actions, for an error's fix.
func (s service) actionList() string {
	names := make([]string, len(s.operations))
	for i, op := range s.operations {
		names[i] = s.prefix + ":" + op
	}
	return fmt.Sprintf("its actions are %s, or %s:* for all", strings.Join(names, ", "), s.prefix)
}

func (s service) name() string {
	if s.prefix == publicService.prefix {
		return "ECR Public"
	}
	return "ECR"
}

// validateCondition accepts {"Operator": {"key": value-or-list}} where the
// values are scalars, which is all IAM evaluates.
func validateCondition(v any) error {
	const hint = `for example {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}`
	ops, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("Condition must be an object, not %s; %s", kind(v), hint)
	}
	for _, op := range sortedKeys(ops) {
		if err := checkConditionOperator(op); err != nil {
			return err
		}
		keys, ok := ops[op].(map[string]any)
		if !ok {
			return fmt.Errorf("Condition operator %q must map condition keys to values, not be %s; %s", op, kind(ops[op]), hint)
		}
		for _, k := range sortedKeys(keys) {
			vals, isList := keys[k].([]any)
			if !isList {
				vals = []any{keys[k]}
			}
			for _, cv := range vals {
				switch cv.(type) {
				case string, bool, json.Number:
				default:
					return fmt.Errorf("Condition %s %q has %s as a value; use strings, numbers or booleans", op, k, kind(cv))
				}
			}
		}
	}
	return nil
}

// stringList accepts a non-empty string or non-empty list of them.
func stringList(v any) ([]string, error) {
	switch s := v.(type) {
	case string:
		if s == "" {
			return nil, errors.New("an empty string is not valid; give a value")
		}
		return []string{s}, nil
	case []any:
		if len(s) == 0 {
			return nil, errors.New("the list is empty; give at least one value")
		}
		out := make([]string, len(s))
		for i, it := range s {
			str, ok := it.(string)
			if !ok || str == "" {
				return nil, fmt.Errorf("item %d is %s; every item must be a non-empty string", i+1, show(it))
			}
			out[i] = str
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a string or a list of strings, not %s", kind(v))
}

// onlyKeys rejects elements IAM does not know: a misspelt Condition would
// otherwise be ignored and the statement grant more than intended.
func onlyKeys(obj map[string]any, allowed []string, where string) error {
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%s has an unknown element %q; the elements are %s (names are case-sensitive)", where, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// RepositoryPoliciesEqual reports whether two repository policies of a
// repository in partition ("aws", "aws-cn", "aws-us-gov", ...: the ID of
// regions.Of(region)) mean the same: ECR re-formats the text it stores,
// expands a bare account ID to the root ARN of its own partition
// (arn:aws-cn:iam::ID:root in cn-north-1) and may reorder lists, fill in the
// default Version or drop a duplicate principal or action; both sides are
// normalised that way (normalizeRepositoryPolicy) before they are compared.
// An error means a text is not a JSON policy document; policies of
// different structure are simply unequal.
func RepositoryPoliciesEqual(a, b, partition string) (bool, error) {
	texts := [2]string{a, b}
	for i, name := range []string{"first", "second"} {
		doc, err := decodeObject(texts[i], "repository policy")
		if err != nil {
			return false, fmt.Errorf("%s policy: %w", name, err)
		}
		// The comparer assumes statements are objects and panics otherwise.
		if !libraryCanCompare(doc) {
			return false, nil
		}
		texts[i] = encode(normalizeRepositoryPolicy(doc, partition), "")
	}
	eq, err := awspolicy.PoliciesAreEquivalent(texts[0], texts[1])
	if err != nil {
		// Both are JSON objects, so this is a structural mismatch
		// (for example a Sid that is not a string): they cannot be equal.
		return false, nil
	}
	return eq, nil
}

// defaultPolicyVersion is the Version IAM assumes for a policy without one.
const defaultPolicyVersion = "2008-10-17"

// normalizeRepositoryPolicy rewrites doc in place into the form that does
// not depend on how ECR stores it: Version written out (IAM's default when it
// is missing), AWS principals as ARNs (an account ID as the root ARN of
// partition), and principal and action lists as sets without duplicates
// (IAM action names are case-insensitive).
func normalizeRepositoryPolicy(doc map[string]any, partition string) map[string]any {
	if _, ok := doc["Version"]; !ok {
		doc["Version"] = defaultPolicyVersion
	}
	var stmts []any
	switch s := doc["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	}
	for _, it := range stmts {
		st, _ := it.(map[string]any)
		for _, key := range []string{"Principal", "NotPrincipal"} {
			p, ok := st[key].(map[string]any)
			if !ok {
				continue
			}
			for kind, v := range p {
				p[kind] = normalizeList(v, func(s string) string {
					if kind == "AWS" && ecrspec.IsAccountID(s) {
						return "arn:" + partition + ":iam::" + s + ":root"
					}
					return s
				})
			}
		}
		for _, key := range []string{"Action", "NotAction"} {
			if v, ok := st[key]; ok {
				st[key] = normalizeList(v, strings.ToLower)
			}
		}
	}
	return doc
}

// normalizeList maps a string or list of strings through canon and returns
// the sorted set; anything else is returned as it is, for the comparison to
// find unequal.
func normalizeList(v any, canon func(string) string) any {
	var items []any
	switch t := v.(type) {
	case string:
		items = []any{t}
	case []any:
		items = t
	default:
		return v
	}
	set := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return v
		}
		set = append(set, canon(s))
	}
	slices.Sort(set)
	set = slices.Compact(set)
	out := make([]any, len(set))
	for i, s := range set {
		out[i] = s
	}
	return out
}

// libraryCanCompare reports whether doc has the shape the equivalence library
// handles without panicking.
func libraryCanCompare(doc map[string]any) bool {
	switch s := doc["Statement"].(type) {
	case nil, map[string]any:
		return true
	case []any:
		for _, it := range s {
			if _, ok := it.(map[string]any); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// show renders a decoded value for an error message, shortened so that a
// misplaced object does not flood the log.
func show(v any) string {
	s := encode(v, "")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "..."
	}
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
