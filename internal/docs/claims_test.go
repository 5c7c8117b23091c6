package docs_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	benchmarksPath  = "../../docs/BENCHMARKS.md"
	howItWorksPath  = "../../docs/how-it-works.md"
	developmentPath = "../../docs/development.md"
	commandLinePath = "../../docs/command-line.md"
)

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// claim returns the submatches of the one sentence re finds in path.
func claim(t *testing.T, path string, re *regexp.Regexp) []string {
	t.Helper()
	all := re.FindAllStringSubmatch(readText(t, path), -1)
	if len(all) != 1 {
		t.Fatalf("%s: want exactly one sentence matching %s, found %d", path, re, len(all))
	}
	return all[0]
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// benchCalls returns the calls and writes of ecr-reconcile in a scenario
// of the policy check table that `go run ./internal/support/bench` wrote:
// with IAM Access Analyzer's check, as the action runs it, or without (a
// no-op cancels the check unanswered, so whether it counts is timing).
func benchCalls(t *testing.T, scenario, implementation string) (reads, writes int) {
	t.Helper()
	m := claim(t, benchmarksPath, regexp.MustCompile(`(?m)^\| `+regexp.QuoteMeta(scenario)+` \| `+regexp.QuoteMeta(implementation)+` \| (\d+) \| (\d+) \|`))
	calls, writes := atoi(t, m[1]), atoi(t, m[2])
	return calls - writes, writes
}

// The call counts the docs state are the benchmark's: a creation with every
// setting managed, and a re-run with nothing to change.
func TestCallCountsAreTheBenchmarks(t *testing.T) {
	t.Parallel()
	createReads, createWrites := benchCalls(t, "create, policy managed", "ecr-reconcile + IAM Access Analyzer")
	noopReads, noopWrites := benchCalls(t, "no-op, policy managed", "ecr-reconcile, no policy check")
	for _, c := range []struct {
		path   string
		re     string
		reads  int
		writes int
	}{
		{howItWorksPath, `A new repository with everything declared costs (\d+) reads and (\d+) writes`, createReads, createWrites},
		{developmentPath, `\*\*run 1\*\* creates .*?\((\d+) reads, (\d+) writes\)`, createReads, createWrites},
		{developmentPath, `\*\*run 2\*\* repeats .*?\((\d+) reads, [^,]*, (\d+) writes\)`, noopReads, noopWrites},
	} {
		m := claim(t, c.path, regexp.MustCompile(c.re))
		if r, w := atoi(t, m[1]), atoi(t, m[2]); r != c.reads || w != c.writes {
			t.Errorf("%s says %d reads and %d writes in %q; the benchmark (%s) has %d and %d",
				c.path, r, w, m[0], benchmarksPath, c.reads, c.writes)
		}
	}
}

var backtickedName = regexp.MustCompile("`([a-z0-9-]+)`")

func names(s string) []string {
	var out []string
	for _, m := range backtickedName.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// The outputs a single-repository run sets are listed in full: every output
// action.yml does not mark as batch mode's, except regions (set in both
// modes, and described next).
func TestSingleModeOutputsAreListed(t *testing.T) {
	t.Parallel()
	var want []string
	for _, out := range parseActionYAML(t).Outputs {
		if !strings.HasPrefix(out.Description, "Batch mode") && out.Name != "regions" {
			want = append(want, out.Name)
		}
	}
	m := claim(t, guidePath, regexp.MustCompile("With `repository` \\(one repository\\) the action sets ([^.]*)\\."))
	if got := names(m[1]); !slices.Equal(got, want) {
		t.Errorf("%s lists the single-mode outputs %v; action.yml's are %v", guidePath, got, want)
	}
}
