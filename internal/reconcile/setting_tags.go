package reconcile

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingTags is the repository's tags.
const SettingTags = "tags"

var tags = setting{
	name:    SettingTags,
	order:   50,
	managed: tagsManaged,
	inputs:  []inputref.Ref{inputref.Tags, inputref.PruneTags},
	declare: func(d Declarations, spec *Spec) {
		spec.Tags = Take[map[string]string](d, inputref.Tags)(parseTags(d.Text(inputref.Tags)))
		spec.PruneTags = d.Flag(inputref.PruneTags)
	},
	read: &settingRead{
		op:    "ListTagsForResource",
		byARN: true,
		call: func(r *Reconciler, ctx context.Context, at repoRef) (any, error) {
			return r.ECR.ListTagsForResource(ctx, at.arn)
		},
		put: func(st *state, tags any, err error) { st.Tags, _ = tags.(map[string]string); st.TagsErr = err },
	},
	diff:  func(spec Spec, st state, _ string) Change { return diffTags(spec, st) },
	write: (*Reconciler).updateTags,
	create: func(spec Spec, c *creation) {
		c.req.Tags = spec.Tags
		if len(spec.Tags) > 0 {
			// IAM authorises tag-on-create as ecr:TagResource as well.
			c.also = append(c.also, "TagResource")
		}
	},
	template: templateTags,
	private:  true,
	public:   true,
	iam: iamActions{
		reads:  []string{"ListTagsForResource"},
		writes: []string{"TagResource", "UntagResource"},
	},
}

type tagsSpec struct {
	// Tags lists tags that must exist with these values. Other tags are left
	// alone unless PruneTags is set ("aws:" tags are never removed).
	Tags      map[string]string
	PruneTags bool
}

type tagsState struct {
	Tags    map[string]string
	TagsErr error
}

func tagsManaged(spec Spec) bool { return spec.Tags != nil || spec.PruneTags }

// tagsPlan is what the tags write sends: tags to add or update, keys to
// remove. Computed by diff so that the write only carries it out.
type tagsPlan struct {
	set    map[string]string
	remove []string
}

// diffTags adds or updates declared tags and, with PruneTags, removes the
// others. Tags under the reserved "aws:" prefix are never removed, and do
// not count against ECR's limit (AWS's tagging rules), so a repository
// CloudFormation created with its three aws:cloudformation:* tags still
// takes 50 declared ones. The count of user tags after the change is checked
// against the limit before any write: TagResource would refuse it, after
// UntagResource already removed tags.
func diffTags(spec Spec, st state) Change {
	c := Change{Setting: SettingTags, Action: ActionUnchanged, To: tagsString(spec.Tags)}
	if !st.Exists {
		if len(spec.Tags) > 0 {
			c.Action, c.plan = ActionCreate, &tagsPlan{set: maps.Clone(spec.Tags)}
		} else {
			c.To = ""
		}
		return c
	}
	if st.TagsErr != nil {
		c.Action, c.Error = ActionFailed, st.TagsErr.Error()
		return c
	}
	var parts []string
	set := map[string]string{}
	added := 0
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
		v := spec.Tags[k]
		old, ok := st.Tags[k]
		switch {
		case !ok:
			parts = append(parts, "+"+k+"="+v)
			added++
		case old != v:
			parts = append(parts, k+": "+old+" -> "+v)
		default:
			continue
		}
		set[k] = v
	}
	var remove, undeclared []string
	user := 0
	for _, k := range slices.Sorted(maps.Keys(st.Tags)) {
		if isAWSTag(k) {
			continue
		}
		user++
		if _, keep := spec.Tags[k]; !keep {
			undeclared = append(undeclared, k)
		}
	}
	if spec.PruneTags {
		remove = undeclared
		for _, k := range remove {
			parts = append(parts, "-"+k)
		}
	}
	if len(parts) == 0 {
		return c
	}
	if total := user - len(remove) + added; total > ecrspec.MaxTags {
		c.Action = ActionFailed
		c.Error = fmt.Sprintf("the repository would hold %d tags (%d kept, %d added), over ECR's limit of %d per repository (tags with the reserved aws: prefix do not count); nothing was written. Declare fewer tags in %v",
			total, user-len(remove), added, ecrspec.MaxTags, inputref.Tags)
		if fits := total - len(undeclared); !spec.PruneTags && fits <= ecrspec.MaxTags {
			c.Error += fmt.Sprintf(", or set %v: true to remove the %d tags that are not declared (%d would remain)", inputref.PruneTags, len(undeclared), fits)
		}
		return c
	}
	// The change lists only what differs: "+new=v, key: old -> new, -gone".
	c.Action, c.To = ActionUpdate, strings.Join(parts, ", ")
	p := &tagsPlan{remove: remove}
	if len(set) > 0 {
		p.set = set
	}
	c.plan = p
	return c
}

// templateTags reports whether a repository created with a template's tags
// would need a tag write: a declared tag missing or with another value, or
// with prune-tags, a tag that is not declared (diffTags).
func templateTags(spec Spec, t registry.Template, _ string) (*templateDiff, error) {
	if diffTags(spec, state{Exists: true, Tags: t.ResourceTags}).Action == ActionUnchanged {
		return nil, nil
	}
	return &templateDiff{setting: inputref.Tags.String(), template: cmp.Or(tagsString(t.ResourceTags), "no tags"), declared: cmp.Or(tagsString(spec.Tags), "no tags")}, nil
}

// isAWSTag reports whether a tag key is under the prefix AWS reserves, in
// any letter case.
func isAWSTag(k string) bool {
	return strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix)
}

func tagsString(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

// updateTags removes, then adds: near the 50-tag limit an addition that
// lands before the removal would be refused with TooManyTagsException.
func (r *Reconciler) updateTags(ctx context.Context, _ Spec, repo Repository, c Change) error {
	arn := repo.ARN
	p := planOf[*tagsPlan](c)
	if p == nil {
		return nil
	}
	if len(p.remove) > 0 {
		err := r.whileInvisible(ctx, "UntagResource", func() error {
			return r.ECR.UntagResource(ctx, arn, p.remove)
		})
		if err != nil {
			return err
		}
	}
	if len(p.set) == 0 {
		return nil
	}
	return r.whileInvisible(ctx, "TagResource", func() error {
		return r.ECR.TagResource(ctx, arn, p.set)
	})
}

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// parseTags reads tags written as key=value pairs (one per line or separated
// by commas; a value may contain "=") or as a JSON object of strings. Empty
// input means tags are not managed. An error says where in the input the
// problem is (entry N, or line and column of JSON) and repeats only a
// short prefix of what it quotes.
func parseTags(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var pairs []tagPair
	var err error
	if strings.HasPrefix(s, "{") {
		pairs, err = jsonTags(s)
	} else {
		pairs, err = lineTags(s)
	}
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, p := range pairs {
		k, v := p.key, p.value
		if err := checkTag(k, v); err != nil {
			return nil, fmt.Errorf("%s: %w", p.where, err)
		}
		if old, dup := tags[k]; dup && old != v {
			return nil, fmt.Errorf("%s: tag key %q is given twice with different values (%q and %q); keep one", p.where, shown(k), shown(old), shown(v))
		}
		tags[k] = v
	}
	if len(tags) > ecrspec.MaxTags {
		return nil, fmt.Errorf("%d tags given; ECR allows at most %d per repository; remove some", len(tags), ecrspec.MaxTags)
	}
	return tags, nil
}

// tagPair is one tag as written, with where it was written.
type tagPair struct{ key, value, where string }

func lineTags(s string) ([]tagPair, error) {
	var pairs []tagPair
	for i, item := range inputref.List(s) {
		where := fmt.Sprintf("entry %d", i+1)
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf(`%s: tag %q has no "="; write key=value (key= for an empty value), one per line or separated by commas`, where, shown(item))
		}
		pairs = append(pairs, tagPair{strings.TrimSpace(k), strings.TrimSpace(v), where})
	}
	return pairs, nil
}

// jsonTags decodes a JSON object of strings, keeping duplicate keys so they
// can be reported rather than silently collapsed.
func jsonTags(s string) ([]tagPair, error) {
	const hint = `write a JSON object of strings such as {"team": "web", "env": "prod"}, or key=value lines`
	dec := json.NewDecoder(strings.NewReader(s))
	invalid := func(err error) error {
		return fmt.Errorf("tags are not valid JSON at %s: %v; %s", position(s, int(dec.InputOffset())), err, hint)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalid(err)
	}
	var pairs []tagPair
	for dec.More() {
		// The key starts after the separators that follow the previous
		// token.
		start := int(dec.InputOffset())
		start += len(s[start:]) - len(strings.TrimLeft(s[start:], ", \t\r\n"))
		where := position(s, start)
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid(err)
		}
		key := tok.(string) // the decoder guarantees a string key here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid(err)
		}
		var value string
		if err := json.Unmarshal(raw, &value); err != nil || string(raw) == "null" {
			return nil, fmt.Errorf(`%s: tag %q has the value %s, which is not a string; quote it, for example "%s": "1"`, where, shown(key), shown(raw), shown(key))
		}
		pairs = append(pairs, tagPair{key, value, where})
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("tags have text after the JSON object, at %s; %s", position(s, int(dec.InputOffset())), hint)
	}
	return pairs, nil
}

func checkTag(k, v string) error {
	const charset = "letters, digits, spaces and _ . : / = + - @"
	kn, vn := utf8.RuneCountInString(k), utf8.RuneCountInString(v)
	switch {
	case k == "":
		return fmt.Errorf("a tag has an empty key (value %q); write key=value", shown(v))
	case kn > ecrspec.MaxTagKeyChars:
		return fmt.Errorf("tag key %q is %d characters; use at most %d", shown(k), kn, ecrspec.MaxTagKeyChars)
	case vn > ecrspec.MaxTagValueChars:
		return fmt.Errorf("the value of tag %q is %d characters; use at most %d", shown(k), vn, ecrspec.MaxTagValueChars)
	case strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix):
		return fmt.Errorf(`tag key %q starts with "aws:", which is reserved for AWS; use another key`, shown(k))
	case !tagChars.MatchString(k):
		return fmt.Errorf("tag key %q has characters AWS does not allow in tags; use only %s", shown(k), charset)
	case !tagChars.MatchString(v):
		return fmt.Errorf("the value of tag %q has characters AWS does not allow in tags; use only %s", shown(k), charset)
	}
	return nil
}

// position names where in a multi-line value offset falls, as "line L,
// column C" (both from 1, columns in characters).
func position(text string, offset int) string {
	offset = min(max(offset, 0), len(text))
	before := text[:offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}
