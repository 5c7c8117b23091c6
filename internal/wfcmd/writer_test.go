package wfcmd

import (
	"strings"
	"testing"
)

// writeAll writes s to a Writer in two parts, split at i, and flushes.
func writeAll(t *testing.T, s string, i, limit int) string {
	t.Helper()
	var out strings.Builder
	w := NewWriter(&out, limit)
	for _, part := range []string{s[:i], s[i:]} {
		if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestWriterNeutralisesLinesSplitAcrossWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"2026/01/02 Unsolicited response starting with \"##[error]x\"\n", "2026/01/02 Unsolicited response starting with \"##\\[error]x\"\n"},
		{"ok\r::warning::x\r\n##[add-mask]y", "ok\n\\::warning::x\n##\\[add-mask]y\n"},
		{"plain\n", "plain\n"},
		{"", ""},
	} {
		for i := range len(tc.in) + 1 {
			if got := writeAll(t, tc.in, i, 0); got != tc.want {
				t.Errorf("split at %d: %q gives %q, want %q", i, tc.in, got, tc.want)
			}
		}
	}
}

func TestWriterCutsLongLines(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("é", 100) + "##[error]x\nnext\n"
	got := writeAll(t, in, 7, 64)
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || len(lines[0]) > 64 || !strings.HasSuffix(lines[0], cutMark) || lines[1] != "next" {
		t.Errorf("got %q", got)
	}
	if cmds := Commands(got); len(cmds) != 0 {
		t.Errorf("commands %+v", cmds)
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	if got := OneLine("a\r\n::error::x\r##[add-mask]y", 0); got != `a ::error::x ##\[add-mask]y` {
		t.Errorf("OneLine = %q", got)
	}
	if got := OneLine(strings.Repeat("x", 100), 10); got != "xxxx"+cutMark {
		t.Errorf("OneLine cut = %q", got)
	}
}

// FuzzWriter writes arbitrary text in two parts, as a library's logger or a
// panic might: what comes out holds no workflow command, and, when no line
// is cut, it is what Neutralize makes of the text, each line ended.
func FuzzWriter(f *testing.F) {
	for _, s := range []string{"::stop-commands::x\n", "a\r\n::warning::b", "x ##[add-mask]y\n", "\r\r\n\n", " \u3000::error::e"} {
		f.Add(s, uint(1), uint(0))
	}
	f.Fuzz(func(t *testing.T, s string, split, limit uint) {
		i := int(split % uint(len(s)+1))
		lim := int(limit % 64)
		out := writeAll(t, s, i, lim)
		if cmds := Commands(out); len(cmds) != 0 {
			t.Fatalf("%q (split at %d, limit %d) gives %q, which holds commands %+v", s, i, lim, out, cmds)
		}
		for _, line := range strings.Split(out, "\n") {
			if lim > len(cutMark) && len(line) > lim {
				t.Fatalf("%q (limit %d) gives a line of %d bytes: %q", s, lim, len(line), line)
			}
		}
		long := false
		for _, line := range Lines(Neutralize(s)) {
			long = long || (lim > 0 && len(line) > lim)
		}
		if long {
			return
		}
		want := Neutralize(s)
		if s != "" && !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if out != want {
			t.Fatalf("%q (split at %d) gives %q, want %q", s, i, out, want)
		}
	})
}
