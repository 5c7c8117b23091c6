package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
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
	op         string
	start, end time.Time
}

// server is the emulator behind real HTTP on loopback, wrapped to record the
// time of every request, the first request's arrival and the connections
// that carried ECR requests.
type server struct {
	emu *emulator.Emulator
	url string
	srv *http.Server

	mu      sync.Mutex
	spans   []span
	first   time.Time
	remotes map[string]struct{}
	// inFlight and maxInFlight count ECR requests being served at once.
	inFlight, maxInFlight int
	// admin handles /_bench/ paths (child process only); nil elsewhere.
	admin http.Handler
}

// startServer serves emu on 127.0.0.1 on a free port; withAdmin adds the
// control API a child emulator process offers its parent.
func startServer(emu *emulator.Emulator, withAdmin bool) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{emu: emu, url: "http://" + ln.Addr().String(), remotes: map[string]struct{}{}}
	if withAdmin {
		s.admin = adminHandler(s)
	}
	// Idle connections left by finished runs' clients are closed soon
	// rather than piling up for the client's 90 s idle timeout.
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with close
	return s, nil
}

func (s *server) close() { s.srv.Close() }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.admin != nil && strings.HasPrefix(r.URL.Path, "/_bench/") {
		s.admin.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	s.mu.Lock()
	if s.first.IsZero() {
		s.first = start
	}
	s.remotes[r.RemoteAddr] = struct{}{}
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	s.emu.ServeHTTP(w, r)
	end := time.Now()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.")
	s.mu.Lock()
	s.inFlight--
	s.spans = append(s.spans, span{op: op, start: start, end: end})
	s.mu.Unlock()
}

// reset empties the call log, the spans, the first-request time and the
// connection set.
func (s *server) reset() {
	s.emu.ResetCalls()
	s.mu.Lock()
	s.spans, s.first, s.remotes, s.maxInFlight = nil, time.Time{}, map[string]struct{}{}, s.inFlight
	s.mu.Unlock()
}

// counts are the calls of one measured run.
type counts struct {
	Calls  int            `json:"calls"`
	Writes int            `json:"writes"`
	Errors int            `json:"errors"` // calls answered with an error code
	Ops    map[string]int `json:"ops"`
	Conns  int            `json:"conns"` // distinct client connections
	// MaxInFlight is the most requests served at the same time.
	MaxInFlight int `json:"maxInFlight"`
	Levels      int `json:"levels"` // longest chain of non-overlapping calls
}

func (s *server) counts() counts {
	c := counts{Ops: map[string]int{}}
	for _, call := range s.emu.Calls() {
		c.Calls++
		c.Ops[call.Operation]++
		if call.IsWrite() {
			c.Writes++
		}
		if call.ErrorCode != "" {
			c.Errors++
		}
	}
	s.mu.Lock()
	c.Conns = len(s.remotes)
	c.MaxInFlight = s.maxInFlight
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

// adminHandler is the child emulator's control API for the parent.
func adminHandler(s *server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_bench/reset", func(w http.ResponseWriter, r *http.Request) {
		s.reset()
	})
	mux.HandleFunc("GET /_bench/counts", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(s.counts()) //nolint:errcheck // parent reports a short read
	})
	mux.HandleFunc("POST /_bench/seed", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			From  string   `json:"from"`
			Names []string `json:"names"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := seedCopies(s.emu, req.From, req.Names); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	return mux
}

// adminClient talks to a child emulator's control API.
type adminClient struct {
	url string
	hc  *http.Client
}

func (a *adminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, rd)
	if err != nil {
		return err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var msg strings.Builder
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		msg.Write(buf[:n])
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg.String())
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}
