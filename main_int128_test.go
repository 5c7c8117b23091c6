package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/ghrunner"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// A workflow written for int128/create-ecr-repository-action works with
// only its uses: line changed: exactly int128's inputs (repository, public,
// lifecycle-policy and repository-policy as workspace file paths), the
// Region from AWS_REGION, and the same repository-uri output. What differs
// is that a re-run writes nothing (docs/migration-int128.md).
func TestContractInt128Inputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		files  map[string]string
		uri    func(emu *emulator.Emulator) string
		check  func(t *testing.T, emu *emulator.Emulator)
	}{{
		name: "private",
		inputs: map[string]string{
			"repository":        "team/app",
			"public":            "false",
			"lifecycle-policy":  "ci/lifecycle.json",
			"repository-policy": "ci/repository-policy.json",
		},
		files: map[string]string{
			"ci/lifecycle.json":         `{"rules":[{"rulePriority":1,"description":"keep 30","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}`,
			"ci/repository-policy.json": testsupport.PullPolicy,
		},
		uri: func(*emulator.Emulator) string { return "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app" },
		check: func(t *testing.T, emu *emulator.Emulator) {
			r, ok := emu.RepositoryIn("eu-west-1", "", "team/app")
			if !ok || r.Policy == "" || r.Lifecycle == "" {
				t.Errorf("repository = %+v (exists %v)", r, ok)
			}
		},
	}, {
		name: "public",
		inputs: map[string]string{
			"repository":        "team/app",
			"public":            "true",
			"repository-policy": "ci/repository-policy.json",
		},
		files: map[string]string{
			"ci/repository-policy.json": `{"Version":"2012-10-17","Statement":[{"Sid":"push","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr-public:BatchCheckLayerAvailability","ecr-public:PutImage","ecr-public:InitiateLayerUpload","ecr-public:UploadLayerPart","ecr-public:CompleteLayerUpload"]}]}`,
		},
		uri: func(emu *emulator.Emulator) string {
			return "public.ecr.aws/" + emulator.DefaultRegistryAlias(emu.AccountID()) + "/team/app"
		},
		check: func(t *testing.T, emu *emulator.Emulator) {
			r, ok := emu.PublicRepository("", "team/app")
			if !ok || r.Policy == "" {
				t.Errorf("public repository = %+v (exists %v)", r, ok)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, url := startEmulator(t)
			dir := t.TempDir()
			for name, text := range tc.files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := staticEnv(url)
			env["AWS_ENDPOINT_URL_ECR_PUBLIC"] = url
			step := ghrunner.Step{Bin: bin, Env: env, Dir: dir, Inputs: tc.inputs}
			for run := 1; run <= 2; run++ {
				emu.ResetCalls()
				res, err := ghrunner.Run(context.Background(), step)
				if err != nil {
					t.Fatal(err)
				}
				if res.ExitCode != 0 {
					t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", run, res.ExitCode, res.Stdout, res.Stderr)
				}
				if got, want := res.Outputs["repository-uri"], tc.uri(emu); got != want {
					t.Errorf("run %d: repository-uri = %q, want %q", run, got, want)
				}
				if w := emu.Writes(); run == 2 && len(w) != 0 {
					t.Errorf("the re-run wrote %v; int128 re-puts the policies on every run, this action must not", w)
				}
			}
			tc.check(t, emu)
		})
	}
}
