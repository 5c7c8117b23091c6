package reconcile

import (
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// Setting names (Change.Setting) are each setting's own, in its file
// (setting_*.go); they match the action's input names.

// Action says what happened (or, in dry-run, would happen) to a setting.
type Action string

const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionRemove    Action = "remove"
	ActionUnchanged Action = "unchanged"
	ActionFailed    Action = "failed"
)

// Change is the plan and outcome for one managed setting.
type Change struct {
	Setting string `json:"setting"`
	Action  Action `json:"action"`
	// From and To are short, single-line descriptions of the values.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Diff is a unified diff for policy documents, shown in the log and the
	// job summary; it is left out of the changes output to keep it small.
	Diff string `json:"-"`
	// Error is set when the write failed (Action is then ActionFailed).
	Error string `json:"error,omitempty"`
	// Preview is ECR's preview of what the declared lifecycle policy
	// would expire (lifecycle-policy only, when one was made; setting_lifecycle_policy_preview.go).
	Preview *LifecyclePreview `json:"preview,omitempty"`

	// plan is what the setting's write carries out, computed by diff so
	// that the write only does it (planOf); nil when there is nothing to
	// plan beyond the change itself.
	plan any
}

// Changed reports whether the change writes something.
func (c Change) Changed() bool {
	return c.Action == ActionCreate || c.Action == ActionUpdate || c.Action == ActionRemove
}

// Repository identifies the reconciled repository.
type Repository struct {
	Name, ARN, URI, RegistryID string
}

// Registry is the registry host (the URI without the repository path); for
// ECR Public, the host and the registry alias (public.ecr.aws/ALIAS).
func (r Repository) Registry() string {
	host, rest, _ := strings.Cut(r.URI, "/")
	if host == regions.ECRPublicHost {
		alias, _, _ := strings.Cut(rest, "/")
		return host + "/" + alias
	}
	return host
}

// Result is the outcome of one reconcile.
type Result struct {
	Repository Repository
	// Created is true when the repository was (or in dry-run would be) created.
	Created bool
	// Deleted is true when the repository was (or in dry-run would be)
	// deleted (state: absent).
	Deleted bool
	DryRun  bool
	// Changes lists every managed setting, in a stable order.
	Changes []Change
	// Notes are what the run found but did not change: a registry-level
	// setting that decides instead of the repository's, a read skipped for
	// want of a permission. They never fail the run.
	Notes []Note
}

// Note levels, named as the workflow commands that show them.
const (
	NoteWarning = "warning"
	NoteNotice  = "notice"
)

// Note is one warning or notice about a setting, shown in the plan, the job
// summary, an annotation and the outputs alike.
type Note struct {
	Setting string `json:"setting"`
	Level   string `json:"level"`
	Text    string `json:"text"`
}

// Changed reports whether anything was (or would be) written.
func (r *Result) Changed() bool {
	if r.Created {
		return true
	}
	for _, c := range r.Changes {
		if c.Changed() {
			return true
		}
	}
	return false
}

// ChangedOnly returns the changes that write something.
func (r *Result) ChangedOnly() []Change {
	out := []Change{}
	for _, c := range r.Changes {
		if c.Changed() {
			out = append(out, c)
		}
	}
	return out
}

// SettingsError reports settings of an existing (or just created) repository
// that could not be brought to the declared state. The repository itself is
// usable, which is why callers may choose to only warn about it.
type SettingsError struct {
	Failed []Change
}

func (e *SettingsError) Error() string {
	parts := make([]string, 0, len(e.Failed))
	for _, c := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s: %s", c.Setting, c.Error))
	}
	return fmt.Sprintf("%d setting(s) not reconciled: %s", len(e.Failed), strings.Join(parts, "; "))
}

// repositoryError is a failure of the repository's own change: a deletion
// that was refused or failed. Unlike a *SettingsError it always fails the
// step (on-reconcile-error: warn does not apply), but the result is there:
// the plan shows why.
type repositoryError struct {
	Change Change
}

func (e *repositoryError) Error() string {
	return inputref.State.String() + ": absent: " + e.Change.Error
}

// failure is the error of a result's changes: a failed repository change
// is a *repositoryError, failed settings a *SettingsError; nil when none
// failed.
func failure(changes []Change) error {
	for _, c := range changes {
		if c.Setting == SettingRepository && c.Action == ActionFailed {
			return &repositoryError{Change: c}
		}
	}
	return settingsError(changes)
}

// deletes reports whether the changes delete the repository.
func deletes(changes []Change) bool {
	for _, c := range changes {
		if c.Setting == SettingRepository && c.Action == ActionRemove {
			return true
		}
	}
	return false
}

// settingsError returns a *SettingsError for the failed changes, nil when
// none failed.
func settingsError(changes []Change) error {
	var failed []Change
	for _, c := range changes {
		if c.Action == ActionFailed {
			failed = append(failed, c)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &SettingsError{Failed: failed}
}
