package actionmeta_test

import (
	"bytes"
	"go/format"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
)

const fixture = `name: X
description: Does x.
author: someone
branding:
  icon: box
  color: orange

inputs:
  first-input:
    description: >-
      The first | input.
    required: false
  second:
    description: Second.
    default: "7"

outputs:
  out-a:
    description: >-
      A, on
      two lines.
  out-b:
    description: B.

runs:
  using: docker
  image: Dockerfile
`

type composite struct {
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID  string            `yaml:"id"`
			Env map[string]string `yaml:"env"`
			Run string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// The runner-binary action declares action.yml's inputs and outputs, maps
// each output to the run step's, and passes every input, and nothing else,
// to the binary as the runner passes it to the container.
func TestRunActionPassesEveryInputAndOutput(t *testing.T) {
	t.Parallel()
	b, err := actionmeta.RunAction([]byte(fixture), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := actionmeta.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := actionmeta.Parse([]byte(fixture))
	if len(m.Inputs) != 2 || m.Inputs[1] != want.Inputs[1] || len(m.Outputs) != 2 || m.Outputs[0] != want.Outputs[0] {
		t.Errorf("generated metadata = %+v", m)
	}
	var c composite
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Runs.Using != "composite" || len(c.Runs.Steps) != 2 || c.Runs.Steps[1].ID != "run" {
		t.Fatalf("runs = %+v", c.Runs)
	}
	for _, o := range []string{"out-a", "out-b"} {
		if got, want := c.Outputs[o].Value, "${{ steps.run.outputs."+o+" }}"; got != want {
			t.Errorf("output %s value = %q, want %q", o, got, want)
		}
	}
	env := c.Runs.Steps[1].Env
	wantEnv := map[string]string{
		"ECR_RECONCILE_BIN": "${{ steps.fetch.outputs.path }}",
		"INPUT_FIRST-INPUT": "${{ inputs.first-input }}",
		"INPUT_SECOND":      "${{ inputs.second }}",
	}
	if len(env) != len(wantEnv) {
		t.Errorf("run step env = %v, want %v", env, wantEnv)
	}
	for k, v := range wantEnv {
		if env[k] != v {
			t.Errorf("run step env %s = %q, want %q", k, env[k], v)
		}
	}
	if pin := c.Runs.Steps[0].Env["ECR_RECONCILE_VERSION"]; pin != "" {
		t.Errorf("an unreleased run/action.yml pins version %q", pin)
	}
}

// Regenerating a release commit keeps the pins scripts/pin-run-action.sh
// wrote, so the CI check passes on a release as on main.
func TestRunActionKeepsReleasePins(t *testing.T) {
	t.Parallel()
	first, err := actionmeta.RunAction([]byte(fixture), nil)
	if err != nil {
		t.Fatal(err)
	}
	pinned := bytes.Replace(first, []byte(`ECR_RECONCILE_VERSION: ""`), []byte(`ECR_RECONCILE_VERSION: "v1.2.3"`), 1)
	again, err := actionmeta.RunAction([]byte(fixture), pinned)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, pinned) {
		t.Errorf("regenerating a pinned file changed it:\n%s", again)
	}
}

func TestReadmeReferenceBetweenMarkers(t *testing.T) {
	t.Parallel()
	m, err := actionmeta.Parse([]byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	doc := "intro\n" + actionmeta.InputsBegin + "\nstale\n" + actionmeta.InputsEnd + "\nmiddle\n" +
		actionmeta.OutputsBegin + "\n" + actionmeta.OutputsEnd + "\nend\n"
	out, err := actionmeta.Readme([]byte(doc), m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"| `first-input` |  | The first \\| input. |",
		"| `second` | `7` | Second. |",
		"| `out-a` | A, on two lines. |",
		"intro\n", "\nmiddle\n", "\nend\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("README missing %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "stale") {
		t.Errorf("the old reference was kept:\n%s", s)
	}
	if _, err := actionmeta.Readme([]byte("no markers\n"), m); err == nil {
		t.Error("a README without markers was accepted")
	}
}

// The checked-in run/action.yml and README reference are what the generator
// makes from action.yml now (go generate ./internal/actionmeta).
func TestCheckedInFilesAreGenerated(t *testing.T) {
	t.Parallel()
	action := readFile(t, "../../action.yml")
	meta, err := actionmeta.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	current := readFile(t, "../../run/action.yml")
	want, err := actionmeta.RunAction(action, current)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, current) {
		t.Error("run/action.yml is not generated from action.yml: run go generate ./internal/actionmeta")
	}
	readme := readFile(t, "../../README.md")
	wantReadme, err := actionmeta.Readme(readme, meta)
	if err != nil {
		t.Fatal(err)
	}
	wantReadme, err = actionmeta.Includes(wantReadme, func(path string) ([]byte, error) { return os.ReadFile("../../" + path) })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wantReadme, readme) {
		t.Error("README.md's inputs and outputs reference, or its copies of the files it includes, are not generated: run go generate ./internal/actionmeta")
	}
	refs, err := actionmeta.InputRefs(meta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(refs, readFile(t, "../../"+actionmeta.InputRefPath)) {
		t.Errorf("%s is not generated from action.yml: run go generate ./internal/actionmeta", actionmeta.InputRefPath)
	}
}

func TestGoName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"kms-key": "KMSKey", "registry-id": "RegistryID", "mask-aws-account-id": "MaskAWSAccountID",
		"role-to-assume": "RoleToAssume", "repository-policy-sid-prefix": "RepositoryPolicySidPrefix", "tags": "Tags",
	} {
		if got := actionmeta.GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each input becomes a Ref, in action.yml's order, commented with its
// description's first sentence, and the table words the Refs in the same
// order; the source is as gofmt writes it.
func TestInputRefs(t *testing.T) {
	t.Parallel()
	m, err := actionmeta.Parse([]byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	src, err := actionmeta.InputRefs(m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, want := range []string{
		"\t// The first | input.\n\tFirstInput Ref = iota + 1\n\t// Second.\n\tSecond\n\tcount\n",
		"\t\"\",\n\t\"first-input\",\n\t\"second\",\n}",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("generated source lacks %q:\n%s", want, s)
		}
	}
	if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
		t.Errorf("generated source is not gofmt's (%v):\n%s", err, src)
	}
	for _, bad := range []string{"a-b:\n    description: x.\n  a--b:\n    description: y.", "9lives:\n    description: x."} {
		m, err := actionmeta.Parse([]byte("name: X\ninputs:\n  " + bad + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := actionmeta.InputRefs(m); err == nil {
			t.Errorf("inputs %q made Refs", bad)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Includes copies a named file between its marker lines, as fenced code of
// its extension, and refuses an include line without its end.
func TestIncludes(t *testing.T) {
	t.Parallel()
	files := map[string]string{"docs/p.json": "{\"a\": 1}\n"}
	read := func(path string) ([]byte, error) {
		if b, ok := files[path]; ok {
			return []byte(b), nil
		}
		return nil, os.ErrNotExist
	}
	readme := "intro\n<!-- include docs/p.json -->\nstale\n<!-- end docs/p.json -->\nafter\n"
	got, err := actionmeta.Includes([]byte(readme), read)
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n<!-- include docs/p.json -->\n```json\n{\"a\": 1}\n```\n<!-- end docs/p.json -->\nafter\n"
	if string(got) != want {
		t.Errorf("Includes =\n%s\nwant\n%s", got, want)
	}
	if _, err := actionmeta.Includes([]byte("<!-- include docs/p.json -->\n"), read); err == nil {
		t.Error("an include line without its end line was accepted")
	}
	if _, err := actionmeta.Includes([]byte("<!-- include docs/q.json -->\n<!-- end docs/q.json -->\n"), read); err == nil {
		t.Error("an include of a missing file was accepted")
	}
}
