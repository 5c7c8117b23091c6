package actionmeta

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// action.yml is the one home of the inputs and outputs. The runner-binary
// action (run/action.yml), the README's reference and internal/inputref's
// Refs are made from it by
// `go generate ./internal/actionmeta` (gen/), and CI regenerates them and
// fails when the checked-in files differ, so neither is kept by hand.
//go:generate go run ./gen -root ../..

// Marker lines around the generated parts of README.md.
const (
	InputsBegin  = "<!-- inputs:begin -->"
	InputsEnd    = "<!-- inputs:end -->"
	OutputsBegin = "<!-- outputs:begin -->"
	OutputsEnd   = "<!-- outputs:end -->"
)

// pinVars are the fetch step's variables the release pins
// (scripts/pin-run-action.sh): the generator writes them empty and keeps
// the values a release commit holds, so regenerating a release is a no-op.
var pinVars = []string{
	"ECR_RECONCILE_VERSION",
	"ECR_RECONCILE_DOWNLOAD_URL",
	"ECR_RECONCILE_SHA256_LINUX_X64",
	"ECR_RECONCILE_SHA256_LINUX_ARM64",
	"ECR_RECONCILE_SHA256_MACOS_X64",
	"ECR_RECONCILE_SHA256_MACOS_ARM64",
	"ECR_RECONCILE_SHA256_WINDOWS_X64",
	"ECR_RECONCILE_SHA256_WINDOWS_ARM64",
}

var pinLine = regexp.MustCompile(`(?m)^[ \t]+(ECR_RECONCILE_[A-Z0-9_]+): "([^"\\]*)"[ \t]*$`)

const runHeader = `# GENERATED from ../action.yml by ` + "`go generate ./internal/actionmeta`" + `; do not edit
# (CI regenerates it and fails on a difference). Only the release pins below
# change by hand, by scripts/pin-run-action.sh.
#
# The ecr-reconcile action without Docker: the same inputs and outputs as the
# container action, run by the release binary for the runner's OS and
# architecture, so a workflow switches between the two by changing only its
# uses: line:
#
#   uses: ecr-reconcile/ecr-reconcile@v1       container action, Linux runners with Docker
#   uses: ecr-reconcile/ecr-reconcile/run@v1   this one: Linux, macOS, Windows; X64, ARM64
#
# The release workflow pins the release's version, download URL and the
# SHA-256 of each binary into the fetch step below (scripts/pin-run-action.sh;
# RELEASING.md). fetch.sh downloads the binary, refuses it unless it has the
# pinned checksum, and keeps it in the runner's tool cache. On an unreleased
# ref (main, a branch, uses: ./run) nothing is pinned, and fetch.sh builds the
# binary from this checkout with scripts/build.sh when Go is installed.
`

// RunAction returns run/action.yml for the given action.yml: its inputs
// verbatim, its outputs each with the run step's value, and the composite
// steps that fetch the binary and run it with every input as INPUT_<NAME>.
// current is the checked-in run/action.yml (nil when there is none); only its
// release pins are read.
func RunAction(action, current []byte) ([]byte, error) {
	meta, err := Parse(action)
	if err != nil {
		return nil, err
	}
	inputs, err := topLevelBlock(action, "inputs")
	if err != nil {
		return nil, err
	}
	outputs, err := topLevelBlock(action, "outputs")
	if err != nil {
		return nil, err
	}
	pins := map[string]string{}
	for _, m := range pinLine.FindAllSubmatch(current, -1) {
		pins[string(m[1])] = string(m[2])
	}

	var b bytes.Buffer
	b.WriteString(runHeader)
	fmt.Fprintf(&b, "name: %s (runner binary, no Docker)\n", meta.Name)
	b.WriteString("description: >-\n")
	for _, l := range wrap(meta.Description+" Runs the release binary on the runner itself: no Docker, any OS.", 74) {
		b.WriteString("  " + l + "\n")
	}
	if author, err := topLevelBlock(action, "author"); err == nil {
		b.WriteString(strings.Join(author, "\n") + "\n")
	}
	if branding, err := topLevelBlock(action, "branding"); err == nil {
		b.WriteString(strings.Join(branding, "\n") + "\n")
	}
	b.WriteString("\n" + strings.Join(inputs, "\n") + "\n")

	// Each output entry ("  name:" and its indented lines) gets the value of
	// the run step's output of the same name.
	b.WriteString("outputs:\n")
	entry := regexp.MustCompile(`^  ([A-Za-z0-9_-]+):\s*$`)
	name := ""
	for _, l := range outputs[1:] {
		if m := entry.FindStringSubmatch(l); m != nil {
			if name != "" {
				fmt.Fprintf(&b, "    value: ${{ steps.run.outputs.%s }}\n", name)
			}
			name = m[1]
		}
		b.WriteString(l + "\n")
	}
	if name != "" {
		fmt.Fprintf(&b, "    value: ${{ steps.run.outputs.%s }}\n", name)
	}

	b.WriteString(`
runs:
  using: composite
  steps:
    - name: Fetch the ecr-reconcile binary
      id: fetch
      shell: bash
      env:
        # Pinned by the release workflow; empty on unreleased refs.
`)
	for _, v := range pinVars {
		fmt.Fprintf(&b, "        %s: %q\n", v, pins[v])
	}
	b.WriteString(`      run: bash "$GITHUB_ACTION_PATH/fetch.sh"

    # Every input as INPUT_<NAME>, hyphens kept, exactly as the runner passes
    # them to the container action, so the binary behaves the same. The
    # runner passes its own GITHUB_*, RUNNER_* and ACTIONS_ID_TOKEN_REQUEST_*
    # variables to this step as it does to the container.
    - name: Run ecr-reconcile
      id: run
      shell: bash
      env:
        ECR_RECONCILE_BIN: ${{ steps.fetch.outputs.path }}
`)
	for _, in := range meta.Inputs {
		fmt.Fprintf(&b, "        %s: ${{ inputs.%s }}\n", InputVar(in.Name), in.Name)
	}
	b.WriteString(`      run: '"$ECR_RECONCILE_BIN"'` + "\n")

	// The generated file must declare exactly what action.yml declares.
	got, err := Parse(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated run/action.yml: %w", err)
	}
	if !slices.Equal(got.Inputs, meta.Inputs) || !slices.Equal(got.Outputs, meta.Outputs) {
		return nil, fmt.Errorf("generated run/action.yml declares other inputs or outputs than action.yml")
	}
	return b.Bytes(), nil
}

// topLevelBlock returns the lines of a top-level key of a YAML file, from
// its key line to the next top-level key, trailing blank lines dropped.
func topLevelBlock(doc []byte, key string) ([]string, error) {
	lines := strings.Split(strings.ReplaceAll(string(doc), "\r\n", "\n"), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("action.yml has no top-level key %q", key)
	}
	end := len(lines)
	for i := start + 1; i < len(lines); i++ {
		if l := lines[i]; l != "" && l[0] != ' ' && l[0] != '#' {
			end = i
			break
		}
	}
	for end > start+1 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	return lines[start:end], nil
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// InputsReference is the README's inputs table, folded, as generated
// between InputsBegin and InputsEnd.
func InputsReference(m *Metadata) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details>\n<summary>All %d inputs (generated from action.yml)</summary>\n\n", len(m.Inputs))
	b.WriteString("| Input | Default | Description |\n|---|---|---|\n")
	for _, in := range m.Inputs {
		def := ""
		if in.Default != "" {
			def = "`" + cell(in.Default) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", in.Name, def, cell(in.Description))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// OutputsReference is the README's outputs table, folded, as generated
// between OutputsBegin and OutputsEnd.
func OutputsReference(m *Metadata) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details>\n<summary>All %d outputs (generated from action.yml)</summary>\n\n", len(m.Outputs))
	b.WriteString("| Output | Description |\n|---|---|\n")
	for _, out := range m.Outputs {
		fmt.Fprintf(&b, "| `%s` | %s |\n", out.Name, cell(out.Description))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// cell makes text safe inside a Markdown table cell: a pipe would end the
// cell and a '<' could open an HTML tag.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;").Replace(s)
}

// Readme returns readme with the generated reference between its markers.
func Readme(readme []byte, m *Metadata) ([]byte, error) {
	out, err := replaceBetween(readme, InputsBegin, InputsEnd, InputsReference(m))
	if err != nil {
		return nil, err
	}
	return replaceBetween(out, OutputsBegin, OutputsEnd, OutputsReference(m))
}

// includeLine marks, in README.md, a copy of a file of the repository, up to
// the matching "<!-- end PATH -->" line: the IAM documents the README shows
// are docs/iam's, copied by go generate rather than pasted by hand.
var includeLine = regexp.MustCompile(`(?m)^<!-- include (\S+) -->$`)

// Includes copies into readme, as fenced code of the file's extension,
// every file an include line names; read reads a path of the repository.
func Includes(readme []byte, read func(path string) ([]byte, error)) ([]byte, error) {
	out := readme
	for _, m := range includeLine.FindAllSubmatch(readme, -1) {
		path := string(m[1])
		b, err := read(path)
		if err != nil {
			return nil, err
		}
		lang := strings.TrimPrefix(filepath.Ext(path), ".")
		body := "```" + lang + "\n" + strings.TrimRight(string(b), "\n") + "\n```\n"
		if out, err = replaceBetween(out, string(m[0]), "<!-- end "+path+" -->", body); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// replaceBetween replaces what lies between the begin and end marker lines,
// each of which must occur exactly once, begin first.
func replaceBetween(doc []byte, begin, end, body string) ([]byte, error) {
	s := string(doc)
	if strings.Count(s, begin+"\n") != 1 || strings.Count(s, end+"\n") != 1 {
		return nil, fmt.Errorf("README.md must hold the lines %s and %s once each", begin, end)
	}
	i := strings.Index(s, begin+"\n") + len(begin) + 1
	j := strings.Index(s, end+"\n")
	if j < i {
		return nil, fmt.Errorf("README.md: %s comes before %s", end, begin)
	}
	return []byte(s[:i] + body + s[j:]), nil
}
