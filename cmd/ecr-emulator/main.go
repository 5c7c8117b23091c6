// Command ecr-emulator serves the ECR + STS emulator on a local address, for
// demos and manual testing:
//
//	ecr-emulator -addr 127.0.0.1:9324
//	AWS_ENDPOINT_URL_ECR=http://127.0.0.1:9324 AWS_ENDPOINT_URL_STS=http://127.0.0.1:9324 \
//	AWS_ENDPOINT_URL_ACCESSANALYZER=http://127.0.0.1:9324 ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ecr-emulator:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9324", "listen address (port 0 picks a free port)")
	region := flag.String("region", "us-east-1", "default region (every region is served, each apart, by the request's credential scope)")
	account := flag.String("account", "123456789012", "default account ID")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	emu := emulator.New(emulator.Options{Region: *region, AccountID: *account})
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
