package awsclient

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/aws/smithy-go/logging"

	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// maxSDKLines bounds how many of the SDK's warnings one run shows: an
// endpoint can make the SDK warn on every answer.
const maxSDKLines = 20

// sdkLogger takes the AWS SDK's own log lines, which would otherwise go to
// the process's stderr as they are: they can quote an endpoint's answer (a
// Date header the SDK cannot parse, for one), and on a runner a line of
// stderr holding "##[" or starting with "::" is a workflow command. Each
// message becomes one bounded, neutralised line, "AWS SDK warning: …", for
// logf; without logf the lines are dropped.
type sdkLogger struct {
	logf func(string)
	n    *atomic.Int64
}

func newSDKLogger(logf func(string)) logging.Logger {
	if logf == nil {
		return logging.Nop{}
	}
	return sdkLogger{logf: logf, n: new(atomic.Int64)}
}

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	switch n := l.n.Add(1); {
	case n < maxSDKLines:
		l.logf(wfcmd.OneLine("AWS SDK "+strings.ToLower(string(c))+": "+fmt.Sprintf(format, v...), 0))
	case n == maxSDKLines:
		l.logf(fmt.Sprintf("AWS SDK %s: (further AWS SDK messages of this run are not shown)", strings.ToLower(string(c))))
	}
}
