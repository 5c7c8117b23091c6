package actionmeta

import (
	"fmt"
	"go/token"
	"slices"
	"strings"
)

// InputRefPath is where, from the repository's root, the generator writes
// InputRefs: internal/inputref's Ref constants and their table.
const InputRefPath = "internal/inputref/refs.go"

// initialisms are the words of input names Go spells in capitals.
var initialisms = []string{"aws", "id", "kms", "arn", "uri", "oidc"}

// GoName is an input's name as a Go identifier: each hyphenated word
// capitalised, initialisms in capitals (kms-key is KMSKey, registry-id
// RegistryID).
func GoName(input string) string {
	var b strings.Builder
	for w := range strings.SplitSeq(input, "-") {
		if slices.Contains(initialisms, w) {
			b.WriteString(strings.ToUpper(w))
		} else if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// firstSentence is a description's first sentence: the Ref's comment.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// InputRefs is the source of internal/inputref's generated file: one Ref
// per input of action.yml, in its order, named by GoName and commented with
// the first sentence of the input's description, and the table that words
// each Ref as its input. action.yml is thus the one place an input's name
// is written; the engine names inputs only through these Refs. The source
// is laid out as gofmt lays it out.
func InputRefs(m *Metadata) ([]byte, error) {
	var b strings.Builder
	b.WriteString("// Code generated from action.yml by `go generate ./internal/actionmeta`. DO NOT EDIT.\n\n")
	b.WriteString("package inputref\n\n// The inputs of action.yml, in its order.\nconst (\n")
	seen := map[string]string{}
	for i, in := range m.Inputs {
		name := GoName(in.Name)
		if !token.IsIdentifier(name) || !token.IsExported(name) || name == "Ref" {
			return nil, fmt.Errorf("input %q makes no Go name (%q): name inputs with lower-case words and hyphens", in.Name, name)
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("inputs %q and %q are both %s in Go: rename one", other, in.Name, name)
		}
		seen[name] = in.Name
		for _, l := range wrap(firstSentence(in.Description), 72) {
			b.WriteString("\t// " + l + "\n")
		}
		b.WriteString("\t" + name)
		if i == 0 {
			b.WriteString(" Ref = iota + 1")
		}
		b.WriteString("\n")
	}
	b.WriteString("\tcount\n)\n\n// inputs words each Ref as its input, in the order of the constants.\nvar inputs = [count]string{\n\t\"\",\n")
	for _, in := range m.Inputs {
		fmt.Fprintf(&b, "\t%q,\n", in.Name)
	}
	b.WriteString("}\n")
	return []byte(b.String()), nil
}
