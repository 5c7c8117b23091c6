package ecrspec_test

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// supportDirs are the internal packages that are not the product: the
// emulator (ECR's side, which may spell ECR's values itself) and the test
// runners.
var supportDirs = []string{"containertest", "docs", "e2e", "emulator", "ghrunner", "reliability", "runaction"}

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
	dirs, err := filepath.Glob("../*")
	if err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, "../..") // main.go
	checked := 0
	for _, dir := range dirs {
		// ecrspec is the home of its constants.
		if slices.Contains(supportDirs, filepath.Base(dir)) || filepath.Base(dir) == "ecrspec" {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			checked++
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			var s scanner.Scanner
			s.Init(fset.AddFile(f, -1, len(src)), src, nil, 0)
			for {
				pos, tok, lit := s.Scan()
				if tok == token.EOF {
					break
				}
				if v, err := strconv.Unquote(lit); tok == token.STRING && err == nil && slices.Contains(values, v) {
					t.Errorf("%s: %s is an ECR enum value or an ecrspec constant: use the SDK's constant (types.…) or ecrspec's", fset.Position(pos), lit)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no product file was checked")
	}
}
