package reconcile

import (
	"context"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingLifecyclePolicy is the lifecycle policy (limit:
// ecrspec.MaxLifecyclePolicyChars), compared by meaning. ECR's preview of
// what it would expire is preview.go's.
const SettingLifecyclePolicy = "lifecycle-policy"

var lifecyclePolicy = setting{
	name:    SettingLifecyclePolicy,
	managed: func(spec Spec) bool { return spec.LifecyclePolicy != nil },
	inputs:  []inputref.Ref{inputref.LifecyclePolicy},
	declare: func(d Declarations, spec *Spec) {
		spec.LifecyclePolicy, _ = declareDocument(d, inputref.LifecyclePolicy, policy.ValidateLifecyclePolicy)
	},
	read: &settingRead{
		op: "GetLifecyclePolicy",
		call: func(r *Reconciler, ctx context.Context, at repoRef) (any, error) {
			return r.ECR.GetLifecyclePolicy(ctx, at.ref())
		},
		put: func(st *state, text any, err error) {
			st.LifecyclePolicy, _ = text.(*string)
			st.LifecyclePolicyErr = err
		},
	},
	diff: func(spec Spec, st state, _ string) Change {
		return diffDocument(lifecyclePolicyDocument, *spec.LifecyclePolicy, st.LifecyclePolicy, st.LifecyclePolicyErr, st.Exists)
	},
	write:    (*Reconciler).updateLifecyclePolicy,
	template: func(spec Spec, d *registry.Declared) { d.LifecyclePolicy = documentText(spec.LifecyclePolicy) },
	private:  true,
	lacks:    "ECR Public has no lifecycle policies",
	iam: iamActions{
		reads:  []string{"GetLifecyclePolicy"},
		writes: []string{"PutLifecyclePolicy", "DeleteLifecyclePolicy"},
	},
}

var lifecyclePolicyDocument = document{SettingLifecyclePolicy, policy.LifecyclePoliciesEqual}

func (r *Reconciler) updateLifecyclePolicy(ctx context.Context, spec Spec, repo Repository, c Change) error {
	if c.Action == ActionRemove {
		return r.whileInvisible(ctx, "DeleteLifecyclePolicy", func() error {
			return r.ECR.DeleteLifecyclePolicy(ctx, refOf(repo))
		})
	}
	return r.whileInvisible(ctx, "PutLifecyclePolicy", func() error {
		return r.ECR.PutLifecyclePolicy(ctx, refOf(repo), spec.LifecyclePolicy.Text)
	})
}
