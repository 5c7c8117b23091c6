package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// SettingRepository is the repository's existence: created when it is
// missing, deleted with state: absent.
const SettingRepository = "repository"

var existence = setting{
	name:    SettingRepository,
	order:   10,
	managed: func(Spec) bool { return true },
	read: &settingRead{
		op:     "DescribeImages",
		wanted: func(r *Reconciler, spec Spec) bool { return r.countsFirst(spec) },
		call: func(r *Reconciler, ctx context.Context, at repoRef) (any, error) {
			n, err := r.countImages(ctx, at.name, at.registryID)
			return &n, err
		},
		put: func(st *state, n any, err error) {
			st.Images, _ = n.(*int)
			st.ImagesErr = err
			if err != nil {
				st.Images = nil
			}
		},
	},
	diff:  diffExistence,
	write: (*Reconciler).deleteRepository,
	create: func(spec Spec, c *creation) {
		c.req.Ref = RepositoryRef{Name: spec.Name, RegistryID: spec.RegistryID}
	},
	private: true,
	public:  true,
	iam: iamActions{
		reads:  []string{"DescribeRepositories"},
		writes: []string{"CreateRepository"},
		absent: []string{"DescribeImages", "DeleteRepository"},
	},
}

// existenceSpec is what the workflow declares of the repository's existence.
type existenceSpec struct {
	// Absent (state: absent) declares that the repository must not exist:
	// it is deleted if it does, and nothing else is managed.
	Absent bool
	// ForceDelete lets the deletion take the repository's images with it;
	// without it a repository that holds images is not deleted.
	ForceDelete bool
}

// existenceState is what a deletion reads besides the repository.
type existenceState struct {
	// Images is how many images the repository holds, counted only for a
	// deletion that reports it before deleting (dry-run, force-delete);
	// nil when not counted. ImagesErr is a failed count.
	Images    *int
	ImagesErr error
}

// countsFirst reports whether a deletion counts the images before it
// deletes: a dry-run shows the count, and force-delete reports how many
// images it deletes. A plain deletion counts only if ECR refuses it.
func (r *Reconciler) countsFirst(spec Spec) bool {
	return spec.Absent && (spec.ForceDelete || r.Options.DryRun)
}

// diffExistence plans the repository itself: its creation when it is
// missing, its deletion with state: absent.
func diffExistence(spec Spec, st state, _ string) Change {
	if spec.Absent {
		return diffAbsent(spec.ForceDelete, st)
	}
	c := Change{Setting: SettingRepository, Action: ActionUnchanged, To: spec.Name}
	if !st.Exists {
		c.Action = ActionCreate
	}
	return c
}

// diffAbsent plans state: absent. A missing repository is already as
// declared. An existing one is deleted, unless the images were counted
// (dry-run, force-delete) and it holds some without force: that is refused
// here, before any write.
func diffAbsent(force bool, st state) Change {
	c := Change{Setting: SettingRepository, Action: ActionUnchanged, To: "absent"}
	if !st.Exists {
		return c
	}
	d := &deletionPlan{}
	c.Action, c.From, c.plan = ActionRemove, "present", d
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

// countImages counts the images of a repository as ECR's DescribeImages
// lists them: one per image digest, tagged and untagged, in any status
// (archived images are in the repository too and go with it), so the
// manifests of a multi-architecture image count one each. Pages of 1000,
// the most ECR returns at once.
func (r *Reconciler) countImages(ctx context.Context, name, registryID string) (int, error) {
	ref := RepositoryRef{Name: name, RegistryID: registryID}
	n, token := 0, ""
	var seen pageTokens
	for {
		images, next, err := r.ECR.DescribeImages(ctx, ref, token)
		if err != nil {
			return n, err
		}
		n += images
		switch {
		case seen.repeated(next):
			return n, seen.endless("ecr:DescribeImages")
		case next == "":
			return n, nil
		}
		token = next
	}
}

// createRepository creates the repository with every setting ECR accepts
// at creation (setting.create). A RepositoryAlreadyExistsException comes
// back as is.
func (r *Reconciler) createRepository(ctx context.Context, spec Spec) (Repository, error) {
	var c creation
	for _, s := range allSettings {
		if s.create != nil && s.managedIn(spec) {
			s.create(spec, &c)
		}
	}
	repo, err := r.ECR.CreateRepository(ctx, c.req)
	switch {
	case isAlreadyExists(err), isAnswerError(err):
		return Repository{}, err
	case err != nil && c.explain != nil && c.explain(err) != nil:
		return Repository{}, c.explain(err)
	case err != nil:
		return Repository{}, awsErrorActions("CreateRepository", err, c.also...)
	}
	if err := r.checkRepository("CreateRepository", repo.Repository); err != nil {
		return Repository{}, err
	}
	return r.checked("CreateRepository", repo.Repository)
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
// next run deletes it.) The creation is not a write: apply makes it first.
func (r *Reconciler) deleteRepository(ctx context.Context, spec Spec, repo Repository, c Change) error {
	d := planOf[*deletionPlan](c)
	if c.Action != ActionRemove || d == nil {
		return nil
	}
	err := r.ECR.DeleteRepository(ctx, refOf(repo), spec.ForceDelete)
	switch {
	case isNotFound(err):
		d.gone = true
		return nil
	case isNotEmpty(err):
		n, cerr := r.countImages(ctx, repo.Name, repo.RegistryID)
		if cerr != nil {
			return fmt.Errorf("ECR refused to delete it because it still holds images (counting them failed: %w), so nothing was deleted. "+
				"Set %v: true to delete the repository with its images, or delete the images first", awsError("DescribeImages", cerr), inputref.ForceDelete)
		}
		d.images = &n
		return errors.New(notEmptyError(n))
	}
	return awsError("DeleteRepository", err)
}
