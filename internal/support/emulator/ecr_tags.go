package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

func tooManyTags() *apiError {
	return errf(http.StatusBadRequest, "TooManyTagsException", fmt.Sprintf("Exceeded maximum number of tags: %d", ecrspec.MaxTags))
}

func checkTagKey(key string) *apiError {
	if strings.HasPrefix(strings.ToLower(key), ecrspec.ReservedTagPrefix) {
		return errf(http.StatusBadRequest, "InvalidTagParameterException",
			fmt.Sprintf("Invalid tag key '%s': keys with the 'aws:' prefix are reserved", key))
	}
	if n := len([]rune(key)); n < 1 || n > ecrspec.MaxTagKeyChars {
		return errf(http.StatusBadRequest, "InvalidTagParameterException", fmt.Sprintf("Tag keys must be between 1 and %d characters long", ecrspec.MaxTagKeyChars))
	}
	return nil
}

// validateTags checks tags and returns them as a map (later duplicates win).
func validateTags(tags []wireTag) (map[string]string, *apiError) {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		if fail := checkTagKey(t.Key); fail != nil {
			return nil, fail
		}
		if len([]rune(t.Value)) > ecrspec.MaxTagValueChars {
			return nil, errf(http.StatusBadRequest, "InvalidTagParameterException", fmt.Sprintf("Tag values must be at most %d characters long", ecrspec.MaxTagValueChars))
		}
		out[t.Key] = t.Value
	}
	return out, nil
}

// taggedRepo resolves a tag call's resourceArn, subject to eventual
// consistency after creation like every call naming the repository; the
// caller holds e.mu.
func (e *Emulator) taggedRepo(c *ecrCall) (*Repository, *apiError) {
	ref := c.in.resource
	if ref == nil {
		return nil, invalidParam("resourceArn", "Member must not be null")
	}
	if ref.err != nil {
		return nil, ref.err
	}
	return e.visibleRepo(c, ref.account, ref.name)
}

func (e *Emulator) listTagsForResource(c *ecrCall) (any, *apiError) {
	return e.listTags(func() (*map[string]string, *apiError) { return tagsOf(e.taggedRepo(c)) })
}

func (e *Emulator) tagResource(c *ecrCall) (any, *apiError) {
	return e.addTags(c.in.Tags, func() (*map[string]string, *apiError) { return tagsOf(e.taggedRepo(c)) })
}

func (e *Emulator) untagResource(c *ecrCall) (any, *apiError) {
	return e.removeTags(c.in.TagKeys, func() (*map[string]string, *apiError) { return tagsOf(e.taggedRepo(c)) })
}

// tagTarget resolves a tag call's repository to its tags; it runs with
// e.mu held. ECR and ECR Public tag calls differ only in how they find the
// repository.
type tagTarget func() (*map[string]string, *apiError)

func tagsOf(r *Repository, fail *apiError) (*map[string]string, *apiError) {
	if fail != nil {
		return nil, fail
	}
	return &r.Tags, nil
}

func (e *Emulator) listTags(target tagTarget) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	current, fail := target()
	if fail != nil {
		return nil, fail
	}
	tags := make([]wireTag, 0, len(*current))
	for k, v := range *current {
		tags = append(tags, wireTag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return map[string]any{"tags": tags}, nil
}

// addTags validates the tags first, as ECR does, then applies them unless
// the result would exceed the limit. Tags with the reserved aws: prefix
// (CloudFormation's aws:cloudformation:stack-name, ...) may be on the
// resource but do not count: AWS's tagging rules say they do not count
// against the tags-per-resource limit, and users cannot add or remove them
// (checkTagKey).
func (e *Emulator) addTags(in []wireTag, target tagTarget) (any, *apiError) {
	add, fail := validateTags(in)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	current, fail := target()
	if fail != nil {
		return nil, fail
	}
	total := 0
	for k := range *current {
		if !strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix) {
			total++
		}
	}
	for k := range add {
		if _, ok := (*current)[k]; !ok {
			total++
		}
	}
	if total > ecrspec.MaxTags {
		return nil, tooManyTags()
	}
	if *current == nil {
		*current = map[string]string{}
	}
	for k, v := range add {
		(*current)[k] = v
	}
	return nil, nil
}

func (e *Emulator) removeTags(keys []string, target tagTarget) (any, *apiError) {
	if len(keys) == 0 {
		return nil, invalidParam("tagKeys", "Member must have length greater than or equal to 1")
	}
	for _, k := range keys {
		if fail := checkTagKey(k); fail != nil {
			return nil, fail
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	current, fail := target()
	if fail != nil {
		return nil, fail
	}
	for _, k := range keys {
		delete(*current, k)
	}
	return nil, nil
}
