package awsauth

import (
	"strings"
	"testing"
)

// envMap returns a Getenv backed by a map (the process environment is never used).
func envMap(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDefaultSessionName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"outside actions", nil, "ecr-reconcile"},
		{"run id only", map[string]string{"GITHUB_RUN_ID": "123456789"}, "ecr-reconcile-123456789"},
		{"run id and attempt", map[string]string{"GITHUB_RUN_ID": "123456789", "GITHUB_RUN_ATTEMPT": "2"}, "ecr-reconcile-123456789-2"},
		{"attempt without id ignored", map[string]string{"GITHUB_RUN_ATTEMPT": "2"}, "ecr-reconcile"},
		{"odd characters sanitised", map[string]string{"GITHUB_RUN_ID": "12 34/5"}, "ecr-reconcile-12-34-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DefaultSessionName(envMap(tt.env)); got != tt.want {
				t.Errorf("DefaultSessionName = %q, want %q", got, tt.want)
			}
		})
	}
	if got := DefaultSessionName(nil); got != "ecr-reconcile" {
		t.Errorf("DefaultSessionName(nil) = %q", got)
	}
}

func TestSanitizeSessionName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 100)
	tests := []struct {
		in, want string
	}{
		{"my-session", "my-session"},
		{"Aa0_+=,.@-", "Aa0_+=,.@-"},
		{"has space/and:colon", "has-space-and-colon"},
		{"héllo", "h-llo"}, // one replacement per rune, not per byte
		{long, long[:64]},
		{"x", "ecr-reconcile-x"},
		{"", "ecr-reconcile"},
		{"ab", "ab"},
	}
	for _, tt := range tests {
		got := SanitizeSessionName(tt.in)
		if got != tt.want {
			t.Errorf("SanitizeSessionName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) < 2 || len(got) > 64 {
			t.Errorf("SanitizeSessionName(%q) = %q: length %d out of 2..64", tt.in, got, len(got))
		}
		for _, r := range got {
			if !isSessionNameChar(r) {
				t.Errorf("SanitizeSessionName(%q) = %q contains %q", tt.in, got, r)
			}
		}
	}
}

func TestEnvCredentials(t *testing.T) {
	t.Parallel()
	c, ok, err := envCredentials(envMap(map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "envtoken",
	}))
	if err != nil || !ok {
		t.Fatalf("envCredentials: ok=%v err=%v", ok, err)
	}
	if c.AccessKeyID != "AKIAENV" || c.SecretAccessKey != "envsecret" || c.SessionToken != "envtoken" {
		t.Errorf("credentials = %+v", c)
	}

	c, ok, err = envCredentials(envMap(map[string]string{"AWS_ACCESS_KEY": "AKIALEGACY", "AWS_SECRET_KEY": "legacysecret"}))
	if err != nil || !ok || c.AccessKeyID != "AKIALEGACY" || c.SecretAccessKey != "legacysecret" || c.SessionToken != "" {
		t.Errorf("legacy names: c=%+v ok=%v err=%v", c, ok, err)
	}

	if _, ok, err := envCredentials(envMap(nil)); ok || err != nil {
		t.Errorf("empty env: ok=%v err=%v", ok, err)
	}
	if _, _, err := envCredentials(envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKIA"})); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY is not") {
		t.Errorf("key without secret: err=%v", err)
	}
	if _, _, err := envCredentials(envMap(map[string]string{"AWS_SECRET_ACCESS_KEY": "s"})); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID is not") {
		t.Errorf("secret without key: err=%v", err)
	}
}

func TestHasIDTokenFromEnv(t *testing.T) {
	t.Parallel()
	if HasIDTokenFromEnv(envMap(nil)) {
		t.Error("no variables: want false")
	}
	if HasIDTokenFromEnv(envMap(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x"})) {
		t.Error("URL only: want false")
	}
	if !HasIDTokenFromEnv(envMap(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"})) {
		t.Error("both: want true")
	}
}
