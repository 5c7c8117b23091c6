package main

import (
	"strings"
	"testing"
)

// A field two parts declare (here specBase's Name again in a setting's
// Spec) would make Spec declare it twice: the generator refuses it and
// names both parts, rather than writing a settings_gen.go that does not
// compile and points at itself.
func TestGenerateRefusesAFieldTwoPartsDeclare(t *testing.T) {
	t.Parallel()
	dir := pkgDir(t, map[string]string{"base.go": base,
		"setting_x.go": "package reconcile\n\nvar a = setting{order: 10}\n\ntype aSpec struct{ Name string }\n"})
	_, err := generate(dir, "settings_gen.go")
	if err == nil || !strings.Contains(err.Error(), "Name") || !strings.Contains(err.Error(), "aSpec") {
		t.Errorf("error %v, want one naming the field Name and the part aSpec", err)
	}
}
