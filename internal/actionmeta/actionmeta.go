// Package actionmeta reads action.yml, the single source of the action's
// inputs and outputs: the command-line flags are made from it, and tests
// keep the README's tables identical to it.
package actionmeta

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Metadata is the part of action.yml this project uses.
type Metadata struct {
	Name        string
	Description string
	Inputs      []Input
	Outputs     []Output
	Image       string // runs.image
}

// Input is one declared input, in file order.
type Input struct {
	Name        string
	Description string
	Default     string
	Required    bool
}

// Output is one declared output, in file order.
type Output struct {
	Name        string
	Description string
}

type rawInput struct {
	Description string `yaml:"description"`
	Default     string `yaml:"default"`
	Required    bool   `yaml:"required"`
}

type rawOutput struct {
	Description string `yaml:"description"`
}

// Parse parses action.yml, keeping the order of inputs and outputs.
func Parse(b []byte) (*Metadata, error) {
	var doc struct {
		Name        string    `yaml:"name"`
		Description string    `yaml:"description"`
		Inputs      yaml.Node `yaml:"inputs"`
		Outputs     yaml.Node `yaml:"outputs"`
		Runs        struct {
			Using string `yaml:"using"`
			Image string `yaml:"image"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("action.yml: %w", err)
	}
	m := &Metadata{Name: doc.Name, Description: clean(doc.Description), Image: doc.Runs.Image}
	err := eachEntry(&doc.Inputs, func(name string, n *yaml.Node) error {
		var in rawInput
		if err := n.Decode(&in); err != nil {
			return err
		}
		m.Inputs = append(m.Inputs, Input{Name: name, Description: clean(in.Description), Default: in.Default, Required: in.Required})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("action.yml inputs: %w", err)
	}
	err = eachEntry(&doc.Outputs, func(name string, n *yaml.Node) error {
		var out rawOutput
		if err := n.Decode(&out); err != nil {
			return err
		}
		m.Outputs = append(m.Outputs, Output{Name: name, Description: clean(out.Description)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("action.yml outputs: %w", err)
	}
	return m, nil
}

func eachEntry(n *yaml.Node, fn func(string, *yaml.Node) error) error {
	if n.Kind == 0 {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := fn(n.Content[i].Value, n.Content[i+1]); err != nil {
			return fmt.Errorf("%s: %w", n.Content[i].Value, err)
		}
	}
	return nil
}

// clean folds a YAML block into one line.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// IsBool reports whether an input is a true/false switch (a boolean flag on
// the command line): its default is true or false, or (scan-on-push, unset
// by default) its description says "true or false".
func (in Input) IsBool() bool {
	return in.Default == "true" || in.Default == "false" || strings.Contains(in.Description, "true or false")
}

// Input returns the named input.
func (m *Metadata) Input(name string) (Input, bool) {
	for _, in := range m.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// WithInputDefaults returns a getenv that answers an input's variable
// (INPUT_<NAME>) with action.yml's default when it is unset or empty, as the
// runner does for inputs a workflow leaves out. action.yml is the only place
// a default is written: the action and the command line both read inputs
// through this.
func (m *Metadata) WithInputDefaults(getenv func(string) string) func(string) string {
	defaults := map[string]string{}
	for _, in := range m.Inputs {
		if in.Default != "" {
			defaults[InputVar(in.Name)] = in.Default
		}
	}
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return defaults[key]
	}
}

// InputVar is the variable the runner sets for an input: spaces become
// underscores, letters are upper-cased, hyphens are kept.
func InputVar(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}
