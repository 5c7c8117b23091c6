package emulator

import (
	"errors"

	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// maxLifecycleChars is ECR's limit, from the rule shared with the validator.
const maxLifecycleChars = policy.MaxLifecyclePolicyChars

// formatLifecyclePolicy validates a lifecycle policy with ECR's documented
// schema and rules (policy.ValidateLifecyclePolicy, the one implementation
// the action's validator uses too) and returns it as ECR stores it: compact,
// keys sorted; with fillDefaults, every selection also names its storage
// class, as ECR may return it. The returned error text completes
// "Lifecycle policy validation failure: ".
func formatLifecyclePolicy(text string, fillDefaults bool) (string, error) {
	if err := policy.ValidateLifecyclePolicy(text); err != nil {
		var le *policy.LifecycleError
		if errors.As(err, &le) {
			return "", errors.New(le.ECRMessage())
		}
		return "", err
	}
	v, err := decodeJSON(text)
	if err != nil {
		return "", err // validated above: not reached
	}
	if fillDefaults {
		fillLifecycleDefaults(v)
	}
	return encodeJSON(v, false) // maps marshal with sorted keys
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
				sel["storageClass"] = "standard"
			}
		}
	}
}
