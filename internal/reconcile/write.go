package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// One write function per setting, as terraform-provider-aws's ECR resources
// have one update function per attribute. Each takes the declared spec,
// the repository and the change diff planned, and writes only that.
type writeFunc func(r *Reconciler, ctx context.Context, spec Spec, repo Repository, c Change) error

// writeFor returns the write for a change; nil for the settings ECR cannot
// change on an existing repository (encryption) and for the creation of
// the repository, which apply makes first.
func writeFor(c Change) writeFunc {
	switch c.Setting {
	case SettingRepository:
		if c.Action == ActionRemove {
			return (*Reconciler).deleteRepository
		}
	case SettingMutability:
		return (*Reconciler).updateMutability
	case SettingScanOnPush:
		return (*Reconciler).updateScanOnPush
	case SettingTags:
		return (*Reconciler).updateTags
	case SettingRepositoryPolicy:
		return (*Reconciler).updateRepositoryPolicy
	case SettingLifecyclePolicy:
		return (*Reconciler).updateLifecyclePolicy
	case SettingCatalog:
		return (*Reconciler).updateCatalog
	}
	return nil
}

// setAtCreation reports whether CreateRepository sets the setting itself.
func setAtCreation(setting string) bool {
	switch setting {
	case SettingEncryption, SettingMutability, SettingScanOnPush, SettingTags, SettingCatalog:
		return true
	}
	return false
}

// createRepository creates the repository with every setting ECR accepts
// at creation. A RepositoryAlreadyExistsException comes back as is.
func (r *Reconciler) createRepository(ctx context.Context, spec Spec) (Repository, error) {
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
	kms := false
	if e := spec.Encryption; e != nil {
		in.EncryptionConfiguration = &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(e.Type), KmsKey: optional(e.KMSKey)}
		kms = e.Type != string(types.EncryptionTypeAes256)
	}
	out, err := r.createWith(ctx, spec, in)
	switch {
	case isAlreadyExists(err):
		return Repository{}, err
	case err != nil && kms && is[*types.KmsException](err):
		// ECR calls KMS with the caller's credentials to check the key and
		// grant itself its use.
		return Repository{}, fmt.Errorf("ecr:CreateRepository could not use the KMS key: with %v %s the credentials also need "+
			"kms:DescribeKey and kms:CreateGrant on the key (ECR calls KMS on the caller's behalf), and the key must be enabled and in this region: %w",
			inputref.EncryptionType, spec.Encryption.Type, awsError("CreateRepository", err))
	case err != nil:
		// IAM authorises tag-on-create as ecr:TagResource as well.
		var also []string
		if len(in.Tags) > 0 {
			also = append(also, "TagResource")
		}
		return Repository{}, awsErrorActions("CreateRepository", err, also...)
	}
	if err := r.checkRepository("CreateRepository", out.Repository); err != nil {
		return Repository{}, err
	}
	return r.checked("CreateRepository", stateOf(*out.Repository).Repository)
}

// whileInvisible repeats a write that says the repository does not exist:
// right after a creation, ours or a racing job's, writes can lag behind it.
func (r *Reconciler) whileInvisible(ctx context.Context, op string, write func() error) error {
	attempts, err := r.visibility().retryWhile(ctx, isNotFound, write)
	if isNotFound(err) {
		return fmt.Errorf("the repository was still not visible after %d attempts: %w", attempts, awsError(op, err))
	}
	return awsError(op, err)
}

func (r *Reconciler) updateMutability(ctx context.Context, spec Spec, repo Repository, _ Change) error {
	m := spec.Mutability
	return r.whileInvisible(ctx, "PutImageTagMutability", func() error {
		_, err := r.ECR.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
			RepositoryName: &repo.Name, RegistryId: optional(repo.RegistryID),
			ImageTagMutability:                 types.ImageTagMutability(m.Value),
			ImageTagMutabilityExclusionFilters: exclusionFilters(m.Filters),
		})
		return err
	})
}

func (r *Reconciler) updateScanOnPush(ctx context.Context, spec Spec, repo Repository, _ Change) error {
	return r.whileInvisible(ctx, "PutImageScanningConfiguration", func() error {
		_, err := r.ECR.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
			RepositoryName: &repo.Name, RegistryId: optional(repo.RegistryID),
			ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: *spec.ScanOnPush},
		})
		return err
	})
}

// updateTags removes, then adds: near the 50-tag limit an addition that
// lands before the removal would be refused with TooManyTagsException.
func (r *Reconciler) updateTags(ctx context.Context, _ Spec, repo Repository, c Change) error {
	arn := repo.ARN
	if len(c.tagsRemove) > 0 {
		err := r.whileInvisible(ctx, "UntagResource", func() error {
			_, err := r.ECR.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: &arn, TagKeys: c.tagsRemove})
			return err
		})
		if err != nil {
			return err
		}
	}
	if len(c.tagsSet) == 0 {
		return nil
	}
	var tags []types.Tag
	for _, k := range slices.Sorted(maps.Keys(c.tagsSet)) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(c.tagsSet[k])})
	}
	return r.whileInvisible(ctx, "TagResource", func() error {
		_, err := r.ECR.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: &arn, Tags: tags})
		return err
	})
}

func (r *Reconciler) updateRepositoryPolicy(ctx context.Context, spec Spec, repo Repository, c Change) error {
	if c.owned != nil {
		return r.updateOwnedPolicy(ctx, spec, repo, c.owned)
	}
	if c.Action == ActionRemove {
		return r.deleteRepositoryPolicy(ctx, repo)
	}
	return r.setRepositoryPolicy(ctx, repo, spec.RepositoryPolicy.Text)
}

func (r *Reconciler) deleteRepositoryPolicy(ctx context.Context, repo Repository) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	return r.whileInvisible(ctx, "DeleteRepositoryPolicy", func() error {
		_, err := r.ECR.DeleteRepositoryPolicy(ctx, &ecr.DeleteRepositoryPolicyInput{RepositoryName: name, RegistryId: registry})
		if is[*types.RepositoryPolicyNotFoundException](err) {
			return nil
		}
		return err
	})
}

func (r *Reconciler) setRepositoryPolicy(ctx context.Context, repo Repository, text string) error {
	return r.whilePrincipalsPropagate(ctx, text, func() error { return r.putRepositoryPolicy(ctx, repo, text) })
}

// putRepositoryPolicy is one SetRepositoryPolicy, waiting while a new
// repository is not visible yet.
func (r *Reconciler) putRepositoryPolicy(ctx context.Context, repo Repository, text string) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	return r.whileInvisible(ctx, "SetRepositoryPolicy", func() error {
		_, err := r.ECR.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: name, RegistryId: registry, PolicyText: &text})
		return err
	})
}

// whilePrincipalsPropagate repeats write while ECR refuses the policy as it
// does one naming a principal IAM has not made visible yet (a new role can
// take a minute or two). When the wait runs out, the error names the
// principals of declared, the policy text as declared.
func (r *Reconciler) whilePrincipalsPropagate(ctx context.Context, declared string, write func() error) error {
	attempts, err := r.propagation().retryWhile(ctx, isPrincipalPending, write)
	if isPrincipalPending(err) {
		// ECR answers a policy it cannot accept as it answers one naming a
		// principal IAM has not made visible yet; the grammar was checked
		// before any call, so name what ECR has to resolve.
		principals := "every principal ARN in it"
		if p := policy.PrincipalsToResolve(declared); len(p) > 0 {
			principals = strings.Join(p, "; ")
		}
		return fmt.Errorf("ECR rejected the repository policy %d times. The likely cause is a principal that does not exist (yet): "+
			"IAM principals must exist before a policy can name them, and a new role can take a minute or two to become visible. "+
			"ECR gives the same answer for a policy it cannot accept, so the policy may also be invalid in a way only ECR checks. "+
			"Check that these principals exist: %s: %w", attempts, principals, err)
	}
	return err
}

func (r *Reconciler) updateLifecyclePolicy(ctx context.Context, spec Spec, repo Repository, c Change) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	if c.Action == ActionRemove {
		return r.whileInvisible(ctx, "DeleteLifecyclePolicy", func() error {
			_, err := r.ECR.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: name, RegistryId: registry})
			if is[*types.LifecyclePolicyNotFoundException](err) {
				return nil
			}
			return err
		})
	}
	text := spec.LifecyclePolicy.Text
	return r.whileInvisible(ctx, "PutLifecyclePolicy", func() error {
		_, err := r.ECR.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: name, RegistryId: registry, LifecyclePolicyText: &text})
		return err
	})
}

// deletionPlan is what the deletion found out, for the change to report.
type deletionPlan struct {
	// images is the count made after ECR refused to delete a repository
	// that holds images (nil when not counted then).
	images *int
	// gone is set when the repository no longer existed at the deletion:
	// someone else deleted it after it was read.
	gone bool
}

// report updates the change with what the deletion found out.
func (d *deletionPlan) report(c *Change) {
	if d.images != nil {
		c.From = imagesString(*d.images)
	}
	if d.gone {
		c.Action, c.From, c.To = ActionUnchanged, "", "absent (it was deleted by someone else after it was read)"
	}
}

// deleteRepository deletes the repository, with its images under
// force-delete. ECR refusing a repository that holds images is when a plain
// deletion counts them, to say how many. A repository that is not found any
// more was deleted by someone else after the read: as declared, not an
// error. (Right after a racing creation a deletion could miss a repository
// that is not visible to it yet; the run then reports it gone, and the
// next run deletes it.)
func (r *Reconciler) deleteRepository(ctx context.Context, spec Spec, repo Repository, c Change) error {
	name, registry := &repo.Name, optional(repo.RegistryID)
	_, err := r.ECR.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: name, RegistryId: registry, Force: spec.ForceDelete})
	switch {
	case isNotFound(err):
		c.deletion.gone = true
		return nil
	case isNotEmpty(err):
		n, cerr := r.countImages(ctx, repo.Name, repo.RegistryID)
		if cerr != nil {
			return fmt.Errorf("ECR refused to delete it because it still holds images (counting them failed: %w), so nothing was deleted. "+
				"Set %v: true to delete the repository with its images, or delete the images first", awsError("DescribeImages", cerr), inputref.ForceDelete)
		}
		c.deletion.images = &n
		return errors.New(notEmptyError(n))
	}
	return awsError("DeleteRepository", err)
}

func exclusionFilters(filters []string) []types.ImageTagMutabilityExclusionFilter {
	var out []types.ImageTagMutabilityExclusionFilter
	for _, f := range filters {
		out = append(out, types.ImageTagMutabilityExclusionFilter{Filter: aws.String(f), FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard})
	}
	return out
}
