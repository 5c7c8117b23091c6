// Package inputs turns the Action's text inputs into checked values. The
// parsers never name the input: the caller wraps their errors, so each
// message says what is wrong and how to fix it.
package inputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// ECR's limits live in ecrspec, shared with the emulator; this one is
// the action's own.
const (
	maxDocumentBytes = 1 << 20 // far above ECR's limits; refuses stray large files
)

var (
	tagChars        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	exclusionFilter = regexp.MustCompile(ecrspec.ExclusionFilterPattern)
	roleARN         = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::` + ecrspec.RegistryIDPattern + `:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$`)
	roleName        = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	sessionName     = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalID      = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // 2–1224 long; RE2 caps repeats at 1000

	kmsKeyID    = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	kmsAlias    = `alias/[a-zA-Z0-9/_-]{1,250}`
	kmsARN      = `arn:aws(?:-[a-z]+)*:kms:[a-z0-9-]+:` + ecrspec.RegistryIDPattern + `:`
	kmsKeyForms = regexp.MustCompile(`^(?:` + kmsKeyID + `|` + kmsAlias + `|` + kmsARN + `key/` + kmsKeyID + `|` + kmsARN + kmsAlias + `)$`)
)

// repositoryNameRule tells the user ECR's name rule in words.
const repositoryNameRule = `use lower-case letters and digits, separated by one ".", one "_", two "__" or any number of "-", with "/" between parts, for example "team/my-app"`

// ParseRepositoryName validates a repository name as ECR does
// (ecrspec.ValidRepositoryName).
func ParseRepositoryName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n < ecrspec.MinRepositoryNameChars || n > ecrspec.MaxRepositoryNameChars {
		return "", fmt.Errorf("repository name %q has %d characters; ECR needs %d to %d: %s",
			shown(s), n, ecrspec.MinRepositoryNameChars, ecrspec.MaxRepositoryNameChars, repositoryNameRule)
	}
	if !ecrspec.ValidRepositoryName(s) {
		if lower := strings.ToLower(s); lower != s && ecrspec.ValidRepositoryName(lower) {
			return "", fmt.Errorf("repository name %q has upper-case letters; ECR names are lower case: use %q", shown(s), lower)
		}
		return "", fmt.Errorf("repository name %q is not valid: %s", shown(s), repositoryNameRule)
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

// ParseTags reads tags written as key=value pairs (one per line or separated
// by commas; a value may contain "=") or as a JSON object of strings. Empty
// input means tags are not managed. An error says where in the input the
// problem is (entry N, or line and column of JSON) and repeats only a
// short prefix of what it quotes.
func ParseTags(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var pairs []tagPair
	var err error
	if strings.HasPrefix(s, "{") {
		pairs, err = jsonTags(s)
	} else {
		pairs, err = lineTags(s)
	}
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, p := range pairs {
		k, v := p.key, p.value
		if err := checkTag(k, v); err != nil {
			return nil, fmt.Errorf("%s: %w", p.where, err)
		}
		if old, dup := tags[k]; dup && old != v {
			return nil, fmt.Errorf("%s: tag key %q is given twice with different values (%q and %q); keep one", p.where, shown(k), shown(old), shown(v))
		}
		tags[k] = v
	}
	if len(tags) > ecrspec.MaxTags {
		return nil, fmt.Errorf("%d tags given; ECR allows at most %d per repository: remove some", len(tags), ecrspec.MaxTags)
	}
	return tags, nil
}

// tagPair is one tag as written, with where it was written.
type tagPair struct{ key, value, where string }

func lineTags(s string) ([]tagPair, error) {
	var pairs []tagPair
	n := 0
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n++
		where := fmt.Sprintf("entry %d", n)
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf(`%s: tag %q has no "="; write key=value (key= for an empty value), one per line or separated by commas`, where, shown(item))
		}
		pairs = append(pairs, tagPair{strings.TrimSpace(k), strings.TrimSpace(v), where})
	}
	return pairs, nil
}

// jsonTags decodes a JSON object of strings, keeping duplicate keys so they
// can be reported rather than silently collapsed.
func jsonTags(s string) ([]tagPair, error) {
	const hint = `write a JSON object of strings such as {"team": "web", "env": "prod"}, or key=value lines`
	dec := json.NewDecoder(strings.NewReader(s))
	invalid := func(err error) error {
		return fmt.Errorf("tags are not valid JSON at %s: %v; %s", position(s, int(dec.InputOffset())), err, hint)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalid(err)
	}
	var pairs []tagPair
	for dec.More() {
		// The key starts after the separators that follow the previous
		// token.
		start := int(dec.InputOffset())
		start += len(s[start:]) - len(strings.TrimLeft(s[start:], ", \t\r\n"))
		where := position(s, start)
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid(err)
		}
		key := tok.(string) // the decoder guarantees a string key here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid(err)
		}
		var value string
		if err := json.Unmarshal(raw, &value); err != nil || string(raw) == "null" {
			return nil, fmt.Errorf(`%s: tag %q has the value %s, which is not a string; quote it, for example "%s": "1"`, where, shown(key), shown(raw), shown(key))
		}
		pairs = append(pairs, tagPair{key, value, where})
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("tags have text after the JSON object, at %s; %s", position(s, int(dec.InputOffset())), hint)
	}
	return pairs, nil
}

func checkTag(k, v string) error {
	const charset = "letters, digits, spaces and _ . : / = + - @"
	kn, vn := utf8.RuneCountInString(k), utf8.RuneCountInString(v)
	switch {
	case k == "":
		return fmt.Errorf("a tag has an empty key (value %q); write key=value", shown(v))
	case kn > ecrspec.MaxTagKeyChars:
		return fmt.Errorf("tag key %q is %d characters; use at most %d", shown(k), kn, ecrspec.MaxTagKeyChars)
	case vn > ecrspec.MaxTagValueChars:
		return fmt.Errorf("the value of tag %q is %d characters; use at most %d", shown(k), vn, ecrspec.MaxTagValueChars)
	case strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix):
		return fmt.Errorf(`tag key %q starts with "aws:", which is reserved for AWS; use another key`, shown(k))
	case !tagChars.MatchString(k):
		return fmt.Errorf("tag key %q has characters AWS does not allow in tags; use only %s", shown(k), charset)
	case !tagChars.MatchString(v):
		return fmt.Errorf("the value of tag %q has characters AWS does not allow in tags; use only %s", shown(k), charset)
	}
	return nil
}

// parseList splits on commas and newlines, trims, drops empty items and
// repeats, and keeps the order.
func parseList(s string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if item = strings.TrimSpace(item); item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
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
	return nil, fmt.Errorf("%q is not a boolean; use true or false", shown(s))
}

// ParseMutability reads the image tag mutability and its exclusion filters;
// both empty means the setting is not managed. An error about the filters is
// attributed to image-tag-mutability-exclusion-filters (see onInput).
func ParseMutability(given, filters string) (*reconcile.Mutability, error) {
	value := types.ImageTagMutability(strings.ToUpper(strings.TrimSpace(given)))
	list := parseList(filters)
	withExclusion := false
	switch value {
	case "":
		if len(list) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("is empty, but image-tag-mutability-exclusion-filters is set; set it to %s or %s, or remove the filters",
			types.ImageTagMutabilityImmutableWithExclusion, types.ImageTagMutabilityMutableWithExclusion)
	case types.ImageTagMutabilityMutable, types.ImageTagMutabilityImmutable:
	case types.ImageTagMutabilityImmutableWithExclusion, types.ImageTagMutabilityMutableWithExclusion:
		withExclusion = true
	default:
		return nil, fmt.Errorf("%q is not a tag mutability; use %s", shown(given), oneOf(types.ImageTagMutability("").Values()))
	}
	switch {
	case !withExclusion && len(list) > 0:
		return nil, fmt.Errorf("%s takes no exclusion filters; use %s_WITH_EXCLUSION, or remove image-tag-mutability-exclusion-filters", value, value)
	case withExclusion && len(list) == 0:
		return nil, on(filtersInput, fmt.Errorf(`is empty, but %s needs exclusion filters; give 1 to %d tag wildcards such as "latest" or "dev-*"`, value, ecrspec.MaxExclusionFilters))
	case len(list) > ecrspec.MaxExclusionFilters:
		return nil, on(filtersInput, fmt.Errorf("%d exclusion filters given; ECR allows at most %d: merge some with wildcards", len(list), ecrspec.MaxExclusionFilters))
	}
	for _, f := range list {
		if len(f) > ecrspec.MaxExclusionFilterChars || !exclusionFilter.MatchString(f) {
			return nil, on(filtersInput, fmt.Errorf(`exclusion filter %q is not valid; use up to %d letters, digits and . _ - with * as a wildcard, for example "release-*"`, shown(f), ecrspec.MaxExclusionFilterChars))
		}
	}
	slices.Sort(list) // compared as a set
	return &reconcile.Mutability{Value: string(value), Filters: list}, nil
}

// ParseEncryption reads the encryption type and KMS key; both empty means
// encryption is not managed.
func ParseEncryption(given, key string) (*reconcile.Encryption, error) {
	typ := types.EncryptionType(strings.ToUpper(strings.TrimSpace(given)))
	key = strings.TrimSpace(key)
	switch typ {
	case "":
		if key == "" {
			return nil, nil
		}
		return nil, fmt.Errorf("is empty, but kms-key is set; set encryption-type to %s or %s, or remove kms-key", types.EncryptionTypeKms, types.EncryptionTypeKmsDsse)
	case types.EncryptionTypeAes256:
		if key != "" {
			return nil, on("kms-key", fmt.Errorf("%s encryption does not use a KMS key; remove kms-key or set encryption-type to %s", typ, types.EncryptionTypeKms))
		}
	case types.EncryptionTypeKms, types.EncryptionTypeKmsDsse:
		if key != "" && (len(key) > ecrspec.MaxKMSKeyChars || !kmsKeyForms.MatchString(key)) {
			return nil, on("kms-key", fmt.Errorf("%q is not a KMS key reference; use a key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), a key ARN, alias/name or an alias ARN", shown(key)))
		}
	default:
		return nil, fmt.Errorf("%q is not an encryption type; use %s", shown(given), oneOf(types.EncryptionType("").Values()))
	}
	return &reconcile.Encryption{Type: string(typ), KMSKey: key}, nil
}

// oneOf lists an SDK enum's values for a message: "A, B or C".
func oneOf[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

var filtersInput = inputref.ImageTagMutabilityExclusionFilters.String()

// onInput is an error that a parser of several inputs attributes to one of
// them, so that the message names the input that is wrong.
type onInput struct {
	Input string
	Err   error
}

func (e *onInput) Error() string { return e.Err.Error() }
func (e *onInput) Unwrap() error { return e.Err }

func on(input string, err error) error { return &onInput{Input: input, Err: err} }

// parseRegions reads aws-region: one or more Region codes, the first the
// primary. The rules (separators, repeats, partitions) are internal/regions'.
func parseRegions(s string) ([]string, error) { return regions.Parse(s) }

// parseAccountID checks an AWS account ID.
func parseAccountID(s string) error {
	if !ecrspec.IsAccountID(s) {
		return fmt.Errorf("%q is not an AWS account ID; use the 12 digits, for example 123456789012", shown(s))
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
		return "", fmt.Errorf("%q is an STS session ARN; use the IAM role ARN instead, for example %sname", shown(s), example)
	}
	return "", fmt.Errorf("%q is not an IAM role ARN; write it as arn:<partition>:iam::<account-id>:role/<path/name>, for example %sdeploy", shown(s), example)
}

// validateSessionName checks an STS role session name.
func validateSessionName(s string) error {
	if !sessionName.MatchString(s) {
		return fmt.Errorf("%q is not a valid session name; use 2 to 64 letters, digits and _ + = , . @ -", shown(s))
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
		return 0, fmt.Errorf("%q is not a whole number of seconds; %s", shown(s), rng)
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
		return fmt.Errorf("audience %q contains whitespace; give a single audience such as sts.amazonaws.com", shown(s))
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
	return "", fmt.Errorf("%q is not valid; use fail or warn", shown(s))
}

// parseState reads state: true for absent (the repository must not exist).
func parseState(s string) (bool, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "":
		return false, errEmpty
	case "present", "absent":
		return v == "absent", nil
	}
	return false, fmt.Errorf("%q is not valid; use present (create and reconcile the repository) or absent (delete it)", shown(s))
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
	return "", fmt.Errorf("%q is not valid; use on, off-in-apply or off", shown(s))
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
		return 0, fmt.Errorf("%q is not valid; use a whole number from %d to %d (%s)", shown(s), lo, hi, unit)
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

// fileKind is what a workspace file input holds: how messages call it and
// how large it may be.
type fileKind struct {
	what    string // "the JSON file"
	limit   int64
	large   string // after "larger than N bytes, "
	example string // a path inside the workspace, for a path that leaves it
}

var policyFile = fileKind{what: "the JSON file", limit: maxDocumentBytes, large: "too large for a policy; check the path", example: "policies/repository.json"}

func readWorkspaceFile(ctx context.Context, path, workspace string) (string, error) {
	data, err := readWorkspaceBytes(ctx, path, workspace, policyFile)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(string(data)) == "" {
		return "", fmt.Errorf("%q is empty; write the policy JSON in it, or use none to remove the policy", shown(path))
	}
	return string(data), nil
}

// readWorkspaceBytes reads a file of the workspace; see readDocument for
// what a path may be.
func readWorkspaceBytes(ctx context.Context, path, workspace string, kind fileKind) ([]byte, error) {
	// Messages name the place the user knows: the command line reads from
	// the current directory.
	place := "the workspace"
	if workspace == "" {
		workspace, place = ".", "the current directory"
	}
	wsAbs, err := filepath.Abs(workspace)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s %q: %w", place, shown(workspace), pathErr(err))
	}
	wsReal, err := filepath.EvalSymlinks(wsAbs)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s %q: %w; check out the repository before this step", place, shown(workspace), pathErr(err))
	}
	var full string
	if filepath.IsAbs(path) {
		full = filepath.Clean(path)
		if !within(wsAbs, full) && !within(wsReal, full) {
			return nil, fmt.Errorf("%q is outside %s %s; put the file inside it and give its path relative to %s", shown(path), place, wsAbs, place)
		}
	} else {
		if !filepath.IsLocal(path) {
			return nil, fmt.Errorf("%q leaves %s; give a path inside it, relative to it, for example %s", shown(path), place, kind.example)
		}
		full = filepath.Join(wsAbs, path)
	}
	resolved, err := filepath.EvalSymlinks(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %q not found (looked for %s); check the path, which is relative to %s, and that the repository is checked out", shown(path), shown(full), place)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", shown(path), pathErr(err))
	}
	rel, err := filepath.Rel(wsReal, resolved)
	if err != nil || (!filepath.IsLocal(rel) && rel != ".") {
		return nil, fmt.Errorf("%q leads outside %s through a symbolic link; point to the file itself, inside %s", shown(path), place, place)
	}
	// Reading through os.Root keeps the check true even if a link is
	// swapped between the check and the read.
	root, err := os.OpenRoot(wsReal)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s %q: %w", place, shown(workspace), pathErr(err))
	}
	defer root.Close()
	info, err := root.Stat(rel)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", shown(path), pathErr(err))
	}
	if err := regularFile(path, info, kind); err != nil {
		return nil, err
	}
	return readRegular(ctx, root, rel, path, kind)
}

// regularFile refuses anything but a regular file: a directory, and above
// all a named pipe (opening it waits for a writer that never comes) or a
// device (/dev/zero never ends, and reports size 0).
func regularFile(path string, info fs.FileInfo, kind fileKind) error {
	m := info.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("%q is a directory; give the path of %s", shown(path), kind.what)
	case m&fs.ModeNamedPipe != 0:
		return fmt.Errorf("%q is a named pipe (FIFO), not a regular file; give the path of %s", shown(path), kind.what)
	case m&fs.ModeDevice != 0:
		return fmt.Errorf("%q is a device, not a regular file; give the path of %s", shown(path), kind.what)
	}
	return fmt.Errorf("%q is not a regular file (%s); give the path of %s", shown(path), m.Type(), kind.what)
}

// readRegular reads a policy file that was a regular file when checked. It
// opens without blocking (a named pipe swapped in since is not waited on),
// checks the open file again, reads at most maxDocumentBytes+1 bytes
// whatever size the file reports, and gives up when ctx ends.
func readRegular(ctx context.Context, root *os.Root, rel, path string, kind fileKind) ([]byte, error) {
	f, err := root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %w", shown(path), pathErr(err))
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
		data, err := readBounded(f, kind.limit)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, errTooLarge) {
			return nil, fmt.Errorf("%q is larger than %d bytes, %s", shown(path), kind.limit, kind.large)
		}
		if r.err != nil {
			return nil, fmt.Errorf("cannot read %q: %w", shown(path), pathErr(r.err))
		}
		return r.data, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("reading %q did not finish before the step's deadline: %w", shown(path), context.Cause(ctx))
		}
		return nil, fmt.Errorf("reading %q was stopped: %w", shown(path), context.Cause(ctx))
	}
}

var errTooLarge = errors.New("too large")

// pathErr is err without the path an *fs.PathError repeats in full: the
// message names the path once, bounded (shown).
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
