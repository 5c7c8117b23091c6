package inputs

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// TestEngineNamesNoInput: the engine (reconcile, registry, policy,
// publicecr) refers to a declared value through internal/inputref and never
// spells an input of action.yml in a string, so that only this package
// words them. The exceptions are listed with their reason.
func TestEngineNamesNoInput(t *testing.T) {
	t.Parallel()
	meta := testsupport.Action(t)
	// An input as a word of its own: hyphenated names anywhere, one-word
	// names only where the text sets one ("state: absent").
	var alts []string
	for _, in := range meta.Inputs {
		if strings.Contains(in.Name, "-") {
			alts = append(alts, `(?:^|[^a-z-])(`+regexp.QuoteMeta(in.Name)+`)(?:[^a-z-]|$)`)
		} else {
			alts = append(alts, `(?:^|[^a-z-])(`+regexp.QuoteMeta(in.Name)+`): `)
		}
	}
	input := regexp.MustCompile(strings.Join(alts, "|"))
	allowed := map[string]string{
		// ECR's own term: the registry's scan-on-push rules.
		"reconcile/setting_scan_on_push.go scan-on-push": "ECR's term",
		// ECR's limit of tags per repository, not the input.
		"reconcile/setting_tags.go repository": "ECR's limit",
	}
	// A setting's name is its input's (the changes and notes outputs name
	// a setting so): the constant that holds it, exactly, is no message.
	settingName := map[string]bool{}
	for _, st := range reconcile.Settings() {
		settingName[strconv.Quote(st.Name)] = true
	}
	for _, dir := range []string{"reconcile", "reconcile/ecrsdk", "registry", "policy", "publicecr"} {
		lits, n := testsupport.StringLiterals(t, filepath.Join("..", dir))
		if n == 0 {
			t.Fatalf("no engine files in %s", dir)
		}
		for _, l := range lits {
			if settingName[l.Text] {
				continue
			}
			for _, m := range input.FindAllStringSubmatch(l.Text, -1) {
				name := strings.Join(m[1:], "")
				file := filepath.Base(strings.SplitN(l.Pos, ":", 2)[0])
				if _, ok := allowed[dir+"/"+file+" "+name]; !ok {
					t.Errorf("%s: the engine spells the input %s in %s: refer to it through internal/inputref", l.Pos, name, l.Text)
				}
			}
		}
	}
}
