package reconcile_test

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// The calls and writes of reconciling fullSpec (every setting) and of a
// batch, asserted where they are decided: in the engine. The benchmark
// (internal/support/bench, docs/BENCHMARKS.md) reports its own counts for
// its own fixed spec, which a setting added here does not change; the
// round trips depend on timing and are measured by the benchmark only.

func callsWorld(t *testing.T) (*emulator.Emulator, *reconcile.Reconciler) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := ecr.New(ecr.Options{
		Region:       emu.Region(),
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDCALLS", "secret", ""),
	})
	return emu, &reconcile.Reconciler{ECR: ecrsdk.New(client), Options: reconcile.Options{Region: emu.Region()}}
}

func writeOps(emu *emulator.Emulator) []string {
	var ops []string
	for _, c := range emu.Writes() {
		ops = append(ops, c.Operation)
	}
	slices.Sort(ops)
	return ops
}

// Create, no-op and drift repair: the writes are exactly the settings that
// differ, and a no-op reads each setting DescribeRepositories does not
// return once, and the registry's scanning configuration and templates
// once (at most six calls), and writes nothing.
func TestCallsCreateNoOpDrift(t *testing.T) {
	t.Parallel()
	emu, rec := callsWorld(t)
	ctx := context.Background()
	spec := fullSpec("bench/app")

	if _, err := rec.Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	// Tags, mutability, scanning and encryption go with CreateRepository.
	if got, want := writeOps(emu), []string{"CreateRepository", "PutLifecyclePolicy", "SetRepositoryPolicy"}; !slices.Equal(got, want) {
		t.Errorf("create: writes %v, want %v", got, want)
	}

	emu.ResetCalls()
	if _, err := rec.Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if w := writeOps(emu); len(w) != 0 {
		t.Errorf("no-op: writes %v, want none", w)
	}
	if n := len(emu.Calls()); n > 6 {
		t.Errorf("no-op: %d calls (%v), want at most 6", n, emu.Calls())
	}

	r, _ := emu.Repository("", spec.Name)
	r.Policy = `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"ecr:BatchGetImage"}]}`
	r.Lifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
	r.Tags = maps.Clone(r.Tags)
	r.Tags["team"] = "someone-else"
	r.Mutability, r.ExclusionFilters = "MUTABLE", nil
	r.ScanOnPush = false
	emu.PutRepository(r)
	emu.ResetCalls()
	if _, err := rec.Reconcile(ctx, spec); err != nil {
		t.Fatal(err)
	}
	want := []string{"PutImageScanningConfiguration", "PutImageTagMutability", "PutLifecyclePolicy", "SetRepositoryPolicy", "TagResource"}
	if got := writeOps(emu); !slices.Equal(got, want) {
		t.Errorf("drift repair: writes %v, want %v", got, want)
	}
}

// A batch with nothing to change: ⌈N/100⌉ describes, no write, at most
// one read per repository for each setting the describe does not return,
// and each registry-level read once for the whole batch.
func TestCallsBatchBound(t *testing.T) {
	t.Parallel()
	emu, rec := callsWorld(t)
	ctx := context.Background()
	scan := true
	spec := reconcile.Spec{
		RepositoryPolicy: &reconcile.Document{Text: crossAccountPolicy},
		LifecyclePolicy:  &reconcile.Document{Text: lifecycle},
		Tags:             map[string]string{"team": "platform"},
		ScanOnPush:       &scan,
	}
	const n, readsPerRepo = 150, 3
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("team/svc-%03d", i)
	}
	for _, it := range rec.ReconcileBatch(ctx, spec, names, 10) {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Name, it.Err)
		}
	}
	emu.ResetCalls()
	for _, it := range rec.ReconcileBatch(ctx, spec, names, 10) {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Name, it.Err)
		}
	}
	if w := writeOps(emu); len(w) != 0 {
		t.Errorf("%d writes when nothing differs: %v", len(w), w)
	}
	if got, want := emu.Count("DescribeRepositories"), (n+99)/100; got != want {
		t.Errorf("%d DescribeRepositories calls, want %d", got, want)
	}
	for _, op := range []string{"GetRegistryScanningConfiguration", "DescribeRepositoryCreationTemplates"} {
		if got := emu.Count(op); got != 1 {
			t.Errorf("%s called %d times for %d repositories, want once", op, got, n)
		}
	}
	if got, bound := len(emu.Calls()), readsPerRepo*n+(n+99)/100+2; got > bound {
		t.Errorf("%d calls, bound %d", got, bound)
	}
}
