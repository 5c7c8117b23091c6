package policy

import (
	"strings"
	"testing"
)

func TestPretty(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"b":1.50,"a":["<x>",{"d":true,"c":null}]}`, "{\n  \"a\": [\n    \"<x>\",\n    {\n      \"c\": null,\n      \"d\": true\n    }\n  ],\n  \"b\": 1.50\n}"},
		{` {} `, "{}"},
		{`not json`, `not json`},
		{`{"a":1,"a":2}`, `{"a":1,"a":2}`}, // duplicate keys would be lost: shown as written
		{``, ``},
	}
	for _, tt := range tests {
		if got := Pretty(tt.in); got != tt.want {
			t.Errorf("Pretty(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	if d := Diff(`{"a":1,"b":[1,2]}`, "{\n\"b\": [1, 2], \"a\": 1}"); d != "" {
		t.Errorf("formatting-only change gave a diff:\n%s", d)
	}
	d := Diff(`{"a":1,"b":2}`, `{"a":1,"b":3}`)
	for _, w := range []string{"--- current\n", "+++ declared\n", "-  \"b\": 2\n", "+  \"b\": 3\n", "   \"a\": 1,\n"} {
		if !strings.Contains(d, w) {
			t.Errorf("diff does not contain %q:\n%s", w, d)
		}
	}
	created := Diff("", `{"a":1}`)
	if !strings.Contains(created, "+{\n") || !strings.Contains(created, "+  \"a\": 1\n") || strings.Contains(created, "\n-") {
		t.Errorf("diff from nothing should only add lines:\n%s", created)
	}
	removed := Diff(`{"a":1}`, "")
	if !strings.Contains(removed, "-  \"a\": 1\n") || strings.Contains(removed, "\n+{") {
		t.Errorf("diff to nothing should only remove lines:\n%s", removed)
	}
}
