// Package awsclient builds the AWS SDK configuration every client of the
// action shares, apart from credentials (see awsauth): the Region, the retry
// policy (which errors are retried, how often, how long each attempt may
// take), the HTTP connection pool, an optional endpoint override, and the
// middleware that reports retries and, in debug mode, every attempt.
//
// Endpoints come from the SDK's own resolution (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_STS, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
// shared config) unless Options.Endpoint overrides them.
package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
)

// Defaults applied by Load for zero-valued Options fields.
const (
	DefaultMaxAttempts    = 8
	DefaultMaxBackoff     = 20 * time.Second
	DefaultAttemptTimeout = 20 * time.Second

	// A batch keeps up to max-concurrency × 3 calls in flight to one host;
	// keep that many connections idle instead of the default 10, so they
	// are reused rather than re-dialled (and re-handshaken).
	maxIdleConnsPerHost = 160
)

// Options configures Load.
type Options struct {
	// Region of every client; required (inputs resolves it once, from the
	// aws-region input or the environment).
	Region string

	// Endpoint, when set, is the base endpoint of every service (an
	// emulator in tests). Empty leaves endpoint resolution to the SDK.
	Endpoint string

	// MaxAttempts per API call (default 8) and MaxBackoff between attempts
	// (default 20s). Adaptive selects client-side rate limiting on top of
	// the same retry rules (batch mode).
	MaxAttempts int
	MaxBackoff  time.Duration
	Adaptive    bool

	// AttemptTimeout bounds each HTTP attempt so that a request that never
	// answers is retried rather than hanging; default 20s.
	AttemptTimeout time.Duration

	// HTTPClient overrides the HTTP client (tests). It is used as given
	// (AWS_CA_BUNDLE is not applied to it) except that its Timeout is
	// replaced by AttemptTimeout (on a copy).
	HTTPClient *http.Client

	// Logf, when set, receives one line for each retry of a call (which
	// call, which attempt, and why the previous one failed) and each of the
	// AWS SDK's own warnings. The SDK's can quote the endpoint's answer:
	// Logf must neutralise what it prints (the action's logger does). Nil
	// drops the SDK's warnings; nothing the SDK logs reaches stderr.
	Logf func(string)
	// Debugf, when set, receives one line per HTTP attempt (debug mode).
	Debugf func(string)

	// APIOptions are added to every client built from the configuration,
	// the STS clients that fetch credentials included.
	APIOptions []func(*middleware.Stack) error
}

// ErrNoRegion is returned by Load when Options.Region is empty.
var ErrNoRegion = errors.New("no AWS region configured: set the " + inputref.AWSRegion.String() + " input or the AWS_REGION environment variable")

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	return o
}

// Load returns the shared configuration. extra load options (the
// credentials provider, from awsauth) are applied after this package's.
func Load(ctx context.Context, o Options, extra ...func(*config.LoadOptions) error) (aws.Config, error) {
	o = o.withDefaults()
	if o.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	apiOptions := append([]func(*middleware.Stack) error{limits(o)}, o.APIOptions...)
	if o.Debugf != nil {
		apiOptions = append(apiOptions, debugAttempts(o.Debugf, o.AttemptTimeout))
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(o.Region),
		config.WithRetryer(newRetryer(o)),
		config.WithAPIOptions(apiOptions),
		// Every client, STS's for roles and ECR Public's included, is
		// built from this configuration and logs through it.
		config.WithLogger(newSDKLogger(o.Logf)),
	}
	if o.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.Endpoint))
	}
	if o.HTTPClient == nil {
		// The SDK's BuildableClient, so that the SDK can still apply
		// AWS_CA_BUNDLE and tune it (e.g. short timeouts for the instance
		// metadata client).
		client := awshttp.NewBuildableClient().WithTimeout(o.AttemptTimeout).WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = maxIdleConnsPerHost
		})
		opts = append(opts, config.WithHTTPClient(client))
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(opts, extra...)...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if o.HTTPClient != nil {
		// Set after loading: an override client is used as given (apart
		// from the attempt timeout), TLS settings included.
		c := *o.HTTPClient
		c.Timeout = o.AttemptTimeout
		cfg.HTTPClient = &c
	}
	return cfg, nil
}
