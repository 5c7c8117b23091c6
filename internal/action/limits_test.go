package action_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsclient"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// The token service's error body can hold anything, including the token
// itself or workflow commands; the annotation gives the status only.
func TestOIDCErrorBodyIsNotEchoed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const secret = "ghs_S3cretLookingTokenValue0123456789"
	oidc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"denied ` + secret + `"}` + "\n::stop-commands::pwned\n::warning title=x::injected\n"))
	}))
	t.Cleanup(oidc.Close)
	delete(e.vars, "AWS_ACCESS_KEY_ID")
	delete(e.vars, "AWS_SECRET_ACCESS_KEY")
	e.vars["ACTIONS_ID_TOKEN_REQUEST_URL"] = oidc.URL + "/token"
	e.vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "request-token"
	log, err := e.run(t, map[string]string{"repository": "app", "role-to-assume": "arn:aws:iam::123456789012:role/deploy"})
	if err == nil {
		t.Fatal("run succeeded with a refused token request")
	}
	for _, bad := range []string{secret, "stop-commands", "injected", "denied"} {
		if strings.Contains(log, bad) {
			t.Errorf("the log holds %q from the token service's body:\n%s", bad, log)
		}
	}
	errs := annotations(log, "error")
	if len(errs) != 1 || !strings.Contains(errs[0], "HTTP 403") || !strings.Contains(errs[0], "id-token: write") {
		t.Errorf("error annotations = %q, want one naming HTTP 403 and the permission", errs)
	}
}

// An endpoint that accepts connections and never answers: the step ends on
// the attempt limit, says so, and shows each retry without debug mode.
func TestSilentEndpointNamesTheLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Hold the connection open without a byte of answer.
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	start := time.Now()
	log, err := e.run(t, map[string]string{"repository": "app"}, func(o *awsclient.Options) {
		o.Endpoint = "http://" + ln.Addr().String()
		o.MaxAttempts, o.MaxBackoff, o.AttemptTimeout = 3, time.Millisecond, 150*time.Millisecond
	})
	if err == nil {
		t.Fatal("run succeeded against a silent endpoint")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("run took %v", d)
	}
	errs := annotations(log, "error")
	if len(errs) != 1 {
		t.Fatalf("error annotations = %q", errs)
	}
	for _, want := range []string{"gave up after 3 attempts", "per-attempt timeout of 150ms", "not timeout-seconds"} {
		if !strings.Contains(errs[0], want) {
			t.Errorf("error lacks %q: %s", want, errs[0])
		}
	}
	if strings.Contains(errs[0], "before the deadline") {
		t.Errorf("the error blames the step's deadline: %s", errs[0])
	}
	var retries []string
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "Retrying ecr DescribeRepositories") {
			retries = append(retries, line)
		}
	}
	if len(retries) != 2 || !strings.Contains(retries[0], "no response within the per-attempt timeout") {
		t.Errorf("retry lines = %q, want 2 without debug mode\n%s", retries, log)
	}
	if strings.Contains(log, "HTTP 0") {
		t.Errorf("the log says HTTP 0:\n%s", log)
	}
}

// Debug lines say "no response" rather than HTTP 0 for attempts that got none.
func TestDebugLinesSayNoResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.vars["RUNNER_DEBUG"] = "1"
	e.emu.AddFault(emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultReset, Times: 1})
	log, err := e.run(t, map[string]string{"repository": "app"})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log)
	}
	if !strings.Contains(log, "::debug::aws ECR DescribeRepositories: no response") || strings.Contains(log, "HTTP 0") {
		t.Errorf("debug lines:\n%s", log)
	}
	if !strings.Contains(log, "Retrying ecr DescribeRepositories (attempt 2 of 8) after no response") {
		t.Errorf("no retry line:\n%s", log)
	}
}

// A registry at its repository quota fails at once, naming the quota.
func TestRepositoryQuota(t *testing.T) {
	t.Parallel()
	emu := emulator.New(emulator.Options{RepositoryQuota: 1})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	e := newEnv(t)
	if _, err := e.run(t, map[string]string{"repository": "first"}, func(o *awsclient.Options) { o.Endpoint = srv.URL }); err != nil {
		t.Fatal(err)
	}
	emu.ResetCalls()
	log, err := e.run(t, map[string]string{"repository": "second"}, func(o *awsclient.Options) { o.Endpoint = srv.URL })
	if err == nil {
		t.Fatal("CreateRepository beyond the quota succeeded")
	}
	if n := emu.Count("CreateRepository"); n != 1 {
		t.Errorf("CreateRepository sent %d times, want 1", n)
	}
	errs := annotations(log, "error")
	if len(errs) != 1 || !strings.Contains(errs[0], "Registered repositories") || !strings.Contains(errs[0], "service-quotas request-service-quota-increase") {
		t.Errorf("error annotations = %q", errs)
	}
}
