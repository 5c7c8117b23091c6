package reconcile

import (
	"errors"
	"fmt"
)

// AnswerError is a successful answer (HTTP 200) without a field the engine
// needs: ECR always sends it, so the endpoint is not behaving as ECR does,
// and nothing is decided (or written) on a guess of what it meant.
type AnswerError struct {
	Service, Op, Field string
}

func (e *AnswerError) Error() string {
	return fmt.Sprintf("%s:%s answered without %s; the endpoint does not answer as AWS does, so the run does not go on from it", e.Service, e.Op, e.Field)
}

// missing is the AnswerError of an ECR call; r.missing names the client's
// service.
func missing(op, field string) error { return &AnswerError{Service: "ecr", Op: op, Field: field} }

// isAnswerError reports whether err is an adapter's refusal of an answer
// without a field: it names the call already.
func isAnswerError(err error) bool {
	var a *AnswerError
	return errors.As(err, &a)
}

func (r *Reconciler) missing(op, field string) error {
	return &AnswerError{Service: r.service(), Op: op, Field: field}
}

// service is the IAM prefix of the client's actions: ecr, or what a
// client of another service (Naming) says.
func (r *Reconciler) service() string {
	if n, ok := r.ECR.(Naming); ok {
		return n.IAMService()
	}
	return "ecr"
}

// checkRepository makes sure an answer's repository has what the engine
// reads of it: its name, ARN, URI and registry ID (an answer without a
// repository at all is the adapter's to refuse).
func (r *Reconciler) checkRepository(op string, repo Repository) error {
	missing := r.missing
	switch {
	case repo.Name == "":
		return missing(op, "repositoryName")
	case repo.ARN == "":
		return missing(op, "repositoryArn")
	case repo.URI == "":
		return missing(op, "repositoryUri")
	case repo.RegistryID == "":
		return missing(op, "registryId")
	}
	return nil
}
