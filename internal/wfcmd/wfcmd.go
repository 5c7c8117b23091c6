// Package wfcmd keeps text that did not come from this code from starting a
// GitHub workflow command. The runner reads a step's output line by line
// (a line ends at "\n", "\r" or "\r\n") and runs a line as a command when,
// after leading white space, it starts with "::" (the current form, such as
// ::warning:: or ::stop-commands::), or when it holds "##[" anywhere (the
// legacy form, such as ##[add-mask]). Neutralize changes exactly those lines;
// Commands finds them as the runner would, for tests.
package wfcmd

import (
	"strings"
	"unicode"
)

// Neutralize returns text with every line break normalised to "\n" and every
// line that the runner would take for a workflow command made inert: a line
// whose first non-blank characters are "::" gets a leading backslash, and
// each "##[" becomes "##\[". Other lines are returned unchanged, so ordinary
// messages read as they were written.
func Neutralize(text string) string {
	if !strings.ContainsAny(text, "\r\n") && !risky(text) {
		return text
	}
	lines := Lines(text)
	for i, line := range lines {
		lines[i] = neutralizeLine(line)
	}
	return strings.Join(lines, "\n")
}

func risky(line string) bool {
	return strings.HasPrefix(trimSpace(line), "::") || strings.Contains(line, "##[")
}

func neutralizeLine(line string) string {
	if !risky(line) {
		return line
	}
	line = strings.ReplaceAll(line, "##[", `##\[`)
	if strings.HasPrefix(trimSpace(line), "::") {
		line = `\` + line
	}
	return line
}

// trimSpace drops the leading white space the runner skips before it looks
// for "::" (.NET's char.IsWhiteSpace, the same set as unicode.IsSpace), and
// also the invisible U+200B and U+FEFF, so that a line that merely looks like
// a command is made inert too.
func trimSpace(s string) string {
	return strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
	})
}

// Lines splits text where the runner splits a step's output: at "\r\n",
// "\r" and "\n".
func Lines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

// Command is a workflow command found in a step's output.
type Command struct {
	Name    string // "warning", "add-mask", …; for the legacy form, the text inside ##[ ]
	Legacy  bool   // the ##[name]message form
	Message string // as written, still escaped
	Line    string // the whole line
}

// Commands returns every line of output that the runner would take for a
// workflow command, in order. It is deliberately broad: any "::name::" line
// counts, whether or not the runner knows the name, because an unknown name
// may be a ::stop-commands:: token.
func Commands(output string) []Command {
	var cmds []Command
	for _, line := range Lines(output) {
		if c, ok := parse(line); ok {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

func parse(line string) (Command, bool) {
	if t := strings.TrimLeftFunc(line, unicode.IsSpace); strings.HasPrefix(t, "::") {
		if info, msg, ok := strings.Cut(t[2:], "::"); ok {
			name, _, _ := strings.Cut(info, " ")
			return Command{Name: name, Message: msg, Line: line}, true
		}
	}
	if i := strings.Index(line, "##["); i >= 0 {
		if j := strings.IndexByte(line[i:], ']'); j >= 0 {
			info := line[i+3 : i+j]
			name, _, _ := strings.Cut(info, " ")
			return Command{Name: name, Legacy: true, Message: line[i+j+1:], Line: line}, true
		}
	}
	return Command{}, false
}
