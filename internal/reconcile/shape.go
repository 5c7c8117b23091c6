package reconcile

import (
	"fmt"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// checked returns repo as call answered it, or an error when a field does
// not have the shape ECR documents (regions.Repository): the URI, the ARN
// and the registry ID become outputs that later steps run in shell
// commands, and are printed in the log and the job summary, so an endpoint
// that answers anything else is refused rather than passed on.
func (r *Reconciler) checked(call string, repo Repository) (Repository, error) {
	var field string
	if n, ok := r.ECR.(Naming); ok {
		field = n.RepositoryShape(repo)
	} else {
		field = regions.Repository(r.Options.Region, repo.RegistryID, repo.Name, repo.URI, repo.ARN)
	}
	if field == "" {
		return repo, nil
	}
	value := map[string]string{"registryId": repo.RegistryID, "repositoryName": repo.Name, "repositoryUri": repo.URI, "repositoryArn": repo.ARN}[field]
	return Repository{}, shapeErrorOf(r.service(), call, field, value)
}

// shapeError is the error for an ECR answer of the wrong shape: it names
// the call and the field, and quotes the value bounded and escaped.
func shapeError(call, field, value string) error { return shapeErrorOf("ecr", call, field, value) }

func shapeErrorOf(service, call, field, value string) error {
	return fmt.Errorf("%s:%s answered a %s that does not have the shape ECR documents (%s); the answer is refused: check AWS_ENDPOINT_URL and any proxy between the runner and ECR", service, call, field, wfcmd.Quote(value))
}

// checkedRegistryID is a registry-level read's registryId: an account ID
// or nothing.
func checkedRegistryID(call, id string) (string, error) {
	if id == "" || ecrspec.IsAccountID(id) {
		return id, nil
	}
	return "", shapeError(call, "registryId", id)
}
