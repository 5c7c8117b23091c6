package docs_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
)

// exampleSources returns the YAML a user copies: the yaml code blocks of
// README.md and docs/**/*.md, and the workflow and action files under
// docs/examples/, keyed by "file:line".
func exampleSources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	for _, file := range markdownFiles(t) {
		text := readText(t, file)
		for _, m := range block.FindAllStringSubmatchIndex(text, -1) {
			out[fmt.Sprintf("%s:%d", file, strings.Count(text[:m[2]], "\n")+1)] = text[m[2]:m[3]]
		}
	}
	err := filepath.WalkDir("../../docs/examples", func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // checked by the link test: the README links to the files
		}
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			out[path+":1"] = readText(t, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// exampleSteps returns the with: inputs of every step of the examples that
// uses this action, keyed by where the example is.
func exampleSteps(t *testing.T) map[string]map[string]string {
	t.Helper()
	steps := map[string]map[string]string{}
	for where, body := range exampleSources(t) {
		var doc any
		if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
			continue // a fragment, such as a job's steps only
		}
		n := 0
		walk(doc, func(step map[string]any) {
			uses, _ := step["uses"].(string)
			if !strings.HasPrefix(uses, "ecr-reconcile/ecr-reconcile@") && !strings.HasPrefix(uses, "ecr-reconcile/ecr-reconcile/run@") {
				return
			}
			with := map[string]string{}
			if w, ok := step["with"].(map[string]any); ok {
				for k, v := range w {
					with[k] = strings.TrimSpace(yamlScalar(v))
				}
			}
			n++
			steps[fmt.Sprintf("%s (step %d)", where, n)] = with
		})
	}
	return steps
}

func yamlScalar(v any) string {
	out, _ := yaml.Marshal(v)
	var s string
	if yaml.Unmarshal(out, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(out))
}

// walk calls fn on every mapping of doc.
func walk(doc any, fn func(map[string]any)) {
	switch d := doc.(type) {
	case map[string]any:
		fn(d)
		for _, v := range d {
			walk(v, fn)
		}
	case []any:
		for _, v := range d {
			walk(v, fn)
		}
	}
}

// Every input an example passes is one of action.yml's.
func TestExamplesUseOnlyDeclaredInputs(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	steps := exampleSteps(t)
	if len(steps) < 5 {
		t.Fatalf("found %d example steps in the README and docs; the extraction is broken", len(steps))
	}
	for where, with := range steps {
		for k := range with {
			if _, ok := meta.Input(k); !ok {
				t.Errorf("%s: example passes %q, which action.yml does not declare", where, k)
			}
		}
	}
}

// The complete ECR Public example loads as it is written: every input
// valid, the catalog data read, nothing refused.
func TestPublicExampleInputsAreValid(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	var public map[string]string
	for _, with := range exampleSteps(t) {
		if with["public"] == "true" && with["catalog-logo"] != "" {
			public = with
		}
	}
	if public == nil {
		t.Fatal("no example (README, docs, docs/examples) is an ECR Public repository with catalog data")
	}
	ws := t.TempDir()
	logo := filepath.Join(ws, public["catalog-logo"])
	if err := os.MkdirAll(filepath.Dir(logo), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logo, []byte("\x89PNG\r\n\x1a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := exampleSource{with: public, defaults: meta}
	cfg, err := inputs.Load(src, ws)
	if err != nil {
		t.Fatalf("the ECR Public example's inputs do not load: %v", err)
	}
	if !cfg.Public || cfg.Spec.Catalog == nil || cfg.Spec.RepositoryPolicy == nil || len(cfg.Spec.Tags) == 0 {
		t.Errorf("config = %+v", cfg)
	}
}

type exampleSource struct {
	with     map[string]string
	defaults *actionmeta.Metadata
}

func (s exampleSource) GetInput(name string) string {
	if v, ok := s.with[name]; ok {
		return v
	}
	in, _ := s.defaults.Input(name)
	return in.Default
}

func (s exampleSource) Getenv(key string) string {
	if key == "AWS_REGION" {
		return "us-east-1"
	}
	return ""
}

// Every example uses the same version of each action, so that copying two
// examples into one workflow never mixes versions.
func TestExamplesAgreeOnActionVersions(t *testing.T) {
	t.Parallel()
	uses := regexp.MustCompile("uses: *([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@([A-Za-z0-9_.-]+)")
	first := map[string]string{} // action: "version (where)"
	n := 0
	for where, body := range exampleSources(t) {
		for i, line := range strings.Split(body, "\n") {
			for _, m := range uses.FindAllStringSubmatch(line, -1) {
				n++
				at := fmt.Sprintf("%s (%s, line %d of the example)", m[2], where, i+1)
				if f, ok := first[m[1]]; !ok {
					first[m[1]] = at
				} else if strings.Fields(f)[0] != m[2] {
					t.Errorf("%s@%s; elsewhere %s", m[1], at, f)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("found %d uses: lines in the examples; the extraction is broken", n)
	}
}

const examplesDir = "../../docs/examples"

// exampleFiles returns the workflow and action files of docs/examples.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yml") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d files in %s; the listing is broken", len(files), examplesDir)
	}
	return files
}

// The example files pass only inputs that action.yml declares, and use the
// same version of each action as each other and as the README, so that
// copying two of them into one workflow never mixes versions.
func TestExampleFilesAgreeWithActionYAMLAndREADME(t *testing.T) {
	t.Parallel()
	meta := parseActionYAML(t)
	uses := regexp.MustCompile(`^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(/[A-Za-z0-9_./-]+)?@([A-Za-z0-9_.-]+)$`)
	versions := map[string]string{} // owner/repo: "version (where)"
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	inline := regexp.MustCompile("uses: *([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(/[A-Za-z0-9_./-]+)?@([A-Za-z0-9_.-]+)")
	for _, m := range inline.FindAllStringSubmatch(string(readme), -1) {
		if _, ok := versions[m[1]]; !ok {
			versions[m[1]] = m[3] + " (README.md)"
		}
	}
	ours := 0
	for _, file := range exampleFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		walk(doc, func(step map[string]any) {
			ref, _ := step["uses"].(string)
			m := uses.FindStringSubmatch(ref)
			if m == nil {
				return
			}
			if f, ok := versions[m[1]]; !ok {
				versions[m[1]] = m[3] + " (" + file + ")"
			} else if strings.Fields(f)[0] != m[3] {
				t.Errorf("%s uses %s; elsewhere %s", file, ref, f)
			}
			if m[1] != "ecr-reconcile/ecr-reconcile" {
				return
			}
			ours++
			w, _ := step["with"].(map[string]any)
			for k := range w {
				if _, ok := meta.Input(k); !ok {
					t.Errorf("%s: %s passes %q, which action.yml does not declare", file, ref, k)
				}
			}
		})
	}
	if ours < 9 {
		t.Errorf("found %d ecr-reconcile steps in %s; the extraction is broken", ours, examplesDir)
	}
}
