package inputs

import (
	"slices"
	"strings"
	"testing"
)

func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"", "true", "False", " TRUE ", "yes", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBool(s)
		v := strings.TrimSpace(s)
		isTrue, isFalse := strings.EqualFold(v, "true"), strings.EqualFold(v, "false")
		switch {
		case v == "":
			if b != nil || err != nil {
				t.Fatalf("empty gave %v, %v", b, err)
			}
		case isTrue || isFalse:
			if err != nil || b == nil || *b != isTrue {
				t.Fatalf("%q gave %v, %v", s, b, err)
			}
		default:
			if err == nil {
				t.Fatalf("%q accepted as %v", s, *b)
			}
		}
	})
}

func FuzzParseRepositoryName(f *testing.F) {
	for _, s := range append(strings.Split(readSeed(f, "repositories.txt"), "\n"), "A/b", "a//b", "-a") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := ParseRepositoryName(s)
		if err != nil {
			return
		}
		if len(name) < 2 || len(name) > 256 || name != strings.ToLower(name) || strings.Contains(name, "//") ||
			strings.ContainsAny(name[:1]+name[len(name)-1:], "._-/") {
			t.Fatalf("accepted %q", name)
		}
		if again, err := ParseRepositoryName(name); err != nil || again != name {
			t.Fatalf("%q not stable: %q, %v", name, again, err)
		}
		if names, err := parseRepositoryNames(name); err != nil || !slices.Equal(names, []string{name}) {
			t.Fatalf("list of %q gave %q, %v", name, names, err)
		}
	})
}
