package actionmeta_test

import (
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

func TestParseKeepsOrderAndDefaults(t *testing.T) {
	t.Parallel()
	m, err := actionmeta.Parse([]byte(`
name: x
description: >-
  first
  second
inputs:
  zeta:
    description: last letter
    default: "3"
  alpha:
    description: first letter
    required: true
outputs:
  out-b:
    description: b
  out-a:
    description: a
runs:
  using: docker
  image: Dockerfile
`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Description != "first second" || m.Image != "Dockerfile" {
		t.Errorf("metadata = %+v", m)
	}
	if len(m.Inputs) != 2 || m.Inputs[0].Name != "zeta" || m.Inputs[0].Default != "3" || !m.Inputs[1].Required {
		t.Errorf("inputs = %+v", m.Inputs)
	}
	if len(m.Outputs) != 2 || m.Outputs[0].Name != "out-b" {
		t.Errorf("outputs = %+v", m.Outputs)
	}
}

func TestParseRejectsBrokenFile(t *testing.T) {
	t.Parallel()
	if _, err := actionmeta.Parse([]byte("inputs: [a, b]")); err == nil {
		t.Error("a list of inputs was accepted")
	}
}

func TestRealActionYAML(t *testing.T) {
	t.Parallel()
	m, err := actionmeta.Parse(testsupport.ActionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Input("repository"); !ok || len(m.Outputs) < 8 {
		t.Errorf("action.yml parsed to %+v", m)
	}
	for _, in := range m.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", in.Name)
		}
	}
}
