package wfcmd

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxLine bounds one line that Writer or OneLine passes on, in bytes: text
// from outside this code (an endpoint's header, a flag) can be of any
// length, and one line of it must not fill the log.
const MaxLine = 2048

// cutMark ends a line that was cut at MaxLine.
const cutMark = " […]"

// OneLine joins the lines of text with spaces, cuts the result at limit
// bytes (0: MaxLine) and neutralises it, for text that must stay on one line
// (a group title, a debug line, a library's warning).
func OneLine(text string, limit int) string {
	// Cut after neutralising, which lengthens a line: a prefix of an
	// inert line, followed by the mark's space, is inert too.
	return cut(Neutralize(strings.Join(Lines(text), " ")), limit)
}

// cut shortens s to at most limit bytes (0: MaxLine) on a rune boundary,
// marking the cut.
func cut(s string, limit int) string {
	if limit <= 0 {
		limit = MaxLine
	}
	if len(s) <= limit {
		return s
	}
	i := max(limit-len(cutMark), 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + cutMark
}

// Writer passes text written by code this package does not control (the
// standard log package, which net/http writes to, a library's logger, a
// command line's error) to w with every line neutralised as Neutralize
// does, and cut at a limit when it has one. It holds back a line until its
// end, so a command split over two writes is still seen; Flush writes what
// is left. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	limit   int
	line    []byte
	cutting bool // the current line passed MaxLine: drop the rest of it
	lastCR  bool // the last byte was "\r"
}

// NewWriter returns a Writer that writes to w, each line cut at limit bytes
// (no limit when limit <= 0).
func NewWriter(w io.Writer, limit int) *Writer { return &Writer{w: w, limit: limit} }

// Write neutralises the complete lines of p (and of what came before) and
// writes them. It always reports len(p) unless w fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out bytes.Buffer
	for _, c := range p {
		// "\r", "\n" and "\r\n" end a line, as the runner reads it.
		if c == '\n' && w.lastCR {
			w.lastCR = false // the "\r" of "\r\n" ended the line already
			continue
		}
		if c == '\n' || c == '\r' {
			w.emit(&out)
			w.lastCR = c == '\r'
			continue
		}
		w.lastCR = false
		if w.cutting {
			continue
		}
		w.line = append(w.line, c)
		if w.limit > 0 && len(w.line) > w.limit {
			w.line = []byte(cut(string(w.line), w.limit))
			w.cutting = true
		}
	}
	if out.Len() > 0 {
		if _, err := w.w.Write(out.Bytes()); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes a last line that has no line break yet.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.line) == 0 && !w.cutting {
		return nil
	}
	var out bytes.Buffer
	w.emit(&out)
	_, err := w.w.Write(out.Bytes())
	return err
}

func (w *Writer) emit(out *bytes.Buffer) {
	line := neutralizeLine(string(w.line))
	if w.limit > 0 {
		line = cut(line, w.limit)
	}
	out.WriteString(line)
	out.WriteByte('\n')
	w.line, w.cutting = w.line[:0], false
}
