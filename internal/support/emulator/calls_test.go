package emulator_test

import (
	"reflect"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Every ECR operation the engine can call is classified, and the writes are
// exactly the ones that change a repository.
func TestIsWriteCoversTheEngine(t *testing.T) {
	t.Parallel()
	writes := map[string]bool{
		"CreateRepository": true, "SetRepositoryPolicy": true, "DeleteRepositoryPolicy": true,
		"PutLifecyclePolicy": true, "DeleteLifecyclePolicy": true, "TagResource": true, "UntagResource": true,
		"PutImageTagMutability": true, "PutImageScanningConfiguration": true, "DeleteRepository": true,
	}
	api := reflect.TypeOf((*ecrsdk.API)(nil)).Elem()
	for i := range api.NumMethod() {
		op := api.Method(i).Name
		if got := emulator.IsWrite("ecr", op); got != writes[op] {
			t.Errorf("IsWrite(ecr, %s) = %v, want %v", op, got, writes[op])
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
