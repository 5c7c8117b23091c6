package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// IAM actions of the registry-level reads. They are granted on "*": they
// name no repository (docs/iam/registry-checks-policy.json).
const (
	ActionGetRegistryScanning = "ecr:GetRegistryScanningConfiguration"
	ActionDescribeTemplates   = "ecr:DescribeRepositoryCreationTemplates"
)

// RegistryAPI is the registry-level reads. ECR's client has them; a client
// without them (ECR Public's, which has neither registry scanning nor
// creation templates) makes the checks not apply, and none is read.
type RegistryAPI interface {
	GetRegistryScanningConfiguration(context.Context, *ecr.GetRegistryScanningConfigurationInput, ...func(*ecr.Options)) (*ecr.GetRegistryScanningConfigurationOutput, error)
	DescribeRepositoryCreationTemplates(context.Context, *ecr.DescribeRepositoryCreationTemplatesInput, ...func(*ecr.Options)) (*ecr.DescribeRepositoryCreationTemplatesOutput, error)
}

var _ RegistryAPI = (*ecr.Client)(nil)

// templatesPageSize is the most templates DescribeRepositoryCreationTemplates
// returns a page (the model's MaxResults): one page for nearly any registry.
const templatesPageSize = ecrspec.MaxResultsPerPage

// RegistryState is what the registry, rather than the repository, decides:
// its scanning configuration and its repository creation templates. It is
// read once per run, in the first round, and shared by every repository of
// a batch. Neither call takes a registry ID: ECR answers for the caller's
// own registry, whose account is ID.
type RegistryState struct {
	// Scanning and Templates say which reads were made.
	Scanning, Templates bool
	ID                  string
	ScanningConfig      registry.ScanningConfiguration
	TemplateList        []registry.Template
	ScanningErr         error
	TemplatesErr        error
}

// registrySelection says which registry-level reads a spec needs: the
// scanning configuration only when scan-on-push is managed, the templates
// only when a setting a template also sets is, so that a run managing
// neither pays no call.
func registrySelection(spec Spec) RegistryState {
	rs := RegistryState{Scanning: scanOnPush.managedIn(spec)}
	for _, s := range allSettings {
		rs.Templates = rs.Templates || (s.template != nil && s.managedIn(spec))
	}
	return rs
}

// startRegistry sends the registry-level reads the spec needs and returns
// a function that waits for their answers, so that they go out with the
// repository's first round. When the repository is in another account's
// registry (registry-id) and the caller's account is known, nothing is read:
// the answers would be about the caller's registry.
func (r *Reconciler) startRegistry(ctx context.Context, spec Spec) func() RegistryState {
	rs := registrySelection(spec)
	api, ok := r.ECR.(RegistryAPI)
	if !ok {
		return func() RegistryState { return RegistryState{} }
	}
	if other := spec.RegistryID != "" && r.Options.Account != "" && spec.RegistryID != r.Options.Account; other || (!rs.Scanning && !rs.Templates) {
		rs.ID = r.Options.Account
		return func() RegistryState { return rs }
	}
	var wg sync.WaitGroup
	var scanID, tmplID string
	if rs.Scanning {
		wg.Go(func() { scanID, rs.ScanningConfig, rs.ScanningErr = readScanning(ctx, api) })
	}
	if rs.Templates {
		wg.Go(func() { tmplID, rs.TemplateList, rs.TemplatesErr = readTemplates(ctx, api) })
	}
	return func() RegistryState {
		wg.Wait()
		rs.ID = cmp.Or(scanID, tmplID)
		return rs
	}
}

func readScanning(ctx context.Context, api RegistryAPI) (string, registry.ScanningConfiguration, error) {
	var cfg registry.ScanningConfiguration
	out, err := api.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		return "", cfg, awsError("GetRegistryScanningConfiguration", err)
	}
	if c := out.ScanningConfiguration; c != nil {
		cfg.ScanType = string(c.ScanType)
		for _, rule := range c.Rules {
			sr := registry.ScanningRule{Frequency: string(rule.ScanFrequency)}
			for _, f := range rule.RepositoryFilters {
				sr.Filters = append(sr.Filters, aws.ToString(f.Filter))
			}
			cfg.Rules = append(cfg.Rules, sr)
		}
	}
	return aws.ToString(out.RegistryId), cfg, nil
}

// readTemplates reads every template, following nextToken.
func readTemplates(ctx context.Context, api RegistryAPI) (string, []registry.Template, error) {
	var id string
	var list []registry.Template
	in := &ecr.DescribeRepositoryCreationTemplatesInput{MaxResults: aws.Int32(templatesPageSize)}
	for {
		out, err := api.DescribeRepositoryCreationTemplates(ctx, in)
		if err != nil {
			return "", nil, awsError("DescribeRepositoryCreationTemplates", err)
		}
		id = aws.ToString(out.RegistryId)
		for _, t := range out.RepositoryCreationTemplates {
			tmpl := registry.Template{
				Prefix:           aws.ToString(t.Prefix),
				Mutability:       string(t.ImageTagMutability),
				RepositoryPolicy: aws.ToString(t.RepositoryPolicy),
				LifecyclePolicy:  aws.ToString(t.LifecyclePolicy),
			}
			for _, a := range t.AppliedFor {
				tmpl.AppliedFor = append(tmpl.AppliedFor, string(a))
			}
			for _, f := range t.ImageTagMutabilityExclusionFilters {
				tmpl.ExclusionFilters = append(tmpl.ExclusionFilters, aws.ToString(f.Filter))
			}
			if e := t.EncryptionConfiguration; e != nil {
				tmpl.EncryptionType, tmpl.KMSKey = string(e.EncryptionType), aws.ToString(e.KmsKey)
			}
			if len(t.ResourceTags) > 0 {
				tmpl.ResourceTags = map[string]string{}
				for _, tag := range t.ResourceTags {
					tmpl.ResourceTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
				}
			}
			list = append(list, tmpl)
		}
		if aws.ToString(out.NextToken) == "" {
			return id, list, nil
		}
		in.NextToken = out.NextToken
	}
}

// registryNotes says where the registry decides instead of the repository,
// for the repository spec names, from the registry state read with it. It
// is pure. created is whether the run creates (in dry-run, would create)
// the repository. The repository's own changes are not affected: the
// scan-on-push change still says what the repository's flag is.
func registryNotes(spec Spec, st State, created, dryRun bool) []Note {
	rs := st.Registry
	own := spec.RegistryID
	if st.Exists {
		own = st.Repository.RegistryID
	}
	// The reads answer for the caller's registry; a repository in another
	// account's registry is not decided by it.
	other := own != "" && rs.ID != "" && own != rs.ID
	checks := []struct {
		made                  bool
		err                   error
		setting, action, what string
		otherWhat             string
		compare               func() []Note
	}{
		{rs.Scanning, rs.ScanningErr, SettingScanOnPush, ActionGetRegistryScanning,
			"whether the registry's scanning configuration (enhanced scanning or scan-on-push rules) decides instead of the repository's scanOnPush flag",
			"scanning configuration", func() []Note { return scanningNotes(spec, rs.ScanningConfig) }},
		{rs.Templates, rs.TemplatesErr, SettingRepository, ActionDescribeTemplates,
			"whether a repository creation template would create the repository on push with other settings than the declared ones",
			"repository creation templates", func() []Note { return templateNotes(spec, rs.TemplateList, created, dryRun) }},
	}
	var notes []Note
	for _, c := range checks {
		switch {
		case !c.made:
		case c.err != nil:
			notes = append(notes, readFailed(c.setting, c.action, c.err, c.what))
		case other:
			notes = append(notes, otherRegistry(c.setting, own, rs.ID, c.otherWhat))
		default:
			notes = append(notes, c.compare()...)
		}
	}
	return notes
}

// templateNotes warns about each managed setting the CREATE_ON_PUSH
// template for the repository's name sets otherwise.
func templateNotes(spec Spec, templates []registry.Template, created, dryRun bool) []Note {
	t, ok := registry.TemplateFor(templates, spec.Name, registry.AppliedForCreateOnPush)
	if !ok {
		return nil
	}
	diffs, err := registry.TemplateDifferences(t, declared(spec))
	if err != nil {
		return []Note{{Setting: SettingRepository, Level: NoteWarning, Text: fmt.Sprintf(
			"the repository creation template %q could not be compared with the declared settings: %v", t.Prefix, err)}}
	}
	var notes []Note
	var settings []string
	for _, d := range diffs {
		notes = append(notes, Note{Setting: d.Setting, Level: NoteWarning, Text: d.Warning})
		settings = append(settings, d.Setting)
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

// declared is what the spec manages, as the template comparison takes it
// (setting.template).
func declared(spec Spec) registry.Declared {
	var d registry.Declared
	for _, s := range allSettings {
		if s.template != nil && s.managedIn(spec) {
			s.template(spec, &d)
		}
	}
	return d
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
