package emulator

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/smithy-go"
)

func (f *fixture) analyzer(region string) *accessanalyzer.Client {
	return accessanalyzer.NewFromConfig(f.config(static(staticKey)), func(o *accessanalyzer.Options) {
		o.BaseEndpoint = aws.String(f.url)
		o.Region = region
	})
}

func validate(t *testing.T, c *accessanalyzer.Client, text string) ([]types.ValidatePolicyFinding, error) {
	t.Helper()
	var all []types.ValidatePolicyFinding
	p := accessanalyzer.NewValidatePolicyPaginator(c, &accessanalyzer.ValidatePolicyInput{
		PolicyDocument: aws.String(text), PolicyType: types.PolicyTypeResourcePolicy, MaxResults: aws.Int32(1),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			return all, err
		}
		all = append(all, out.Findings...)
	}
	return all, nil
}

func codes(fs []types.ValidatePolicyFinding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.FindingType)+" "+aws.ToString(f.IssueCode))
	}
	return out
}

// The emulator's own checks, through the real client, one finding a page.
func TestValidatePolicyChecks(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.analyzer("eu-west-1")
	good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["210987654321","arn:aws:iam::210987654321:role/ci"]},"Action":["ecr:BatchGetImage","ecr:Get*"]}]}`
	if fs, err := validate(t, c, good); err != nil || len(fs) != 0 {
		t.Errorf("a valid policy: %v, %v", codes(fs), err)
	}
	bad := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::2109:role/ci"},"Action":["ecr:BatchGetImage","ecr:PullImage"]}]}`
	fs, err := validate(t, c, bad)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"WARNING MISSING_VERSION", "ERROR INVALID_ACTION", "ERROR INVALID_ARN_PRINCIPAL"}; !slices.Equal(codes(fs), want) {
		t.Errorf("findings = %v, want %v", codes(fs), want)
	}
	// The invalid action's location: Statement, its index, Action, index.
	loc := fs[1].Locations[0]
	if len(loc.Path) != 4 || loc.Path[1].(*types.PathElementMemberIndex).Value != 0 || loc.Path[3].(*types.PathElementMemberIndex).Value != 1 ||
		aws.ToInt32(loc.Span.Start.Offset) == 0 || aws.ToString(fs[1].LearnMoreLink) == "" {
		t.Errorf("location = %+v", loc)
	}
	// Findings a test sets come after the emulator's own.
	f.emu.SetPolicyFindings([]PolicyFinding{{Type: FindingSecurityWarning, IssueCode: "EXTERNAL_PRINCIPAL", Details: "d", Statement: 0}, {Type: FindingSuggestion, IssueCode: "S", Details: "s", Statement: -1}})
	fs, _ = validate(t, c, good)
	if want := []string{"SECURITY_WARNING EXTERNAL_PRINCIPAL", "SUGGESTION S"}; !slices.Equal(codes(fs), want) {
		t.Errorf("set findings = %v, want %v", codes(fs), want)
	}
	calls := f.emu.Calls()
	if len(calls) == 0 || calls[0].Service != "access-analyzer" || calls[0].Region != "eu-west-1" || calls[0].IsWrite() || calls[0].Params["policyType"] != "RESOURCE_POLICY" {
		t.Errorf("call log: %+v", calls)
	}
}

// A denial is IAM's: AccessDeniedException, as with any other action.
func TestValidatePolicyDenied(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.SetAllowedActions([]string{"ecr:*"})
	_, err := validate(t, f.analyzer("us-east-1"), `{"Version":"2012-10-17","Statement":[]}`)
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Errorf("err = %v, want AccessDeniedException", err)
	}
	f.emu.SetAllowedActions([]string{"access-analyzer:ValidatePolicy"})
	if _, err := validate(t, f.analyzer("us-east-1"), `{"Version":"2012-10-17","Statement":[]}`); err != nil {
		t.Errorf("allowed: %v", err)
	}
}

// ValidatePolicy and SetRepositoryPolicy know the same ECR actions (those
// of ECR's model, with the permission-only ones) and the same principals:
// the emulator has one list and one pattern.
func TestValidatePolicyAgreesWithTheRepositoryPolicyGrammar(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.analyzer("us-east-1")
	for _, tc := range []struct {
		action, principal string
		valid             bool
	}{
		{"ecr:DeleteSigningConfiguration", "210987654321", true},
		{"ecr:RegisterPullTimeUpdateExclusion", "210987654321", true},
		{"ecr:DeregisterPullTimeUpdateExclusion", "210987654321", true},
		{"ecr:ListPullTimeUpdateExclusions", "210987654321", true},
		{"ecr:BatchImportUpstreamImage", "210987654321", true},
		{"ecr:GetImageCopyStatus", "210987654321", false},
		{"ecr:BatchGetImage", "arn:aws:sts::210987654321:federated-user/ci", true},
		{"ecr:BatchGetImage", "arn:aws:iam::2109876543210:role/ci", false},
	} {
		text := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + tc.principal + `"},"Action":"` + tc.action + `"}]}`
		fs, err := validate(t, c, text)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(fs) == 0; got != tc.valid {
			t.Errorf("%s for %s: findings %v, want valid=%v", tc.action, tc.principal, codes(fs), tc.valid)
		}
		if got := grammatical(map[string]any{"Principal": map[string]any{"AWS": tc.principal}, "Action": tc.action}); got != tc.valid {
			t.Errorf("%s for %s: the repository policy grammar says %v, want %v", tc.action, tc.principal, got, tc.valid)
		}
	}
}
