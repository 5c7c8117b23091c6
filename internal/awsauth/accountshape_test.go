package awsauth

import (
	"context"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
)

// An account ID that the credentials carry (AWS_ACCOUNT_ID, a profile's
// aws_account_id, a credential process) goes into the tags ARN and the
// planned URI: one that is not a 12-digit ID is ignored, the account then
// unknown until STS says. The SDK reads these from the process itself,
// so this test sets the process environment and cannot run in parallel
// (parallel tests wait until it has ended and restored it).
func TestAccountIDOfTheWrongShapeIsIgnored(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"123456789012", "123456789012"},
		{"12345678901\n::error::forged", ""},
		{"acct-1", ""},
	} {
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIADEFAULTCHAIN0000")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "default-chain-secret")
		t.Setenv("AWS_ACCOUNT_ID", tc.id)
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		// The action's own environment has none of them: the SDK's chain
		// finds them.
		res, err := Load(context.Background(), Options{
			Getenv: envMap(map[string]string{}),
			Client: awsclient.Options{Region: "eu-west-1", HTTPClient: noNetwork(t)},
		})
		if err != nil {
			t.Fatalf("%q: %v", tc.id, err)
		}
		if res.AccountID != tc.want {
			t.Errorf("AWS_ACCOUNT_ID %q: AccountID = %q, want %q", tc.id, res.AccountID, tc.want)
		}
	}
}
