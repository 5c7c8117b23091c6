package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestValidateLifecyclePolicyTestdata(t *testing.T) {
	t.Parallel()
	for name, text := range seeds(t, "lifecycle") {
		if err := ValidateLifecyclePolicy(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// lc builds a policy from rule objects.
func lc(rules ...string) string { return `{"rules":[` + strings.Join(rules, ",") + `]}` }

// rule builds a rule with the given priority, selection and action fields.
func rule(prio, selection, action string) string {
	return `{"rulePriority":` + prio + `,"selection":{` + selection + `},"action":{` + action + `}}`
}

// typo is a misspelt "description", the mistake the schema check must catch.
const typo = "descr" + "ipton"

const (
	untagged = `"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1`
	expire   = `"type":"expire"`
)

func TestValidateLifecyclePolicyValid(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		// One untagged rule per storage class, prefix sets unique per class,
		// an "any" rule last within its class.
		"untagged in each class": lc(rule("1", untagged, expire),
			rule("2", `"tagStatus":"untagged","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90`, expire)),
		"same prefixes in each class": lc(rule("1", `"tagStatus":"tagged","tagPrefixList":["a","b"],"countType":"imageCountMoreThan","countNumber":1`, expire),
			rule("2", `"tagStatus":"tagged","tagPrefixList":["b","a"],"storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":365`, expire)),
		"different prefix sets": lc(rule("1", `"tagStatus":"tagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":1`, expire),
			rule("2", `"tagStatus":"tagged","tagPrefixList":["a","b"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
		"any archive before standard rules": lc(rule("1", `"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90`, expire),
			rule("2", untagged, expire)),
		"priorities not sequential": lc(rule("5", untagged, expire), rule("100", `"tagStatus":"any","countType":"imageCountMoreThan","countNumber":9`, expire)),
		"pulled transition": lc(rule("1", `"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90`,
			`"type":"transition","targetStorageClass":"archive"`)),
		"standard storage class": lc(rule("1", untagged+`,"storageClass":"standard"`, expire)),
		"four wildcards":         lc(rule("1", `"tagStatus":"tagged","tagPatternList":["*test*1*2*3","test*1*2*3*"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
	} {
		if err := ValidateLifecyclePolicy(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateLifecyclePolicyInvalid(t *testing.T) {
	t.Parallel()
	long := lc(`{"rulePriority":1,"description":"` + strings.Repeat("x", MaxLifecyclePolicyChars) + `","selection":{` + untagged + `},"action":{` + expire + `}}`)
	anyRule := `"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3`
	tagged := `"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":3`
	since := func(ct, extra string) string {
		return `"tagStatus":"untagged","countType":"` + ct + `","countNumber":30` + extra
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"not JSON", `{"rules":[`, []string{"not valid JSON", "line 1"}},
		{"not an object", `[]`, []string{"must be a JSON object"}},
		{"too long", long, []string{"characters; ECR accepts at most 30720"}},
		{"duplicate key", `{"rules":[],"rules":[]}`, []string{`key "rules" appears twice`}},
		{"no rules", `{}`, []string{`no "rules"`, `write {"rules"`}},
		{"rules not list", `{"rules":{}}`, []string{`"rules" must be a list`, "not an object"}},
		{"rules empty", `{"rules":[]}`, []string{`"rules" is empty`, "use none to remove"}},
		{"rule not object", `{"rules":[1]}`, []string{"rule 1 must be an object"}},
		{"missing priority", `{"rules":[{"selection":{` + untagged + `},"action":{` + expire + `}}]}`, []string{"rule 1: rulePriority is missing", "at least 1"}},
		{"priority zero", lc(rule("0", untagged, expire)), []string{"rulePriority 0 is not valid", "at least 1"}},
		{"priority fraction", lc(rule("1.5", untagged, expire)), []string{"rulePriority 1.5 is not a whole number", "integer such as 1"}},
		{"priority quoted", lc(rule(`"1"`, untagged, expire)), []string{"rulePriority must be a number, not a string", "without quotes"}},
		{"priority huge", lc(rule("99999999999999999999", untagged, expire)), []string{"is too large", "at most 2147483647"}},
		{"duplicate priorities", lc(rule("1", untagged, expire), rule("1", tagged, expire)),
			[]string{"rules 1 and 2 both have rulePriority 1", "unique rulePriority"}},
		{"any not last", lc(rule("1", anyRule, expire), rule("2", tagged, expire)),
			[]string{`"any" has rulePriority 1, lower than rulePriority 2`, `give "any" rules the highest`}},
		{"any between", lc(rule("3", anyRule, expire), rule("1", untagged, expire), rule("2", anyRule, expire), rule("4", tagged, expire)),
			[]string{`rulePriority 2, lower than rulePriority 4`}},
		{"description number", lc(`{"rulePriority":1,"description":5,"selection":{` + untagged + `},"action":{` + expire + `}}`),
			[]string{"rule 1 (rulePriority 1): description must be a string"}},
		{"missing selection", `{"rules":[{"rulePriority":1,"action":{` + expire + `}}]}`, []string{"selection is missing", `add "selection"`}},
		{"selection list", `{"rules":[{"rulePriority":1,"selection":[],"action":{` + expire + `}}]}`, []string{"selection must be an object, not an array"}},
		{"missing action", `{"rules":[{"rulePriority":1,"selection":{` + untagged + `}}]}`, []string{"action is missing", `add "action": {"type": "expire"}`}},
		{"bad tag status", lc(rule("1", `"tagStatus":"all","countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{`tagStatus "all" is not valid`, `use "tagged", "untagged" or "any"`}},
		{"missing tag status", lc(rule("1", `"countType":"imageCountMoreThan","countNumber":1`, expire)), []string{"selection.tagStatus is missing; use \"tagged\""}},
		{"tagged without list", lc(rule("1", `"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{"needs tagPrefixList or tagPatternList", `"tagPatternList": ["release-*"]`}},
		{"tagged with both", lc(rule("1", `"tagStatus":"tagged","tagPrefixList":["a"],"tagPatternList":["b*"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{"both tagPrefixList and tagPatternList", "keep one"}},
		{"untagged with list", lc(rule("1", `"tagStatus":"untagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{`"untagged" selection cannot have tagPrefixList`, "remove them"}},
		{"empty prefix list", lc(rule("1", `"tagStatus":"tagged","tagPrefixList":[],"countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{"tagPrefixList: the list is empty"}},
		{"too many wildcards", lc(rule("1", `"tagStatus":"tagged","tagPatternList":["test*1*2*3*4*5*6"],"countType":"imageCountMoreThan","countNumber":1`, expire)),
			[]string{`"test*1*2*3*4*5*6" has 6 wildcards`, "at most 4"}},
		{"bad count type", lc(rule("1", `"tagStatus":"untagged","countType":"imageCountLessThan","countNumber":1`, expire)),
			[]string{`countType "imageCountLessThan" is not valid`, "use one of imageCountMoreThan"}},
		{"since without unit", lc(rule("1", since("sinceImagePushed", ""), expire)), []string{"needs a unit", `"countUnit": "days"`}},
		{"hours", lc(rule("1", since("sinceImagePushed", `,"countUnit":"hours"`), expire)), []string{`countUnit "hours" is not valid`, `use "days"`}},
		{"count with unit", lc(rule("1", untagged+`,"countUnit":"days"`, expire)), []string{"counts images, not days", "remove countUnit"}},
		{"count zero", lc(rule("1", `"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":0`, expire)),
			[]string{"selection.countNumber 0 is not valid"}},
		{"count missing", lc(rule("1", `"tagStatus":"untagged","countType":"imageCountMoreThan"`, expire)), []string{"selection.countNumber is missing"}},
		{"transitioned without storage class", lc(rule("1", since("sinceImageTransitioned", `,"countUnit":"days"`), expire)),
			[]string{"selects archived images", `"storageClass": "archive"`}},
		{"transitioned standard", lc(rule("1", since("sinceImageTransitioned", `,"countUnit":"days","storageClass":"standard"`), expire)),
			[]string{`storageClass "standard" is not valid with countType sinceImageTransitioned`, `use "archive"`}},
		{"pushed archive", lc(rule("1", since("sinceImagePushed", `,"countUnit":"days","storageClass":"archive"`), expire)),
			[]string{`storageClass "archive" is not valid with countType sinceImagePushed`, `use "standard" or remove it`}},
		{"transition without target", lc(rule("1", since("sinceImagePushed", `,"countUnit":"days"`), `"type":"transition"`)),
			[]string{"needs a target", `"targetStorageClass": "archive"`}},
		{"transition to glacier", lc(rule("1", since("sinceImagePushed", `,"countUnit":"days"`), `"type":"transition","targetStorageClass":"glacier"`)),
			[]string{`targetStorageClass "glacier" is not valid`, `use "archive"`}},
		{"archive again", lc(rule("1", since("sinceImageTransitioned", `,"countUnit":"days","storageClass":"archive"`), `"type":"transition","targetStorageClass":"archive"`)),
			[]string{"already archived", `use "type": "expire"`}},
		{"expire with target", lc(rule("1", untagged, `"type":"expire","targetStorageClass":"archive"`)), []string{"only applies to", "remove it"}},
		{"bad action type", lc(rule("1", untagged, `"type":"delete"`)), []string{`action.type "delete" is not valid`, `use "expire" or "transition"`}},
		// Fields outside ECR's schema, at every level.
		{"unknown top-level field", `{"rules":[` + rule("1", untagged, expire) + `],"rule":[]}`,
			[]string{`the lifecycle policy has an unknown field "rule": did you mean "rules"?`}},
		{"misspelt description", lc(`{"rulePriority":1,"` + typo + `":"x","selection":{` + untagged + `},"action":{` + expire + `}}`),
			[]string{`rule 1: the rule has an unknown field "` + typo + `": did you mean "description"?`, "allows only rulePriority, description, selection, action"}},
		{"unknown selection field", lc(rule("1", untagged+`,"tagprefixlist":["a"]`, expire)),
			[]string{`selection has an unknown field "tagprefixlist": did you mean "tagPrefixList"?`}},
		{"unknown action field", lc(rule("1", untagged, `"type":"expire","extra":1`)),
			[]string{`action has an unknown field "extra";`, "allows only type, targetStorageClass"}},
		{"bad storage class", lc(rule("1", untagged+`,"storageClass":"glacier"`, expire)),
			[]string{`selection.storageClass "glacier" is not valid`, `use "standard" or "archive"`}},
		// Rules across the policy, within one storage class.
		{"two untagged rules", lc(rule("1", untagged, expire), rule("2", `"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":9`, expire)),
			[]string{"rules 1 and 2 both select untagged images in storage class standard", "one such rule per storage class"}},
		{"same prefix set", lc(rule("1", `"tagStatus":"tagged","tagPrefixList":["a","b"],"countType":"imageCountMoreThan","countNumber":1`, expire),
			rule("2", `"tagStatus":"tagged","tagPrefixList":["b","a","a"],"countType":"sinceImagePushed","countUnit":"days","countNumber":9`, expire)),
			[]string{`rules 1 and 2 have the same tagPrefixList ["a","b"] in storage class standard`, "unique set of tag prefixes"}},
		{"two any rules in a class", lc(rule("1", anyRule, `"type":"transition","targetStorageClass":"archive"`), rule("2", anyRule, expire)),
			[]string{`rule 1: a rule with tagStatus "any" has rulePriority 1, lower than rulePriority 2 of rule 2`}},
		{"pulled expire", lc(rule("1", `"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90`, expire)),
			[]string{"countType sinceImagePulled can only archive images", `"type": "transition"`}},
		{"archive expiry too soon", lc(rule("1", `"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":30`, expire)),
			[]string{"selection.countNumber 30 is too small", "at least 90 days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateLifecyclePolicy(tt.text)
			if err == nil {
				t.Fatal("no error")
			}
			var le *LifecycleError
			if !errors.As(err, &le) || le.ECRMessage() == "" {
				t.Errorf("%T %v is not a *LifecycleError with an ECR message", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNormalizeLifecyclePolicy(t *testing.T) {
	t.Parallel()
	in := `{
	  "rules": [
	    {"rulePriority": 2, "selection": {"tagStatus": "tagged", "tagPatternList": ["b*", "a*", "b*"], "countType": "imageCountMoreThan", "countNumber": 10},
	     "action": {"type": "expire"}, "future": 1.50},
	    {"rulePriority": 1, "description": "<old> & untagged", "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14, "storageClass": "standard"},
	     "action": {"type": "expire"}}
	  ],
	  "z": null
	}`
	want := `{"rules":[{"action":{"type":"expire"},"description":"<old> & untagged","rulePriority":1,` +
		`"selection":{"countNumber":14,"countType":"sinceImagePushed","countUnit":"days","tagStatus":"untagged"}},` +
		`{"action":{"type":"expire"},"future":1.50,"rulePriority":2,` +
		`"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagPatternList":["a*","b*"],"tagStatus":"tagged"}}],"z":null}`
	got, err := NormalizeLifecyclePolicy(in)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("NormalizeLifecyclePolicy =\n%s\nwant\n%s", got, want)
	}
	if again, err := NormalizeLifecyclePolicy(got); err != nil || again != got {
		t.Errorf("not idempotent: %s, %v", again, err)
	}
}

func TestNormalizeLifecyclePolicyErrors(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "x", "[]", `{"a":1,"a":2}`} {
		if got, err := NormalizeLifecyclePolicy(text); err == nil {
			t.Errorf("NormalizeLifecyclePolicy(%q) = %q, want an error", text, got)
		}
	}
}

func TestLifecyclePoliciesEqual(t *testing.T) {
	t.Parallel()
	keep := seed(t, "lifecycle", "keep-last-n.json")
	archive := seed(t, "lifecycle", "archive.json")
	tagged := func(prio, list, count string) string {
		return rule(prio, `"tagStatus":"tagged","tagPrefixList":`+list+`,"countType":"imageCountMoreThan","countNumber":`+count, expire)
	}
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same file", keep, keep, true},
		{"compact and pretty", keep, Pretty(keep), true},
		{"rule order", lc(tagged("1", `["a"]`, "5"), tagged("2", `["b"]`, "5")), lc(tagged("2", `["b"]`, "5"), tagged("1", `["a"]`, "5")), true},
		{"tag list order", lc(tagged("1", `["v","release"]`, "5")), lc(tagged("1", `["release","v"]`, "5")), true},
		{"priority changed", lc(tagged("1", `["a"]`, "5")), lc(tagged("2", `["a"]`, "5")), false},
		{"count number changed", lc(tagged("1", `["a"]`, "5")), lc(tagged("1", `["a"]`, "6")), false},
		{"tag list changed", lc(tagged("1", `["a"]`, "5")), lc(tagged("1", `["a","b"]`, "5")), false},
		{"storage class changed", archive, strings.Replace(archive, `"storageClass": "archive"`, `"storageClass": "standard"`, 1), false},
		{"target storage class removed", archive, strings.Replace(archive, `,
        "targetStorageClass": "archive"`, ``, 1), false},
		{"default storage class filled in", archive, strings.Replace(archive, `"countType": "sinceImagePushed",`, `"countType": "sinceImagePushed", "storageClass": "standard",`, 1), true},
		{"description changed", keep, strings.Replace(keep, "last 30", "last 31", 1), false},
		{"unknown field added", keep, strings.Replace(keep, `"rules"`, `"x":1,"rules"`, 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.a == tt.b && !tt.want {
				t.Fatal("test texts are identical; the replacement did not apply")
			}
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				got, err := LifecyclePoliciesEqual(pair[0], pair[1])
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("LifecyclePoliciesEqual = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestLifecyclePoliciesEqualErrors(t *testing.T) {
	t.Parallel()
	valid := seed(t, "lifecycle", "keep-last-n.json")
	for _, tt := range []struct{ a, b, want string }{
		{"{", valid, "first policy: the lifecycle policy is not valid JSON"},
		{valid, "1", "second policy: the lifecycle policy must be a JSON object"},
	} {
		eq, err := LifecyclePoliciesEqual(tt.a, tt.b)
		if err == nil || eq || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LifecyclePoliciesEqual(%q, %q) = %v, %v; want error containing %q", tt.a, tt.b, eq, err, tt.want)
		}
	}
}

// TestLifecycleSchemaMessages: where ECR's wording is known (its schema
// validator's), the error carries it for the emulator to return.
func TestLifecycleSchemaMessages(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		lc(`{"rulePriority":1,"` + typo + `":"x","selection":{` + untagged + `},"action":{` + expire + `}}`): `object instance has properties which are not allowed by the schema: ["` + typo + `"]`,
		`{}`: `object has missing required properties (["rules"])`,
		lc(rule("1", `"tagStatus":"all","countType":"imageCountMoreThan","countNumber":1`, expire)): `instance value ("all") not found in enum (possible values: ["tagged","untagged","any"])`,
		lc(rule(`"1"`, untagged, expire)): `instance type (string) does not match any allowed primitive type (allowed: ["integer"])`,
	} {
		var le *LifecycleError
		if err := ValidateLifecyclePolicy(text); !errors.As(err, &le) || le.ECRMessage() != want {
			t.Errorf("%s: got %v, want ECR message %q", text, err, want)
		}
	}
}

func TestClosestField(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		typo: "description", "Description": "description", "rulepriority": "rulePriority",
		"countNumbers": "countNumber", "tagPatternLists": "tagPatternList", "zzz": "", "storage": "",
	} {
		known := append(append(slices.Clone(lifecycleRuleFields), lifecycleSelFields...), lifecycleActionFields...)
		if got := closest(in, known); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
