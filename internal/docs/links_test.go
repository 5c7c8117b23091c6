package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// markdownFiles are the documents a reader moves between: README.md and
// every Markdown file under docs/.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files := []string{readmePath}
	err := filepath.WalkDir("../../docs", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var (
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	inlineCode = regexp.MustCompile("`[^`]*`")
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
)

// TestEveryLinkResolves follows every relative link of README.md and
// docs/**/*.md: the file or directory must exist in the repository, and an
// #anchor must be a heading of the target (as GitHub names headings).
func TestEveryLinkResolves(t *testing.T) {
	t.Parallel()
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		anchors[path] = headingAnchors(string(b))
		return anchors[path]
	}
	n := 0
	for _, file := range markdownFiles(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range proseLines(string(b)) {
			for _, m := range inlineLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				n++
				path, anchor, _ := strings.Cut(target, "#")
				resolved := file
				if path != "" {
					resolved = filepath.Join(filepath.Dir(file), path)
					st, err := os.Stat(resolved)
					if err != nil {
						t.Errorf("%s:%d: link %q: %s does not exist", file, i+1, target, resolved)
						continue
					}
					if st.IsDir() || !strings.HasSuffix(resolved, ".md") {
						if anchor != "" {
							t.Errorf("%s:%d: link %q has an anchor into a file that is not Markdown", file, i+1, target)
						}
						continue
					}
				}
				if anchor != "" && !anchorsOf(resolved)[anchor] {
					t.Errorf("%s:%d: link %q: %s has no heading with the anchor #%s", file, i+1, target, resolved, anchor)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("found %d relative links; the extraction is broken", n)
	}
}

// proseLines returns the file's lines with those inside fenced code blocks
// blanked, keeping line numbers.
func proseLines(text string) []string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var f fence
	for i, l := range lines {
		if f.step(l) {
			lines[i] = ""
		}
	}
	return lines
}

// headingAnchors returns the anchors GitHub gives a document's headings
// (lower case, punctuation other than - and _ dropped, spaces to hyphens,
// -1, -2 … for repeats), and those of explicit <a name> anchors.
func headingAnchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(text) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(l, -1) {
			out[m[1]] = true
		}
		m := headingLevel.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		slug := Slug(strings.TrimSpace(l[len(m[0]):]))
		if k := seen[slug]; k > 0 {
			out[slug+"-"+strconv.Itoa(k)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

var linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// Slug is GitHub's anchor for a heading's text.
func Slug(heading string) string {
	heading = linkText.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSlugIsGitHubs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Quick start": "quick-start",
		"(b) OIDC deploy job, cross-account pull policy": "b-oidc-deploy-job-cross-account-pull-policy",
		"`state`, `force-delete`":                        "state-force-delete",
		"Command line (outside GitHub Actions)":          "command-line-outside-github-actions",
		"Moving from [int128](https://x)":                "moving-from-int128",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
