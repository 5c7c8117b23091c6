package wfcmd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuoteIsBounded(t *testing.T) {
	t.Parallel()
	if got := Quote("a\nb"); got != `"a\nb"` {
		t.Errorf("Quote = %s", got)
	}
	if got := Quote(strings.Repeat("é", 10_000)); !strings.HasSuffix(got, "… (10000 characters in all)") || utf8.RuneCountInString(got) > 100 {
		t.Errorf("Quote of 10,000 characters = %s", got)
	}
}

// A quoted value is one line that starts with a quote (never "::"), and is
// bounded; "##[" inside it is the logger's to neutralise, as in any line.
func FuzzQuote(f *testing.F) {
	f.Add("::error::x\n##[add-mask]y")
	f.Add(strings.Repeat("\r", 100))
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if strings.ContainsAny(q, "\r\n") || !strings.HasPrefix(q, `"`) || len(q) > MaxQuotedChars*10+64 {
			t.Errorf("Quote(%q) = %q", s, q)
		}
	})
}
