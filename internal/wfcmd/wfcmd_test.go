package wfcmd

import (
	"strings"
	"testing"
)

func TestNeutralizeMakesCommandsInert(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"::stop-commands::token",
		"api error: x\n::stop-commands::abc\n::warning title=x::owned",
		"a\r::add-mask::secret",
		"a\r\n  \t::error::x",
		"\u00a0\u2028::notice::x",
		"\u200b::debug::x",
		"see ##[add-mask]secret here",
		"###[set-output name=a]b",
		"##[##[group]x]",
	} {
		out := Neutralize(in)
		if cmds := Commands(out); len(cmds) != 0 {
			t.Errorf("Neutralize(%q) = %q still holds commands %+v", in, out, cmds)
		}
		if got, want := strings.Count(out, "\n"), len(Lines(in))-1; got != want {
			t.Errorf("Neutralize(%q) = %q: %d line breaks, want %d", in, out, got, want)
		}
	}
}

func TestNeutralizeLeavesOrdinaryTextAlone(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "plain", "  - tags: a=b", "ARN arn:aws:iam::123:role/x", "a :: b", "a\nb"} {
		if out := Neutralize(in); out != in {
			t.Errorf("Neutralize(%q) = %q, want it unchanged", in, out)
		}
	}
}

func TestCommandsFindsBothForms(t *testing.T) {
	t.Parallel()
	got := Commands("x\n  ::warning file=a::msg\r##[add-mask]s\n::no end\nplain")
	if len(got) != 2 || got[0].Name != "warning" || got[0].Message != "msg" || got[1].Name != "add-mask" || !got[1].Legacy || got[1].Message != "s" {
		t.Errorf("Commands = %+v", got)
	}
}

func FuzzNeutralize(f *testing.F) {
	for _, s := range []string{"::stop-commands::x", "a\n::warning::b", "##[add-mask]x", "\r::x::", " \u3000::error::e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Neutralize(s)
		if cmds := Commands(out); len(cmds) != 0 {
			t.Fatalf("Neutralize(%q) = %q holds commands %+v", s, out, cmds)
		}
		harmless := !strings.Contains(s, "\r")
		for _, line := range Lines(s) {
			harmless = harmless && !risky(line)
		}
		if harmless && out != s {
			t.Fatalf("Neutralize(%q) = %q changed harmless text", s, out)
		}
	})
}
