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

func missing(op, field string) error { return &AnswerError{Service: "ecr", Op: op, Field: field} }

// isAnswerError reports whether err is an adapter's refusal of an answer
// without a field: it names the call already.
func isAnswerError(err error) bool {
	var a *AnswerError
	return errors.As(err, &a)
}

// checkRepository makes sure an answer's repository has what the engine
// reads of it: its name, ARN, URI and registry ID (an answer without a
// repository at all is the adapter's to refuse).
func checkRepository(op string, repo Repository) error {
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
