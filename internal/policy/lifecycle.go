package policy

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// MaxLifecyclePolicyChars is ECR's limit on a lifecycle policy text.
const MaxLifecyclePolicyChars = ecrspec.MaxLifecyclePolicyChars

// maxTagPatternWildcards is ECR's limit of '*' in one tagPatternList entry.
const maxTagPatternWildcards = 4

// minArchiveDays is ECR's minimum storage duration of an archived image: a
// rule may not expire archived images sooner ("Archiving an image").
const minArchiveDays = 90

// Count types, as documented in ECR's "Lifecycle policy properties".
const (
	countImageCountMoreThan     = "imageCountMoreThan"
	countSinceImagePushed       = "sinceImagePushed"
	countSinceImagePulled       = "sinceImagePulled"
	countSinceImageTransitioned = "sinceImageTransitioned"
)

// Storage classes a selection can name; standard is ECR's default.
const (
	storageStandard = "standard"
	storageArchive  = "archive"
)

// The fields of ECR's lifecycle policy schema, level by level (the
// "Lifecycle policy template"). ECR validates a policy against this schema
// and refuses any other field.
var (
	lifecyclePolicyFields = []string{"rules"}
	lifecycleRuleFields   = []string{"rulePriority", "description", "selection", "action"}
	lifecycleSelFields    = []string{"tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType", "countUnit", "countNumber"}
	lifecycleActionFields = []string{"type", "targetStorageClass"}
)

// LifecycleError is a lifecycle policy ECR refuses. Error is the message for
// the user, with the fix; ECRMessage is what ECR says after "Lifecycle
// policy validation failure: ", where it is known (schema violations), and
// the user message otherwise.
type LifecycleError struct {
	msg string
	ecr string
}

func (e *LifecycleError) Error() string { return e.msg }

// ECRMessage returns the text ECR puts after "Lifecycle policy validation failure: ".
func (e *LifecycleError) ECRMessage() string {
	if e.ecr != "" {
		return e.ecr
	}
	return e.msg
}

// lcError turns err into a *LifecycleError, prefixing where (when not empty)
// and keeping an ECR message already attached.
func lcError(where string, err error) *LifecycleError {
	return lcJoin(where, ": ", err)
}

// lcJoin is lcError with a chosen separator ("." makes a field path).
func lcJoin(where, sep string, err error) *LifecycleError {
	var le *LifecycleError
	if errors.As(err, &le) {
		if where == "" {
			return le
		}
		return &LifecycleError{msg: where + sep + le.msg, ecr: le.ecr}
	}
	if where == "" {
		return &LifecycleError{msg: err.Error()}
	}
	return &LifecycleError{msg: where + sep + err.Error()}
}

// ValidateLifecyclePolicy checks a lifecycle policy against ECR's documented
// schema and rules. The emulator checks them with its own reading of the
// documentation, and the fixture test holds the two to one verdict. The
// error, when not nil, is a *LifecycleError.
func ValidateLifecyclePolicy(text string) error {
	if err := checkLifecyclePolicy(text); err != nil {
		return err
	}
	return nil
}

func checkLifecyclePolicy(text string) *LifecycleError {
	if n := charCount(text); n > MaxLifecyclePolicyChars {
		return &LifecycleError{
			msg: fmt.Sprintf("the lifecycle policy is %d characters; ECR accepts at most %d: merge rules or remove whitespace", n, MaxLifecyclePolicyChars),
			ecr: fmt.Sprintf("policy has %d characters, more than the maximum of %d", n, MaxLifecyclePolicyChars),
		}
	}
	doc, err := decodeObject(text, "lifecycle policy")
	if err != nil {
		return &LifecycleError{msg: err.Error(), ecr: "the policy is not a valid JSON object"}
	}
	if err := schemaFields(doc, lifecyclePolicyFields, "the lifecycle policy"); err != nil {
		return err
	}
	const hint = `write {"rules": [{"rulePriority": 1, "selection": {...}, "action": {"type": "expire"}}]}`
	rv, ok := doc["rules"]
	if !ok {
		return &LifecycleError{msg: `the lifecycle policy has no "rules"; ` + hint, ecr: `object has missing required properties (["rules"])`}
	}
	rules, ok := rv.([]any)
	if !ok {
		return &LifecycleError{msg: fmt.Sprintf(`"rules" must be a list, not %s; %s`, kind(rv), hint), ecr: typeMismatch(rv, "array")}
	}
	if len(rules) == 0 {
		return &LifecycleError{msg: `"rules" is empty; add a rule, or use none to remove the lifecycle policy`, ecr: "array is too short: must have at least 1 elements but instance has 0 elements"}
	}
	priorities := map[int64]int{}
	checked := make([]checkedRule, 0, len(rules))
	for i, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			return &LifecycleError{msg: fmt.Sprintf("rule %d must be an object, not %s", i+1, kind(r)), ecr: typeMismatch(r, "object")}
		}
		if err := schemaFields(rule, lifecycleRuleFields, "the rule"); err != nil {
			return lcError(fmt.Sprintf("rule %d", i+1), err)
		}
		prio, err := wholeNumber(rule, "rulePriority")
		if err != nil {
			return lcError(fmt.Sprintf("rule %d", i+1), err)
		}
		where := fmt.Sprintf("rule %d (rulePriority %d)", i+1, prio)
		if first, dup := priorities[prio]; dup {
			return &LifecycleError{msg: fmt.Sprintf("rules %d and %d both have rulePriority %d; give each rule a unique rulePriority", first, i+1, prio)}
		}
		priorities[prio] = i + 1
		c, err := validateRule(rule)
		if err != nil {
			return lcError(where, err)
		}
		c.index, c.prio = i+1, prio
		checked = append(checked, c)
	}
	return checkAcrossRules(checked)
}

// checkedRule is what the rules across a policy are checked on.
type checkedRule struct {
	index        int
	prio         int64
	tagStatus    string
	storageClass string   // the selection's, default standard
	prefixes     []string // tagPrefixList as a sorted set, nil when absent
}

// checkAcrossRules applies ECR's rules that relate rules to each other. ECR
// documents them per storage class since archiving exists: a policy that
// archives images and then expires archived ones has an "any" rule in each
// class (testdata/lifecycle/archive.json).
func checkAcrossRules(rules []checkedRule) *LifecycleError {
	byClass := map[string][]checkedRule{}
	for _, r := range rules {
		byClass[r.storageClass] = append(byClass[r.storageClass], r)
	}
	for _, class := range []string{storageStandard, storageArchive} {
		rs := byClass[class]
		slices.SortFunc(rs, func(a, b checkedRule) int { return cmp.Compare(a.prio, b.prio) })
		var untagged *checkedRule
		prefixSets := map[string]checkedRule{}
		for i, r := range rs {
			// A rule with tagStatus "any" must have the highest rulePriority.
			if r.tagStatus == "any" && i != len(rs)-1 {
				last := rs[len(rs)-1]
				return &LifecycleError{msg: fmt.Sprintf(`rule %d: a rule with tagStatus "any" has rulePriority %d, lower than rulePriority %d of rule %d in the same storage class (%s); give "any" rules the highest rulePriority values, at most one "any" rule per storage class`,
					r.index, r.prio, last.prio, last.index, class)}
			}
			// Only one rule selecting a storage class may select untagged images.
			if r.tagStatus == "untagged" {
				if untagged != nil {
					return &LifecycleError{msg: fmt.Sprintf(`rules %d and %d both select untagged images in storage class %s; ECR allows one such rule per storage class: merge them`,
						untagged.index, r.index, class)}
				}
				untagged = &rs[i]
			}
			// The set of rules must contain a unique set of tag prefixes.
			if r.prefixes != nil {
				key := strings.Join(r.prefixes, "\x00")
				if first, dup := prefixSets[key]; dup {
					return &LifecycleError{msg: fmt.Sprintf(`rules %d and %d have the same tagPrefixList %s in storage class %s; ECR needs a unique set of tag prefixes per rule: merge the rules or change a prefix`,
						first.index, r.index, show(toAny(r.prefixes)), class)}
				}
				prefixSets[key] = r
			}
		}
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// validateRule checks one rule on its own.
func validateRule(rule map[string]any) (checkedRule, error) {
	var c checkedRule
	if d, ok := rule["description"]; ok {
		if _, isStr := d.(string); !isStr {
			return c, &LifecycleError{msg: fmt.Sprintf("description must be a string, not %s", kind(d)), ecr: typeMismatch(d, "string")}
		}
	}
	sel, err := object(rule, "selection", `add "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}`)
	if err != nil {
		return c, err
	}
	act, err := object(rule, "action", `add "action": {"type": "expire"}`)
	if err != nil {
		return c, err
	}
	if err := schemaFields(sel, lifecycleSelFields, "selection"); err != nil {
		return c, err
	}
	if err := schemaFields(act, lifecycleActionFields, "action"); err != nil {
		return c, err
	}
	c.tagStatus, c.prefixes, err = validateTagSelection(sel)
	if err != nil {
		return c, err
	}
	countType, class, n, err := validateCount(sel)
	if err != nil {
		return c, err
	}
	c.storageClass = class
	return c, validateAction(act, countType, n)
}

func validateTagSelection(sel map[string]any) (string, []string, error) {
	status, _ := sel["tagStatus"].(string)
	_, hasPrefix := sel["tagPrefixList"]
	_, hasPattern := sel["tagPatternList"]
	switch status {
	case "tagged":
		switch {
		case hasPrefix && hasPattern:
			return "", nil, errors.New("selection has both tagPrefixList and tagPatternList; keep one of them")
		case !hasPrefix && !hasPattern:
			return "", nil, errors.New(`a "tagged" selection needs tagPrefixList or tagPatternList; add for example "tagPatternList": ["release-*"]`)
		}
	case "untagged", "any":
		if hasPrefix || hasPattern {
			return "", nil, fmt.Errorf(`a %q selection cannot have tagPrefixList or tagPatternList; remove them, or use "tagStatus": "tagged"`, status)
		}
		return status, nil, nil
	default:
		return "", nil, enumError(sel, "tagStatus", "selection.tagStatus", `use "tagged", "untagged" or "any"`, "tagged", "untagged", "any")
	}
	// ECR's schema types both lists as arrays; unlike an IAM policy
	// element, a single string is refused.
	for _, list := range []string{"tagPrefixList", "tagPatternList"} {
		if v, ok := sel[list]; ok {
			if _, isList := v.([]any); !isList {
				return "", nil, &LifecycleError{msg: fmt.Sprintf("selection.%s must be a list, not %s; write it in brackets: [%s]", list, kind(v), show(v)), ecr: typeMismatch(v, "array")}
			}
		}
	}
	if hasPrefix {
		prefixes, err := stringList(sel["tagPrefixList"])
		if err != nil {
			return "", nil, fmt.Errorf("selection.tagPrefixList: %w", err)
		}
		slices.Sort(prefixes)
		return status, slices.Compact(prefixes), nil
	}
	patterns, err := stringList(sel["tagPatternList"])
	if err != nil {
		return "", nil, fmt.Errorf("selection.tagPatternList: %w", err)
	}
	for _, p := range patterns {
		if strings.Count(p, "*") > maxTagPatternWildcards {
			return "", nil, fmt.Errorf("selection.tagPatternList entry %q has %d wildcards; ECR allows at most %d '*' per pattern", p, strings.Count(p, "*"), maxTagPatternWildcards)
		}
	}
	return status, nil, nil
}

// validateCount checks countType with its countUnit, countNumber and
// storageClass, and returns the count type and the storage class selected.
func validateCount(sel map[string]any) (string, string, int64, error) {
	ct, _ := sel["countType"].(string)
	since := false
	switch ct {
	case countImageCountMoreThan:
	case countSinceImagePushed, countSinceImagePulled, countSinceImageTransitioned:
		since = true
	default:
		return "", "", 0, enumError(sel, "countType", "selection.countType", fmt.Sprintf("use one of %s, %s, %s, %s",
			countImageCountMoreThan, countSinceImagePushed, countSinceImagePulled, countSinceImageTransitioned),
			countImageCountMoreThan, countSinceImagePushed, countSinceImagePulled, countSinceImageTransitioned)
	}
	unit, hasUnit := sel["countUnit"]
	switch {
	case since && !hasUnit:
		return "", "", 0, fmt.Errorf(`countType %s needs a unit; add "countUnit": "days"`, ct)
	case since && unit != "days":
		return "", "", 0, fmt.Errorf(`selection.countUnit %s is not valid; use "days"`, show(unit))
	case !since && hasUnit:
		return "", "", 0, fmt.Errorf("countType %s counts images, not days; remove countUnit", ct)
	}
	n, err := wholeNumber(sel, "countNumber")
	if err != nil {
		return "", "", 0, lcJoin("selection", ".", err)
	}
	sc, hasSC := sel["storageClass"]
	if hasSC && sc != storageStandard && sc != storageArchive {
		return "", "", 0, enumError(sel, "storageClass", "selection.storageClass", `use "standard" or "archive"`, storageStandard, storageArchive)
	}
	switch {
	case ct == countSinceImageTransitioned && !hasSC:
		return "", "", 0, fmt.Errorf(`countType %s selects archived images; add "storageClass": "archive"`, ct)
	case ct == countSinceImageTransitioned && sc != storageArchive:
		return "", "", 0, fmt.Errorf(`selection.storageClass %s is not valid with countType %s; use "archive"`, show(sc), ct)
	case ct != countSinceImageTransitioned && hasSC && sc != storageStandard:
		return "", "", 0, fmt.Errorf(`selection.storageClass %s is not valid with countType %s; use "standard" or remove it (archived images are selected with countType %s)`, show(sc), ct, countSinceImageTransitioned)
	}
	if ct == countSinceImageTransitioned {
		return ct, storageArchive, n, nil
	}
	return ct, storageStandard, n, nil
}

func validateAction(act map[string]any, countType string, countNumber int64) error {
	target, hasTarget := act["targetStorageClass"]
	switch act["type"] {
	case "expire":
		if hasTarget {
			return errors.New(`action.targetStorageClass only applies to "type": "transition"; remove it`)
		}
		// Last-pulled time is documented for archiving only: an image's
		// pull time is refreshed at most daily, too coarse to delete by.
		if countType == countSinceImagePulled {
			return fmt.Errorf(`countType %s can only archive images; use "type": "transition" with "targetStorageClass": "archive", or countType %s to expire by age`, countType, countSinceImagePushed)
		}
		if countType == countSinceImageTransitioned && countNumber < minArchiveDays {
			return fmt.Errorf("selection.countNumber %d is too small: ECR keeps archived images at least %d days, so a rule may expire them no sooner; use %d or more", countNumber, minArchiveDays, minArchiveDays)
		}
	case "transition":
		if !hasTarget {
			return errors.New(`a transition action needs a target; add "targetStorageClass": "archive"`)
		}
		if target != storageArchive {
			return enumError(act, "targetStorageClass", "action.targetStorageClass", `use "archive"`, storageArchive)
		}
		if countType == countSinceImageTransitioned {
			return fmt.Errorf(`images selected by %s are already archived; use "type": "expire"`, countType)
		}
	default:
		return enumError(act, "type", "action.type", `use "expire" or "transition"`, "expire", "transition")
	}
	return nil
}

// schemaFields refuses fields outside ECR's lifecycle schema, suggesting the
// known field a typo was probably meant to be.
func schemaFields(obj map[string]any, known []string, where string) *LifecycleError {
	for _, k := range sortedKeys(obj) {
		if slices.Contains(known, k) {
			continue
		}
		msg := fmt.Sprintf("%s has an unknown field %q", where, k)
		if s := closest(k, known); s != "" {
			msg += fmt.Sprintf(": did you mean %q?", s)
		} else {
			msg += ";"
		}
		msg += fmt.Sprintf(" ECR's lifecycle schema allows only %s here (names are case-sensitive)", strings.Join(known, ", "))
		return &LifecycleError{msg: msg, ecr: fmt.Sprintf("object instance has properties which are not allowed by the schema: [%q]", k)}
	}
	return nil
}

// closest returns the known name nearest to s when it is near enough to be
// a typo of it, or "".
func closest(s string, known []string) string {
	best, bestD := "", -1
	for _, k := range known {
		d := editDistance(strings.ToLower(s), strings.ToLower(k))
		if d <= max(2, len(k)/4) && (bestD < 0 || d < bestD) {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// typeMismatch is ECR's schema message for a value of the wrong JSON type.
func typeMismatch(v any, want string) string {
	return fmt.Sprintf("instance type (%s) does not match any allowed primitive type (allowed: [%q])", schemaType(v), want)
}

func schemaType(v any) string {
	switch n := v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return "integer"
		}
		return "number"
	}
	return "null"
}

// enumError reports obj[key] as missing or outside its enum, with ECR's
// schema message.
func enumError(obj map[string]any, key, path, hint string, values ...string) *LifecycleError {
	v, ok := obj[key]
	if !ok {
		return &LifecycleError{msg: fmt.Sprintf("%s is missing; %s", path, hint), ecr: fmt.Sprintf("object has missing required properties ([%q])", key)}
	}
	quoted := make([]string, len(values))
	for i, s := range values {
		quoted[i] = strconv.Quote(s)
	}
	return &LifecycleError{
		msg: fmt.Sprintf("%s %s is not valid; %s", path, show(v), hint),
		ecr: fmt.Sprintf("instance value (%s) not found in enum (possible values: [%s])", encode(v, ""), strings.Join(quoted, ",")),
	}
}

// object returns obj[key], which must be a JSON object.
func object(obj map[string]any, key, hint string) (map[string]any, error) {
	v, ok := obj[key]
	if !ok {
		return nil, &LifecycleError{msg: fmt.Sprintf("%s is missing; %s", key, hint), ecr: fmt.Sprintf("object has missing required properties ([%q])", key)}
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, &LifecycleError{msg: fmt.Sprintf("%s must be an object, not %s; %s", key, kind(v), hint), ecr: typeMismatch(v, "object")}
	}
	return o, nil
}

// wholeNumber reads obj[key] as an integer of at least 1. ECR parses these
// as 32-bit integers.
func wholeNumber(obj map[string]any, key string) (int64, error) {
	v, ok := obj[key]
	if !ok {
		return 0, &LifecycleError{msg: fmt.Sprintf("%s is missing; add a whole number of at least 1", key), ecr: fmt.Sprintf("object has missing required properties ([%q])", key)}
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, &LifecycleError{msg: fmt.Sprintf("%s must be a number, not %s; write it without quotes, for example 1", key, kind(v)), ecr: typeMismatch(v, "integer")}
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		if strings.ContainsAny(num.String(), ".eE") {
			return 0, &LifecycleError{msg: fmt.Sprintf("%s %s is not a whole number; use an integer such as 1", key, num), ecr: typeMismatch(v, "integer")}
		}
		return 0, fmt.Errorf("%s %s is too large; use at most %d", key, num, math.MaxInt32)
	}
	switch {
	case n < 1:
		return 0, fmt.Errorf("%s %d is not valid; use a whole number of at least 1", key, n)
	case n > math.MaxInt32:
		return 0, fmt.Errorf("%s %d is too large; use at most %d", key, n, math.MaxInt32)
	}
	return n, nil
}

// NormalizeLifecyclePolicy returns a canonical compact text of a lifecycle
// policy: keys sorted, rules ordered by rulePriority, tag lists sorted as
// sets, a selection's default "storageClass": "standard" left out (ECR may
// return it filled in), numbers kept as written and every other field kept,
// known or not. It only
// needs a JSON object; validation is ValidateLifecyclePolicy's job, so that
// a stored policy of a newer shape can still be compared.
func NormalizeLifecyclePolicy(text string) (string, error) {
	doc, err := decodeObject(text, "lifecycle policy")
	if err != nil {
		return "", err
	}
	if rules, ok := doc["rules"].([]any); ok {
		sortRules(rules)
	}
	return encode(doc, ""), nil
}

// LifecyclePoliciesEqual reports whether two lifecycle policies are the same
// once normalised.
func LifecyclePoliciesEqual(a, b string) (bool, error) {
	na, err := NormalizeLifecyclePolicy(a)
	if err != nil {
		return false, fmt.Errorf("first policy: %w", err)
	}
	nb, err := NormalizeLifecyclePolicy(b)
	if err != nil {
		return false, fmt.Errorf("second policy: %w", err)
	}
	return na == nb, nil
}

// sortRules normalises each rule's tag lists, then orders the rules by
// priority. Ties and rules without a numeric priority are ordered by their
// text, so the result does not depend on the input order.
func sortRules(rules []any) {
	type keyed struct {
		rule    any
		hasPrio bool
		prio    float64
		text    string
	}
	ks := make([]keyed, len(rules))
	for i, r := range rules {
		k := keyed{rule: r}
		if m, ok := r.(map[string]any); ok {
			if sel, ok := m["selection"].(map[string]any); ok {
				if sel["storageClass"] == storageStandard {
					delete(sel, "storageClass")
				}
				for _, list := range []string{"tagPrefixList", "tagPatternList"} {
					if set, ok := stringSet(sel[list]); ok {
						sel[list] = set
					}
				}
			}
			if n, ok := m["rulePriority"].(json.Number); ok {
				// Range errors still give ±Inf, which orders correctly.
				k.prio, _ = strconv.ParseFloat(n.String(), 64)
				k.hasPrio = true
			}
		}
		k.text = encode(r, "")
		ks[i] = k
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.hasPrio != b.hasPrio {
			if a.hasPrio {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.prio, b.prio), strings.Compare(a.text, b.text))
	})
	for i, k := range ks {
		rules[i] = k.rule
	}
}

// stringSet returns v sorted and without duplicates when it is a list of
// strings.
func stringSet(v any) ([]any, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	strs := make([]string, len(list))
	for i, it := range list {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		strs[i] = s
	}
	slices.Sort(strs)
	strs = slices.Compact(strs)
	out := make([]any, len(strs))
	for i, s := range strs {
		out[i] = s
	}
	return out, true
}
