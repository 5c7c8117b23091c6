package run

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/publicecr"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// reconcilers makes one Reconciler per Region of aws-region, the primary
// first. They share the credentials (retrieved once, by awsauth in the
// primary Region: a role is assumed once) and the account lookup; each has
// its own ECR client, signed for its Region. With several Regions they share
// one bound too, so that max-concurrency bounds the step as a whole.
//
// ECR Public has one control-plane Region whatever aws-region says (the
// inputs refuse a list of Regions with public: true): one Reconciler there.
func reconcilers(cfg *inputs.Config, auth awsauth.Result, maskAccount func(string)) []*reconcile.Reconciler {
	if cfg.Public {
		return []*reconcile.Reconciler{{
			ECR: publicecr.New(auth.Config),
			Options: reconcile.Options{
				DryRun:                      cfg.DryRun,
				Region:                      regions.ECRPublicRegion,
				Account:                     auth.AccountID,
				AccountID:                   auth.AccountLookup(maskAccount),
				Analyzer:                    analyzer(auth, regions.ECRPublicRegion),
				FailOnPolicySecurityWarning: cfg.FailOnPolicySecurityWarning,
			},
		}}
	}
	var slots chan struct{}
	if len(cfg.Regions) > 1 {
		slots = make(chan struct{}, max(cfg.Concurrency, 1))
	}
	account := auth.AccountLookup(maskAccount)
	recs := make([]*reconcile.Reconciler, 0, len(cfg.Regions))
	for i, region := range cfg.Regions {
		var opts []func(*ecr.Options)
		if i > 0 {
			opts = append(opts, func(o *ecr.Options) { o.Region = region })
		}
		client := auth.ECRClient(opts...)
		recs = append(recs, &reconcile.Reconciler{
			ECR: ecrsdk.New(client),
			Options: reconcile.Options{
				DryRun:  cfg.DryRun,
				Preview: cfg.LifecyclePreview,
				Region:  region,
				// Known when the action assumed a role: the tags read then
				// goes out with the describe.
				Account:   auth.AccountID,
				AccountID: account,
				Slots:     slots,
				// The policy is checked in the Region it is written in:
				// one call per Region, shared by a batch's repositories.
				Analyzer:                    analyzer(auth, region),
				FailOnPolicySecurityWarning: cfg.FailOnPolicySecurityWarning,
			},
		})
	}
	return recs
}

// analyzer is IAM Access Analyzer in region, with the run's credentials,
// for the check of the declared repository policy. Its endpoint is the
// SDK's: AWS_ENDPOINT_URL_ACCESSANALYZER, else AWS_ENDPOINT_URL, else
// AWS's. ECR's override (AWS_ENDPOINT_URL_ECR) is not Access Analyzer's:
// it often names an ECR VPC endpoint, a FIPS endpoint or a proxy that
// does not serve Access Analyzer.
func analyzer(auth awsauth.Result, region string) reconcile.PolicyAnalyzer {
	return ecrsdk.NewAnalyzer(accessanalyzer.NewFromConfig(auth.Config, func(o *accessanalyzer.Options) { o.Region = region }))
}

// explainRefusals says why when ECR in one Region refused credentials that
// another Region accepted: AWS answers so for an opt-in Region the account
// has not enabled, and its message does not name the Region. When every
// Region refused them, the credentials themselves are the likelier cause,
// and the error is left as AWS gave it.
func explainRefusals(runs []Region) {
	refused := func(run Region) bool {
		for _, it := range run.Items {
			if isRegionRefusal(it.Err) {
				return true
			}
		}
		return false
	}
	accepted := false
	for _, run := range runs {
		accepted = accepted || !refused(run)
	}
	if !accepted {
		return
	}
	for _, run := range runs {
		for j, it := range run.Items {
			if isRegionRefusal(it.Err) {
				run.Items[j].Err = fmt.Errorf("%s: %w", regions.NotEnabledHint(run.Name), it.Err)
			}
		}
	}
}

// isRegionRefusal matches what ECR answers in a Region that does not take
// the credentials: UnrecognizedClientException ("The security token
// included in the request is invalid.") in an opt-in Region not enabled,
// InvalidSignatureException about the Region of the credential scope in a
// Region that does not exist.
func isRegionRefusal(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "UnrecognizedClientException":
		return true
	case "InvalidSignatureException":
		return strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "region")
	}
	return false
}
