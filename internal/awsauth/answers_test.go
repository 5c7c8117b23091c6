package awsauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// emptySTS answers every STS call with 200 and the call's result element
// empty: what STS never sends.
func emptySTS(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		op := r.Form.Get("Action")
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%[1]sResult><Credentials></Credentials></%[1]sResult></%[1]sResponse>`, op)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A role's credentials without keys, and a caller identity without an
// account, are errors that name the call, not empty values used later.
func TestSTSAnswersWithoutTheirFieldsAreErrors(t *testing.T) {
	t.Parallel()
	srv := emptySTS(t)
	emu := emulator.New(emulator.Options{})
	client := clientFor(emu, srv)

	_, err := Load(context.Background(), fastRetries(Options{
		Getenv:       envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}),
		RoleToAssume: testRole,
		Client:       client,
	}))
	if err == nil || !strings.Contains(err.Error(), "(AssumeRole, role chaining)") || !strings.Contains(err.Error(), "no access key ID") {
		t.Errorf("AssumeRole without keys: %v", err)
	}

	_, err = Load(context.Background(), fastRetries(Options{
		Getenv:       envMap(map[string]string{}),
		RoleToAssume: testRole,
		Audience:     testAudience,
		HasIDToken:   func() bool { return true },
		IDToken:      func(context.Context, string) (string, error) { return "jwt", nil },
		Client:       client,
	}))
	if err == nil || !strings.Contains(err.Error(), "(AssumeRoleWithWebIdentity)") || !strings.Contains(err.Error(), "no access key ID") {
		t.Errorf("AssumeRoleWithWebIdentity without keys: %v", err)
	}

	res, err := Load(context.Background(), fastRetries(Options{
		Getenv: envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}),
		Client: client,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if account, err := res.AccountLookup(nil)(context.Background()); err == nil || !strings.Contains(err.Error(), "sts:GetCallerIdentity answered without Account") {
		t.Errorf("GetCallerIdentity without an account: %q, %v", account, err)
	}
}
