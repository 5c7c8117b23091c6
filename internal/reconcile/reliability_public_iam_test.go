package reconcile_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/publicecr"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const publicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-push","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr-public:PutImage","ecr-public:BatchCheckLayerAvailability"]}]}`

// publicWorld is a world whose reconciler manages ECR Public through the
// action's adapter, over the same configuration.
func publicWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, emulator.Options{})
	w.rec.ECR = publicecr.New(w.cfg)
	return w
}

func publicSpec(name string) reconcile.Spec {
	desc, about := "An app", "# About"
	return reconcile.Spec{
		Name:             name,
		RepositoryPolicy: &reconcile.Document{Text: publicPolicy},
		Tags:             map[string]string{"team": "core"},
		Catalog:          &reconcile.Catalog{Description: &desc, AboutText: &about, Architectures: []string{"x86-64"}, Logo: []byte("logo")},
	}
}

// publicRuns exercises every call the action makes on ECR Public: a
// dry-run of a missing repository (the registry alias for its URI),
// creation with everything, repair of every setting, removal and pruning.
func publicRuns(t *testing.T, w *world, name string) error {
	t.Helper()
	ctx := context.Background()
	w.emu.PutPublicRepository(emulator.PublicRepository{Name: "other"}) // the registry has its alias
	dry := *w.rec
	dry.Options.DryRun = true
	if _, err := dry.Reconcile(ctx, publicSpec(name)); err != nil {
		return fmt.Errorf("dry-run: %w", err)
	}
	if _, err := w.rec.Reconcile(ctx, publicSpec(name)); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if r, ok := w.emu.PublicRepository("", name); ok {
		r.Catalog.Description = "edited"
		r.Tags = map[string]string{"team": "other", "stray": "x"}
		r.Policy = strings.Replace(r.Policy, "ci-push", "edited", 1)
		w.emu.PutPublicRepository(r)
	}
	if _, err := w.rec.Reconcile(ctx, publicSpec(name)); err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	remove := reconcile.Spec{Name: name, RepositoryPolicy: &reconcile.Document{Remove: true}, Tags: map[string]string{"team": "core"}, PruneTags: true}
	if _, err := w.rec.Reconcile(ctx, remove); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	return nil
}

// TestDocumentedPublicPolicyIsExactlyEnough ties
// docs/iam/reconcile-policy-public.json to the calls the action makes on
// ECR Public, as TestDocumentedReconcilePolicyIsExactlyEnough does for ECR.
func TestDocumentedPublicPolicyIsExactlyEnough(t *testing.T) {
	t.Parallel()
	testPolicyIsExactlyEnough(t, "reconcile-policy-public.json", publicWorld, func(t *testing.T, w *world) error {
		err := publicRuns(t, w, "team/app")
		for _, c := range w.emu.Calls() {
			if c.Service != "ecr-public" {
				t.Errorf("a call to %s: %+v", c.Service, c)
			}
		}
		return err
	})
}
