package wfcmd

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxQuotedChars is how much of a value from outside (an input, an answer
// from AWS) a message repeats: enough to recognise it, never a whole
// 100 KB value in one annotation.
const MaxQuotedChars = 60

// Quote is s as a message repeats it: in Go quotes, so that no line break,
// control character or backtick reaches the log raw, and cut after
// MaxQuotedChars characters, then "…" and the full length.
func Quote(s string) string { return fmt.Sprintf("%q", Shown(s)) }

// Cut is s cut after MaxQuotedChars characters, and whether it was.
func Cut(s string) (string, bool) {
	if utf8.RuneCountInString(s) <= MaxQuotedChars {
		return s, false
	}
	i := 0
	for n := range s {
		if i == MaxQuotedChars {
			return s[:n], true
		}
		i++
	}
	return s, false
}

// Shown is outside text a message repeats. Formatted with %q (as Quote) or
// %s it shows at most MaxQuotedChars characters, then "…" and the full
// length.
type Shown string

func (s Shown) Format(f fmt.State, verb rune) {
	text, cut := Cut(string(s))
	if verb == 'q' {
		text = strconv.Quote(text)
	}
	if cut {
		text += fmt.Sprintf("… (%d characters in all)", utf8.RuneCountInString(string(s)))
	}
	_, _ = f.Write([]byte(text))
}
