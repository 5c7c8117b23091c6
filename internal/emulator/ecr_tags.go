package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

const maxTags = ecrspec.MaxTags

func tooManyTags() *apiError {
	return errf(http.StatusBadRequest, "TooManyTagsException", fmt.Sprintf("Exceeded maximum number of tags: %d", maxTags))
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
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.taggedRepo(c)
	if fail != nil {
		return nil, fail
	}
	tags := make([]wireTag, 0, len(r.Tags))
	for k, v := range r.Tags {
		tags = append(tags, wireTag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return map[string]any{"tags": tags}, nil
}

func (e *Emulator) tagResource(c *ecrCall) (any, *apiError) {
	add, fail := validateTags(c.in.Tags)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.taggedRepo(c)
	if fail != nil {
		return nil, fail
	}
	total := len(r.Tags)
	for k := range add {
		if _, ok := r.Tags[k]; !ok {
			total++
		}
	}
	if total > maxTags {
		return nil, tooManyTags()
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	for k, v := range add {
		r.Tags[k] = v
	}
	return nil, nil
}

func (e *Emulator) untagResource(c *ecrCall) (any, *apiError) {
	if len(c.in.TagKeys) == 0 {
		return nil, invalidParam("tagKeys", "Member must have length greater than or equal to 1")
	}
	for _, k := range c.in.TagKeys {
		if fail := checkTagKey(k); fail != nil {
			return nil, fail
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.taggedRepo(c)
	if fail != nil {
		return nil, fail
	}
	for _, k := range c.in.TagKeys {
		delete(r.Tags, k)
	}
	return nil, nil
}
