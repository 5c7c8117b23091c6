package awsauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenServer imitates the runner's OIDC token service.
func tokenServer(t *testing.T, requestToken, jwt string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+requestToken {
			http.Error(w, `{"message":"bad token","value":"leak"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "missing api-version", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":1,"value":%q}`, jwt+"|aud="+r.URL.Query().Get("audience"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPTokenFetcher(t *testing.T) {
	t.Parallel()
	srv := tokenServer(t, "request-token", "jwt")
	fetch := HTTPTokenFetcher(srv.URL+"/token?api-version=2.0", "request-token", srv.Client())
	got, err := fetch(context.Background(), "my aud&x")
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if want := "jwt|aud=my aud&x"; got != want {
		t.Errorf("token = %q, want %q", got, want)
	}
}

func TestHTTPTokenFetcherErrors(t *testing.T) {
	t.Parallel()
	srv := tokenServer(t, "request-token", "jwt")

	_, err := HTTPTokenFetcher(srv.URL+"/token?api-version=2.0", "wrong", srv.Client())(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong request token: err = %v, want HTTP 401", err)
	}
	if err != nil && strings.Contains(err.Error(), "leak") {
		t.Errorf("error echoes the response body: %v", err)
	}

	_, err = HTTPTokenFetcher("", "", srv.Client())(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "ACTIONS_ID_TOKEN_REQUEST_URL") {
		t.Errorf("unset variables: err = %v", err)
	}

	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":""}`)
	}))
	t.Cleanup(empty.Close)
	_, err = HTTPTokenFetcher(empty.URL, "t", empty.Client())(context.Background(), "a")
	if err == nil || !strings.Contains(err.Error(), "no value") {
		t.Errorf("empty value: err = %v", err)
	}
}
