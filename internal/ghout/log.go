package ghout

import (
	"slices"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// Logger is the only way a run writes to its log, from either door. Much of what
// it prints did not come from this code (AWS error messages, policy text,
// tag values, repository and file names), so every line goes through
// wfcmd.Neutralize and cannot start a workflow command: the commands in the
// log are the ones the methods below issue, and no others. A test
// (TestOnlyTheLoggerWrites) keeps the rest of this package and the doors
// from printing around it.
type Logger struct {
	// mu serialises what goroutines making AWS calls write: masks from
	// credential refreshes and debug lines.
	mu sync.Mutex
	a  *githubactions.Action
	// notes receives progress lines; on a runner it is a, on the command
	// line it writes to stderr so that stdout holds only the plan and the
	// outputs.
	notes *githubactions.Action
	// maskAccounts is mask-aws-account-id: every account ID in a line is
	// masked (::add-mask::) before the line is printed, and accounts are
	// the IDs masked so far. AWS text names accounts before the run knows
	// them (an AccessDenied message's arn:aws:iam::ACCOUNT:user/...).
	maskAccounts bool
	accounts     []string
}

// NewLogger writes the log through a, and progress lines through notes
// (a when nil).
func NewLogger(a, notes *githubactions.Action) *Logger {
	if notes == nil {
		notes = a
	}
	return &Logger{a: a, notes: notes}
}

// Info prints text, which may span lines, as plain log lines.
func (l *Logger) Info(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(text)
	l.a.Infof("%s", wfcmd.Neutralize(text))
}

// Note prints a progress line.
func (l *Logger) Note(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(text)
	l.notes.Infof("%s", wfcmd.Neutralize(text))
}

// Plan shows text under title as a collapsible log group.
func (l *Logger) Plan(title, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(title + "\n" + text)
	l.a.Group(oneLine(title))
	l.a.Infof("%s", wfcmd.Neutralize(text))
	l.a.EndGroup()
}

// DebugSink is where per-call debug lines go: debug when step debug
// logging is on (RUNNER_DEBUG=1), else nowhere (nil).
func (l *Logger) DebugSink() func(string) {
	if l.a.Getenv("RUNNER_DEBUG") != "1" {
		return nil
	}
	return l.Debug
}

func (l *Logger) Debug(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(msg)
	l.a.Debugf("%s", oneLine(msg))
}

// Annotate writes an error or warning annotation. The library escapes line
// breaks in the message; the lines are neutralised as well, so that a
// renderer that shows the message line by line (the command line's) does
// not turn them into commands.
func (l *Logger) Annotate(level, title, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(title + "\n" + msg)
	a := l.a.WithFieldsMap(map[string]string{"title": oneLine(title)})
	msg = wfcmd.Neutralize(msg)
	switch level {
	case "warning":
		a.Warningf("%s", msg)
	case "notice":
		a.Noticef("%s", msg)
	default:
		a.Errorf("%s", msg)
	}
}

// Mask hides a secret from the log, line by line as the runner requires.
func (l *Logger) Mask(secret string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range wfcmd.Lines(secret) {
		if line = strings.TrimSpace(line); line != "" {
			l.a.AddMask(line)
		}
	}
}

// maskIDs masks, under mask-aws-account-id, each account ID of text not
// masked yet. l.mu is held.
func (l *Logger) maskIDs(text string) {
	if !l.maskAccounts {
		return
	}
	for _, id := range awsid.FindAccountIDs(text) {
		l.maskAccountLocked(id)
	}
}

// setMaskAccounts turns mask-aws-account-id on or off.
func (l *Logger) setMaskAccounts(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskAccounts = on
}

// maskIn masks, under mask-aws-account-id, the account IDs text names.
func (l *Logger) maskIn(text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maskIDs(text)
}

// MaskAccount masks an account ID under mask-aws-account-id.
func (l *Logger) MaskAccount(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maskAccounts && id != "" {
		l.maskAccountLocked(id)
	}
}

func (l *Logger) maskAccountLocked(id string) {
	if !slices.Contains(l.accounts, id) {
		l.accounts = append(l.accounts, id)
		l.a.AddMask(id)
	}
}

// oneLine joins the lines of text that must stay on one line (a group
// title, a debug line), bounds and neutralises the result.
func oneLine(s string) string { return wfcmd.OneLine(s, 0) }
