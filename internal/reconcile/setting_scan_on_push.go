package reconcile

import (
	"context"
	"fmt"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingScanOnPush is the repository's basic scan-on-push flag. The
// registry's scanning configuration can decide instead of it: that is read
// with the repository and reported as a note (registry.go).
const SettingScanOnPush = "scan-on-push"

var scanOnPush = setting{
	name:      SettingScanOnPush,
	order:     40,
	managed:   func(spec Spec) bool { return spec.ScanOnPush != nil },
	inputs:    []inputref.Ref{inputref.ScanOnPush},
	declare:   func(d Declarations, spec *Spec) { spec.ScanOnPush = d.Bool(inputref.ScanOnPush) },
	described: func(repo RepositoryInfo, st *state) { st.ScanOnPush = repo.ScanOnPush },
	diff:      func(spec Spec, st state, _ string) Change { return diffScanOnPush(*spec.ScanOnPush, st) },
	write:     (*Reconciler).updateScanOnPush,
	create:    func(spec Spec, c *creation) { c.req.ScanOnPush = spec.ScanOnPush },
	private:   true,
	lacks:     "ECR Public does not scan images",
	iam:       iamActions{writes: []string{"PutImageScanningConfiguration"}},
}

type scanOnPushSpec struct {
	// ScanOnPush is the declared basic scan-on-push setting.
	ScanOnPush *bool
}

type scanOnPushState struct {
	ScanOnPush bool
}

func diffScanOnPush(want bool, st state) Change {
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

func (r *Reconciler) updateScanOnPush(ctx context.Context, spec Spec, repo Repository, _ Change) error {
	return r.whileInvisible(ctx, "PutImageScanningConfiguration", func() error {
		return r.ECR.PutImageScanningConfiguration(ctx, refOf(repo), *spec.ScanOnPush)
	})
}

// scanningNotes warns when the registry's scanning configuration does
// otherwise than the declared scanOnPush.
func scanningNotes(spec Spec, cfg registry.ScanningConfiguration) []Note {
	if d := registry.ScanOnPushOverride(cfg, spec.Name, *spec.ScanOnPush); d.Overrides {
		return []Note{{Setting: SettingScanOnPush, Level: NoteWarning, Text: d.Warning}}
	}
	return nil
}
