// Package ghrunner runs a built action binary the way the GitHub runner runs
// a container action: inputs as INPUT_<NAME> variables (hyphens kept), and
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files that it reads back afterwards.
// Contract tests and the demo use it.
package ghrunner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/actionmeta"
	"github.com/ecr-reconcile/ecr-reconcile/internal/logview"
)

// BuildScript is the one build recipe of the binary, relative to the module
// root: the Dockerfile, the release workflow, .ci/run and make build run it
// too, so the tests run the binary users get.
const BuildScript = "scripts/build.sh"

// Version is what the binaries the tests build report with --version.
const Version = "test"

// Build compiles the action from the module root into dir with BuildScript
// (for the host's platform) and returns the binary's path.
func Build(ctx context.Context, moduleRoot, dir string) (string, error) {
	bin, err := filepath.Abs(filepath.Join(dir, "ecr-reconcile"))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "sh", BuildScript)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "VERSION="+Version, "OUT="+bin, "GOOS=", "GOARCH=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("sh %s: %v\n%s", BuildScript, err, out)
	}
	return bin, nil
}

// ModuleRoot is the root of the ecr-reconcile checkout the command runs in.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run this from inside the ecr-reconcile checkout")
	}
	return filepath.Dir(gomod), nil
}

// Step is one run of the action.
type Step struct {
	Bin    string
	Inputs map[string]string
	// Env is the whole environment besides inputs and file commands; the
	// test process's own environment is not inherited.
	Env map[string]string
	// Dir is the working directory and GITHUB_WORKSPACE; a temporary
	// directory when empty.
	Dir  string
	Args []string
}

// Result is what a step left behind.
type Result struct {
	ExitCode int
	Stdout   string // workflow commands included, as the runner reads them
	Stderr   string
	// OutputFile and Summary are the raw contents of the file-command files.
	OutputFile string
	Outputs    map[string]string
	Summary    string
}

// Run runs the step and collects its results. An exit code other than 0 is
// not an error; failing to start or to read the files is.
func Run(ctx context.Context, s Step) (*Result, error) {
	p, err := Start(ctx, s)
	if err != nil {
		return nil, err
	}
	return p.Wait()
}

// Process is a step that is running (see Start).
type Process struct {
	cmd              *exec.Cmd
	tmp              string
	outPath, sumPath string
	stdout, stderr   bytes.Buffer
}

// Start starts the step; Wait collects its results. Tests that signal the
// step while it runs use it, as the runner signals a cancelled step.
func Start(ctx context.Context, s Step) (*Process, error) {
	tmp, err := os.MkdirTemp("", "ghrunner")
	if err != nil {
		return nil, err
	}
	dir := s.Dir
	if dir == "" {
		dir = tmp
	}
	p := &Process{tmp: tmp, outPath: filepath.Join(tmp, "output"), sumPath: filepath.Join(tmp, "summary")}
	for _, f := range []string{p.outPath, p.sumPath} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + tmp,
		"GITHUB_ACTIONS=true",
		"GITHUB_WORKSPACE=" + dir,
		"GITHUB_OUTPUT=" + p.outPath,
		"GITHUB_STEP_SUMMARY=" + p.sumPath,
	}
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	for name, v := range s.Inputs {
		env = append(env, InputVar(name)+"="+v)
	}
	p.cmd = exec.CommandContext(ctx, s.Bin, s.Args...)
	p.cmd.Env, p.cmd.Dir = env, dir
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return p, nil
}

// Signal sends sig to the step.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits for the step to end and collects its results.
func (p *Process) Wait() (*Result, error) {
	defer os.RemoveAll(p.tmp)
	res := &Result{}
	if err := p.cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, err
		}
		res.ExitCode = exit.ExitCode()
	}
	res.Stdout, res.Stderr = p.stdout.String(), p.stderr.String()
	out, err := os.ReadFile(p.outPath)
	if err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(p.sumPath)
	if err != nil {
		return nil, err
	}
	res.OutputFile, res.Summary = string(out), string(sum)
	if res.Outputs, err = ParseOutputs(res.OutputFile); err != nil {
		return res, err
	}
	return res, nil
}

// InputVar is the variable the runner sets for an input: spaces become
// underscores, hyphens are kept (actionmeta.InputVar).
func InputVar(name string) string { return actionmeta.InputVar(name) }

// ParseOutputs reads a GITHUB_OUTPUT file as the runner does: "name=value"
// lines and "name<<DELIMITER" heredocs. A name set twice keeps the last value.
func ParseOutputs(text string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		if hd >= 0 && (eq < 0 || hd < eq) {
			name, delim := line[:hd], line[hd+2:]
			var val []string
			for i++; ; i++ {
				if i >= len(lines) {
					return nil, fmt.Errorf("output %q: delimiter %q not found", name, delim)
				}
				if lines[i] == delim {
					break
				}
				val = append(val, lines[i])
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		if eq < 0 {
			return nil, fmt.Errorf("invalid output line %q", line)
		}
		out[line[:eq]] = line[eq+1:]
	}
	return out, nil
}

// RenderLog shows a step's stdout as the workflow log page does.
func RenderLog(stdout string) string { return logview.Render(stdout) }
