package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// maxLifecycleChars is ECR's limit on a lifecycle policy text (shape
// LifecyclePolicyText).
const maxLifecycleChars = ecrspec.MaxLifecyclePolicyChars

// formatLifecyclePolicy validates a lifecycle policy as ECR does
// (validateLifecyclePolicy) and returns it as ECR stores it: compact, keys
// sorted; with fillDefaults, every selection also names its storage class,
// as ECR may return it. The returned error text completes "Lifecycle policy
// validation failure: ".
func formatLifecyclePolicy(text string, fillDefaults bool) (string, error) {
	v, err := validateLifecyclePolicy(text)
	if err != nil {
		return "", err
	}
	if fillDefaults {
		fillLifecycleDefaults(v)
	}
	return encodeJSON(v, false) // maps marshal with sorted keys
}

// The emulator's own reading of ECR's lifecycle policy documentation (user
// guide, "Lifecycle policy properties", "Lifecycle policy evaluation rules"
// and "Archiving an image"). It is written apart from the action's
// validator (internal/policy) on purpose: the fixture test
// (lifecycle_fixtures_test.go) gives every policy to both, so a rule one of
// them gets wrong shows up as a disagreement instead of passing both.

// lcProperty is one property of ECR's lifecycle policy schema: its JSON
// type, its enum (when it has one), and whether it is required.
type lcProperty struct {
	typ      string // "array", "object", "string", "integer"
	enum     []string
	required bool
}

// The schema ECR validates a policy against, object by object ("Lifecycle
// policy template"). Integers are at least 1.
var (
	lcPolicySchema = map[string]lcProperty{"rules": {typ: "array", required: true}}
	lcRuleSchema   = map[string]lcProperty{
		"rulePriority": {typ: "integer", required: true},
		"description":  {typ: "string"},
		"selection":    {typ: "object", required: true},
		"action":       {typ: "object", required: true},
	}
	lcSelectionSchema = map[string]lcProperty{
		"tagStatus":      {typ: "string", enum: []string{"tagged", "untagged", "any"}, required: true},
		"tagPrefixList":  {typ: "array"},
		"tagPatternList": {typ: "array"},
		"storageClass":   {typ: "string", enum: []string{"standard", "archive"}},
		"countType":      {typ: "string", enum: []string{"imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"}, required: true},
		"countUnit":      {typ: "string", enum: []string{"days"}},
		"countNumber":    {typ: "integer", required: true},
	}
	lcActionSchema = map[string]lcProperty{
		"type":               {typ: "string", enum: []string{"expire", "transition"}, required: true},
		"targetStorageClass": {typ: "string", enum: []string{"archive"}},
	}
)

// Limits documented apart from the schema.
const (
	lcMaxWildcards     = 4  // '*' per tagPatternList entry
	lcMinArchivedDays  = 90 // an archived image is kept at least this long
	lcDefaultStorage   = "standard"
	lcArchivedStorage  = "archive"
	lcCountByNumber    = "imageCountMoreThan"
	lcCountPulled      = "sinceImagePulled"
	lcCountTransitions = "sinceImageTransitioned"
)

// lcRule is what the rules across a policy are checked on.
type lcRule struct {
	priority  int64
	tagStatus string
	storage   string
	prefixes  string // the sorted set of tagPrefixList, "" when absent
}

// validateLifecyclePolicy returns the decoded policy, or ECR's reason for
// refusing it.
func validateLifecyclePolicy(text string) (any, error) {
	if n := utf8.RuneCountInString(text); n > maxLifecycleChars {
		return nil, fmt.Errorf("policy has %d characters, more than the maximum of %d", n, maxLifecycleChars)
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, errors.New("the policy is not a valid JSON object")
	}
	doc, err := lcObject(v, lcPolicySchema)
	if err != nil {
		return nil, err
	}
	list := doc["rules"].([]any)
	if len(list) == 0 {
		return nil, errors.New("array is too short: must have at least 1 elements but instance has 0 elements")
	}
	rules := make([]lcRule, 0, len(list))
	for _, item := range list {
		r, err := lcCheckRule(item)
		if err != nil {
			return nil, err
		}
		for _, o := range rules {
			if o.priority == r.priority {
				return nil, fmt.Errorf("rulePriority %d is used by more than one rule", r.priority)
			}
		}
		rules = append(rules, r)
	}
	return v, lcCheckAcrossRules(rules)
}

// lcObject checks v against an object schema: a JSON object with no other
// property, every required one present and of its type and enum.
func lcObject(v any, schema map[string]lcProperty) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, lcTypeError(v, "object")
	}
	var extra, missing []string
	for k := range obj {
		if _, known := schema[k]; !known {
			extra = append(extra, strconv.Quote(k))
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, fmt.Errorf("object instance has properties which are not allowed by the schema: [%s]", strings.Join(extra, ","))
	}
	for k, p := range schema {
		if _, has := obj[k]; p.required && !has {
			missing = append(missing, strconv.Quote(k))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("object has missing required properties ([%s])", strings.Join(missing, ","))
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) { // one message, whatever the map's order
		if err := lcValue(obj[k], schema[k]); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// lcValue checks one property's value against its type and enum.
func lcValue(v any, p lcProperty) error {
	switch p.typ {
	case "array":
		if _, ok := v.([]any); !ok {
			return lcTypeError(v, "array")
		}
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return lcTypeError(v, "object")
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return lcTypeError(v, "string")
		}
		if p.enum != nil && !slices.Contains(p.enum, s) {
			quoted := make([]string, len(p.enum))
			for i, e := range p.enum {
				quoted[i] = strconv.Quote(e)
			}
			return fmt.Errorf("instance value (%q) not found in enum (possible values: [%s])", s, strings.Join(quoted, ","))
		}
	case "integer":
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(n.String(), ".eE") {
			return lcTypeError(v, "integer")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		switch {
		case err != nil || i > math.MaxInt32: // ECR reads these as 32-bit integers
			return fmt.Errorf("numeric instance is greater than the allowed maximum (maximum: %d, found: %s)", math.MaxInt32, n)
		case i < 1:
			return fmt.Errorf("numeric instance is lower than the required minimum (minimum: 1, found: %d)", i)
		}
	}
	return nil
}

func lcTypeError(v any, want string) error {
	got := "null"
	switch n := v.(type) {
	case map[string]any:
		got = "object"
	case []any:
		got = "array"
	case string:
		got = "string"
	case bool:
		got = "boolean"
	case json.Number:
		got = "number"
		if _, err := n.Int64(); err == nil {
			got = "integer"
		}
	}
	return fmt.Errorf("instance type (%s) does not match any allowed primitive type (allowed: [%q])", got, want)
}

// lcCheckRule checks one rule on its own and returns what the checks across
// rules need.
func lcCheckRule(item any) (lcRule, error) {
	rule, err := lcObject(item, lcRuleSchema)
	if err != nil {
		return lcRule{}, err
	}
	sel, err := lcObject(rule["selection"], lcSelectionSchema)
	if err != nil {
		return lcRule{}, err
	}
	act, err := lcObject(rule["action"], lcActionSchema)
	if err != nil {
		return lcRule{}, err
	}
	priority, _ := rule["rulePriority"].(json.Number).Int64()
	r := lcRule{priority: priority, tagStatus: sel["tagStatus"].(string), storage: lcDefaultStorage}

	// Tag status: "tagged" selects by one list, of prefixes or of patterns;
	// "untagged" and "any" by neither.
	prefixes, hasPrefixes := sel["tagPrefixList"].([]any)
	patterns, hasPatterns := sel["tagPatternList"].([]any)
	switch {
	case r.tagStatus == "tagged" && hasPrefixes == hasPatterns:
		return r, errors.New("a rule with tagStatus tagged must specify exactly one of tagPrefixList and tagPatternList")
	case r.tagStatus != "tagged" && (hasPrefixes || hasPatterns):
		return r, fmt.Errorf("a rule with tagStatus %s must not specify tagPrefixList or tagPatternList", r.tagStatus)
	}
	if (hasPrefixes && len(prefixes) == 0) || (hasPatterns && len(patterns) == 0) {
		return r, errors.New("array is too short: must have at least 1 elements but instance has 0 elements")
	}
	var set []string
	for _, p := range append(slices.Clone(prefixes), patterns...) {
		s, ok := p.(string)
		if !ok {
			return r, lcTypeError(p, "string")
		}
		if hasPatterns && strings.Count(s, "*") > lcMaxWildcards {
			return r, fmt.Errorf("tag pattern %q has more than %d wildcards", s, lcMaxWildcards)
		}
		set = append(set, s)
	}
	if hasPrefixes {
		slices.Sort(set)
		r.prefixes = strings.Join(slices.Compact(set), "\x00") + "\x00"
	}

	// Count: a count of images has no unit; an age is in days. Archived
	// images are selected by the time since their archival, and only they.
	countType := sel["countType"].(string)
	_, hasUnit := sel["countUnit"]
	switch {
	case countType == lcCountByNumber && hasUnit:
		return r, errors.New("countUnit must not be specified with countType imageCountMoreThan")
	case countType != lcCountByNumber && !hasUnit:
		return r, fmt.Errorf("countUnit is required with countType %s", countType)
	}
	storage, hasStorage := sel["storageClass"].(string)
	if hasStorage {
		r.storage = storage
	}
	if (countType == lcCountTransitions) != (r.storage == lcArchivedStorage) {
		return r, fmt.Errorf("countType %s requires storageClass archive, and only it selects archived images", lcCountTransitions)
	}

	// Action: a transition archives, so it names its target; an expiry
	// deletes. Pull times only archive, and archived images stay archived
	// at least 90 days.
	countNumber, _ := sel["countNumber"].(json.Number).Int64()
	_, hasTarget := act["targetStorageClass"]
	switch act["type"] {
	case "transition":
		if !hasTarget {
			return r, errors.New("targetStorageClass is required for a transition action")
		}
		if countType == lcCountTransitions {
			return r, fmt.Errorf("archived images (countType %s) cannot be transitioned", lcCountTransitions)
		}
	case "expire":
		switch {
		case hasTarget:
			return r, errors.New("targetStorageClass is only valid for a transition action")
		case countType == lcCountPulled:
			return r, fmt.Errorf("countType %s is only supported with a transition action", lcCountPulled)
		case countType == lcCountTransitions && countNumber < lcMinArchivedDays:
			return r, fmt.Errorf("archived images can be expired no sooner than %d days after archival", lcMinArchivedDays)
		}
	}
	return r, nil
}

// lcCheckAcrossRules applies the evaluation rules that relate rules to each
// other, within each storage class a rule selects: the "any" rule comes
// last, one rule at most selects untagged images, and no two rules have
// the same set of tag prefixes.
func lcCheckAcrossRules(rules []lcRule) error {
	for i, r := range rules {
		for _, o := range rules[i+1:] {
			if o.storage != r.storage {
				continue
			}
			switch {
			case r.tagStatus == "any" && o.priority > r.priority || o.tagStatus == "any" && r.priority > o.priority:
				return errors.New("a rule with tagStatus any must have the highest rulePriority among the rules of its storage class")
			case r.tagStatus == "untagged" && o.tagStatus == "untagged":
				return errors.New("only one rule can select untagged images in a storage class")
			case r.prefixes != "" && r.prefixes == o.prefixes:
				return errors.New("the rules must contain a unique set of tag prefixes")
			}
		}
	}
	return nil
}

// fillLifecycleDefaults writes out ECR's default storage class in each
// selection that leaves it out.
func fillLifecycleDefaults(v any) {
	doc, _ := v.(map[string]any)
	rules, _ := doc["rules"].([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		if sel, ok := rule["selection"].(map[string]any); ok {
			if _, has := sel["storageClass"]; !has {
				sel["storageClass"] = lcDefaultStorage
			}
		}
	}
}
