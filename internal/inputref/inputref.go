// Package inputref lets the engine (internal/reconcile, internal/registry)
// point at a declared value in a message, such as the fix "set force-delete:
// true", and name the inputs a setting reads, without spelling its caller's
// input: the engine writes a Ref, and a Ref prints as its input. The Refs
// and their table (refs.go) are generated from action.yml by
// `go generate ./internal/actionmeta`, so every Ref is an input of
// action.yml and an input renamed there is renamed here. The command line's
// flags have the same names. List is how an input that lists values is
// written.
package inputref

import "strings"

// Ref is an input of action.yml, as the engine refers to it.
type Ref uint8

// String is the input's name.
func (r Ref) String() string {
	if r == 0 || r >= count {
		return "?"
	}
	return inputs[r]
}

// List is the items of an input that lists values (aws-region, the tag
// filters, tags as key=value pairs): separated by commas or newlines, a
// carriage return counting as one (a file saved with CRLF line ends), each
// item trimmed, blank items dropped, in the order written. Repeats are kept:
// whether one is dropped or refused is the caller's rule.
func List(s string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
