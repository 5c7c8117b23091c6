package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// registryRead is one of the registry-level reads: they name no
// repository, so their IAM actions are granted on "*"
// (docs/iam/registry-checks-policy.json).
type registryRead int

const (
	readScanning  registryRead = iota + 1 // the registry's scanning configuration
	readTemplates                         // its repository creation templates
)

// action is the IAM action of the read.
func (k registryRead) action() string {
	if k == readScanning {
		return "ecr:GetRegistryScanningConfiguration"
	}
	return "ecr:DescribeRepositoryCreationTemplates"
}

// registryCheck is a check of what the registry decides instead of the
// repository (setting.registry): the read it needs and how it words its
// notes.
type registryCheck struct {
	read registryRead
	// what says what is not checked when the read fails; otherWhat names
	// what was not read when the repository is in another registry.
	what, otherWhat string
	// notes words the check's notes from the read, which succeeded and is
	// of the repository's registry. It is pure.
	notes func(spec Spec, rs registryState, partition string, created, dryRun bool) []Note
}

// templatesCheck is one check for every setting a creation template sets
// (setting.template): the template is read once, and its notes name each
// setting it sets otherwise.
var templatesCheck = registryCheck{
	read:      readTemplates,
	what:      "whether a repository creation template would create the repository on push with other settings than the declared ones",
	otherWhat: "repository creation templates",
	notes: func(spec Spec, rs registryState, partition string, created, dryRun bool) []Note {
		return templateNotes(spec, rs.TemplateList, partition, created, dryRun)
	},
}

// namedCheck is a registry check and the setting its notes are about.
type namedCheck struct {
	setting string
	check   *registryCheck
}

// registryChecks lists the checks the settings spec manages need, in the
// order of allSettings, the templates' last.
func registryChecks(spec Spec) []namedCheck {
	var out []namedCheck
	templates := false
	for _, s := range allSettings {
		if !s.managedIn(spec) {
			continue
		}
		if s.registry != nil {
			out = append(out, namedCheck{s.name, s.registry})
		}
		templates = templates || s.template != nil
	}
	if templates {
		out = append(out, namedCheck{SettingRepository, &templatesCheck})
	}
	return out
}

// registryState is what the registry, rather than the repository, decides:
// its scanning configuration and its repository creation templates. It is
// read once per run, in the first round, and shared by every repository of
// a batch. Neither call takes a registry ID: ECR answers for the caller's
// own registry, whose account is ID.
type registryState struct {
	// Scanning and Templates say which reads were made.
	Scanning, Templates bool
	ID                  string
	ScanningConfig      registry.ScanningConfiguration
	TemplateList        []registry.Template
	ScanningErr         error
	TemplatesErr        error
}

// registrySelection says which registry-level reads a spec needs: those of
// the checks of the settings it manages, each once, so that a run managing
// none pays no call.
func registrySelection(spec Spec) registryState {
	var rs registryState
	for _, c := range registryChecks(spec) {
		rs.Scanning = rs.Scanning || c.check.read == readScanning
		rs.Templates = rs.Templates || c.check.read == readTemplates
	}
	return rs
}

// answer is whether the read was made, and how it failed.
func (rs registryState) answer(k registryRead) (made bool, err error) {
	if k == readScanning {
		return rs.Scanning, rs.ScanningErr
	}
	return rs.Templates, rs.TemplatesErr
}

// startRegistry sends the registry-level reads the spec needs and returns
// a function that waits for their answers, so that they go out with the
// repository's first round. When the repository is in another account's
// registry (registry-id) and the caller's account is known, nothing is read:
// the answers would be about the caller's registry.
func (r *Reconciler) startRegistry(ctx context.Context, spec Spec) func() registryState {
	rs := registrySelection(spec)
	api, ok := r.ECR.(RegistryAPI)
	if !ok {
		return func() registryState { return registryState{} }
	}
	if other := spec.RegistryID != "" && r.Options.Account != "" && spec.RegistryID != r.Options.Account; other || (!rs.Scanning && !rs.Templates) {
		rs.ID = r.Options.Account
		return func() registryState { return rs }
	}
	var wg sync.WaitGroup
	var scanID, tmplID string
	actx, cancel := advisoryContext(ctx)
	if rs.Scanning {
		wg.Go(func() {
			rs.ScanningErr = safely(func() (err error) {
				scanID, rs.ScanningConfig, err = getScanning(actx, api)
				return err
			})
			rs.ScanningErr = advisoryErr(ctx, actx, rs.ScanningErr)
		})
	}
	if rs.Templates {
		wg.Go(func() {
			rs.TemplatesErr = safely(func() (err error) {
				tmplID, rs.TemplateList, err = getTemplates(actx, api)
				return err
			})
			rs.TemplatesErr = advisoryErr(ctx, actx, rs.TemplatesErr)
		})
	}
	return func() registryState {
		wg.Wait()
		cancel()
		rs.ID = cmp.Or(scanID, tmplID)
		return rs
	}
}

// advisoryShare is the part of the time left that the registry-level reads
// may take. They only add notes, and the repository's own reads and writes
// wait for them: a slow or endless answer (an endpoint that pages forever)
// must leave the rest of the run the time it needs.
const advisoryShare = 4 // a quarter

// advisoryFallback bounds the registry-level reads of a run without a
// deadline (a library caller's context).
const advisoryFallback = 60 * time.Second

// advisoryContext is ctx with the registry-level reads' share of the time.
func advisoryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	limit := advisoryFallback
	if dl, ok := ctx.Deadline(); ok {
		limit = time.Until(dl) / advisoryShare
	}
	return context.WithTimeout(ctx, limit)
}

// errAdvisoryTimeout says a registry-level read ran out of its share of the
// time: the check is skipped (a note), the run goes on.
var errAdvisoryTimeout = errors.New("the read did not complete within its share of the run's time (a quarter of the time left), and the repository was reconciled without it")

// advisoryErr names a read cut by its own share of the time as such; the
// SDK's error would blame the run's deadline, which has not passed.
func advisoryErr(parent, actx context.Context, err error) error {
	if err != nil && parent.Err() == nil && actx.Err() != nil {
		return errAdvisoryTimeout
	}
	return err
}

func getScanning(ctx context.Context, api RegistryAPI) (string, registry.ScanningConfiguration, error) {
	id, cfg, err := api.GetRegistryScanningConfiguration(ctx)
	if err != nil {
		return "", cfg, awsError("GetRegistryScanningConfiguration", err)
	}
	id, err = checkedRegistryID("GetRegistryScanningConfiguration", id)
	return id, cfg, err
}

// getTemplates reads every template, following nextToken. A token seen
// before (pageTokens) is an error: the list cannot be read to its end (the
// SDK's paginator would end it as if it were complete).
func getTemplates(ctx context.Context, api RegistryAPI) (string, []registry.Template, error) {
	var id string
	var list []registry.Template
	var seen pageTokens
	token := ""
	for {
		pageID, page, next, err := api.DescribeRepositoryCreationTemplates(ctx, token)
		if err != nil {
			return "", nil, awsError("DescribeRepositoryCreationTemplates", err)
		}
		if id, err = checkedRegistryID("DescribeRepositoryCreationTemplates", pageID); err != nil {
			return "", nil, err
		}
		list = append(list, page...)
		if seen.repeated(next) {
			return "", nil, seen.endless("ecr:DescribeRepositoryCreationTemplates")
		}
		if next == "" {
			return id, list, nil
		}
		token = next
	}
}

// registryNotes says where the registry decides instead of the repository,
// for the repository spec names, from the registry state read with it. It
// is pure. created is whether the run creates (in dry-run, would create)
// the repository. The repository's own changes are not affected: the
// scan-on-push change still says what the repository's flag is.
func registryNotes(spec Spec, st state, partition string, created, dryRun bool) []Note {
	rs := st.Registry
	own := spec.RegistryID
	if st.Exists {
		own = st.Repository.RegistryID
	}
	// The reads answer for the caller's registry; a repository in another
	// account's registry is not decided by it.
	other := own != "" && rs.ID != "" && own != rs.ID
	var notes []Note
	for _, c := range registryChecks(spec) {
		made, err := rs.answer(c.check.read)
		switch {
		case !made:
		case err != nil:
			notes = append(notes, readFailed(c.setting, c.check.read.action(), err, c.check.what))
		case other:
			notes = append(notes, otherRegistry(c.setting, own, rs.ID, c.check.otherWhat))
		default:
			notes = append(notes, c.check.notes(spec, rs, partition, created, dryRun)...)
		}
	}
	return notes
}

// templateNotes warns about each managed setting the CREATE_ON_PUSH
// template for the repository's name sets otherwise. A template never
// applies to this run's CreateRepository, only to a push that creates the
// repository first.
func templateNotes(spec Spec, templates []registry.Template, partition string, created, dryRun bool) []Note {
	t, ok := registry.TemplateFor(templates, spec.Name, registry.AppliedForCreateOnPush)
	if !ok {
		return nil
	}
	diffs, err := templateDifferences(spec, t, partition)
	if err != nil {
		return []Note{{Setting: SettingRepository, Level: NoteWarning, Text: fmt.Sprintf(
			"the repository creation template %q could not be compared with the declared settings: %v", t.Prefix, err)}}
	}
	var notes []Note
	var settings []string
	for _, d := range diffs {
		notes = append(notes, Note{Setting: d.setting, Level: NoteWarning, Text: fmt.Sprintf(
			"the repository creation template %q (applied for %s) sets %s to %s, but %s is declared: a repository a push creates from the template "+
				"gets the template's value until this action changes it; align the template with the workflow, or the workflow with the template",
			t.Prefix, strings.Join(t.AppliedFor, ", "), d.setting, d.template, d.declared)})
		settings = append(settings, d.setting)
	}
	if created && len(diffs) > 0 {
		creates := "this run creates"
		if dryRun {
			creates = "this run would create"
		}
		notes = append(notes, Note{Setting: SettingRepository, Level: NoteNotice, Text: fmt.Sprintf(
			"%s %s with the declared settings; a docker push that came first would have created it from the repository creation template %q with another %s",
			creates, spec.Name, t.Prefix, strings.Join(settings, ", "))})
	}
	return notes
}

// templateDiff is a managed setting that a creation template sets
// otherwise than declared (setting.template), for the warning.
type templateDiff struct {
	// setting is what the warning names: the input that declares the
	// value (inputref), or the setting when two inputs declare it.
	setting string
	// template and declared are the two values, for display.
	template, declared string
}

// templateDifferences compares template with each managed setting a
// template sets, in the order of allSettings: a repository the template
// creates on push would get the template's value, and the action would
// then change it back on its next run. Policies are compared by meaning
// in partition.
func templateDifferences(spec Spec, template registry.Template, partition string) ([]templateDiff, error) {
	var out []templateDiff
	for _, s := range allSettings {
		if s.template == nil || !s.managedIn(spec) {
			continue
		}
		d, err := s.template(spec, template, partition)
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, nil
}

// readFailed is the note for a registry read that failed: a notice naming
// the permission when IAM refused it (the check is then skipped, not
// guessed), a warning with the error otherwise. Neither names the
// repository, so a batch shows it once.
func readFailed(setting, action string, err error, what string) Note {
	if isAccessDenied(err) {
		return Note{Setting: setting, Level: NoteNotice, Text: fmt.Sprintf(
			"not checked: %s; access denied to %s. Add %s to the role's IAM policy (docs/iam/registry-checks-policy.json) to have the run check it",
			what, action, action)}
	}
	return Note{Setting: setting, Level: NoteWarning, Text: fmt.Sprintf("not checked: %s; %v", what, err)}
}

func otherRegistry(setting, own, caller, what string) Note {
	return Note{Setting: setting, Level: NoteNotice, Text: fmt.Sprintf(
		"not checked: the %s of registry %s, where the repository is; ECR answers this read only for the caller's own registry (account %s)",
		what, own, caller)}
}
