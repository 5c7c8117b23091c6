package reconcile

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDiffCatalog(t *testing.T) {
	t.Parallel()
	cur := &CatalogData{Description: "old", UsageText: "use it", Architectures: []string{"x86-64", "ARM 64"}}
	logo := []byte("png")
	for _, tc := range []struct {
		name  string
		want  Catalog
		state state
		// action, a substring of To or of Error, and the write planned.
		action Action
		sub    string
		put    *CatalogData
	}{
		{"create", Catalog{Description: ptrTo("d"), Logo: logo}, state{}, ActionCreate, "logo: added",
			&CatalogData{Description: "d", Logo: logo}},
		{"unchanged, lists as sets", Catalog{Description: ptrTo("old"), Architectures: []string{"ARM 64", "x86-64"}},
			with(func(st *state) { st.Catalog = cur }), ActionUnchanged, "declared: description, architectures", nil},
		{"an undeclared member keeps its value", Catalog{Description: ptrTo("new")},
			with(func(st *state) { st.Catalog = cur }), ActionUpdate, `description: "old" -> "new"`,
			&CatalogData{Description: "new", UsageText: "use it", Architectures: []string{"x86-64", "ARM 64"}}},
		{"list change", Catalog{OperatingSystems: []string{"Linux"}},
			with(func(st *state) { st.Catalog = cur }), ActionUpdate, "operating systems: [] -> [Linux]",
			&CatalogData{Description: "old", UsageText: "use it", Architectures: []string{"x86-64", "ARM 64"}, OperatingSystems: []string{"Linux"}}},
		{"a present logo is not compared", Catalog{Logo: logo},
			with(func(st *state) { st.Catalog = &CatalogData{HasLogo: true} }), ActionUnchanged, "not compared", nil},
		{"a present logo is sent again with a change", Catalog{Logo: logo, AboutText: ptrTo("# a")},
			with(func(st *state) { st.Catalog = &CatalogData{HasLogo: true} }), ActionUpdate, "about: 0 -> 3 characters",
			&CatalogData{AboutText: "# a", Logo: logo}},
		{"a logo that could be lost stops the write", Catalog{Description: ptrTo("new")},
			with(func(st *state) { st.Catalog = &CatalogData{HasLogo: true} }), ActionFailed, "Set catalog-logo", nil},
		{"read failed", Catalog{Description: ptrTo("x")},
			with(func(st *state) { st.CatalogErr = errors.New("ecr-public:GetRepositoryCatalogData failed: boom") }), ActionFailed, "boom", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := changeOf(t, diff(Spec{Name: "app", Catalog: &tc.want}, tc.state, "aws"), SettingCatalog)
			if c.Action != tc.action || !strings.Contains(c.To+c.Error, tc.sub) {
				t.Errorf("change = %+v, want %s with %q", c, tc.action, tc.sub)
			}
			put := planOf[*CatalogData](c)
			switch {
			case tc.put == nil && put != nil:
				t.Errorf("planned a write %+v", *put)
			case tc.put != nil && put == nil:
				t.Errorf("planned no write, want %+v", *tc.put)
			case tc.put != nil:
				p := *put
				w := *tc.put
				if p.Description != w.Description || p.AboutText != w.AboutText || p.UsageText != w.UsageText ||
					!slices.Equal(p.Architectures, w.Architectures) || !slices.Equal(p.OperatingSystems, w.OperatingSystems) || string(p.Logo) != string(w.Logo) {
					t.Errorf("write = %+v, want %+v", p, w)
				}
			}
		})
	}
}

// The Markdown texts are shown as a diff, as the policies are.
func TestDiffCatalogShowsTheTextDiff(t *testing.T) {
	t.Parallel()
	st := with(func(st *state) { st.Catalog = &CatalogData{UsageText: "line one\nline two\n"} })
	c := changeOf(t, diff(Spec{Name: "app", Catalog: &Catalog{UsageText: ptrTo("line one\nline 2\n")}}, st, "aws"), SettingCatalog)
	if !strings.Contains(c.Diff, "usage:\n") || !strings.Contains(c.Diff, "-line two") || !strings.Contains(c.Diff, "+line 2") {
		t.Errorf("diff = %q", c.Diff)
	}
}
