package awsauth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// AccountLookup returns a function that resolves the caller's account once,
// for the URI of a repository that does not exist yet in dry-run: from the
// assumed role's ARN when there is one, else with sts:GetCallerIdentity
// (which needs no permission). Concurrent callers share one STS call.
// found, when set, is called once with an account learnt from STS.
func (r Result) AccountLookup(found func(account string)) func(context.Context) (string, error) {
	var mu sync.Mutex
	account := r.AccountID
	if !ecrspec.IsAccountID(account) {
		account = ""
	}
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if account == "" {
			out, err := r.STSClient().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return "", err
			}
			if aws.ToString(out.Account) == "" {
				return "", errors.New("sts:GetCallerIdentity answered without Account; the endpoint does not answer as AWS STS does")
			}
			if a := aws.ToString(out.Account); !ecrspec.IsAccountID(a) {
				// The account goes into the planned URI and ARN: an answer
				// that is no account ID is refused, not printed.
				return "", fmt.Errorf("sts:GetCallerIdentity answered an Account that is not a 12-digit account ID (%s)", wfcmd.Quote(a))
			}
			account = aws.ToString(out.Account)
			if found != nil {
				found(account)
			}
		}
		return account, nil
	}
}
