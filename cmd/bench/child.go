package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
)

// The batch section runs the emulator in a child process (this same binary,
// re-executed) so that the Go heap figures of the parent are the client's
// and the engine's alone, without the emulator's allocations.
const (
	childEnv        = "ECR_BENCH_EMULATOR_CHILD"
	childLatencyEnv = "ECR_BENCH_EMULATOR_LATENCY"
)

// isChild reports whether this process was started as the child emulator.
func isChild() bool { return os.Getenv(childEnv) == "1" }

// childMain serves the emulator, prints its URL on the first line of stdout
// and exits when stdin is closed (the parent ended, however it ended).
func childMain() int {
	lat, err := time.ParseDuration(os.Getenv(childLatencyEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 2
	}
	emu := emulator.New(emulator.Options{Region: region, AccountID: accountID, Latency: lat})
	s, err := startServer(emu, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 1
	}
	fmt.Println(s.url)
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // EOF or error both mean the parent is gone
	s.close()
	return 0
}

// childEmulator is the parent's handle on a child emulator process.
type childEmulator struct {
	url   string
	cmd   *exec.Cmd
	stdin io.Closer
	admin *adminClient
}

func startChild(ctx context.Context, latency time.Duration) (*childEmulator, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1", childLatencyEnv+"="+latency.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stdin.Close()
		cmd.Wait() //nolint:errcheck // already failing
		return nil, fmt.Errorf("child emulator did not start: %w", err)
	}
	url := strings.TrimSpace(line)
	c := &childEmulator{url: url, cmd: cmd, stdin: stdin, admin: &adminClient{url: url, hc: &http.Client{Timeout: time.Minute}}}
	return c, nil
}

// stop closes the child's stdin, which makes it exit, and waits for it.
func (c *childEmulator) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }() //nolint:errcheck // exit status is irrelevant
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill() //nolint:errcheck // the process we started, by its handle
		<-done
	}
}

func (c *childEmulator) reset(ctx context.Context) error {
	return c.admin.do(ctx, http.MethodPost, "/_bench/reset", nil, nil)
}

func (c *childEmulator) counts(ctx context.Context) (counts, error) {
	var out counts
	err := c.admin.do(ctx, http.MethodGet, "/_bench/counts", nil, &out)
	return out, err
}

func (c *childEmulator) seed(ctx context.Context, from string, names []string) error {
	return c.admin.do(ctx, http.MethodPost, "/_bench/seed", map[string]any{"from": from, "names": names}, nil)
}
