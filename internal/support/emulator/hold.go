package emulator

import "sync"

// Hold delays one call: the next call of an operation signed with an
// access key is received and recorded, then waits, before the emulator acts
// on it, until Release. It models a writer whose request ECR applies late
// (a slow network, a client stalled between its read and its write), so
// that a test can order two jobs' reads and writes exactly: the lost update
// of a shared repository policy needs one job's write to land after
// another job has written and checked its own.
type Hold struct {
	keyID, operation string
	arrived          chan struct{} // closed when the held call arrives
	release          chan struct{} // closed by Release
	served           chan struct{} // closed once the held call has been applied
	releaseOnce      sync.Once
}

// HoldNext holds the next call of operation signed with accessKeyID. Later
// calls are not held.
func (e *Emulator) HoldNext(accessKeyID, operation string) *Hold {
	h := &Hold{keyID: accessKeyID, operation: operation,
		arrived: make(chan struct{}), release: make(chan struct{}), served: make(chan struct{})}
	e.mu.Lock()
	e.holds = append(e.holds, h)
	e.mu.Unlock()
	return h
}

// Arrived is closed when the held call has reached the emulator.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets the held call proceed (or the next matching call pass at
// once, when it has not arrived yet).
func (h *Hold) Release() { h.releaseOnce.Do(func() { close(h.release) }) }

// Served is closed once the held call has been applied and answered.
func (h *Hold) Served() <-chan struct{} { return h.served }

// takeHold removes and returns the hold that matches the call, if any.
func (e *Emulator) takeHold(c *Call) *Hold {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, h := range e.holds {
		if h.keyID == c.AccessKeyID && h.operation == c.Operation {
			e.holds = append(e.holds[:i], e.holds[i+1:]...)
			return h
		}
	}
	return nil
}
