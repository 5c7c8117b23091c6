package ecrspec_test

import (
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

func TestIsAccountID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"123456789012": true, "000000000000": true,
		"12345678901": false, "1234567890123": false, "12345678901a": false, "": false, " 123456789012": false, "１２３４５６７８９０１２": false,
	} {
		if got := ecrspec.IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
}
