// Package inputref lets the engine (internal/reconcile, internal/registry)
// point at a declared value in a message, such as the fix "set force-delete:
// true", and name the inputs a setting reads, without spelling its caller's
// input: the engine writes a Ref, and a Ref prints as its input. The Refs
// and their table (refs.go) are generated from action.yml by
// `go generate ./internal/actionmeta`, so every Ref is an input of
// action.yml and an input renamed there is renamed here. The command line's
// flags have the same names.
package inputref

// Ref is an input of action.yml, as the engine refers to it.
type Ref uint8

// String is the input's name.
func (r Ref) String() string {
	if r == 0 || r >= count {
		return "?"
	}
	return inputs[r]
}
