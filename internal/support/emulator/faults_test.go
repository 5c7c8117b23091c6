package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func describe(ctx context.Context, c *ecr.Client) error {
	_, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{})
	return err
}

func httpStatus(t *testing.T, err error) int {
	t.Helper()
	return asError[*smithyhttp.ResponseError](t, err).HTTPStatusCode()
}

func TestFaultResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		rule   FaultRule
		status int
		code   string
	}{
		{"throttle", FaultRule{Kind: FaultThrottle}, 400, "ThrottlingException"},
		{"server error", FaultRule{Kind: FaultServerError}, 500, "ServerException"},
		{"unavailable", FaultRule{Kind: FaultUnavailable}, 503, "ServiceUnavailableException"},
		{"custom", FaultRule{Kind: FaultError, Code: "LimitExceededException", Message: "slow down"}, 400, "LimitExceededException"},
		{"custom status", FaultRule{Kind: FaultError, Status: 409, Code: "Conflict"}, 409, "Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, Options{})
			f.emu.AddFault(tt.rule)
			err := describe(ctx(t), f.ecr(noRetries))
			wantCode(t, err, tt.code)
			if got := httpStatus(t, err); got != tt.status {
				t.Errorf("status %d, want %d", got, tt.status)
			}
			calls := f.emu.Calls()
			if len(calls) != 1 || calls[0].Status != tt.status || calls[0].ErrorCode != tt.code {
				t.Errorf("call log %+v", calls)
			}
		})
	}
	t.Run("typed", func(t *testing.T) {
		t.Parallel()
		f := start(t, Options{})
		f.emu.AddFault(FaultRule{Kind: FaultServerError})
		wantErr[*types.ServerException](t, describe(ctx(t), f.ecr(noRetries)))
		f.emu.ClearFaults()
		if err := describe(ctx(t), f.ecr(noRetries)); err != nil {
			t.Errorf("after ClearFaults: %v", err)
		}
	})
	t.Run("throttle message", func(t *testing.T) {
		t.Parallel()
		f := start(t, Options{})
		f.emu.AddFault(FaultRule{Kind: FaultThrottle})
		if ae := wantAPIError(t, describe(ctx(t), f.ecr(noRetries)), "ThrottlingException"); ae.ErrorMessage() != "Rate exceeded" {
			t.Errorf("message %q", ae.ErrorMessage())
		}
	})
}

func TestFaultRetriedBySDK(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultThrottle, Times: 2})
	if err := describe(ctx(t), f.ecr()); err != nil {
		t.Fatalf("SDK should have retried past two throttles: %v", err)
	}
	var codes []string
	for _, c := range f.emu.Calls() {
		codes = append(codes, c.ErrorCode)
	}
	if !slices.Equal(codes, []string{"ThrottlingException", "ThrottlingException", ""}) {
		t.Errorf("outcomes %q", codes)
	}
}

// PerRequest caps the failures one SDK call sees across its retries, while
// a fresh call is failed again.
func TestFaultPerRequest(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultThrottle, PerRequest: 2})
	c := f.ecr()
	for range 2 {
		if err := describe(ctx(t), c); err != nil {
			t.Fatalf("the third attempt should pass the cap: %v", err)
		}
	}
	var codes []string
	for _, c := range f.emu.Calls() {
		codes = append(codes, c.ErrorCode)
	}
	want := []string{"ThrottlingException", "ThrottlingException", "", "ThrottlingException", "ThrottlingException", ""}
	if !slices.Equal(codes, want) {
		t.Errorf("outcomes %q, want %q", codes, want)
	}
}

func TestFaultRuleCounting(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr(noRetries)
	// Matching calls 3 and 5 fail: skip one, then every second, at most twice.
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultError, Code: "Boom", After: 1, Every: 2, Times: 2})
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultError, Code: "Second", After: 4, Times: 1})
	var got []string
	for i := range 8 {
		code := ""
		if err := describe(ctx(t), c); err != nil {
			code = asError[smithy.APIError](t, err).ErrorCode()
		}
		got = append(got, code)
		create(t, c, fmt.Sprint("other-", i)) // other operations do not count
	}
	// The second rule does not see the calls the first one failed, so its
	// fifth matching call is the seventh overall.
	want := []string{"", "", "Boom", "", "Boom", "", "Second", ""}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes %q, want %q", got, want)
	}
}

func TestFaultReset(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultReset, Times: 1})
	c := f.ecr(func(o *ecr.Options) { o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1) })
	err := describe(ctx(t), c)
	if err == nil {
		t.Fatal("reset connection produced no error")
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		t.Fatalf("reset produced an API error: %v", err)
	}
	calls := f.emu.Calls()
	if len(calls) == 0 || calls[0].Status != 0 || calls[0].ErrorCode != CodeConnectionReset {
		t.Errorf("call log %+v", calls)
	}
	if err := describe(ctx(t), c); err != nil {
		t.Errorf("next call: %v", err)
	}
}

func TestFaultHang(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Operation: "DescribeRepositories", Kind: FaultHang})
	c := f.ecr(noRetries)
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := describe(short, c)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
	if f.emu.Count("DescribeRepositories") != 1 {
		t.Errorf("hung call not logged: %+v", f.emu.Calls())
	}
	create(t, c, "still-serving") // other operations are unaffected
}

func TestLatency(t *testing.T) {
	t.Parallel()
	slowFault := start(t, Options{})
	slowFault.emu.AddFault(FaultRule{Kind: FaultLatency, Delay: 2 * time.Second})
	for name, f := range map[string]*fixture{
		"fault":   slowFault,
		"options": start(t, Options{Latency: 2 * time.Second}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := f.ecr(noRetries)
			short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := describe(short, c); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want a deadline error", err)
			}
		})
	}
	// A latency fault delays, then serves normally.
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Kind: FaultLatency, Delay: 10 * time.Millisecond})
	if err := describe(ctx(t), f.ecr(noRetries)); err != nil {
		t.Fatal(err)
	}
	// The call log's times span the delay (the benchmark counts
	// sequential round trips from them).
	if c := f.emu.Calls(); len(c) != 1 || c[0].Status != http.StatusOK || c[0].Answered.Sub(c[0].Received) < 10*time.Millisecond {
		t.Errorf("call log %+v", c)
	}
}

func TestFaultsOnSTS(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.AddFault(FaultRule{Kind: FaultThrottle, Times: 1})
	f.emu.AddFault(FaultRule{Operation: "AssumeRole", Kind: FaultError, Status: 403, Code: "RegionDisabledException", Message: "off"})
	c := f.sts(static(staticKey), func(o *sts.Options) { o.Retryer = aws.NopRetryer{} })
	_, err := c.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "Throttling")
	_, err = c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/r"), RoleSessionName: aws.String("s1")})
	if ae := wantAPIError(t, err, "RegionDisabledException"); ae.ErrorMessage() != "off" || httpStatus(t, err) != 403 {
		t.Errorf("got %v", err)
	}
	if _, err := c.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("after the one throttle: %v", err)
	}
}
