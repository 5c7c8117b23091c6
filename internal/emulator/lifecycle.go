package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

const maxLifecycleChars = 30720

// formatLifecyclePolicy validates a lifecycle policy the way ECR does and
// returns it as ECR stores it: compact, keys sorted. The returned error text
// completes "Lifecycle policy validation failure: ".
func formatLifecyclePolicy(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n > maxLifecycleChars {
		return "", fmt.Errorf("policy has %d characters, more than the maximum of %d", n, maxLifecycleChars)
	}
	v, err := decodeJSON(text)
	if err != nil {
		return "", fmt.Errorf("invalid JSON: %v", err)
	}
	if err := validateLifecycle(v); err != nil {
		return "", err
	}
	return encodeJSON(v, false) // maps marshal with sorted keys
}

func validateLifecycle(v any) error {
	doc, ok := v.(map[string]any)
	if !ok {
		return errors.New("the policy must be a JSON object")
	}
	if err := allowedProps(doc, "rules"); err != nil {
		return err
	}
	rules, _ := doc["rules"].([]any)
	if len(rules) == 0 {
		return errors.New(`object has missing required properties (["rules"]) or "rules" is empty`)
	}
	priorities := map[int64]bool{}
	var anyPriorities []int64
	highest := int64(0)
	for i, rv := range rules {
		prio, tagStatus, err := validateRule(rv)
		if err != nil {
			return fmt.Errorf("rules[%d]: %w", i, err)
		}
		if priorities[prio] {
			return fmt.Errorf("rulePriority %d is used by more than one rule", prio)
		}
		priorities[prio] = true
		highest = max(highest, prio)
		if tagStatus == "any" {
			anyPriorities = append(anyPriorities, prio)
		}
	}
	for _, p := range anyPriorities {
		if p != highest {
			return errors.New("a rule with tagStatus 'any' must have the highest rulePriority")
		}
	}
	return nil
}

// validateRule checks one rule and returns its priority and tag status.
func validateRule(v any) (int64, string, error) {
	rule, ok := v.(map[string]any)
	if !ok {
		return 0, "", errors.New("a rule must be a JSON object")
	}
	if err := allowedProps(rule, "rulePriority", "description", "selection", "action"); err != nil {
		return 0, "", err
	}
	prio, ok := positiveInt(rule["rulePriority"])
	if !ok {
		return 0, "", errors.New("rulePriority must be an integer of at least 1")
	}
	if d, ok := rule["description"]; ok {
		if _, isString := d.(string); !isString {
			return 0, "", errors.New("description must be a string")
		}
	}
	sel, ok := rule["selection"].(map[string]any)
	if !ok {
		return 0, "", errors.New(`object has missing required properties (["selection"])`)
	}
	tagStatus, countType, err := validateSelection(sel)
	if err != nil {
		return 0, "", fmt.Errorf("selection: %w", err)
	}
	act, ok := rule["action"].(map[string]any)
	if !ok {
		return 0, "", errors.New(`object has missing required properties (["action"])`)
	}
	if err := validateAction(act, countType); err != nil {
		return 0, "", fmt.Errorf("action: %w", err)
	}
	return prio, tagStatus, nil
}

func validateSelection(sel map[string]any) (tagStatus, countType string, err error) {
	if err := allowedProps(sel, "tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit", "countNumber", "storageClass"); err != nil {
		return "", "", err
	}
	tagStatus, _ = sel["tagStatus"].(string)
	prefixes, hasPrefixes, err := stringList(sel, "tagPrefixList")
	if err != nil {
		return "", "", err
	}
	patterns, hasPatterns, err := stringList(sel, "tagPatternList")
	if err != nil {
		return "", "", err
	}
	switch tagStatus {
	case "tagged":
		if len(prefixes) == 0 && len(patterns) == 0 {
			return "", "", errors.New("tagPrefixList or tagPatternList is required when tagStatus is 'tagged'")
		}
		if hasPrefixes && hasPatterns {
			return "", "", errors.New("tagPrefixList and tagPatternList cannot both be specified")
		}
	case "untagged", "any":
		if hasPrefixes || hasPatterns {
			return "", "", fmt.Errorf("tagPrefixList and tagPatternList are only allowed when tagStatus is 'tagged', not '%s'", tagStatus)
		}
	default:
		return "", "", errors.New("tagStatus must be one of 'tagged', 'untagged' or 'any'")
	}

	countType, _ = sel["countType"].(string)
	unit, hasUnit := sel["countUnit"]
	storage, hasStorage := sel["storageClass"]
	switch countType {
	case "imageCountMoreThan":
		if hasUnit {
			return "", "", errors.New("countUnit is not allowed when countType is 'imageCountMoreThan'")
		}
	case "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned":
		if unit != "days" {
			return "", "", fmt.Errorf("countUnit must be 'days' when countType is '%s'", countType)
		}
	default:
		return "", "", errors.New("countType must be one of 'imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled' or 'sinceImageTransitioned'")
	}
	if countType == "sinceImageTransitioned" {
		if storage != "archive" {
			return "", "", errors.New("storageClass 'archive' is required when countType is 'sinceImageTransitioned'")
		}
	} else if hasStorage {
		return "", "", errors.New("storageClass is only allowed when countType is 'sinceImageTransitioned'")
	}
	if _, ok := positiveInt(sel["countNumber"]); !ok {
		return "", "", errors.New("countNumber must be an integer of at least 1")
	}
	return tagStatus, countType, nil
}

func validateAction(act map[string]any, countType string) error {
	if err := allowedProps(act, "type", "targetStorageClass"); err != nil {
		return err
	}
	target, hasTarget := act["targetStorageClass"]
	switch act["type"] {
	case "expire":
		if hasTarget {
			return errors.New("targetStorageClass is only allowed when type is 'transition'")
		}
	case "transition":
		if target != "archive" {
			return errors.New("targetStorageClass 'archive' is required when type is 'transition'")
		}
		if countType == "sinceImageTransitioned" {
			return errors.New("type 'transition' cannot be used with countType 'sinceImageTransitioned'")
		}
	default:
		return errors.New("type must be 'expire' or 'transition'")
	}
	return nil
}

func allowedProps(m map[string]any, allowed ...string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("object instance has properties which are not allowed by the schema: [%q]", k)
		}
	}
	return nil
}

// stringList reads an optional list of non-empty strings.
func stringList(m map[string]any, key string) ([]string, bool, error) {
	v, ok := m[key]
	if !ok {
		return nil, false, nil
	}
	values, isList, valid := stringOrList(v)
	if !isList || !valid {
		return nil, true, fmt.Errorf("%s must be a non-empty array of strings", key)
	}
	return values, true, nil
}

func positiveInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil && i >= 1
}
