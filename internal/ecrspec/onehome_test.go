package ecrspec_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// supportDirs are the internal packages that are not the product: the
// support tree (the emulator is ECR's side and may spell ECR's values
// itself) and the packages that are tests.
var supportDirs = []string{"support", "actexamples", "containertest", "docs", "e2e", "runaction"}

// TestProductReadsEnumsFromTheSDK: the product's code never spells a value
// of ECR's enums as a string of its own; it reads the SDK's constants, so
// that an enum has one home.
func TestProductReadsEnumsFromTheSDK(t *testing.T) {
	t.Parallel()
	var values []string
	for _, vs := range [][]string{
		enum(types.ImageTagMutability("").Values()), enum(types.ImageTagMutabilityExclusionFilterType("").Values()),
		enum(types.EncryptionType("").Values()), enum(types.ScanType("").Values()), enum(types.ScanFrequency("").Values()),
		enum(types.ScanningRepositoryFilterType("").Values()), enum(types.RCTAppliedFor("").Values()),
		enum(types.TagStatus("").Values()), enum(types.ImageActionType("").Values()),
	} {
		values = append(values, vs...)
	}
	// And ECR's own constants that have their home in ecrspec.
	values = append(values, ecrspec.ReservedTagPrefix)
	// Every product package, nested ones (reconcile/ecrsdk) included, and
	// main.go.
	dirs := []string{"../.."}
	err := filepath.WalkDir("..", func(dir string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.IsDir():
			return nil
		case slices.Contains(supportDirs, d.Name()), d.Name() == "testdata":
			return filepath.SkipDir
		case d.Name() != "ecrspec": // ecrspec is the home of its constants
			dirs = append(dirs, dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		lits, n := testsupport.StringLiterals(t, dir)
		checked += n
		for _, l := range lits {
			if v, err := strconv.Unquote(l.Text); err == nil && slices.Contains(values, v) {
				t.Errorf("%s: %s is an ECR enum value or an ecrspec constant: use the SDK's constant (types.…) or ecrspec's", l.Pos, l.Text)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no product file was checked")
	}
}
