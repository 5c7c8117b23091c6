package inputs

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// The catalog data inputs of an ECR Public repository.
const (
	inputCatalogDescription = "catalog-description"
	inputCatalogAbout       = "catalog-about"
	inputCatalogUsage       = "catalog-usage"
	inputCatalogArch        = "catalog-architectures"
	inputCatalogOS          = "catalog-operating-systems"
)

// The logo is the one catalog input the engine refers to.
var inputCatalogLogo = inputref.CatalogLogo.String()

var catalogInputNames = []string{inputCatalogDescription, inputCatalogAbout, inputCatalogUsage, inputCatalogArch, inputCatalogOS, inputCatalogLogo}

// catalogInputs are the inputs of the settings only ECR Public has.
var catalogInputs = settingInputs(func(s reconcile.SettingInfo) bool { return !s.Private })

// privateOnly are the inputs of settings ECR Public does not have, each
// with the reason (the engine's, reconcile.SettingInfo.Lacks).
var privateOnly = func() []struct{ input, why string } {
	var out []struct{ input, why string }
	for _, s := range reconcile.Settings() {
		if s.Public {
			continue
		}
		for _, in := range inputsOf[s.Name] {
			out = append(out, struct{ input, why string }{in, s.Lacks})
		}
	}
	return out
}()

var logoFile = fileKind{
	what:    "the logo image file",
	limit:   ecrspec.MaxCatalogLogoBytes,
	large:   "ECR Public's limit for a logo; use a smaller image",
	example: ".github/logo.png",
}

// public reads, with public: true, the catalog data; it refuses, all at
// once, every input ECR Public does not support, and the catalog inputs
// without public: true.
func (l *loader) public(c *Config, workspace string) {
	if !c.Public {
		for _, in := range catalogInputs {
			if l.src.GetInput(in) != "" {
				l.add(in, fmt.Errorf("is catalog data of an ECR Public repository; set public: true, or remove %s", in))
			}
		}
		return
	}
	for _, p := range privateOnly {
		if l.src.GetInput(p.input) != "" {
			l.add(p.input, fmt.Errorf("is not supported with public: true: %s; remove %s, or manage a private repository (public: false)", p.why, p.input))
		}
	}
	if p := regions.Of(c.Region); c.Region != "" && p.ID != regions.Of(regions.ECRPublicRegion).ID {
		// Credentials of another partition are not valid in ECR Public's.
		l.add("aws-region", fmt.Errorf("is %s, in the %s partition, but ECR Public is only in %s (partition %s): "+
			"use a Region of that partition, such as %s, with credentials of it", c.Region, p.ID, regions.ECRPublicRegion, regions.Of(regions.ECRPublicRegion).ID, regions.ECRPublicRegion))
	}
	if len(c.Regions) > 1 {
		l.add("aws-region", fmt.Errorf("lists %d Regions, but ECR Public has one, %s, whatever aws-region says: "+
			"give one Region, or reconcile the private repositories in another step", len(c.Regions), regions.ECRPublicRegion))
	}
	if id := c.Spec.RegistryID; id != "" {
		// ECR Public manages the caller's own registry only; another
		// account's is refused here, before any call. Only an assumed
		// role's account is known before a call.
		if a, err := arn.Parse(c.Auth.RoleToAssume); err != nil || a.AccountID != id {
			l.add("registry-id", fmt.Errorf("is not supported with public: true unless it is the account of role-to-assume: "+
				"ECR Public manages only the caller's own registry; remove registry-id"))
		}
	}
	names := c.Repositories
	input := "repositories"
	if c.Spec.Name != "" {
		names, input = []string{c.Spec.Name}, "repository"
	}
	for _, n := range names {
		if len(n) > ecrspec.MaxPublicRepositoryNameChars {
			l.add(input, fmt.Errorf("repository name %q has %d characters; ECR Public names have at most %d", shown(n), len(n), ecrspec.MaxPublicRepositoryNameChars))
		}
	}
	c.Spec.Catalog = l.catalog(workspace)
}

// catalog reads the catalog data inputs; all empty means the catalog data
// is not managed.
func (l *loader) catalog(workspace string) *reconcile.Catalog {
	cat := &reconcile.Catalog{
		Description: l.catalogText(inputCatalogDescription, ecrspec.MaxCatalogDescriptionChars),
		AboutText:   l.catalogText(inputCatalogAbout, ecrspec.MaxCatalogMarkdownChars),
		UsageText:   l.catalogText(inputCatalogUsage, ecrspec.MaxCatalogMarkdownChars),
	}
	cat.Architectures = value[[]string](l, inputCatalogArch)(parseCatalogList(l.src.GetInput(inputCatalogArch), ecrspec.CatalogArchitectures, architectureAliases))
	cat.OperatingSystems = value[[]string](l, inputCatalogOS)(parseCatalogList(l.src.GetInput(inputCatalogOS), ecrspec.CatalogOperatingSystems, nil))
	if path := strings.TrimSpace(l.src.GetInput(inputCatalogLogo)); path != "" {
		logo, err := readWorkspaceBytes(l.ctx, path, workspace, logoFile)
		if err == nil && len(logo) == 0 {
			err = fmt.Errorf("%q is empty; give the path of the logo image", shown(path))
		}
		l.add(inputCatalogLogo, err)
		cat.Logo = logo
	}
	if cat.Description == nil && cat.AboutText == nil && cat.UsageText == nil &&
		cat.Architectures == nil && cat.OperatingSystems == nil && cat.Logo == nil {
		return nil
	}
	return cat
}

func (l *loader) catalogText(input string, limit int) *string {
	s := strings.TrimSpace(l.src.GetInput(input))
	if s == "" {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > limit {
		l.add(input, fmt.Errorf("is %d characters; ECR Public accepts at most %d", n, limit))
		return nil
	}
	return &s
}

// architectureAliases are the names other tools give the gallery's
// architectures, for the error message's hint.
var architectureAliases = map[string]string{
	"amd64": "x86-64", "x86_64": "x86-64", "arm64": "ARM 64", "aarch64": "ARM 64", "arm": "ARM", "386": "x86", "i386": "x86",
}

// parseCatalogList reads a comma or newline separated list of values from
// allowed, in any letter case, written back as the gallery spells them.
func parseCatalogList(s string, allowed []string, aliases map[string]string) ([]string, error) {
	items := parseList(s)
	if len(items) == 0 {
		return nil, nil
	}
	if len(items) > ecrspec.MaxCatalogListItems {
		return nil, fmt.Errorf("%d values given; ECR Public accepts at most %d", len(items), ecrspec.MaxCatalogListItems)
	}
	var out []string
	for _, it := range items {
		i := slices.IndexFunc(allowed, func(a string) bool { return strings.EqualFold(a, it) })
		if i < 0 {
			hint := ""
			if a, ok := aliases[strings.ToLower(it)]; ok {
				hint = fmt.Sprintf(" (for %s, write %q)", it, a)
			}
			return nil, fmt.Errorf("%q is not a value the ECR Public Gallery knows%s; use %s, separated by commas or newlines",
				shown(it), hint, quotedList(allowed))
		}
		if !slices.Contains(out, allowed[i]) {
			out = append(out, allowed[i])
		}
	}
	return out, nil
}

func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
