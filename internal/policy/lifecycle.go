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
)

// MaxLifecyclePolicyChars is ECR's limit on a lifecycle policy text.
const MaxLifecyclePolicyChars = 30720

// maxTagPatternWildcards is ECR's limit of '*' in one tagPatternList entry.
const maxTagPatternWildcards = 4

// Count types, as documented in ECR's "Lifecycle policy properties".
const (
	countImageCountMoreThan     = "imageCountMoreThan"
	countSinceImagePushed       = "sinceImagePushed"
	countSinceImagePulled       = "sinceImagePulled"
	countSinceImageTransitioned = "sinceImageTransitioned"
)

// ValidateLifecyclePolicy checks a lifecycle policy against ECR's documented
// rules. Fields it does not know are accepted: ECR adds fields over time and
// a newer policy should not be refused by an older action.
func ValidateLifecyclePolicy(text string) error {
	if n := charCount(text); n > MaxLifecyclePolicyChars {
		return fmt.Errorf("the lifecycle policy is %d characters; ECR accepts at most %d: merge rules or remove whitespace", n, MaxLifecyclePolicyChars)
	}
	doc, err := decodeObject(text, "lifecycle policy")
	if err != nil {
		return err
	}
	const hint = `write {"rules": [{"rulePriority": 1, "selection": {...}, "action": {"type": "expire"}}]}`
	rv, ok := doc["rules"]
	if !ok {
		return errors.New(`the lifecycle policy has no "rules"; ` + hint)
	}
	rules, ok := rv.([]any)
	if !ok {
		return fmt.Errorf(`"rules" must be a list, not %s; %s`, kind(rv), hint)
	}
	if len(rules) == 0 {
		return errors.New(`"rules" is empty; add a rule, or use none to remove the lifecycle policy`)
	}
	priorities := map[int64]int{}
	var firstAny, highestOther int64 = math.MaxInt64, 0
	for i, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("rule %d must be an object, not %s", i+1, kind(r))
		}
		prio, err := wholeNumber(rule, "rulePriority")
		if err != nil {
			return fmt.Errorf("rule %d: %w", i+1, err)
		}
		where := fmt.Sprintf("rule %d (rulePriority %d)", i+1, prio)
		if first, dup := priorities[prio]; dup {
			return fmt.Errorf("rules %d and %d both have rulePriority %d; give each rule a unique rulePriority", first, i+1, prio)
		}
		priorities[prio] = i + 1
		tagStatus, err := validateRule(rule)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if tagStatus == "any" {
			firstAny = min(firstAny, prio)
		} else {
			highestOther = max(highestOther, prio)
		}
	}
	// ECR evaluates an "any" rule last; several "any" rules (for example an
	// archive rule and an expiry of archived images) may follow each other.
	if firstAny < highestOther {
		return fmt.Errorf(`a rule with tagStatus "any" has rulePriority %d, lower than rulePriority %d of a tagged or untagged rule; give "any" rules the highest rulePriority values`, firstAny, highestOther)
	}
	return nil
}

// validateRule checks one rule and returns its tagStatus.
func validateRule(rule map[string]any) (string, error) {
	if d, ok := rule["description"]; ok {
		if _, isStr := d.(string); !isStr {
			return "", fmt.Errorf("description must be a string, not %s", kind(d))
		}
	}
	sel, err := object(rule, "selection", `add "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}`)
	if err != nil {
		return "", err
	}
	act, err := object(rule, "action", `add "action": {"type": "expire"}`)
	if err != nil {
		return "", err
	}
	tagStatus, err := validateTagSelection(sel)
	if err != nil {
		return "", err
	}
	countType, err := validateCount(sel)
	if err != nil {
		return "", err
	}
	return tagStatus, validateAction(act, countType)
}

func validateTagSelection(sel map[string]any) (string, error) {
	status, _ := sel["tagStatus"].(string)
	_, hasPrefix := sel["tagPrefixList"]
	_, hasPattern := sel["tagPatternList"]
	switch status {
	case "tagged":
		switch {
		case hasPrefix && hasPattern:
			return "", errors.New("selection has both tagPrefixList and tagPatternList; keep one of them")
		case !hasPrefix && !hasPattern:
			return "", errors.New(`a "tagged" selection needs tagPrefixList or tagPatternList; add for example "tagPatternList": ["release-*"]`)
		}
	case "untagged", "any":
		if hasPrefix || hasPattern {
			return "", fmt.Errorf(`a %q selection cannot have tagPrefixList or tagPatternList; remove them, or use "tagStatus": "tagged"`, status)
		}
		return status, nil
	default:
		return "", badValue(sel, "tagStatus", "selection.tagStatus", `use "tagged", "untagged" or "any"`)
	}
	if hasPrefix {
		if _, err := stringList(sel["tagPrefixList"]); err != nil {
			return "", fmt.Errorf("selection.tagPrefixList: %w", err)
		}
		return status, nil
	}
	patterns, err := stringList(sel["tagPatternList"])
	if err != nil {
		return "", fmt.Errorf("selection.tagPatternList: %w", err)
	}
	for _, p := range patterns {
		if strings.Count(p, "*") > maxTagPatternWildcards {
			return "", fmt.Errorf("selection.tagPatternList entry %q has %d wildcards; ECR allows at most %d '*' per pattern", p, strings.Count(p, "*"), maxTagPatternWildcards)
		}
	}
	return status, nil
}

// validateCount checks countType with its countUnit, countNumber and
// storageClass, and returns the count type.
func validateCount(sel map[string]any) (string, error) {
	ct, _ := sel["countType"].(string)
	since := false
	switch ct {
	case countImageCountMoreThan:
	case countSinceImagePushed, countSinceImagePulled, countSinceImageTransitioned:
		since = true
	default:
		return "", badValue(sel, "countType", "selection.countType", fmt.Sprintf("use one of %s, %s, %s, %s",
			countImageCountMoreThan, countSinceImagePushed, countSinceImagePulled, countSinceImageTransitioned))
	}
	unit, hasUnit := sel["countUnit"]
	switch {
	case since && !hasUnit:
		return "", fmt.Errorf(`countType %s needs a unit; add "countUnit": "days"`, ct)
	case since && unit != "days":
		return "", fmt.Errorf(`selection.countUnit %s is not valid; use "days"`, show(unit))
	case !since && hasUnit:
		return "", fmt.Errorf("countType %s counts images, not days; remove countUnit", ct)
	}
	if _, err := wholeNumber(sel, "countNumber"); err != nil {
		return "", fmt.Errorf("selection.%w", err)
	}
	sc, hasSC := sel["storageClass"]
	switch {
	case ct == countSinceImageTransitioned && !hasSC:
		return "", fmt.Errorf(`countType %s selects archived images; add "storageClass": "archive"`, ct)
	case ct == countSinceImageTransitioned && sc != "archive":
		return "", fmt.Errorf(`selection.storageClass %s is not valid with countType %s; use "archive"`, show(sc), ct)
	case ct != countSinceImageTransitioned && hasSC && sc != "standard":
		return "", fmt.Errorf(`selection.storageClass %s is not valid with countType %s; use "standard" or remove it (archived images are selected with countType %s)`, show(sc), ct, countSinceImageTransitioned)
	}
	return ct, nil
}

func validateAction(act map[string]any, countType string) error {
	target, hasTarget := act["targetStorageClass"]
	switch act["type"] {
	case "expire":
		if hasTarget {
			return errors.New(`action.targetStorageClass only applies to "type": "transition"; remove it`)
		}
	case "transition":
		if !hasTarget {
			return errors.New(`a transition action needs a target; add "targetStorageClass": "archive"`)
		}
		if target != "archive" {
			return fmt.Errorf(`action.targetStorageClass %s is not valid; use "archive"`, show(target))
		}
		if countType == countSinceImageTransitioned {
			return fmt.Errorf(`images selected by %s are already archived; use "type": "expire"`, countType)
		}
	default:
		return badValue(act, "type", "action.type", `use "expire" or "transition"`)
	}
	return nil
}

// object returns obj[key], which must be a JSON object.
func object(obj map[string]any, key, hint string) (map[string]any, error) {
	v, ok := obj[key]
	if !ok {
		return nil, fmt.Errorf("%s is missing; %s", key, hint)
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object, not %s; %s", key, kind(v), hint)
	}
	return o, nil
}

// wholeNumber reads obj[key] as an integer of at least 1. ECR parses these
// as 32-bit integers.
func wholeNumber(obj map[string]any, key string) (int64, error) {
	v, ok := obj[key]
	if !ok {
		return 0, fmt.Errorf("%s is missing; add a whole number of at least 1", key)
	}
	num, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s must be a number, not %s; write it without quotes, for example 1", key, kind(v))
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		if strings.ContainsAny(num.String(), ".eE") {
			return 0, fmt.Errorf("%s %s is not a whole number; use an integer such as 1", key, num)
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

// badValue reports obj[key] as missing or not valid; path names it.
func badValue(obj map[string]any, key, path, hint string) error {
	if v, ok := obj[key]; ok {
		return fmt.Errorf("%s %s is not valid; %s", path, show(v), hint)
	}
	return fmt.Errorf("%s is missing; %s", path, hint)
}

// NormalizeLifecyclePolicy returns a canonical compact text of a lifecycle
// policy: keys sorted, rules ordered by rulePriority, tag lists sorted as
// sets, numbers kept as written and every field kept, known or not. It only
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
