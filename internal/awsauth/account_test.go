package awsauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
)

// An endpoint answering GetCallerIdentity with an Account that is not an
// account ID is refused: the account goes into the planned URI and ARN.
func TestAccountLookupRefusesAnAccountOfTheWrongShape(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA</UserId><Account>123456789012&#10;::error::forged</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAACCOUNTSHAPE0000", "AWS_SECRET_ACCESS_KEY": "secret"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := Load(ctx, Options{Getenv: func(k string) string { return env[k] },
		Client: awsclient.Options{Region: "us-east-1", Endpoint: srv.URL, MaxAttempts: 1, AttemptTimeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	account, err := res.AccountLookup(nil)(ctx)
	if err == nil || !strings.Contains(err.Error(), "not a 12-digit account ID") || strings.Contains(err.Error(), "\n") {
		t.Errorf("AccountLookup = %q, %v; want a one-line refusal", account, err)
	}
}
