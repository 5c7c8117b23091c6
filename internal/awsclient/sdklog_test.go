package awsclient

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// The SDK's warnings reach Logf as bounded, neutralised single lines, and
// no more than maxSDKLines of them (the last says the rest are left out).
func TestSDKLoggerBoundsAndNeutralises(t *testing.T) {
	t.Parallel()
	var lines []string
	l := newSDKLogger(func(s string) { lines = append(lines, s) })
	for i := range 3 * maxSDKLines {
		l.Logf(logging.Warn, "failed to parse response Date header value, got %v", fmt.Sprintf("%d ##[error]x\n::warning::y", i))
	}
	if len(lines) != maxSDKLines || !strings.Contains(lines[len(lines)-1], "not shown") {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	if lines[0] != `AWS SDK warn: failed to parse response Date header value, got 0 ##\[error]x ::warning::y` {
		t.Errorf("line = %q", lines[0])
	}
	if _, ok := newSDKLogger(nil).(logging.Nop); !ok {
		t.Error("without Logf the SDK's lines are not dropped")
	}
}

// FuzzSDKLogger: whatever the SDK formats (an endpoint's header, for one),
// Logf gets one bounded line that is no workflow command.
func FuzzSDKLogger(f *testing.F) {
	for _, s := range []string{"##[error]x", "\r::add-mask::y", "a\n::stop-commands::t", strings.Repeat("é", 3000), strings.Repeat("##[", 1000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got []string
		newSDKLogger(func(line string) { got = append(got, line) }).Logf(logging.Warn, "got %v", s)
		if len(got) != 1 {
			t.Fatalf("%d lines", len(got))
		}
		line := got[0]
		if strings.ContainsAny(line, "\r\n") || len(line) > wfcmd.MaxLine || len(wfcmd.Commands(line)) != 0 {
			t.Fatalf("Logf got %q", line)
		}
	})
}

// Every configuration Load builds logs through Logf, never through the
// SDK's default logger, which writes to the process's stderr as it is.
func TestLoadRoutesTheSDKLogger(t *testing.T) {
	t.Parallel()
	for _, logf := range []func(string){nil, func(string) {}} {
		cfg, err := Load(t.Context(), Options{Region: "us-east-1", Logf: logf})
		if err != nil {
			t.Fatal(err)
		}
		switch cfg.Logger.(type) {
		case sdkLogger, logging.Nop:
		default:
			t.Errorf("Logf %v: the configuration logs through %T", logf != nil, cfg.Logger)
		}
	}
}
