package awsclient

import (
	"context"
	"fmt"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// debugAttempts logs one line per HTTP attempt: service, operation, status
// (or "no response" and why) and time. It never logs headers or bodies,
// which carry signatures, tokens and policies.
func debugAttempts(logf func(string), perAttempt time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("ecrReconcileDebugLog",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleDeserialize(ctx, in)
				status := ""
				// A failed send still carries an empty response (status 0).
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil && resp.Response != nil && resp.StatusCode != 0 {
					status = fmt.Sprintf("HTTP %d", resp.StatusCode)
				} else if err != nil {
					status = attemptReason(ctx, err, perAttempt)
				} else {
					status = "no response"
				}
				logf(fmt.Sprintf("aws %s %s: %s in %s", awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), status, time.Since(start).Round(time.Millisecond)))
				return out, md, err
			}), middleware.After)
	}
}
