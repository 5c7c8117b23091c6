package reconcile

import (
	"errors"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// Declarations is how a setting reads the inputs that declare it
// (setting.declare). The entry point (internal/inputs) implements it over
// the workflow's inputs and workspace: files, the workspace's bounds and
// the step's deadline stay there, and a setting only parses values, with
// its limits from ecrspec and its enums from the SDK.
type Declarations interface {
	// Text is the input's value as given, "" when it is not set.
	Text(inputref.Ref) string
	// Bool reads a true or false input: nil when it is not set, or refused.
	Bool(inputref.Ref) *bool
	// Flag reads a true or false input that declares nothing unless true
	// (prune-tags: false, its default, manages nothing, and state: absent
	// accepts it): false when it is not set, or refused.
	Flag(inputref.Ref) bool
	// Document reads a policy input: the JSON itself, the path of a file
	// in the workspace, or none (Remove). nil when the input is not set, or
	// refused (a file that cannot be read).
	Document(inputref.Ref) *Document
	// File reads the file of the workspace the input names, within kind's
	// bounds: nil when the input is not set, or refused; empty, not nil,
	// for an empty file.
	File(inputref.Ref, FileKind) []byte
	// Public reports whether the repository is ECR Public's (public: true).
	Public() bool
	// Refuse records an input's error; the entry point words it with the
	// input's name. A nil error is no error.
	Refuse(inputref.Ref, error)
}

// FileKind is what a file input holds, as data: the entry point, which
// reads the file, words the messages about it.
type FileKind struct {
	// Noun is what the file holds: "policy", "logo image".
	Noun string
	// MaxBytes is the most bytes the file may have.
	MaxBytes int64
	// Limit is whose limit MaxBytes is when a service sets it ("ECR
	// Public's"): a real file can pass it. Empty for the action's own
	// bound, far above any real file's size, which a wrong path passes.
	Limit string
	// Example is a path inside the workspace, for a path that leaves it.
	Example string
}

// Declare reads from d, into spec, every setting the repository's registry
// has (ECR Public's with public: true, ECR's otherwise), each from its own
// inputs. The entry point refuses the inputs of the others (Settings).
func Declare(d Declarations, spec *Spec) {
	for _, s := range allSettings {
		if s.declare != nil && (d.Public() && s.public || !d.Public() && s.private) {
			s.declare(d, spec)
		}
	}
}

// shown is outside text a message repeats, bounded: the engine's
// shorthand for wfcmd.Shown.
type shown = wfcmd.Shown

// onInput is an error that a parser of several inputs attributes to one of
// them, so that the message names the input that is wrong.
type onInput struct {
	ref inputref.Ref
	err error
}

func (e *onInput) Error() string { return e.err.Error() }
func (e *onInput) Unwrap() error { return e.err }

func on(ref inputref.Ref, err error) error { return &onInput{ref: ref, err: err} }

// refuse records err against ref, or against the input a parser
// attributed it to (on).
func refuse(d Declarations, ref inputref.Ref, err error) {
	if err == nil {
		return
	}
	if o, ok := errors.AsType[*onInput](err); ok {
		ref, err = o.ref, o.err
	}
	d.Refuse(ref, err)
}

// Take records err against ref (or the input a parser attributed it to,
// on) and returns v, so that a parser's two results are taken in one
// expression: Take[T](d, ref)(parse(...)). The settings and the entry
// point's own inputs are read alike with it.
func Take[T any](d Declarations, ref inputref.Ref) func(T, error) T {
	return func(v T, err error) T {
		refuse(d, ref, err)
		return v
	}
}

// declareDocument reads a policy input and refuses a document validate
// refuses; valid reports that nothing was.
func declareDocument(d Declarations, ref inputref.Ref, validate func(string) error) (doc *Document, valid bool) {
	doc = d.Document(ref)
	if doc == nil || doc.Remove {
		return doc, true
	}
	err := validate(doc.Text)
	refuse(d, ref, err)
	return doc, err == nil
}

// parseList is a list input's items (inputref.List) without repeats.
func parseList(s string) []string {
	var out []string
	for _, item := range inputref.List(s) {
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// oneOf lists an SDK enum's values for a message: "A, B or C".
func oneOf[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
