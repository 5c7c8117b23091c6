package reconcile

import (
	"fmt"
	"runtime/debug"
)

// panicError is a panic of one of the engine's goroutines, recovered. Left
// alone, the runtime would print it on stderr as it is (outside the
// action's neutralising logger) and end the process: a whole batch with
// one repository. Recovered, it fails only the call or the repository it
// happened in, and its text reaches the log through the logger.
type panicError struct {
	Value any
	Stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("internal error (please report it with the log): %v", e.Value)
}

// safely runs fn and turns a panic into a *panicError.
func safely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}
