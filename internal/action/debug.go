package action

import (
	"context"
	"fmt"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// debugCalls logs one line per HTTP attempt when step debug logging is on
// (RUNNER_DEBUG=1): service, operation, status and time. It never logs
// headers or bodies, which carry signatures, tokens and policies.
func debugCalls(logf func(string)) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("ecrReconcileDebugLog",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleDeserialize(ctx, in)
				status := "no response"
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
					status = fmt.Sprintf("HTTP %d", resp.StatusCode)
				}
				logf(fmt.Sprintf("aws %s %s: %s in %s", awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), status, time.Since(start).Round(time.Millisecond)))
				return out, md, err
			}), middleware.After)
	}
}
