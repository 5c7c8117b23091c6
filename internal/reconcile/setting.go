package reconcile

import (
	"context"
	"fmt"
	"slices"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// setting is everything the engine knows about one repository setting, as
// a terraform-provider-aws resource file holds a resource's schema, read
// and update: the pipeline (reconcile.go) reads, diffs and writes by going
// over allSettings, and never names a setting itself. Each setting is one
// file, setting_*.go: its `var x = setting{...}`, with its order among the
// settings, and its parts of Spec and state, the struct types xSpec (what
// the workflow declares) and xState (what a run reads), which go generate
// gathers into Spec, state and allSettings (settings_gen.go, written by
// gen/). docs/adding-a-setting.md is the recipe.
type setting struct {
	// name is the setting's name in logs, outputs and the job summary
	// (Change.Setting).
	name string
	// order places the setting in allSettings, which is the order of the
	// changes a run reports. The generator sorts the settings by it; the
	// numbers are spaced so that a new setting takes a free one in its own
	// file.
	order int
	// inputs are the inputs of action.yml that declare the setting; none
	// for the repository's existence (repository and state are everyone's).
	inputs []inputref.Ref
	// declare reads the setting's inputs into the spec (Declare), with
	// the setting's limits from ecrspec; nil when it has no inputs.
	declare func(d Declarations, spec *Spec)
	// managed reports whether spec declares the setting. With state:
	// absent only the repository's existence is managed (managedIn).
	managed func(Spec) bool

	// described fills the setting into the state from the repository as
	// DescribeRepositories returns it; nil when it is not returned there.
	described func(RepositoryInfo, *state)
	// read is the setting's own read call; nil when DescribeRepositories
	// returns it.
	read *settingRead

	// diff plans the change: pure, and against a state that does not
	// exist for a creation. partition is the repository's.
	diff func(spec Spec, st state, partition string) Change
	// write carries out a change on an existing repository; nil when ECR
	// cannot change the setting once the repository exists.
	write writeFunc
	// create sets the declared value in the creation call; nil when
	// CreateRepository does not take it (a write follows the creation).
	create func(Spec, *creation)

	// template compares what a repository creation template sets for the
	// setting with the declared value: nil when they agree, and nil when
	// templates do not set the setting. registry.go words the warning. A
	// template never applies to this run's CreateRepository, only to a
	// push that creates the repository first.
	template func(spec Spec, t registry.Template, partition string) (*templateDiff, error)
	// registry checks what the registry, rather than the repository,
	// decides for the setting, from a registry-level read (registry.go
	// makes each read once for every setting that needs it); nil when
	// nothing but the repository decides.
	registry *registryCheck

	// private and public say which kind of registry has the setting; lacks
	// says why the other one does not, for the refusal of its inputs.
	private, public bool
	lacks           string

	// iam lists the IAM actions (ECR operations) the setting's reads and
	// writes call; docs/iam is tested against them (iam_test.go).
	iam iamActions
}

// iamActions are ECR operation names, without the service prefix: the
// same operation is ecr:X for a private repository, ecr-public:X for a
// public one.
type iamActions struct {
	reads, writes []string
	// absent is what state: absent calls besides the reads.
	absent []string
}

// settingRead is one setting's own read call, made in the first round
// with DescribeRepositories when it can be.
type settingRead struct {
	// op is the API operation, named in errors.
	op string
	// byARN is set for a read that takes the repository's ARN, which is
	// known before DescribeRepositories only when the account is.
	byARN bool
	// wanted says whether the read is made; nil: whenever the setting is
	// managed.
	wanted func(r *Reconciler, spec Spec) bool
	// call makes the read.
	call func(r *Reconciler, ctx context.Context, at repoRef) (any, error)
	// put puts what call answered (nil when it failed or was not made)
	// and the error, as the run names it, into the state.
	put func(st *state, answer any, err error)
}

// allSettings, Spec and state are generated from the setting files:
// allSettings lists every `var x = setting{...}` by its order, and Spec and
// state gather the settings' parts (gen/main.go).
//go:generate go run ./gen

// settingNamed returns the setting of a change, nil for an unknown name.
func settingNamed(name string) *setting {
	i := slices.IndexFunc(allSettings, func(s *setting) bool { return s.name == name })
	if i < 0 {
		return nil
	}
	return allSettings[i]
}

// managedIn reports whether spec manages the setting: a deletion (state:
// absent) manages nothing but the repository's existence.
func (s *setting) managedIn(spec Spec) bool {
	if spec.Absent {
		return s == &existence
	}
	return s.managed(spec)
}

// readWanted reports whether the setting's own read is made for spec.
func (s *setting) readWanted(r *Reconciler, spec Spec) bool {
	switch {
	case s.read == nil:
		return false
	case s.read.wanted != nil:
		return s.read.wanted(r, spec)
	}
	return s.managed(spec)
}

// SettingInfo is what the entry points know of a setting: the inputs that
// declare it and which kind of registry has it.
type SettingInfo struct {
	// Inputs are the inputs that declare it (Declare reads them).
	Inputs []inputref.Ref
	// Private and Public say whether ECR, and ECR Public, have it.
	Private, Public bool
	// Lacks says why the kind of registry that lacks it does.
	Lacks string
}

// Settings lists every repository setting the engine manages, the
// repository's existence first.
func Settings() []SettingInfo {
	out := make([]SettingInfo, 0, len(allSettings))
	for _, s := range allSettings {
		out = append(out, SettingInfo{Inputs: slices.Clone(s.inputs), Private: s.private, Public: s.public, Lacks: s.lacks})
	}
	return out
}

// repoRef names a repository for a read or a write.
type repoRef struct {
	name, registryID, arn string
}

func atOf(repo Repository) repoRef {
	return repoRef{name: repo.Name, registryID: repo.RegistryID, arn: repo.ARN}
}

func (at repoRef) ref() RepositoryRef { return RepositoryRef{Name: at.name, RegistryID: at.registryID} }

// creation is what CreateRepository sends: the settings it takes set their
// part of it (setting.create).
type creation struct {
	req CreateRequest
	// also lists the other IAM actions the call is authorised as
	// (tag-on-create is ecr:TagResource as well).
	also []string
	// explain, when set, says more about a failed creation than the
	// plain error does (a KMS key ECR could not use); nil for an error it
	// does not explain.
	explain func(error) error
}

// One write function per setting, as terraform-provider-aws's ECR resources
// have one update function per attribute. Each takes the declared spec,
// the repository and the change diff planned, and writes only that.
type writeFunc func(r *Reconciler, ctx context.Context, spec Spec, repo Repository, c Change) error

// planOf returns the write a change's diff planned for its setting.
func planOf[T any](c Change) T {
	p, _ := c.plan.(T)
	return p
}

// reporter is a plan that has something to add to its change once written.
type reporter interface {
	report(c *Change)
}

// noter is a plan whose write found something the result's notes say
// (a race repaired), once the write succeeded.
type noter interface {
	notes(setting string) []Note
}

// whileInvisible repeats a write that says the repository does not exist:
// right after a creation, ours or a racing job's, writes can lag behind it.
func (r *Reconciler) whileInvisible(ctx context.Context, op string, write func() error) error {
	attempts, err := r.visibility().retryWhile(ctx, isNotFound, write)
	if isNotFound(err) {
		return fmt.Errorf("the repository was still not visible after %d attempts: %w", attempts, awsError(op, err))
	}
	return awsError(op, err)
}

// document says how one of the two policy documents compares.
type document struct {
	setting string
	equal   func(a, b string) (bool, error)
}

// diffDocument plans one policy document. cur is the current text (nil: none
// exists) and readErr a failed read, which leaves the setting unreconciled.
func diffDocument(k document, want Document, cur *string, readErr error, exists bool) Change {
	c := Change{Setting: k.setting, Action: ActionUnchanged}
	switch {
	case readErr != nil && exists:
		c.Action, c.Error = ActionFailed, readErr.Error()
	case want.Remove && cur == nil:
		c.To = "none"
	case want.Remove:
		c.Action, c.From, c.To = ActionRemove, "present", "none"
		c.Diff = policy.Diff(*cur, "")
	case cur == nil:
		c.Action, c.From, c.To = ActionCreate, "none", "declared"
		c.Diff = policy.Diff("", want.Text)
	default:
		// A current text that cannot be parsed differs from any valid one.
		if eq, err := k.equal(*cur, want.Text); err == nil && eq {
			c.To = "declared"
			return c
		}
		c.Action, c.From, c.To = ActionUpdate, "differs", "declared"
		c.Diff = policy.Diff(*cur, want.Text)
	}
	return c
}

// declared is the document's text, "" when none must exist.
func (d Document) declared() string {
	if d.Remove {
		return ""
	}
	return d.Text
}

// orNone compares two documents either of which can be "" (none) with eq.
func orNone(eq func(a, b string) (bool, error)) func(a, b string) (bool, error) {
	return func(a, b string) (bool, error) {
		if a == "" || b == "" {
			return a == b, nil
		}
		return eq(a, b)
	}
}

// templateDocument compares the policy a creation template sets (tmpl, ""
// for none) with the declared one, by meaning with same; what names the
// policy in an error.
func templateDocument(ref inputref.Ref, what string, t registry.Template, tmpl string, want Document, same func(tmpl, declared string) (bool, error)) (*templateDiff, error) {
	declared := want.declared()
	eq, err := same(tmpl, declared)
	switch {
	case err != nil:
		return nil, fmt.Errorf("template %q %s: %w", t.Prefix, what, err)
	case eq:
		return nil, nil
	}
	return &templateDiff{setting: ref.String(), template: present(tmpl), declared: present(declared) + " (compared by meaning)"}, nil
}

// present is a policy as a template warning shows it.
func present(doc string) string {
	if doc == "" {
		return "none"
	}
	return "a different policy"
}

// sameSet compares two lists as sets.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
