package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// SettingCatalog is an ECR Public repository's catalog data (the gallery's
// description, about and usage text, architectures, operating systems and
// logo).
const SettingCatalog = "catalog"

var catalog = setting{
	name:    SettingCatalog,
	order:   80,
	managed: func(spec Spec) bool { return spec.Catalog != nil },
	inputs: []inputref.Ref{
		inputref.CatalogDescription, inputref.CatalogAbout, inputref.CatalogUsage,
		inputref.CatalogArchitectures, inputref.CatalogOperatingSystems, inputref.CatalogLogo,
	},
	declare: declareCatalog,
	read: &settingRead{
		op: "GetRepositoryCatalogData",
		call: func(r *Reconciler, ctx context.Context, at repoRef) (any, error) {
			return r.readCatalog(ctx, at.registryID, at.name)
		},
		put: func(st *state, data any, err error) { st.Catalog, _ = data.(*CatalogData); st.CatalogErr = err },
	},
	diff:  func(spec Spec, st state, _ string) Change { return diffCatalog(*spec.Catalog, st) },
	write: (*Reconciler).updateCatalog,
	create: func(spec Spec, c *creation) {
		// ECR Public's CreateRepository takes the catalog data.
		c.req.Catalog = planOf[*CatalogData](diffCatalog(*spec.Catalog, state{}))
	},
	public: true,
	lacks:  "private ECR repositories have no catalog data",
	iam: iamActions{
		reads:  []string{"GetRepositoryCatalogData"},
		writes: []string{"PutRepositoryCatalogData"},
	},
}

type catalogSpec struct {
	// Catalog is the declared catalog data of an ECR Public repository;
	// it needs a client that implements CatalogAPI.
	Catalog *Catalog
}

type catalogState struct {
	// Catalog is an ECR Public repository's catalog data (nil: not read).
	Catalog    *CatalogData
	CatalogErr error
}

// Catalog is the declared catalog data of an ECR Public repository. Each
// nil member is not managed: the current value is kept.
type Catalog struct {
	Description, AboutText, UsageText *string
	// Architectures and OperatingSystems are compared as sets.
	Architectures, OperatingSystems []string
	// Logo is the logo image. ECR Public never returns it, only a URL, so
	// it is compared by presence (see diffCatalog).
	Logo []byte
}

// CatalogData is catalog data as read from, or written to, ECR Public.
type CatalogData struct {
	Description, AboutText, UsageText string
	Architectures, OperatingSystems   []string
	// Logo is sent with a write; nil sends none.
	Logo []byte
	// HasLogo is what a read says: the repository has a logo (a logo URL).
	HasLogo bool
}

var errNoCatalogAPI error = noCatalogAPI{}

// noCatalogAPI is worded when it is read, after the entry point has worded
// the inputs (inputref).
type noCatalogAPI struct{}

func (noCatalogAPI) Error() string {
	return fmt.Sprintf("catalog data is only managed for ECR Public repositories (%v: true)", inputref.Public)
}

// readCatalog reads the catalog data through the client's CatalogAPI.
func (r *Reconciler) readCatalog(ctx context.Context, registryID, name string) (*CatalogData, error) {
	api, ok := r.ECR.(CatalogAPI)
	if !ok {
		return nil, errNoCatalogAPI
	}
	c, err := api.GetRepositoryCatalogData(ctx, registryID, name)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// diffCatalog compares the declared members with the current catalog data
// and plans one write of the whole catalog data: the declared members, the
// current value of every other text and list member (so that a write that
// replaces the catalog data keeps them), and the declared logo.
func diffCatalog(want Catalog, st state) Change {
	c := Change{Setting: SettingCatalog, Action: ActionUnchanged}
	var cur CatalogData
	switch {
	case !st.Exists:
	case st.CatalogErr != nil:
		c.Action, c.Error = ActionFailed, st.CatalogErr.Error()
		return c
	case st.Catalog != nil:
		cur = *st.Catalog
	}
	put := CatalogData{
		Description: cur.Description, AboutText: cur.AboutText, UsageText: cur.UsageText,
		Architectures: cur.Architectures, OperatingSystems: cur.OperatingSystems,
	}
	var parts, same, diffs []string
	// The description is short and shown as it is; the Markdown texts
	// are summed up in the line, with their diff beside the policies'.
	text := func(member string, want *string, cur string, dst *string, markdown bool) {
		switch {
		case want == nil:
		case *want == cur:
			same = append(same, member)
		case markdown:
			*dst = *want
			parts = append(parts, fmt.Sprintf("%s: %d -> %d characters", member, len([]rune(cur)), len([]rune(*want))))
			diffs = append(diffs, member+":\n"+policy.Diff(cur, *want))
		default:
			*dst = *want
			parts = append(parts, fmt.Sprintf("%s: %q -> %q", member, shorten(cur), shorten(*want)))
		}
	}
	list := func(member string, want, cur []string, dst *[]string) {
		switch {
		case want == nil:
		case sameSet(want, cur):
			same = append(same, member)
		default:
			*dst = slices.Clone(want)
			parts = append(parts, fmt.Sprintf("%s: [%s] -> [%s]", member, strings.Join(cur, ", "), strings.Join(want, ", ")))
		}
	}
	text("description", want.Description, cur.Description, &put.Description, false)
	text("about", want.AboutText, cur.AboutText, &put.AboutText, true)
	text("usage", want.UsageText, cur.UsageText, &put.UsageText, true)
	list("architectures", want.Architectures, cur.Architectures, &put.Architectures)
	list("operating systems", want.OperatingSystems, cur.OperatingSystems, &put.OperatingSystems)
	if want.Logo != nil {
		put.Logo = want.Logo
		if cur.HasLogo {
			// ECR Public returns a URL, never the image: a logo that is
			// there counts as the declared one, and is sent again with
			// any other change.
			same = append(same, "logo (present; ECR Public returns only its URL, so the image is not compared)")
		} else {
			parts = append(parts, "logo: added")
		}
	}
	if len(parts) == 0 {
		c.To = "declared"
		if len(same) > 0 {
			c.To = "declared: " + strings.Join(same, ", ")
		}
		return c
	}
	if cur.HasLogo && want.Logo == nil {
		c.Action = ActionFailed
		c.Error = "the repository has a logo, which ECR Public never returns, and PutRepositoryCatalogData writes the catalog data as a whole: " +
			"writing it without the logo could remove it. Set " + inputref.CatalogLogo.String() + " to the logo's file so that it is sent with the rest; nothing was written"
		return c
	}
	c.Action, c.From, c.To = ActionUpdate, "differs", strings.Join(parts, "; ")
	c.Diff = strings.Join(diffs, "")
	if !st.Exists {
		c.Action, c.From = ActionCreate, ""
	}
	c.plan = &put
	return c
}

// shorten keeps a one-line value short enough for the plan's line.
func shorten(s string) string {
	const most = 60
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > most {
		return string(r[:most-1]) + "…"
	}
	return s
}

func (r *Reconciler) updateCatalog(ctx context.Context, _ Spec, repo Repository, c Change) error {
	api, ok := r.ECR.(CatalogAPI)
	if !ok {
		return errNoCatalogAPI
	}
	return r.whileInvisible(ctx, "PutRepositoryCatalogData", func() error {
		return api.PutRepositoryCatalogData(ctx, repo.RegistryID, repo.Name, *planOf[*CatalogData](c))
	})
}

var logoFile = FileKind{Noun: "logo image", MaxBytes: ecrspec.MaxCatalogLogoBytes, Limit: "ECR Public's", Example: ".github/logo.png"}

// declareCatalog reads the catalog data inputs; all empty means the
// catalog data is not managed.
func declareCatalog(d Declarations, spec *Spec) {
	cat := &Catalog{
		Description: catalogText(d, inputref.CatalogDescription, ecrspec.MaxCatalogDescriptionChars),
		AboutText:   catalogText(d, inputref.CatalogAbout, ecrspec.MaxCatalogMarkdownChars),
		UsageText:   catalogText(d, inputref.CatalogUsage, ecrspec.MaxCatalogMarkdownChars),
	}
	cat.Architectures = Take[[]string](d, inputref.CatalogArchitectures)(parseCatalogList(d.Text(inputref.CatalogArchitectures), ecrspec.CatalogArchitectures, architectureAliases))
	cat.OperatingSystems = Take[[]string](d, inputref.CatalogOperatingSystems)(parseCatalogList(d.Text(inputref.CatalogOperatingSystems), ecrspec.CatalogOperatingSystems, nil))
	if logo := d.File(inputref.CatalogLogo, logoFile); logo != nil {
		if len(logo) == 0 {
			d.Refuse(inputref.CatalogLogo, fmt.Errorf("%q is empty; give the path of the logo image", shown(strings.TrimSpace(d.Text(inputref.CatalogLogo)))))
		}
		cat.Logo = logo
	}
	if cat.Description == nil && cat.AboutText == nil && cat.UsageText == nil &&
		cat.Architectures == nil && cat.OperatingSystems == nil && cat.Logo == nil {
		return
	}
	spec.Catalog = cat
}

func catalogText(d Declarations, ref inputref.Ref, limit int) *string {
	s := strings.TrimSpace(d.Text(ref))
	if s == "" {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > limit {
		d.Refuse(ref, fmt.Errorf("is %d characters; ECR Public accepts at most %d", n, limit))
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
