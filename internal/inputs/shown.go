package inputs

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxShownChars is how much of an invalid value a message repeats: enough
// to recognise it, never a whole 100 KB input in one annotation.
const maxShownChars = 60

// shown is user input repeated in a message. Formatted with %q or %s it
// shows at most maxShownChars characters, then "…" and the full length.
type shown string

func (s shown) Format(f fmt.State, verb rune) {
	text, cut := string(s), false
	if utf8.RuneCountInString(text) > maxShownChars {
		i := 0
		for n := range text {
			if i == maxShownChars {
				text, cut = text[:n], true
				break
			}
			i++
		}
	}
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
