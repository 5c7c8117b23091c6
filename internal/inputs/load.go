package inputs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// Source is where inputs come from: a *githubactions.Action, in a workflow
// and on the command line alike (there the flags are laid over the
// environment). GetInput must answer action.yml's default for an input left
// out, as the runner does (actionmeta.WithInputDefaults): no default is
// written in Go.
type Source interface {
	GetInput(name string) string
	Getenv(key string) string
}

// Config is everything the action was asked to do, validated.
type Config struct {
	// Spec holds the declared settings; in batch mode Spec.Name is empty and
	// Repositories lists the names.
	Spec         reconcile.Spec
	Repositories []string

	// Region is the primary Region: the credentials' STS calls go there, and
	// the single-repository and batch outputs describe it. Regions lists
	// every Region to reconcile in, Region first.
	Region  string
	Regions []string
	Auth    Auth

	// Public is set for an ECR Public repository (public: true).
	Public bool
	// FailOnPolicySecurityWarning makes IAM Access Analyzer's security
	// warnings on the declared repository policy refuse it, as its errors
	// do (fail-on-policy-security-warning).
	FailOnPolicySecurityWarning bool

	DryRun bool
	// LifecyclePreview is lifecycle-policy-preview: when ECR's lifecycle
	// policy preview runs.
	LifecyclePreview reconcile.PreviewMode
	MaskAccountID    bool
	// WarnOnly turns a failure to update settings of a repository that
	// exists into a warning (on-reconcile-error: warn).
	WarnOnly    bool
	Timeout     time.Duration
	Concurrency int
}

// Batch reports whether several repositories are reconciled.
func (c *Config) Batch() bool { return c.Repositories != nil }

// Auth holds the role inputs, named as aws-actions/configure-aws-credentials names them.
type Auth struct {
	RoleToAssume        string
	RoleSessionName     string
	RoleExternalID      string
	RoleDurationSeconds int32
	Audience            string
}

// Error is an invalid input. Its message names the input and says how to fix it.
type Error struct {
	Input string
	Err   error
	// ref places the error in action.yml's order (Load sorts by it): the
	// input's, aws-region's for a Region taken from the environment.
	ref inputref.Ref
}

func (e *Error) Error() string { return fmt.Sprintf("input %q: %v", e.Input, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Errors is every invalid input found, so that one run reports them all.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads and validates every input before anything talks to AWS.
// workspace bounds the files that policy inputs may name.
func Load(src Source, workspace string) (*Config, error) {
	return LoadContext(context.Background(), src, workspace)
}

// LoadContext is Load under ctx, which bounds the reading of policy files
// (the step's deadline and cancellation).
func LoadContext(ctx context.Context, src Source, workspace string) (*Config, error) {
	l := loader{ctx: ctx, src: src, workspace: workspace}
	c := &Config{}

	name, names := l.Text(inputref.Repository), l.Text(inputref.Repositories)
	switch {
	case name != "" && names != "":
		l.Refuse(inputref.Repositories, fmt.Errorf("is set together with %[1]s; use %[1]s for one repository or %[2]s for several, not both", inputref.Repository, inputref.Repositories))
	case name != "":
		c.Spec.Name = reconcile.Take[string](&l, inputref.Repository)(ParseRepositoryName(name))
	case names != "":
		c.Repositories = reconcile.Take[[]string](&l, inputref.Repositories)(parseRepositoryNames(names))
	default:
		l.Refuse(inputref.Repository, fmt.Errorf("is required: set it to the repository name, for example my-team/my-app"))
	}

	if id := l.Text(inputref.RegistryID); id != "" {
		l.Refuse(inputref.RegistryID, parseAccountID(id))
		c.Spec.RegistryID = id
	}
	c.Public = l.Flag(inputref.Public)
	l.public = c.Public
	c.Regions = l.regions(c.Public)
	if len(c.Regions) > 0 {
		c.Region = c.Regions[0]
	}
	reconcile.Declare(&l, &c.Spec)
	c.FailOnPolicySecurityWarning = l.Flag(inputref.FailOnPolicySecurityWarning)
	c.Spec.Absent = reconcile.Take[bool](&l, inputref.State)(parseState(l.Text(inputref.State)))
	c.Spec.ForceDelete = l.Flag(inputref.ForceDelete)

	c.Auth = l.auth()
	c.DryRun = l.Flag(inputref.DryRun)
	c.LifecyclePreview = reconcile.Take[reconcile.PreviewMode](&l, inputref.LifecyclePolicyPreview)(parsePreviewMode(l.Text(inputref.LifecyclePolicyPreview)))
	c.MaskAccountID = l.Flag(inputref.MaskAWSAccountID)
	c.WarnOnly = reconcile.Take[string](&l, inputref.OnReconcileError)(parseOnError(l.Text(inputref.OnReconcileError))) == "warn"
	c.Timeout = time.Duration(reconcile.Take[int](&l, inputref.TimeoutSeconds)(parseTimeoutSeconds(l.Text(inputref.TimeoutSeconds)))) * time.Second
	c.Concurrency = reconcile.Take[int](&l, inputref.MaxConcurrency)(parseConcurrency(l.Text(inputref.MaxConcurrency)))
	l.ecrPublic(c)
	l.deletion(c.Spec) // last: with state: absent it replaces the settings' errors

	if len(l.errs) > 0 {
		// In action.yml's order, which the Refs keep, whatever order the
		// loader and the settings found them in: a workflow is fixed top
		// to bottom.
		slices.SortStableFunc(l.errs, func(a, b *Error) int { return cmp.Compare(a.ref, b.ref) })
		return nil, l.errs
	}
	return c, nil
}

// loader collects input errors instead of stopping at the first one. It
// is also the inputs as the engine's settings read them
// (reconcile.Declarations): the files they name are read here, within the
// workspace and the step's deadline.
type loader struct {
	ctx       context.Context
	src       Source
	workspace string
	public    bool
	errs      Errors
	// flags are the inputs read as flags (Flag), which declare nothing
	// unless true.
	flags []inputref.Ref
}

func (l *loader) Text(r inputref.Ref) string       { return l.src.GetInput(r.String()) }
func (l *loader) Public() bool                     { return l.public }
func (l *loader) Refuse(r inputref.Ref, err error) { l.refuse(r, r.String(), err) }

// refuse records err against input, in r's place among the inputs.
func (l *loader) refuse(r inputref.Ref, input string, err error) {
	if err != nil {
		l.errs = append(l.errs, &Error{Input: input, Err: err, ref: r})
	}
}

func (l *loader) Bool(r inputref.Ref) *bool {
	return reconcile.Take[*bool](l, r)(parseBool(l.Text(r)))
}

func (l *loader) Flag(r inputref.Ref) bool {
	l.flags = append(l.flags, r)
	b := l.Bool(r)
	return b != nil && *b
}

func (l *loader) Document(r inputref.Ref) *reconcile.Document {
	return reconcile.Take[*reconcile.Document](l, r)(readDocumentContext(l.ctx, l.Text(r), l.workspace))
}

func (l *loader) File(r inputref.Ref, kind reconcile.FileKind) []byte {
	path := strings.TrimSpace(l.Text(r))
	if path == "" {
		return nil
	}
	data, err := readWorkspaceBytes(l.ctx, path, l.workspace, kind)
	if err != nil {
		l.Refuse(r, err)
		return nil
	}
	if data == nil {
		data = []byte{} // an empty file, which the setting refuses
	}
	return data
}

// MasksAccountIDs reads mask-aws-account-id alone, so that the entry point
// masks account IDs before it prints the other inputs' errors, which may
// quote one. A value that is not a boolean reads as true, the safe side;
// its error comes with the others.
func MasksAccountIDs(src Source) bool {
	b, err := parseBool(src.GetInput(inputref.MaskAWSAccountID.String()))
	return err != nil || b != nil && *b
}

// regions reads aws-region, or else the one Region of the environment. For
// ECR Public, which has one control-plane Region, none is needed: the
// credentials are then fetched there too.
func (l *loader) regions(public bool) []string {
	if in := l.Text(inputref.AWSRegion); strings.TrimSpace(in) != "" {
		return reconcile.Take[[]string](l, inputref.AWSRegion)(parseRegions(in))
	}
	for _, env := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		region := strings.TrimSpace(l.src.Getenv(env))
		if region == "" {
			continue
		}
		input := env + " (environment)"
		if err := regions.Validate(region); err != nil {
			// The SDK reads these variables too: they hold one Region.
			l.refuse(inputref.AWSRegion, input, fmt.Errorf("%w; to reconcile in several Regions, list them in the %s input", err, inputref.AWSRegion))
			return nil
		}
		return []string{region}
	}
	if public {
		return []string{regions.ECRPublicRegion}
	}
	l.Refuse(inputref.AWSRegion, fmt.Errorf("no region given: set the %s input (one Region, or several separated by commas or newlines), or AWS_REGION in the environment (aws-actions/configure-aws-credentials sets it)", inputref.AWSRegion))
	return nil
}

// deletion refuses, each by name, the setting inputs given with state:
// absent, and force-delete without it: a deletion manages nothing else,
// and a force that would do nothing is a mistake to point out. Given is
// set to anything but blanks, whatever it parses to (a list of separators
// only is given all the same), except a flag that is not true: it
// declares nothing (prune-tags: false, its default), and its own error,
// if any, stays.
//
// With state: absent the only fix for a setting input is to remove it, so
// the other errors of the inputs it refuses go: "set encryption-type to
// KMS" for a kms-key, or "set public: true" for catalog data, would be
// refused in turn. An error on a setting input left empty comes from
// another setting input (encryption-type for a kms-key), and goes too.
func (l *loader) deletion(spec reconcile.Spec) {
	if !spec.Absent {
		if spec.ForceDelete {
			l.Refuse(inputref.ForceDelete, fmt.Errorf("is only used with %[1]s: absent; set %[1]s: absent to delete the repository, or remove %[2]s", inputref.State, inputref.ForceDelete))
		}
		return
	}
	var settings, refused []inputref.Ref
	for _, s := range reconcile.Settings() {
		for _, in := range s.Inputs {
			settings = append(settings, in)
			v := strings.TrimSpace(l.Text(in))
			if b, err := parseBool(v); v == "" || slices.Contains(l.flags, in) && (err != nil || !*b) {
				continue
			}
			refused = append(refused, in)
		}
	}
	l.errs = slices.DeleteFunc(l.errs, func(e *Error) bool {
		return slices.Contains(refused, e.ref) || slices.Contains(settings, e.ref) && strings.TrimSpace(l.Text(e.ref)) == ""
	})
	for _, in := range refused {
		l.Refuse(in, fmt.Errorf("is set but %[1]s is absent: the repository is deleted, so no setting is managed. Remove %[2]s, or set %[1]s: present", inputref.State, in))
	}
}

func (l *loader) auth() Auth {
	a := Auth{Audience: l.Text(inputref.Audience)}
	l.Refuse(inputref.Audience, parseAudience(a.Audience))
	if role := l.Text(inputref.RoleToAssume); role != "" {
		a.RoleToAssume = reconcile.Take[string](l, inputref.RoleToAssume)(parseRoleARN(role))
	}
	if name := l.Text(inputref.RoleSessionName); name != "" {
		l.Refuse(inputref.RoleSessionName, validateSessionName(name))
		a.RoleSessionName = name
	}
	if id := l.Text(inputref.RoleExternalID); id != "" {
		l.Refuse(inputref.RoleExternalID, parseExternalID(id))
		a.RoleExternalID = id
	}
	a.RoleDurationSeconds = reconcile.Take[int32](l, inputref.RoleDurationSeconds)(parseDurationSeconds(l.Text(inputref.RoleDurationSeconds)))
	for _, in := range []inputref.Ref{inputref.RoleSessionName, inputref.RoleExternalID} {
		if a.RoleToAssume == "" && l.Text(in) != "" {
			l.Refuse(in, fmt.Errorf("is only used with %[1]s; set %[1]s or remove %[2]s", inputref.RoleToAssume, in))
		}
	}
	return a
}
