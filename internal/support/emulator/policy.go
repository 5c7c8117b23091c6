package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

const maxPolicyChars = ecrspec.MaxRepositoryPolicyChars

func invalidPolicy() *apiError {
	return invalidParam("PolicyText", "Invalid repository policy provided")
}

var errInvalidPolicy = errors.New("invalid repository policy")

// formattedPolicy is a repository policy as ECR stores and returns it.
type formattedPolicy struct {
	text       string
	principals []string // AWS principals (expanded), for eventual-consistency checks
}

// formatRepositoryPolicy validates a repository policy the way ECR does and
// re-serialises it the way ECR returns it: pretty-printed, keys in a fixed
// order, bare account principals expanded to the root ARN of partition (the
// repository's: arn:aws-cn:iam::ID:root in cn-north-1), AWS principal lists
// sorted. The meaning is kept; the text is not. With fillDefaults (Options.
// FillPolicyDefaults) a missing Version is stored as "2008-10-17" and
// principal and action lists lose duplicates.
func formatRepositoryPolicy(text, partition string, fillDefaults bool) (formattedPolicy, error) {
	if utf8.RuneCountInString(text) > maxPolicyChars {
		return formattedPolicy{}, errInvalidPolicy
	}
	v, err := decodeJSON(text)
	if err != nil {
		return formattedPolicy{}, errInvalidPolicy
	}
	doc, ok := v.(map[string]any)
	if !ok || !onlyKeys(doc, "Version", "Id", "Statement") {
		return formattedPolicy{}, errInvalidPolicy
	}
	var out ordered
	if v, ok := doc["Version"]; ok {
		if s, _ := v.(string); s != "2012-10-17" && s != "2008-10-17" {
			return formattedPolicy{}, errInvalidPolicy
		}
		out = append(out, member{"Version", v})
	} else if fillDefaults {
		out = append(out, member{"Version", "2008-10-17"})
	}
	if v, ok := doc["Id"]; ok {
		if _, isString := v.(string); !isString {
			return formattedPolicy{}, errInvalidPolicy
		}
		out = append(out, member{"Id", v})
	}
	stmts, ok := doc["Statement"].([]any)
	if single, isObject := doc["Statement"].(map[string]any); isObject {
		stmts, ok = []any{single}, true
	}
	if !ok || len(stmts) == 0 {
		return formattedPolicy{}, errInvalidPolicy
	}
	var principals []string
	formatted := make([]any, len(stmts))
	for i, s := range stmts {
		st, ps, err := formatStatement(s, partition, fillDefaults)
		if err != nil {
			return formattedPolicy{}, err
		}
		formatted[i] = st
		principals = append(principals, ps...)
	}
	out = append(out, member{"Statement", formatted})
	pretty, err := encodeJSON(out, true)
	if err != nil {
		return formattedPolicy{}, err
	}
	return formattedPolicy{text: pretty, principals: principals}, nil
}

func formatStatement(v any, partition string, dedupe bool) (ordered, []string, error) {
	st, ok := v.(map[string]any)
	// Resource and NotResource are rejected: the repository is the resource.
	if !ok || !onlyKeys(st, "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition") {
		return nil, nil, errInvalidPolicy
	}
	if effect, _ := st["Effect"].(string); effect != "Allow" && effect != "Deny" {
		return nil, nil, errInvalidPolicy
	}
	if !exactlyOne(st, "Principal", "NotPrincipal") || !exactlyOne(st, "Action", "NotAction") {
		return nil, nil, errInvalidPolicy
	}
	if sid, ok := st["Sid"]; ok {
		if _, isString := sid.(string); !isString {
			return nil, nil, errInvalidPolicy
		}
	}
	if cond, ok := st["Condition"]; ok && !isConditionBlock(cond) {
		return nil, nil, errInvalidPolicy
	}
	if !grammatical(st) {
		return nil, nil, errInvalidPolicy
	}
	var out ordered
	var principals []string
	for _, key := range []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition"} {
		v, ok := st[key]
		if !ok {
			continue
		}
		switch key {
		case "Principal", "NotPrincipal":
			p, aws, err := formatPrincipal(v, partition, dedupe)
			if err != nil {
				return nil, nil, err
			}
			v, principals = p, aws
		case "Action", "NotAction":
			values, isList, ok := stringOrList(v)
			if !ok {
				return nil, nil, errInvalidPolicy
			}
			if dedupe && isList {
				v = uniqueInOrder(values)
			}
		}
		out = append(out, member{key, v})
	}
	return out, principals, nil
}

var (
	principalARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:(?:iam|sts)::` + ecrspec.RegistryIDPattern + `:\S+$`)
)

// formatPrincipal validates a Principal element, expands bare account IDs
// to partition's root ARNs and sorts AWS principal lists. It returns the
// AWS principals.
func formatPrincipal(v any, partition string, dedupe bool) (any, []string, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, nil, errInvalidPolicy
		}
		return s, nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || !onlyKeys(m, "AWS", "Service", "Federated", "CanonicalUser") {
		return nil, nil, errInvalidPolicy
	}
	out := make(map[string]any, len(m))
	var aws []string
	for k, v := range m {
		values, isList, ok := stringOrList(v)
		if !ok {
			return nil, nil, errInvalidPolicy
		}
		if k != "AWS" {
			if dedupe && isList {
				v = uniqueInOrder(values)
			}
			out[k] = v
			continue
		}
		for i, p := range values {
			switch {
			case ecrspec.IsAccountID(p):
				values[i] = "arn:" + partition + ":iam::" + p + ":root"
			case p == "*" || principalARNRE.MatchString(p):
			default:
				return nil, nil, errInvalidPolicy
			}
		}
		aws = values
		if isList {
			slices.Sort(values)
			if dedupe {
				values = slices.Compact(values)
			}
			out[k] = values
		} else {
			out[k] = values[0]
		}
	}
	return out, aws, nil
}

// uniqueInOrder returns values without repeats, first occurrences kept.
func uniqueInOrder(values []string) []string {
	seen := map[string]bool{}
	out := values[:0:0]
	for _, s := range values {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// stringOrList reads a policy value that is a string or a non-empty list of
// non-empty strings.
func stringOrList(v any) (values []string, isList, ok bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, false, t != ""
	case []any:
		if len(t) == 0 {
			return nil, true, false
		}
		values = make([]string, len(t))
		for i, x := range t {
			s, isString := x.(string)
			if !isString || s == "" {
				return nil, true, false
			}
			values[i] = s
		}
		return values, true, true
	}
	return nil, false, false
}

func isConditionBlock(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, inner := range m {
		if _, ok := inner.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func onlyKeys(m map[string]any, allowed ...string) bool {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

func exactlyOne(m map[string]any, a, b string) bool {
	_, hasA := m[a]
	_, hasB := m[b]
	return hasA != hasB
}

// decodeJSON parses exactly one JSON value, keeping numbers as written.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeJSON serialises v without HTML escaping (ECR does not escape <, >
// and &), compact or indented by two spaces.
func encodeJSON(v any, indent bool) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// ordered is a JSON object that keeps its members in the given order.
type ordered []member

type member struct {
	key string
	val any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := encodeJSON(m.key, false)
		if err != nil {
			return nil, err
		}
		v, err := encodeJSON(m.val, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.key, err)
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
