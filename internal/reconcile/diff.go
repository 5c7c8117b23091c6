package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// maxTags is ECR's limit on tags per repository; the "aws:" tags do not
// count against it (diffTags).
const maxTags = ecrspec.MaxTags

// diffAbsent plans state: absent. A missing repository is already as
// declared. An existing one is deleted, unless the images were counted
// (dry-run, force-delete) and it holds some without force: that is refused
// here, before any write.
func diffAbsent(force bool, st State) Change {
	c := Change{Setting: SettingRepository, Action: ActionUnchanged, To: "absent"}
	if !st.Exists {
		return c
	}
	c.Action, c.From, c.deletion = ActionRemove, "present", &deletionPlan{}
	switch {
	case isNotFound(st.ImagesErr):
		// DescribeRepositories found it, DescribeImages (after waiting for
		// it to become visible) did not: most likely someone else deleted
		// it meanwhile. The deletion says which; force-delete would take
		// the images anyway, and without it ECR refuses a repository that
		// holds images.
		c.From = "present (its images could not be counted: DescribeImages no longer finds it)"
	case st.ImagesErr != nil:
		c.Action, c.Error = ActionFailed, "the images could not be counted before the deletion, so nothing was deleted: "+st.ImagesErr.Error()
	case st.Images != nil:
		c.From = imagesString(*st.Images)
		if *st.Images > 0 && !force {
			c.Action, c.Error = ActionFailed, notEmptyError(*st.Images)
		}
	}
	return c
}

// notEmptyError says why a repository with images is not deleted, and the fix.
func notEmptyError(images int) string {
	return fmt.Sprintf("it holds %d image(s) and %v is not set, so nothing was deleted. "+
		"Set %[2]v: true to delete the repository with its images, or delete the images first", images, inputref.ForceDelete)
}

func imagesString(n int) string { return fmt.Sprintf("present, %d image(s)", n) }

func diffEncryption(want Encryption, st State) Change {
	c := Change{Setting: SettingEncryption, Action: ActionCreate, To: encryptionString(want.Type, want.KMSKey)}
	if !st.Exists {
		return c
	}
	gotType, gotKey := st.EncryptionType, st.KMSKey
	if gotType == "" {
		gotType = string(types.EncryptionTypeAes256)
	}
	c.Action, c.From = ActionUnchanged, encryptionString(gotType, gotKey)
	if gotType != want.Type || !kmsKeyMatches(want.KMSKey, gotKey) {
		c.Action = ActionFailed
		c.Error = fmt.Sprintf("the repository is encrypted with %s but %s is declared; ECR sets encryption only when it creates a repository. "+
			"Remove the %v and %v inputs to accept the current encryption, or create a new repository and move the images to change it",
			c.From, c.To, inputref.EncryptionType, inputref.KMSKey)
	}
	return c
}

func diffMutability(want Mutability, st State) Change {
	c := Change{Setting: SettingMutability, Action: ActionCreate, To: mutabilityString(want.Value, want.Filters)}
	if !st.Exists {
		return c
	}
	c.Action, c.From = ActionUnchanged, mutabilityString(st.Mutability, st.ExclusionFilters)
	if c.From != c.To {
		c.Action = ActionUpdate
	}
	return c
}

func diffScanOnPush(want bool, st State) Change {
	c := Change{Setting: SettingScanOnPush, Action: ActionCreate, To: fmt.Sprint(want)}
	if !st.Exists {
		return c
	}
	c.Action, c.From = ActionUnchanged, fmt.Sprint(st.ScanOnPush)
	if st.ScanOnPush != want {
		c.Action = ActionUpdate
	}
	return c
}

// diffTags adds or updates declared tags and, with PruneTags, removes the
// others. Tags under the reserved "aws:" prefix are never removed, and do
// not count against ECR's limit (AWS's tagging rules), so a repository
// CloudFormation created with its three aws:cloudformation:* tags still
// takes 50 declared ones. The count of user tags after the change is checked
// against the limit before any write: TagResource would refuse it, after
// UntagResource already removed tags.
func diffTags(spec Spec, st State) Change {
	c := Change{Setting: SettingTags, Action: ActionUnchanged, To: tagsString(spec.Tags)}
	if !st.Exists {
		if len(spec.Tags) > 0 {
			c.Action, c.tagsSet = ActionCreate, maps.Clone(spec.Tags)
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
	if total := user - len(remove) + added; total > maxTags {
		c.Action = ActionFailed
		c.Error = fmt.Sprintf("the repository would hold %d tags (%d kept, %d added), over ECR's limit of %d per repository (tags with the reserved aws: prefix do not count); nothing was written. Declare fewer tags in %v",
			total, user-len(remove), added, maxTags, inputref.Tags)
		if fits := total - len(undeclared); !spec.PruneTags && fits <= maxTags {
			c.Error += fmt.Sprintf(", or set %v: true to remove the %d tags that are not declared (%d would remain)", inputref.PruneTags, len(undeclared), fits)
		}
		return c
	}
	// The change lists only what differs: "+new=v, key: old -> new, -gone".
	c.Action, c.To = ActionUpdate, strings.Join(parts, ", ")
	if len(set) > 0 {
		c.tagsSet = set
	}
	c.tagsRemove = remove
	return c
}

// isAWSTag reports whether a tag key is under the prefix AWS reserves, in
// any letter case.
func isAWSTag(k string) bool {
	return strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix)
}

// document says how one of the two policy documents compares.
type document struct {
	setting string
	equal   func(a, b string) (bool, error)
}

var lifecyclePolicy = document{SettingLifecyclePolicy, policy.LifecyclePoliciesEqual}

// repositoryPolicy compares repository policies in partition, where ECR
// stores an account ID as that partition's root ARN.
func repositoryPolicy(partition string) document {
	return document{SettingRepositoryPolicy, func(a, b string) (bool, error) {
		return policy.RepositoryPoliciesEqual(a, b, partition)
	}}
}

// diffDocument plans one policy document. cur is the current text (nil: none
// exists) and readErr a failed read, which leaves the setting unreconciled.
func diffDocument(k document, want Document, cur *string, readErr error, exists bool) Change {
	c := Change{Setting: k.setting, Action: ActionUnchanged}
	switch {
	case readErr != nil && exists:
		c.Action, c.Error = ActionFailed, readErr.Error()
	case want.Remove && cur == nil:
		c.To = "none"
	case want.Remove:
		c.Action, c.From, c.To = ActionRemove, "present", "none"
		c.Diff = policy.Diff(*cur, "")
	case cur == nil:
		c.Action, c.From, c.To = ActionCreate, "none", "declared"
		c.Diff = policy.Diff("", want.Text)
	default:
		// A current text that cannot be parsed differs from any valid one.
		if eq, err := k.equal(*cur, want.Text); err == nil && eq {
			c.To = "declared"
			return c
		}
		c.Action, c.From, c.To = ActionUpdate, "differs", "declared"
		c.Diff = policy.Diff(*cur, want.Text)
	}
	return c
}

// kmsKeyMatches compares a declared key with the ARN ECR returns. A key ID
// matches the ARN that ends in it; an alias cannot be resolved without KMS
// access, so it is accepted rather than reported as a false mismatch.
func kmsKeyMatches(want, gotARN string) bool {
	switch {
	case want == "" || want == gotARN:
		return true
	case strings.HasPrefix(want, "arn:"):
		return strings.Contains(want, ":alias/")
	case strings.HasPrefix(want, "alias/"):
		return true
	}
	return strings.HasSuffix(gotARN, ":key/"+want)
}

func encryptionString(typ, key string) string {
	if key == "" {
		return typ
	}
	return typ + " (" + key + ")"
}

func mutabilityString(value string, filters []string) string {
	if value == "" {
		value = string(types.ImageTagMutabilityMutable)
	}
	if len(filters) == 0 {
		return value
	}
	f := slices.Clone(filters)
	slices.Sort(f)
	return value + " [" + strings.Join(slices.Compact(f), ", ") + "]"
}

func tagsString(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

// diffOwnedPolicy plans a repository policy of which the action owns only
// the statements whose Sid starts with prefix: the declared ones are merged
// into the current policy and every other statement is kept in place.
// Only the owned statements are compared, by meaning in partition.
func diffOwnedPolicy(want Document, prefix, partition string, cur *string, readErr error, exists bool) Change {
	c := Change{Setting: SettingRepositoryPolicy, Action: ActionUnchanged}
	if readErr != nil && exists {
		c.Action, c.Error = ActionFailed, readErr.Error()
		return c
	}
	current, declared := "", want.Text
	if cur != nil {
		current = *cur
	}
	if want.Remove {
		declared = ""
	}
	m, err := policy.MergeOwned(current, declared, prefix, partition)
	if err != nil {
		c.Action, c.Error = ActionFailed, err.Error()
		return c
	}
	c.To = ownedSummary("declared", prefix, m)
	switch {
	case !m.Changed:
		return c
	case m.Delete:
		c.Action, c.To = ActionRemove, "none (no statement remains)"
	case cur == nil:
		c.Action = ActionCreate
	default:
		c.Action = ActionUpdate
	}
	c.From = "present"
	if cur == nil {
		c.From = "none"
	}
	c.Diff = m.Diff
	c.owned = &ownedPlan{policy: m.Policy, delete: m.Delete}
	return c
}

// ownedSummary says in one line what happens to the owned statements and
// how many statements of other owners are kept.
func ownedSummary(head, prefix string, m policy.OwnedMerge) string {
	var parts []string
	if head != "" {
		parts = append(parts, head)
	}
	parts = append(parts, fmt.Sprintf("statements with Sid prefix %q: %d added, %d replaced, %d removed, %d unchanged",
		prefix, len(m.Added), len(m.Replaced), len(m.Removed), len(m.Unchanged)))
	parts = append(parts, fmt.Sprintf("%d foreign statement(s) kept", m.ForeignKept))
	return strings.Join(parts, "; ")
}
