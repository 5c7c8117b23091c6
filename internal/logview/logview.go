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

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// Writer renders workflow commands written to it, line by line. Plain lines
// and group headings go to the main stream; annotations (and debug lines,
// when shown) go to the diagnostics stream, which is the main one unless
// NewSplitWriter chose another.
type Writer struct {
	shared *shared
	buf    []byte
	// diagOnly sends every line to the diagnostics stream (see Diag).
	diagOnly bool
}

// shared is what the writers of one log have in common: the streams and
// the masks, which hide a secret wherever it appears later.
type shared struct {
	mu        sync.Mutex
	out, diag io.Writer
	debug     bool
	masks     []string
}

// NewWriter returns a Writer that renders everything onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{shared: &shared{out: w, diag: w}} }

// NewSplitWriter returns a Writer that renders plain lines and groups onto
// out, and annotations onto diag; debug lines are shown on diag when debug
// is true and hidden otherwise.
func NewSplitWriter(out, diag io.Writer, debug bool) *Writer {
	return &Writer{shared: &shared{out: out, diag: diag, debug: debug}}
}

// Diag returns a writer onto the diagnostics stream that shares w's masks.
func (v *Writer) Diag() *Writer { return &Writer{shared: v.shared, diagOnly: true} }

func (v *Writer) Write(p []byte) (int, error) {
	s := v.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	v.buf = append(v.buf, p...)
	for {
		i := bytes.IndexByte(v.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(v.buf[:i])
		v.buf = v.buf[i+1:]
		out, diag, ok := s.render(line)
		if !ok {
			continue
		}
		w := s.out
		if diag || v.diagOnly {
			w = s.diag
		}
		// This output may itself be read by a runner (the command line
		// run in a workflow step): what the rendering unescaped must not
		// become a command there.
		if _, err := io.WriteString(w, wfcmd.Neutralize(out)+"\n"); err != nil {
			return len(p), err
		}
	}
}

// render returns what the log page shows for one line, whether it is a
// diagnostic, and false for a line it does not show at all.
func (s *shared) render(line string) (text string, diag, ok bool) {
	for _, m := range s.masks {
		line = strings.ReplaceAll(line, m, "***")
	}
	switch {
	case strings.HasPrefix(line, "::add-mask::"):
		if m := unescape(strings.TrimPrefix(line, "::add-mask::")); m != "" {
			s.masks = append(s.masks, m)
		}
		return "", false, false
	case strings.HasPrefix(line, "::group::"):
		return "▼ " + unescape(strings.TrimPrefix(line, "::group::")), false, true
	case line == "::endgroup::":
		return "", false, false
	case strings.HasPrefix(line, "::debug"):
		_, msg, _ := strings.Cut(strings.TrimPrefix(line, "::"), "::")
		return "Debug: " + unescape(msg), true, s.debug
	case strings.HasPrefix(line, "::error"), strings.HasPrefix(line, "::warning"), strings.HasPrefix(line, "::notice"):
		head, msg, _ := strings.Cut(strings.TrimPrefix(line, "::"), "::")
		level, _, _ := strings.Cut(head, " ")
		return strings.ToUpper(level[:1]) + level[1:] + ": " + strings.ReplaceAll(wfcmd.Neutralize(unescape(msg)), "\n", "\n  "), true, true
	}
	return line, false, true
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
