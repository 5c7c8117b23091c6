// Package inputs turns the Action's text inputs into checked values. The
// parsers never name the input: the caller wraps their errors, so each
// message says what is wrong and how to fix it. The inputs of a repository
// setting are parsed by the setting itself, in the engine
// (reconcile.Declare), through the loader; this package reads them, and
// their files within the workspace, and refuses those the registry or
// state: absent does not take, from the engine's list of settings.
package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// ECR's limits live in ecrspec, shared with the emulator; this one is
// the action's own.
const (
	maxDocumentBytes = 1 << 20 // far above ECR's limits; refuses stray large files
)

var (
	roleARN     = regexp.MustCompile(`^arn:` + regions.PartitionPattern + `:iam::` + ecrspec.RegistryIDPattern + `:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$`)
	roleName    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	sessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalID  = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // 2–1224 long; RE2 caps repeats at 1000
)

// repositoryNameRule tells the user ECR's name rule in words.
const repositoryNameRule = `use lower-case letters and digits, separated by one ".", one "_", two "__" or any number of "-", with "/" between parts, for example "team/my-app"`

// ParseRepositoryName validates a repository name as ECR does
// (ecrspec.ValidRepositoryName).
func ParseRepositoryName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n < ecrspec.MinRepositoryNameChars || n > ecrspec.MaxRepositoryNameChars {
		return "", fmt.Errorf("repository name %q has %d characters; ECR needs %d to %d: %s",
			wfcmd.Shown(s), n, ecrspec.MinRepositoryNameChars, ecrspec.MaxRepositoryNameChars, repositoryNameRule)
	}
	if !ecrspec.ValidRepositoryName(s) {
		if lower := strings.ToLower(s); lower != s && ecrspec.ValidRepositoryName(lower) {
			return "", fmt.Errorf("repository name %q has upper-case letters; ECR names are lower case: use %q", wfcmd.Shown(s), lower)
		}
		return "", fmt.Errorf("repository name %q is not valid: %s", wfcmd.Shown(s), repositoryNameRule)
	}
	return s, nil
}

// parseRepositoryNames reads one repository name per line; blank lines and
// "#" comments are ignored. Every bad line is reported at once, so that a
// long list is fixed in one go and nothing is sent to ECR before it is.
func parseRepositoryNames(s string) ([]string, error) {
	var names, problems []string
	seen := map[string]int{}
	for i, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "#") // '#' cannot occur in a name
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, err := ParseRepositoryName(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", i+1, err))
			continue
		}
		if first, dup := seen[name]; dup {
			problems = append(problems, fmt.Sprintf("repository %q is listed twice (lines %d and %d); list each repository once", name, first, i+1))
			continue
		}
		seen[name] = i + 1
		names = append(names, name)
	}
	switch len(problems) {
	case 0:
	case 1:
		return nil, errors.New(problems[0])
	default:
		// Enough to fix a list in one go without flooding the log.
		const shown = 20
		list := problems
		if len(list) > shown {
			list = append(list[:shown:shown], fmt.Sprintf("... and %d more", len(problems)-shown))
		}
		return nil, fmt.Errorf("%d repository names are not valid:\n%s", len(problems), strings.Join(list, "\n"))
	}
	if len(names) == 0 {
		return nil, errors.New(`no repository name given; write one name per line, for example "team/app"`)
	}
	return names, nil
}

// parseBool reads true or false in any letter case; empty means not set.
func parseBool(s string) (*bool, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, nil
	case strings.EqualFold(s, "true"):
		return new(true), nil
	case strings.EqualFold(s, "false"):
		return new(false), nil
	}
	return nil, fmt.Errorf("%q is not a boolean; use true or false", wfcmd.Shown(s))
}

// parseRegions reads aws-region: one or more Region codes, the first the
// primary. The rules (separators, repeats, partitions) are internal/regions'.
func parseRegions(s string) ([]string, error) { return regions.Parse(s) }

// parseAccountID checks an AWS account ID.
func parseAccountID(s string) error {
	if !ecrspec.IsAccountID(s) {
		return fmt.Errorf("%q is not an AWS account ID; use the 12 digits, for example 123456789012", wfcmd.Shown(s))
	}
	return nil
}

// parseRoleARN checks an IAM role ARN and returns it trimmed.
func parseRoleARN(s string) (string, error) {
	s = strings.TrimSpace(s)
	const example = "arn:aws:iam::123456789012:role/"
	switch {
	case roleARN.MatchString(s):
		return s, nil
	case roleName.MatchString(s):
		return "", fmt.Errorf("%q is a role name, not an ARN; write the full ARN, for example %s%s", s, example, s)
	case strings.Contains(s, ":assumed-role/"):
		return "", fmt.Errorf("%q is an STS session ARN; use the IAM role ARN instead, for example %sname", wfcmd.Shown(s), example)
	}
	return "", fmt.Errorf("%q is not an IAM role ARN; write it as arn:<partition>:iam::<account-id>:role/<path/name>, for example %sdeploy", wfcmd.Shown(s), example)
}

// validateSessionName checks an STS role session name.
func validateSessionName(s string) error {
	if !sessionName.MatchString(s) {
		return fmt.Errorf("%q is not a valid session name; use 2 to 64 letters, digits and _ + = , . @ -", wfcmd.Shown(s))
	}
	return nil
}

// parseDurationSeconds reads a role session duration.
func parseDurationSeconds(s string) (int32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errEmpty
	}
	// STS's AssumeRole DurationSeconds: 15 minutes to 12 hours.
	const least, most = 900, 43200
	rng := fmt.Sprintf("use %d (15 minutes) to %d (12 hours), within the role's maximum session duration", least, most)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of seconds; %s", wfcmd.Shown(s), rng)
	}
	if n < least || n > most {
		return 0, fmt.Errorf("%d seconds is out of range; %s", n, rng)
	}
	return int32(n), nil
}

// parseExternalID checks an STS external ID.
func parseExternalID(s string) error {
	if len(s) < 2 || len(s) > 1224 || !externalID.MatchString(s) {
		return fmt.Errorf("the external ID is not valid; use 2 to 1224 letters, digits and _ + = , . @ : / - (got %d characters)", utf8.RuneCountInString(s))
	}
	return nil
}

// parseAudience checks an OIDC token audience.
func parseAudience(s string) error {
	if s == "" {
		return errors.New("the audience is empty; use sts.amazonaws.com unless the identity provider expects another")
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return fmt.Errorf("audience %q contains whitespace; give a single audience such as sts.amazonaws.com", wfcmd.Shown(s))
	}
	return nil
}

// parseOnError reads what to do when a setting cannot be reconciled:
// "fail" or "warn".
func parseOnError(s string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch v {
	case "":
		return "", errEmpty
	case "fail", "warn":
		return v, nil
	}
	return "", fmt.Errorf("%q is not valid; use fail or warn", wfcmd.Shown(s))
}

// parseState reads state: true for absent (the repository must not exist).
func parseState(s string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "":
		return false, errEmpty
	case "present", "absent":
		return v == "absent", nil
	}
	return false, fmt.Errorf("%q is not valid; use present (create and reconcile the repository) or absent (delete it)", wfcmd.Shown(s))
}

// parsePreviewMode reads lifecycle-policy-preview.
func parsePreviewMode(s string) (reconcile.PreviewMode, error) {
	v := reconcile.PreviewMode(strings.ToLower(strings.TrimSpace(s)))
	switch v {
	case "":
		return "", errEmpty
	case reconcile.PreviewOn, reconcile.PreviewOffInApply, reconcile.PreviewOff:
		return v, nil
	}
	return "", fmt.Errorf("%q is not valid; use on, off-in-apply or off", wfcmd.Shown(s))
}

// parseConcurrency reads how many repositories to reconcile at once.
func parseConcurrency(s string) (int, error) {
	return intInRange(s, 1, 50, "repositories at once")
}

// parseTimeoutSeconds reads a timeout in seconds.
func parseTimeoutSeconds(s string) (int, error) {
	return intInRange(s, 1, maxTimeoutSeconds, "seconds")
}

const maxTimeoutSeconds = 3600

// ReadTimeout is the bound on reading the inputs' files: timeout-seconds
// when it is valid, else (Load reports it) the longest it may be.
func ReadTimeout(timeoutSeconds string) time.Duration {
	n, err := parseTimeoutSeconds(timeoutSeconds)
	if err != nil {
		n = maxTimeoutSeconds
	}
	return time.Duration(n) * time.Second
}

// errEmpty is the error of an input that has a default in action.yml but
// was read empty: the runner and the command line fill in action.yml's
// default, so only a caller that skips them sees it. No default is repeated
// in Go.
var errEmpty = errors.New("is empty; leave the input out to use its default from action.yml")

func intInRange(s string, lo, hi int, unit string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errEmpty
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not valid; use a whole number from %d to %d (%s)", wfcmd.Shown(s), lo, hi, unit)
	}
	return n, nil
}

// readDocument resolves a policy input: empty means not managed, "none"
// means the policy must not exist, text starting with "{" is the policy
// itself, and anything else is the path of a file in the workspace
// (relative to it, or absolute inside it). A path that leaves the workspace,
// directly or through a symbolic link, is refused so that a workflow input
// cannot read arbitrary files of the runner. An empty workspace means the
// current directory.
func readDocument(value, workspace string) (*reconcile.Document, error) {
	return readDocumentContext(context.Background(), value, workspace)
}

// readDocumentContext is readDocument under ctx: reading a file gives up
// when ctx ends.
func readDocumentContext(ctx context.Context, value, workspace string) (*reconcile.Document, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return nil, nil
	case strings.EqualFold(value, "none"):
		return &reconcile.Document{Remove: true}, nil
	case strings.HasPrefix(value, "{"):
		return &reconcile.Document{Text: value}, nil
	}
	text, err := readWorkspaceFile(ctx, value, workspace)
	if err != nil {
		return nil, err
	}
	return &reconcile.Document{Text: text}, nil
}

var policyFile = reconcile.FileKind{Noun: "policy", MaxBytes: maxDocumentBytes, Example: "policies/repository.json"}

func readWorkspaceFile(ctx context.Context, path, workspace string) (string, error) {
	data, err := readWorkspaceBytes(ctx, path, workspace, policyFile)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(data)) == "" {
		return "", fmt.Errorf("%q is empty; write the policy JSON in it, or use none to remove the policy", wfcmd.Shown(path))
	}
	return string(data), nil
}

// readWorkspaceBytes reads a file of the workspace; see readDocument for
// what a path may be.
func readWorkspaceBytes(ctx context.Context, path, workspace string, kind reconcile.FileKind) ([]byte, error) {
	// Messages name the place the user knows: the command line reads from
	// the current directory.
	place := "the workspace"
	if workspace == "" {
		workspace, place = ".", "the current directory"
	}
	wsAbs, err := filepath.Abs(workspace)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s %q: %w", place, wfcmd.Shown(workspace), pathErr(err))
	}
	wsReal, err := filepath.EvalSymlinks(wsAbs)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s %q: %w; check out the repository before this step", place, wfcmd.Shown(workspace), pathErr(err))
	}
	var full string
	if filepath.IsAbs(path) {
		full = filepath.Clean(path)
		if !within(wsAbs, full) && !within(wsReal, full) {
			return nil, fmt.Errorf("%q is outside %s %s; put the file inside it and give its path relative to %s", wfcmd.Shown(path), place, wsAbs, place)
		}
	} else {
		if !filepath.IsLocal(path) {
			return nil, fmt.Errorf("%q leaves %s; give a path inside it, relative to it, for example %s", wfcmd.Shown(path), place, kind.Example)
		}
		full = filepath.Join(wsAbs, path)
	}
	resolved, err := filepath.EvalSymlinks(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %q not found (looked for %s); check the path, which is relative to %s, and that the repository is checked out", wfcmd.Shown(path), wfcmd.Shown(full), place)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", wfcmd.Shown(path), pathErr(err))
	}
	rel, err := filepath.Rel(wsReal, resolved)
	if err != nil || (!filepath.IsLocal(rel) && rel != ".") {
		return nil, fmt.Errorf("%q leads outside %s through a symbolic link; point to the file itself, inside %s", wfcmd.Shown(path), place, place)
	}
	// Reading through os.Root keeps the check true even if a link is
	// swapped between the check and the read.
	root, err := os.OpenRoot(wsReal)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s %q: %w", place, wfcmd.Shown(workspace), pathErr(err))
	}
	defer root.Close()
	info, err := root.Stat(rel)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", wfcmd.Shown(path), pathErr(err))
	}
	if err := regularFile(path, info, kind); err != nil {
		return nil, err
	}
	return readRegular(ctx, root, rel, path, kind)
}

// regularFile refuses anything but a regular file: a directory, and above
// all a named pipe (opening it waits for a writer that never comes) or a
// device (/dev/zero never ends, and reports size 0).
func regularFile(path string, info fs.FileInfo, kind reconcile.FileKind) error {
	m := info.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("%q is a directory; give the path of the %s file", wfcmd.Shown(path), kind.Noun)
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%q is a named pipe (FIFO), not a regular file; give the path of the %s file", wfcmd.Shown(path), kind.Noun)
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("%q is a device, not a regular file; give the path of the %s file", wfcmd.Shown(path), kind.Noun)
	}
	return fmt.Errorf("%q is not a regular file (%s); give the path of the %s file", wfcmd.Shown(path), m.Type(), kind.Noun)
}

// readRegular reads a policy file that was a regular file when checked. It
// opens without blocking (a named pipe swapped in since is not waited on),
// checks the open file again, reads at most maxDocumentBytes+1 bytes
// whatever size the file reports, and gives up when ctx ends.
func readRegular(ctx context.Context, root *os.Root, rel, path string, kind reconcile.FileKind) ([]byte, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", wfcmd.Shown(path), pathErr(err))
	}
	info, err := f.Stat()
	if err == nil {
		err = regularFile(path, info, kind)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer f.Close()
		data, err := readBounded(f, kind.MaxBytes)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, errTooLarge) && kind.Limit != "" {
			return nil, fmt.Errorf("%q is larger than %d bytes, %s limit for a %s; use a smaller file", wfcmd.Shown(path), kind.MaxBytes, kind.Limit, kind.Noun)
		}
		if errors.Is(r.err, errTooLarge) {
			return nil, fmt.Errorf("%q is larger than %d bytes, too large for a %s; check the path, or use a smaller file", wfcmd.Shown(path), kind.MaxBytes, kind.Noun)
		}
		if r.err != nil {
			return nil, fmt.Errorf("cannot read %q: %w", wfcmd.Shown(path), pathErr(r.err))
		}
		return r.data, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("reading %q did not finish before the step's deadline: %w", wfcmd.Shown(path), context.Cause(ctx))
		}
		return nil, fmt.Errorf("reading %q was stopped: %w", wfcmd.Shown(path), context.Cause(ctx))
	}
}

var errTooLarge = errors.New("too large")

// pathErr is err without the path an *fs.PathError repeats in full: the
// message names the path once, bounded (wfcmd.Shown).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readBounded reads r to its end, or fails with errTooLarge after limit
// bytes: it never trusts a reported size.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// within reports whether path is dir or lies under it, lexically.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
