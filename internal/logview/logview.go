// Package logview renders GitHub workflow commands as the workflow log page
// shows them: groups as headings, annotations with their level, masked
// values as ***, and the commands themselves hidden. The demo and the
// command-line mode use it, so a terminal shows what a workflow log would.
package logview

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Writer renders workflow commands written to it, line by line, onto W.
type Writer struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	masks []string
}

// NewWriter returns a Writer that renders onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (v *Writer) Write(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.buf = append(v.buf, p...)
	for {
		i := bytes.IndexByte(v.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(v.buf[:i])
		v.buf = v.buf[i+1:]
		if out, ok := v.render(line); ok {
			if _, err := io.WriteString(v.w, out+"\n"); err != nil {
				return len(p), err
			}
		}
	}
}

// render returns what the log page shows for one line, and false for a
// line it does not show at all.
func (v *Writer) render(line string) (string, bool) {
	for _, m := range v.masks {
		line = strings.ReplaceAll(line, m, "***")
	}
	switch {
	case strings.HasPrefix(line, "::add-mask::"):
		if m := unescape(strings.TrimPrefix(line, "::add-mask::")); m != "" {
			v.masks = append(v.masks, m)
		}
		return "", false
	case strings.HasPrefix(line, "::group::"):
		return "▼ " + strings.TrimPrefix(line, "::group::"), true
	case line == "::endgroup::", strings.HasPrefix(line, "::debug::"):
		return "", false
	case strings.HasPrefix(line, "::error"), strings.HasPrefix(line, "::warning"), strings.HasPrefix(line, "::notice"):
		head, msg, _ := strings.Cut(strings.TrimPrefix(line, "::"), "::")
		level, _, _ := strings.Cut(head, " ")
		return strings.ToUpper(level[:1]) + level[1:] + ": " + strings.ReplaceAll(unescape(msg), "\n", "\n  "), true
	}
	return line, true
}

// Render renders a whole captured log.
func Render(log string) string {
	var b strings.Builder
	w := NewWriter(&b)
	_, _ = w.Write([]byte(strings.TrimRight(log, "\n") + "\n"))
	return b.String()
}

func unescape(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}
