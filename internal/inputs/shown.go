package inputs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// shown is user input repeated in a message. Formatted with %q or %s it
// shows at most wfcmd.MaxQuotedChars characters, then "…" and the full
// length.
type shown string

func (s shown) Format(f fmt.State, verb rune) {
	text, cut := wfcmd.Cut(string(s))
	if verb == 'q' {
		text = strconv.Quote(text)
	}
	if cut {
		text += fmt.Sprintf("… (%d characters in all)", utf8.RuneCountInString(string(s)))
	}
	_, _ = f.Write([]byte(text))
}

// position names where in a multi-line value offset falls, as "line L,
// column C" (both from 1, columns in characters).
func position(text string, offset int) string {
	offset = min(max(offset, 0), len(text))
	before := text[:offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}
