package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsauth"
	"github.com/ecr-reconcile/ecr-reconcile/internal/publicecr"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile/ecrsdk"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
)

// reconcilers makes one Reconciler per Region of aws-region, the primary
// first. They share the credentials (retrieved once, by awsauth in the
// primary Region: a role is assumed once) and the account lookup; each has
// its own ECR client, signed for its Region. With several Regions they share
// one bound too, so that max-concurrency bounds the step as a whole.
//
// ECR Public has one control-plane Region whatever aws-region says (the
// inputs refuse a list of Regions with public: true): one Reconciler there.
func (r *runner) reconcilers(auth awsauth.Result) []*reconcile.Reconciler {
	if r.cfg.Public {
		return []*reconcile.Reconciler{{
			ECR: publicecr.New(auth.Config),
			Options: reconcile.Options{
				DryRun:                      r.cfg.DryRun,
				Region:                      regions.ECRPublicRegion,
				Account:                     auth.AccountID,
				AccountID:                   auth.AccountLookup(r.maskAccount),
				Analyzer:                    analyzer(auth, regions.ECRPublicRegion),
				FailOnPolicySecurityWarning: r.cfg.FailOnPolicySecurityWarning,
			},
		}}
	}
	var slots chan struct{}
	if len(r.cfg.Regions) > 1 {
		slots = make(chan struct{}, max(r.cfg.Concurrency, 1))
	}
	account := auth.AccountLookup(r.maskAccount)
	recs := make([]*reconcile.Reconciler, 0, len(r.cfg.Regions))
	for i, region := range r.cfg.Regions {
		var opts []func(*ecr.Options)
		if i > 0 {
			opts = append(opts, func(o *ecr.Options) { o.Region = region })
		}
		client := auth.ECRClient(opts...)
		recs = append(recs, &reconcile.Reconciler{
			ECR: ecrsdk.New(client),
			Options: reconcile.Options{
				DryRun:  r.cfg.DryRun,
				Preview: r.cfg.LifecyclePreview,
				Region:  region,
				// Known when the action assumed a role: the tags read then
				// goes out with the describe.
				Account:   auth.AccountID,
				AccountID: account,
				Slots:     slots,
				// The policy is checked in the Region it is written in:
				// one call per Region, shared by a batch's repositories.
				Analyzer:                    analyzer(auth, region),
				FailOnPolicySecurityWarning: r.cfg.FailOnPolicySecurityWarning,
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

// regionRun is one Region's part of a step over several Regions. In single
// mode it holds one item, the repository.
type regionRun struct {
	region string
	items  []reconcile.Item
}

// runRegions reconciles in every Region at once; one Region's failure does
// not stop the others. Then it reports Region by Region, the primary first:
// the plans in the log, the job summary, and the outputs, where everything
// but the regions output describes the primary Region as with one Region.
func (r *runner) runRegions(ctx context.Context, recs []*reconcile.Reconciler) error {
	runs := make([]regionRun, len(recs))
	var wg sync.WaitGroup
	for i, rec := range recs {
		runs[i].region = rec.Options.Region
		wg.Go(func() {
			if r.cfg.Batch() {
				runs[i].items = rec.ReconcileBatch(ctx, r.cfg.Spec, r.cfg.Repositories, r.cfg.Concurrency)
				return
			}
			rec.Options.Slots <- struct{}{}
			defer func() { <-rec.Options.Slots }()
			res, err := rec.Reconcile(ctx, r.cfg.Spec)
			runs[i].items = []reconcile.Item{{Name: r.cfg.Spec.Name, Result: res, Err: err}}
		})
	}
	wg.Wait()
	r.stop(ctx)
	explainRefusals(runs)

	var outputs [][2]string
	single := map[string]ResultJSON{}
	batch := map[string]RegionBatchJSON{}
	sections := make([]report.RegionSection, 0, len(runs))
	var failed []string
	var noted []notedItem
	for i, run := range runs {
		b := r.reportBatch(run.items, run.region)
		noted = append(noted, b.noted...)
		if r.cfg.Batch() {
			r.log.info(run.region + ": " + report.BatchTally(run.items, r.cfg.DryRun, r.cfg.WarnOnly))
			batch[run.region] = b.regionEntry()
		} else {
			single[run.region] = b.results[r.cfg.Spec.Name]
		}
		if len(b.failed) > 0 {
			failed = append(failed, run.region)
		}
		switch {
		case i > 0:
		case r.cfg.Batch():
			outputs = b.outputs()
		case run.items[0].Result != nil:
			outputs = singleOutputs(run.items[0].Result)
		}
		sections = append(sections, report.RegionSection{Region: run.region, Primary: i == 0, Items: run.items})
	}
	r.annotateNotes(noted)
	if r.cfg.Batch() {
		outputs = append(outputs, regionsOutput(batch))
	} else {
		outputs = append(outputs, regionsOutput(single))
	}
	if err := r.publish(outputs, report.RegionsSummary(sections, r.cfg.Batch(), r.cfg.DryRun, r.cfg.WarnOnly)); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d Regions failed: %s: %w", len(failed), len(runs), strings.Join(failed, ", "), errReported)
	}
	return nil
}

// explainRefusals says why when ECR in one Region refused credentials that
// another Region accepted: AWS answers so for an opt-in Region the account
// has not enabled, and its message does not name the Region. When every
// Region refused them, the credentials themselves are the likelier cause,
// and the error is left as AWS gave it.
func explainRefusals(runs []regionRun) {
	refused := func(run regionRun) bool {
		for _, it := range run.items {
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
		for j, it := range run.items {
			if isRegionRefusal(it.Err) {
				run.items[j].Err = fmt.Errorf("%s: %w", regions.NotEnabledHint(run.region), it.Err)
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
