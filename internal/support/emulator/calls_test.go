package emulator_test

import (
	"reflect"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/publicecr"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Every ECR and ECR Public operation the engine's adapters can call is
// classified, and the writes are exactly the ones that change a repository.
// The emulator's classification is its own (calls.go); this list follows the
// settings' iam.writes and the deletion's.
func TestIsWriteCoversTheEngine(t *testing.T) {
	t.Parallel()
	writes := map[string]bool{
		"CreateRepository": true, "SetRepositoryPolicy": true, "DeleteRepositoryPolicy": true,
		"PutLifecyclePolicy": true, "DeleteLifecyclePolicy": true, "TagResource": true, "UntagResource": true,
		"PutImageTagMutability": true, "PutImageScanningConfiguration": true, "DeleteRepository": true,
	}
	for service, api := range map[string]reflect.Type{
		"ecr":        reflect.TypeOf((*ecrsdk.API)(nil)).Elem(),
		"ecr-public": reflect.TypeOf((*publicecr.API)(nil)).Elem(),
	} {
		publicWrites := map[string]bool{"PutRepositoryCatalogData": service == "ecr-public"}
		for i := range api.NumMethod() {
			op := api.Method(i).Name
			if got, want := emulator.IsWrite(service, op), writes[op] || publicWrites[op]; got != want {
				t.Errorf("IsWrite(%s, %s) = %v, want %v", service, op, got, want)
			}
		}
	}
	for _, c := range []struct {
		service, op string
		want        bool
	}{
		{"ecr", "DeleteRepository", true},
		{"ecr", "BatchGetImage", false},
		{"sts", "AssumeRole", false},
		{"unknown", "POST /", true},
	} {
		if got := emulator.IsWrite(c.service, c.op); got != c.want {
			t.Errorf("IsWrite(%s, %s) = %v, want %v", c.service, c.op, got, c.want)
		}
	}
}
