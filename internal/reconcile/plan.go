package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// step is one managed setting: what the plan says, and the write that
// carries it out (nil when nothing is to be written).
type step struct {
	change Change
	apply  func(context.Context) error
}

// plan compares the declared settings with the current ones, in a fixed order.
func (r *Reconciler) plan(spec Spec, repo types.Repository, cur current) []step {
	var steps []step
	name, registry := aws.ToString(repo.RepositoryName), repo.RegistryId
	if spec.Encryption != nil {
		steps = append(steps, step{change: encryptionChange(*spec.Encryption, repo.EncryptionConfiguration)})
	}
	if m := spec.Mutability; m != nil {
		from := mutabilityString(string(repo.ImageTagMutability), filterValues(repo.ImageTagMutabilityExclusionFilters))
		to := mutabilityString(m.Value, m.Filters)
		s := step{change: Change{Setting: SettingMutability, Action: ActionUnchanged, From: from, To: to}}
		if from != to {
			s.change.Action = ActionUpdate
			s.apply = func(ctx context.Context) error {
				_, err := r.ECR.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
					RepositoryName: &name, RegistryId: registry,
					ImageTagMutability:                 types.ImageTagMutability(m.Value),
					ImageTagMutabilityExclusionFilters: exclusionFilters(m.Filters),
				})
				return awsError("PutImageTagMutability", err)
			}
		}
		steps = append(steps, s)
	}
	if spec.ScanOnPush != nil {
		want := *spec.ScanOnPush
		got := repo.ImageScanningConfiguration != nil && repo.ImageScanningConfiguration.ScanOnPush
		s := step{change: Change{Setting: SettingScanOnPush, Action: ActionUnchanged, From: fmt.Sprint(got), To: fmt.Sprint(want)}}
		if got != want {
			s.change.Action = ActionUpdate
			s.apply = func(ctx context.Context) error {
				_, err := r.ECR.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
					RepositoryName: &name, RegistryId: registry,
					ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: want},
				})
				return awsError("PutImageScanningConfiguration", err)
			}
		}
		steps = append(steps, s)
	}
	if tagsManaged(spec) {
		steps = append(steps, r.tagsStep(spec, aws.ToString(repo.RepositoryArn), cur))
	}
	if d := spec.RepositoryPolicy; d != nil {
		steps = append(steps, r.documentStep(repositoryPolicyKind(r, name, registry), d, cur.policy, cur.policyErr))
	}
	if d := spec.LifecyclePolicy; d != nil {
		steps = append(steps, r.documentStep(lifecyclePolicyKind(r, name, registry), d, cur.lifecycle, cur.lifecycleErr))
	}
	return steps
}

// creationSteps describes what CreateRepository sets, and the policy writes
// that must follow it. Nothing exists yet, so nothing is read.
func (r *Reconciler) creationSteps(spec Spec, name string) []step {
	steps := []step{{change: Change{Setting: SettingRepository, Action: ActionCreate, To: name}}}
	if e := spec.Encryption; e != nil {
		steps = append(steps, step{change: Change{Setting: SettingEncryption, Action: ActionCreate, To: encryptionString(e.Type, e.KMSKey)}})
	}
	if m := spec.Mutability; m != nil {
		steps = append(steps, step{change: Change{Setting: SettingMutability, Action: ActionCreate, To: mutabilityString(m.Value, m.Filters)}})
	}
	if spec.ScanOnPush != nil {
		steps = append(steps, step{change: Change{Setting: SettingScanOnPush, Action: ActionCreate, To: fmt.Sprint(*spec.ScanOnPush)}})
	}
	if len(spec.Tags) > 0 {
		steps = append(steps, step{change: Change{Setting: SettingTags, Action: ActionCreate, To: tagsString(spec.Tags)}})
	} else if tagsManaged(spec) {
		steps = append(steps, step{change: Change{Setting: SettingTags, Action: ActionUnchanged}})
	}
	registry := optional(spec.RegistryID)
	if d := spec.RepositoryPolicy; d != nil {
		steps = append(steps, r.documentStep(repositoryPolicyKind(r, name, registry), d, nil, nil))
	}
	if d := spec.LifecyclePolicy; d != nil {
		steps = append(steps, r.documentStep(lifecyclePolicyKind(r, name, registry), d, nil, nil))
	}
	return steps
}

func createInput(spec Spec) *ecr.CreateRepositoryInput {
	in := &ecr.CreateRepositoryInput{RepositoryName: &spec.Name, RegistryId: optional(spec.RegistryID)}
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(spec.Tags[k])})
	}
	if m := spec.Mutability; m != nil {
		in.ImageTagMutability = types.ImageTagMutability(m.Value)
		in.ImageTagMutabilityExclusionFilters = exclusionFilters(m.Filters)
	}
	if spec.ScanOnPush != nil {
		in.ImageScanningConfiguration = &types.ImageScanningConfiguration{ScanOnPush: *spec.ScanOnPush}
	}
	if e := spec.Encryption; e != nil {
		in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(e.Type), KmsKey: optional(e.KMSKey)}
	}
	return in
}

// tagsStep adds or updates declared tags and, with PruneTags, removes the
// others. Tags under the reserved "aws:" prefix are never touched.
func (r *Reconciler) tagsStep(spec Spec, arn string, cur current) step {
	s := step{change: Change{Setting: SettingTags, Action: ActionUnchanged, To: tagsString(spec.Tags)}}
	if cur.tagsErr != nil {
		s.change.Action, s.change.Error = ActionFailed, cur.tagsErr.Error()
		return s
	}
	var set []types.Tag
	var remove, parts []string
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
		v := spec.Tags[k]
		old, ok := cur.tags[k]
		switch {
		case !ok:
			parts = append(parts, "+"+k+"="+v)
		case old != v:
			parts = append(parts, k+": "+old+" -> "+v)
		default:
			continue
		}
		set = append(set, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if spec.PruneTags {
		for _, k := range slices.Sorted(maps.Keys(cur.tags)) {
			if _, keep := spec.Tags[k]; !keep && !strings.HasPrefix(strings.ToLower(k), "aws:") {
				remove = append(remove, k)
				parts = append(parts, "-"+k)
			}
		}
	}
	if len(parts) == 0 {
		return s
	}
	// The change lists only what differs: "+new=v, key: old -> new, -gone".
	s.change.Action = ActionUpdate
	s.change.To = strings.Join(parts, ", ")
	s.apply = func(ctx context.Context) error {
		errs := make([]error, 2)
		parallel(
			func() {
				if len(set) > 0 {
					_, err := r.ECR.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: &arn, Tags: set})
					errs[0] = awsError("TagResource", err)
				}
			},
			func() {
				if len(remove) > 0 {
					_, err := r.ECR.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: &arn, TagKeys: remove})
					errs[1] = awsError("UntagResource", err)
				}
			},
		)
		return joinErrors(errs...)
	}
	return s
}

func encryptionChange(want Encryption, got *types.EncryptionConfiguration) Change {
	gotType, gotKey := "AES256", ""
	if got != nil {
		gotType, gotKey = string(got.EncryptionType), aws.ToString(got.KmsKey)
	}
	c := Change{Setting: SettingEncryption, Action: ActionUnchanged, From: encryptionString(gotType, gotKey), To: encryptionString(want.Type, want.KMSKey)}
	if gotType != want.Type || !kmsKeyMatches(want.KMSKey, gotKey) {
		c.Action = ActionFailed
		c.Error = fmt.Sprintf("the repository is encrypted with %s but %s is declared; ECR sets encryption only when it creates a repository. "+
			"Remove the encryption-type and kms-key inputs to accept the current encryption, or create a new repository and move the images to change it",
			c.From, c.To)
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
		value = "MUTABLE"
	}
	if len(filters) == 0 {
		return value
	}
	f := slices.Clone(filters)
	slices.Sort(f)
	return value + " [" + strings.Join(slices.Compact(f), ", ") + "]"
}

func filterValues(fs []types.ImageTagMutabilityExclusionFilter) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, aws.ToString(f.Filter))
	}
	return out
}

func exclusionFilters(filters []string) []types.ImageTagMutabilityExclusionFilter {
	var out []types.ImageTagMutabilityExclusionFilter
	for _, f := range filters {
		out = append(out, types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	return out
}

func tagsString(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}
