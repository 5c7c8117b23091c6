package inputs

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{readSeed(f, "tags-lines.txt"), readSeed(f, "tags.json"), "a=1,a=2", `{"a":null}`, "aws:x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := ParseTags(s)
		if err != nil {
			return
		}
		if tags == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q gave no tags and no error", s)
			}
			return // not managed
		}
		if len(tags) > ecrspec.MaxTags {
			t.Fatalf("%d tags", len(tags))
		}
		for k, v := range tags {
			if n := utf8.RuneCountInString(k); n < 1 || n > ecrspec.MaxTagKeyChars {
				t.Fatalf("key %q has %d characters", k, n)
			}
			if n := utf8.RuneCountInString(v); n > ecrspec.MaxTagValueChars {
				t.Fatalf("value %q has %d characters", v, n)
			}
			if strings.HasPrefix(strings.ToLower(k), "aws:") || !tagChars.MatchString(k) || !tagChars.MatchString(v) {
				t.Fatalf("tag %q=%q breaks AWS rules", k, v)
			}
		}
		// The result written back as JSON parses to the same tags.
		b, err := json.Marshal(tags)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseTags(string(b))
		if err != nil || !maps.Equal(again, tags) {
			t.Fatalf("JSON round trip of %v gave %v, %v", tags, again, err)
		}
	})
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{readSeed(f, "exclusion-filters.txt"), readSeed(f, "repositories.txt"), " , \n", "a,a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list := parseList(s)
		seen := map[string]bool{}
		for _, it := range list {
			if it == "" || it != strings.TrimSpace(it) || strings.ContainsAny(it, ",\n") || seen[it] {
				t.Fatalf("bad item %q in %q", it, list)
			}
			seen[it] = true
		}
		if again := parseList(strings.Join(list, ",")); !slices.Equal(again, list) {
			t.Fatalf("not stable: %q then %q", list, again)
		}
	})
}

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

func FuzzParseMutability(f *testing.F) {
	filters := readSeed(f, "exclusion-filters.txt")
	for _, v := range []string{"", "mutable", "IMMUTABLE_WITH_EXCLUSION", "mutable_with_exclusion", "x"} {
		f.Add(v, filters)
		f.Add(v, "")
	}
	f.Fuzz(func(t *testing.T, value, filters string) {
		m, err := ParseMutability(value, filters)
		if err != nil || m == nil {
			if err == nil && (strings.TrimSpace(value) != "" || len(parseList(filters)) > 0) {
				t.Fatalf("(%q, %q) gave nil without an error", value, filters)
			}
			return
		}
		withExclusion := strings.HasSuffix(m.Value, "_WITH_EXCLUSION")
		if !slices.Contains([]string{"MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"}, m.Value) ||
			withExclusion != (len(m.Filters) > 0) || len(m.Filters) > ecrspec.MaxExclusionFilters ||
			!slices.IsSorted(m.Filters) || len(slices.Compact(slices.Clone(m.Filters))) != len(m.Filters) {
			t.Fatalf("(%q, %q) gave %+v", value, filters, m)
		}
		for _, fl := range m.Filters {
			if !exclusionFilter.MatchString(fl) {
				t.Fatalf("filter %q accepted", fl)
			}
		}
		again, err := ParseMutability(m.Value, strings.Join(m.Filters, "\n"))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("%+v not stable: %+v, %v", m, again, err)
		}
	})
}
