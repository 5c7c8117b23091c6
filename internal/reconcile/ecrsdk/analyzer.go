package ecrsdk

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// AnalyzerAPI is IAM Access Analyzer's policy validation;
// *accessanalyzer.Client satisfies it.
type AnalyzerAPI interface {
	ValidatePolicy(context.Context, *accessanalyzer.ValidatePolicyInput, ...func(*accessanalyzer.Options)) (*accessanalyzer.ValidatePolicyOutput, error)
}

var _ AnalyzerAPI = (*accessanalyzer.Client)(nil)

// Analyzer is the engine's policy check (reconcile.PolicyAnalyzer) on IAM
// Access Analyzer.
type Analyzer struct{ API AnalyzerAPI }

var _ reconcile.PolicyAnalyzer = (*Analyzer)(nil)

// NewAnalyzer returns the adapter over an Access Analyzer SDK client.
func NewAnalyzer(api AnalyzerAPI) *Analyzer { return &Analyzer{API: api} }

// ValidatePolicy asks for one page of findings on text as a resource
// policy, with at most one retry.
func (a *Analyzer) ValidatePolicy(ctx context.Context, text, nextToken string) ([]reconcile.PolicyFinding, string, error) {
	out, err := a.API.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{
		PolicyDocument: aws.String(text),
		PolicyType:     aatypes.PolicyTypeResourcePolicy,
		NextToken:      optional(nextToken),
		// ValidatePolicyResourceType is left out: its values (S3, DynamoDB,
		// role trust policies) have none for an ECR repository, and the
		// general resource policy checks apply without it.
	}, func(o *accessanalyzer.Options) { o.RetryMaxAttempts = 2 })
	if err != nil {
		return nil, "", err
	}
	var findings []reconcile.PolicyFinding
	for _, f := range out.Findings {
		pf := reconcile.PolicyFinding{
			Type: string(f.FindingType), Details: aws.ToString(f.FindingDetails),
			IssueCode: aws.ToString(f.IssueCode), LearnMoreLink: aws.ToString(f.LearnMoreLink),
		}
		pf.Statement, pf.HasStatement = statementIndex(f.Locations)
		findings = append(findings, pf)
	}
	return findings, aws.ToString(out.NextToken), nil
}

// statementIndex is the statement a finding is located in: the first
// location whose path starts at Statement, then an index (a policy whose
// Statement is one object has no index: statement 0).
func statementIndex(locs []aatypes.Location) (int, bool) {
	for _, l := range locs {
		if len(l.Path) == 0 {
			continue
		}
		if k, ok := l.Path[0].(*aatypes.PathElementMemberValue); !ok || k.Value != "Statement" {
			continue
		}
		if len(l.Path) > 1 {
			if i, ok := l.Path[1].(*aatypes.PathElementMemberIndex); ok {
				return int(i.Value), true
			}
		}
		return 0, true
	}
	return 0, false
}
