package policy

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Pretty formats a JSON document with two-space indentation and sorted keys
// so that two texts of the same document look alike. Text that is not JSON
// is returned unchanged.
func Pretty(text string) string {
	v, err := decodeJSON(text)
	if err != nil {
		return text
	}
	return encode(v, "  ")
}

// Diff is a unified line diff from the current to the declared document,
// both shown Pretty; "" when they print the same. An empty side stands for
// a document that does not exist.
func Diff(from, to string) string {
	a, b := Pretty(from), Pretty(to)
	if a == b {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        lines(a),
		B:        lines(b),
		FromFile: "current",
		ToFile:   "declared",
		Context:  3,
	})
	if err != nil {
		// difflib only fails when writing to its buffer, which cannot fail.
		return ""
	}
	return d
}

// lines splits s into newline-terminated lines; an empty s has none.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	ls := strings.SplitAfter(s, "\n")
	if last := ls[len(ls)-1]; last == "" {
		ls = ls[:len(ls)-1]
	} else {
		ls[len(ls)-1] = last + "\n"
	}
	return ls
}
