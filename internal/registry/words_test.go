package registry

import (
	"os"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref/inputreftest"
)

// TestMain words the engine's references to inputs as the action does, so
// that the tests read the messages a user reads.
func TestMain(m *testing.M) {
	inputreftest.Use()
	os.Exit(m.Run())
}
