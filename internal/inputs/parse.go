// Package inputs turns the Action's text inputs into checked values. The
// parsers never name the input: the caller wraps their errors, so each
// message says what is wrong and how to fix it.
package inputs

import (
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
	"unicode"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// ECR's limits live in ecrspec, shared with the emulator.
const (
	maxTags             = ecrspec.MaxTags
	maxTagKeyChars      = ecrspec.MaxTagKeyChars
	maxTagValueChars    = ecrspec.MaxTagValueChars
	maxExclusionFilters = ecrspec.MaxExclusionFilters
	maxDocumentBytes    = 1 << 20 // far above ECR's limits; refuses stray large files
)

var (
	tagChars        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	exclusionFilter = regexp.MustCompile(ecrspec.ExclusionFilterPattern)
	region          = regexp.MustCompile(`^[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}$`)
	roleARN         = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::` + awsid.AccountIDPattern + `:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$`)
	roleName        = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	sessionName     = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalID      = regexp.MustCompile(`^[\w+=,.@:/-]+$`) // 2–1224 long; RE2 caps repeats at 1000

	kmsKeyID    = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	kmsAlias    = `alias/[a-zA-Z0-9/_-]{1,250}`
	kmsARN      = `arn:aws(?:-[a-z]+)*:kms:[a-z0-9-]+:` + awsid.AccountIDPattern + `:`
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
			s, n, ecrspec.MinRepositoryNameChars, ecrspec.MaxRepositoryNameChars, repositoryNameRule)
	}
	if !ecrspec.ValidRepositoryName(s) {
		if lower := strings.ToLower(s); lower != s && ecrspec.ValidRepositoryName(lower) {
			return "", fmt.Errorf("repository name %q has upper-case letters; ECR names are lower case: use %q", s, lower)
		}
		return "", fmt.Errorf("repository name %q is not valid: %s", s, repositoryNameRule)
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
// input means tags are not managed.
func ParseTags(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var pairs [][2]string
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
		k, v := p[0], p[1]
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
		if old, dup := tags[k]; dup && old != v {
			return nil, fmt.Errorf("tag key %q is given twice with different values (%q and %q); keep one", k, old, v)
		}
		tags[k] = v
	}
	if len(tags) > maxTags {
		return nil, fmt.Errorf("%d tags given; ECR allows at most %d per repository: remove some", len(tags), maxTags)
	}
	return tags, nil
}

func lineTags(s string) ([][2]string, error) {
	var pairs [][2]string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf(`tag %q has no "="; write key=value (key= for an empty value), one per line or separated by commas`, item)
		}
		pairs = append(pairs, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return pairs, nil
}

// jsonTags decodes a JSON object of strings, keeping duplicate keys so they
// can be reported rather than silently collapsed.
func jsonTags(s string) ([][2]string, error) {
	const hint = `write a JSON object of strings such as {"team": "web", "env": "prod"}, or key=value lines`
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("tags are not valid JSON: %v; %s", err, hint)
	}
	var pairs [][2]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("tags are not valid JSON: %v; %s", err, hint)
		}
		key := tok.(string) // the decoder guarantees a string key here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("tags are not valid JSON: %v; %s", err, hint)
		}
		var value string
		if err := json.Unmarshal(raw, &value); err != nil || string(raw) == "null" {
			return nil, fmt.Errorf(`tag %q has the value %s, which is not a string; quote it, for example "%s": "1"`, key, raw, key)
		}
		pairs = append(pairs, [2]string{key, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("tags are not valid JSON: %v; %s", err, hint)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("tags have text after the JSON object; " + hint)
	}
	return pairs, nil
}

func checkTag(k, v string) error {
	const charset = "letters, digits, spaces and _ . : / = + - @"
	kn, vn := utf8.RuneCountInString(k), utf8.RuneCountInString(v)
	switch {
	case k == "":
		return fmt.Errorf("a tag has an empty key (value %q); write key=value", v)
	case kn > maxTagKeyChars:
		return fmt.Errorf("tag key %q is %d characters; use at most %d", k, kn, maxTagKeyChars)
	case vn > maxTagValueChars:
		return fmt.Errorf("the value of tag %q is %d characters; use at most %d", k, vn, maxTagValueChars)
	case strings.HasPrefix(strings.ToLower(k), ecrspec.ReservedTagPrefix):
		return fmt.Errorf(`tag key %q starts with "aws:", which is reserved for AWS; use another key`, k)
	case !tagChars.MatchString(k):
		return fmt.Errorf("tag key %q has characters AWS does not allow in tags; use only %s", k, charset)
	case !tagChars.MatchString(v):
		return fmt.Errorf("the value of tag %q has characters AWS does not allow in tags; use only %s", k, charset)
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
	return nil, fmt.Errorf("%q is not a boolean; use true or false", s)
}

// ParseMutability reads the image tag mutability and its exclusion filters;
// both empty means the setting is not managed.
func ParseMutability(given, filters string) (*reconcile.Mutability, error) {
	value := strings.ToUpper(strings.TrimSpace(given))
	list := parseList(filters)
	const values = "MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION"
	withExclusion := false
	switch value {
	case "":
		if len(list) == 0 {
			return nil, nil
		}
		return nil, errors.New("exclusion filters are given without a tag mutability; set it to IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")
	case "MUTABLE", "IMMUTABLE":
	case "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION":
		withExclusion = true
	default:
		return nil, fmt.Errorf("%q is not a tag mutability; use %s", given, values)
	}
	switch {
	case !withExclusion && len(list) > 0:
		return nil, fmt.Errorf("exclusion filters only apply to %s_WITH_EXCLUSION; use that value or remove the filters", value)
	case withExclusion && len(list) == 0:
		return nil, fmt.Errorf(`%s needs exclusion filters; give 1 to %d tag wildcards such as "latest" or "dev-*"`, value, maxExclusionFilters)
	case len(list) > maxExclusionFilters:
		return nil, fmt.Errorf("%d exclusion filters given; ECR allows at most %d: merge some with wildcards", len(list), maxExclusionFilters)
	}
	for _, f := range list {
		if !exclusionFilter.MatchString(f) {
			return nil, fmt.Errorf(`exclusion filter %q is not valid; use up to 128 letters, digits and . _ - with * as a wildcard, for example "release-*"`, f)
		}
	}
	slices.Sort(list) // compared as a set
	return &reconcile.Mutability{Value: value, Filters: list}, nil
}

// ParseEncryption reads the encryption type and KMS key; both empty means
// encryption is not managed.
func ParseEncryption(given, key string) (*reconcile.Encryption, error) {
	typ := strings.ToUpper(strings.TrimSpace(given))
	key = strings.TrimSpace(key)
	switch typ {
	case "":
		if key == "" {
			return nil, nil
		}
		return nil, errors.New("a KMS key is given without an encryption type; set the type to KMS or KMS_DSSE")
	case "AES256":
		if key != "" {
			return nil, errors.New("AES256 encryption does not use a KMS key; remove the key or use the type KMS")
		}
	case "KMS", "KMS_DSSE":
		if key != "" && (len(key) > 2048 || !kmsKeyForms.MatchString(key)) {
			return nil, fmt.Errorf("%q is not a KMS key reference; use a key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), a key ARN, alias/name or an alias ARN", key)
		}
	default:
		return nil, fmt.Errorf("%q is not an encryption type; use AES256, KMS or KMS_DSSE", given)
	}
	return &reconcile.Encryption{Type: typ, KMSKey: key}, nil
}

// parseRegion checks the shape of an AWS Region code.
func parseRegion(s string) error {
	if !region.MatchString(s) {
		return fmt.Errorf("%q is not an AWS Region code; use a code such as us-east-1 or eu-central-1", s)
	}
	return nil
}

// parseAccountID checks an AWS account ID.
func parseAccountID(s string) error {
	if !awsid.IsAccountID(s) {
		return fmt.Errorf("%q is not an AWS account ID; use the 12 digits, for example 123456789012", s)
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
		return "", fmt.Errorf("%q is an STS session ARN; use the IAM role ARN instead, for example %sname", s, example)
	}
	return "", fmt.Errorf("%q is not an IAM role ARN; write it as arn:<partition>:iam::<account-id>:role/<path/name>, for example %sdeploy", s, example)
}

// validateSessionName checks an STS role session name.
func validateSessionName(s string) error {
	if !sessionName.MatchString(s) {
		return fmt.Errorf("%q is not a valid session name; use 2 to 64 letters, digits and _ + = , . @ -", s)
	}
	return nil
}

// parseDurationSeconds reads a role session duration.
func parseDurationSeconds(s string) (int32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errEmpty
	}
	const rng = "use 900 (15 minutes) to 43200 (12 hours), within the role's maximum session duration"
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of seconds; %s", s, rng)
	}
	if n < 900 || n > 43200 {
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
		return fmt.Errorf("audience %q contains whitespace; give a single audience such as sts.amazonaws.com", s)
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
	return "", fmt.Errorf("%q is not valid; use fail or warn", s)
}

// parseConcurrency reads how many repositories to reconcile at once.
func parseConcurrency(s string) (int, error) {
	return intInRange(s, 1, 50, "repositories at once")
}

// parseTimeoutSeconds reads a timeout in seconds.
func parseTimeoutSeconds(s string) (int, error) {
	return intInRange(s, 1, 3600, "seconds")
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
		return 0, fmt.Errorf("%q is not valid; use a whole number from %d to %d (%s)", s, lo, hi, unit)
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
	value = strings.TrimSpace(value)
	switch {
	case value == "":
		return nil, nil
	case strings.EqualFold(value, "none"):
		return &reconcile.Document{Remove: true}, nil
	case strings.HasPrefix(value, "{"):
		return &reconcile.Document{Text: value}, nil
	}
	text, err := readWorkspaceFile(value, workspace)
	if err != nil {
		return nil, err
	}
	return &reconcile.Document{Text: text}, nil
}

func readWorkspaceFile(path, workspace string) (string, error) {
	if workspace == "" {
		workspace = "."
	}
	wsAbs, err := filepath.Abs(workspace)
	if err != nil {
		return "", fmt.Errorf("cannot resolve the workspace %q: %w", workspace, err)
	}
	wsReal, err := filepath.EvalSymlinks(wsAbs)
	if err != nil {
		return "", fmt.Errorf("cannot open the workspace %q: %w; check out the repository before this step", workspace, err)
	}
	var full string
	if filepath.IsAbs(path) {
		full = filepath.Clean(path)
		if !within(wsAbs, full) && !within(wsReal, full) {
			return "", fmt.Errorf("%q is outside the workspace %s; put the file in the repository and give its path relative to the workspace", path, wsAbs)
		}
	} else {
		if !filepath.IsLocal(path) {
			return "", fmt.Errorf("%q leaves the workspace; give a path inside it, relative to the workspace, for example policies/repository.json", path)
		}
		full = filepath.Join(wsAbs, path)
	}
	resolved, err := filepath.EvalSymlinks(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("file %q not found (looked for %s); check the path, which is relative to the workspace, and that the repository is checked out", path, full)
	}
	if err != nil {
		return "", fmt.Errorf("cannot read %q: %w", path, err)
	}
	rel, err := filepath.Rel(wsReal, resolved)
	if err != nil || (!filepath.IsLocal(rel) && rel != ".") {
		return "", fmt.Errorf("%q leads outside the workspace through a symbolic link; point to the file itself, inside the workspace", path)
	}
	// Reading through os.Root keeps the check true even if a link is
	// swapped between the check and the read.
	root, err := os.OpenRoot(wsReal)
	if err != nil {
		return "", fmt.Errorf("cannot open the workspace %q: %w", workspace, err)
	}
	defer root.Close()
	info, err := root.Stat(rel)
	switch {
	case err != nil:
		return "", fmt.Errorf("cannot read %q: %w", path, err)
	case info.IsDir():
		return "", fmt.Errorf("%q is a directory; give the path of the JSON file", path)
	case info.Size() > maxDocumentBytes:
		return "", fmt.Errorf("%q is %d bytes, too large for a policy; check the path", path, info.Size())
	}
	data, err := root.ReadFile(rel)
	if err != nil {
		return "", fmt.Errorf("cannot read %q: %w", path, err)
	}
	if strings.TrimSpace(string(data)) == "" {
		return "", fmt.Errorf("%q is empty; write the policy JSON in it, or use none to remove the policy", path)
	}
	return string(data), nil
}

// within reports whether path is dir or lies under it, lexically.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}
