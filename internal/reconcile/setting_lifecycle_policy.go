package reconcile

import (
	"context"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingLifecyclePolicy is the lifecycle policy (limit:
// ecrspec.MaxLifecyclePolicyChars), compared by meaning. ECR's preview of
// what it would expire is setting_lifecycle_policy_preview.go's.
const SettingLifecyclePolicy = "lifecycle-policy"

var lifecyclePolicy = setting{
	name:    SettingLifecyclePolicy,
	order:   70,
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
	template: templateLifecyclePolicy,
	private:  true,
	lacks:    "ECR Public has no lifecycle policies",
	iam: iamActions{
		reads:  []string{"GetLifecyclePolicy"},
		writes: []string{"PutLifecyclePolicy", "DeleteLifecyclePolicy"},
	},
}

type lifecyclePolicySpec struct {
	// LifecyclePolicy is the declared lifecycle policy.
	LifecyclePolicy *Document
}

type lifecyclePolicyState struct {
	LifecyclePolicy    *string // nil: none exists
	LifecyclePolicyErr error
}

var lifecyclePolicyDocument = document{SettingLifecyclePolicy, policy.LifecyclePoliciesEqual}

// templateLifecyclePolicy compares a creation template's lifecycle policy
// with the declared one.
func templateLifecyclePolicy(spec Spec, t registry.Template, _ string) (*templateDiff, error) {
	return templateDocument(inputref.LifecyclePolicy, "lifecycle policy", t, t.LifecyclePolicy, *spec.LifecyclePolicy, orNone(lifecyclePolicyDocument.equal))
}

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
