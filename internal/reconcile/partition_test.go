package reconcile_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// Outside the aws partition ECR stores an account principal as the root ARN
// of its own partition. A declared account ID must still compare equal to
// what ECR stored: a re-run writes nothing, dry-run shows no drift, and a
// Sid-prefix run verifies its statements instead of blaming another writer.
func TestAccountPrincipalInOtherPartitions(t *testing.T) {
	t.Parallel()
	const declared = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":["210987654321","arn:PARTITION:iam::111122223333:root"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
	for _, tc := range []struct{ region, partition string }{
		{"cn-north-1", "aws-cn"},
		{"us-gov-west-1", "aws-us-gov"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			emu := emulator.New(emulator.Options{Region: tc.region, AccountID: account})
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			client := ecr.New(ecr.Options{
				Region:       tc.region,
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			})
			rec := func(dryRun bool) *reconcile.Reconciler {
				r := &reconcile.Reconciler{ECR: ecrsdk.New(client), Options: reconcile.Options{DryRun: dryRun, Region: tc.region}}
				r.Options.SetOwnedMerge(reconcile.Backoff{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond})
				return r
			}
			text := strings.ReplaceAll(declared, "PARTITION", tc.partition)
			for _, prefix := range []string{"", "ci-"} {
				spec := reconcile.Spec{Name: "app" + strings.TrimSuffix(prefix, "-"), RepositoryPolicy: &reconcile.Document{Text: text}, RepositoryPolicySidPrefix: prefix}
				if _, err := rec(false).Reconcile(context.Background(), spec); err != nil {
					t.Fatalf("prefix %q: first run: %v", prefix, err)
				}
				r, _ := emu.Repository("", spec.Name)
				if want := "arn:" + tc.partition + ":iam::210987654321:root"; !strings.Contains(r.Policy, want) {
					t.Fatalf("prefix %q: the emulator stored %s; want the account as %s", prefix, r.Policy, want)
				}
				emu.ResetCalls()
				res, err := rec(true).Reconcile(context.Background(), spec)
				if err != nil {
					t.Fatalf("prefix %q: dry-run: %v", prefix, err)
				}
				if a := actionOf(res, reconcile.SettingRepositoryPolicy); a != reconcile.ActionUnchanged {
					t.Errorf("prefix %q: dry-run after the run plans %s for the policy; want unchanged", prefix, a)
				}
				if _, err := rec(false).Reconcile(context.Background(), spec); err != nil {
					t.Fatalf("prefix %q: re-run: %v", prefix, err)
				}
				if w := emu.Writes(); len(w) != 0 {
					t.Errorf("prefix %q: the re-run made %d write(s) (%s); want none", prefix, len(w), w[0].Operation)
				}
			}
		})
	}
}
