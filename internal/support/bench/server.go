package main

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

const (
	region    = "us-east-1"
	accountID = "123456789012"
	// Static keys; the emulator does not check signatures.
	accessKeyID     = "AKIABENCHBENCHBENCH0"
	secretAccessKey = "bench-secret-access-key"
)

// span is one request as the server saw it: arrival and the moment the
// emulator's handler returned (latency included).
type span struct {
	start, end time.Time
}

// server is the emulator behind real HTTP on loopback, wrapped to record the
// time of every request and the first request's arrival.
type server struct {
	emu *emulator.Emulator
	url string
	srv *http.Server

	mu    sync.Mutex
	spans []span
	first time.Time
}

// startServer serves emu on 127.0.0.1 on a free port.
func startServer(emu *emulator.Emulator) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{emu: emu, url: "http://" + ln.Addr().String()}
	// Idle connections left by finished runs' clients are closed soon
	// rather than piling up for the client's 90 s idle timeout.
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with close
	return s, nil
}

func (s *server) close() { s.srv.Close() }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.mu.Lock()
	if s.first.IsZero() {
		s.first = start
	}
	s.mu.Unlock()
	s.emu.ServeHTTP(w, r)
	end := time.Now()
	s.mu.Lock()
	s.spans = append(s.spans, span{start: start, end: end})
	s.mu.Unlock()
}

// reset empties the call log, the spans and the first-request time.
func (s *server) reset() {
	s.emu.ResetCalls()
	s.mu.Lock()
	s.spans, s.first = nil, time.Time{}
	s.mu.Unlock()
}

// counts are the calls of one measured run.
type counts struct {
	Calls  int
	Writes int // emulator.IsWrite
	Ops    map[string]int
	Levels int // longest chain of non-overlapping calls
}

func (s *server) counts() counts {
	c := counts{Ops: map[string]int{}}
	for _, call := range s.emu.Calls() {
		c.Calls++
		c.Ops[call.Operation]++
		if call.IsWrite() {
			c.Writes++
		}
	}
	s.mu.Lock()
	c.Levels = levels(s.spans)
	s.mu.Unlock()
	return c
}

func (s *server) firstRequest() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// levels is the critical path counted in calls: the longest chain of calls
// in which each one arrived after the previous one had been answered. Calls
// made in parallel overlap and share a level. Noise (a goroutine delayed by
// more than the injected latency) can only lengthen the chain, never shorten
// it, so the minimum over runs is the structural figure.
func levels(spans []span) int {
	sp := slices.Clone(spans)
	slices.SortFunc(sp, func(a, b span) int { return a.start.Compare(b.start) })
	depth := make([]int, len(sp))
	best := 0
	for i := range sp {
		depth[i] = 1
		for j := range i {
			if !sp[j].end.After(sp[i].start) && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		best = max(best, depth[i])
	}
	return best
}

// seedCopies stores a copy of the repository from under each of names,
// bypassing the API: the copies hold exactly what a reconcile wrote to from.
func seedCopies(emu *emulator.Emulator, from string, names []string) error {
	tmpl, ok := emu.Repository("", from)
	if !ok {
		return fmt.Errorf("seed template %q does not exist", from)
	}
	for _, n := range names {
		r := tmpl
		r.Name, r.ARN, r.URI = n, "", ""
		emu.PutRepository(r)
	}
	return nil
}
