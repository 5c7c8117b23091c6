package policy

import (
	"strings"
	"testing"
)

// TestGrammarRefusals: what IAM's grammar makes certainly invalid is
// refused with the statement named and a fix, before ECR could answer it
// as a principal still propagating.
func TestGrammarRefusals(t *testing.T) {
	t.Parallel()
	stmt := func(body string) string {
		return `{"Statement":[{"Sid":"ok","Effect":"Allow","Principal":"*","Action":"ecr:*"},{"Sid":"bad",` + body + `}]}`
	}
	tests := []struct {
		name, policy string
		want         []string
	}{
		{"wildcard in account ARN", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:*"},"Action":"ecr:*"`),
			[]string{`statement 2 (Sid "bad")`, "wildcard inside it", `"*" only as the whole principal`, "aws:PrincipalArn"}},
		{"wildcard in role name", stmt(`"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/ci-*"]},"Action":"ecr:*"`),
			[]string{`statement 2 (Sid "bad")`, "role/ci-*", "wildcard inside it"}},
		{"group", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/devs"},"Action":"ecr:*"`),
			[]string{"is an IAM group", "name the group's users or a role"}},
		{"other service ARN", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:lambda:us-east-1:111122223333:function:f"},"Action":"ecr:*"`),
			[]string{"IAM has no such principal", "arn:aws:iam::123456789012:role/name"}},
		{"IAM policy ARN", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:policy/p"},"Action":"ecr:*"`),
			[]string{"IAM has no such principal"}},
		{"unknown partition", stmt(`"Effect":"Allow","Principal":{"AWS":"arn:aws-xx:iam::111122223333:root"},"Action":"ecr:*"`),
			[]string{`partition "aws-xx"`, "does not exist"}},
		{"service wildcard", stmt(`"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"ecr:*"`),
			[]string{"Service", "wildcard inside it"}},
		{"service ARN", stmt(`"Effect":"Allow","Principal":{"Service":"arn:aws:iam::111122223333:root"},"Action":"ecr:*"`),
			[]string{"is not a service principal", "lambda.amazonaws.com"}},
		{"unknown action", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:PullImages"`),
			[]string{`statement 2 (Sid "bad")`, `"ecr:PullImages" is not an ECR action`, "Service Authorization Reference"}},
		{"typo of an action", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImages"`),
			[]string{"did you mean ecr:BatchGetImage?"}},
		{"wildcard matching none", stmt(`"Effect":"Allow","Principal":"*","NotAction":["ecr:Get*","ecr:Pull*"]`),
			[]string{`NotAction "ecr:Pull*" matches no ECR action`}},
		{"unknown operator", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEqual":{"aws:PrincipalOrgID":"o-1"}}`),
			[]string{`Condition operator "StringEqual" is not an IAM condition operator`, "StringEquals"}},
		{"Null with IfExists", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"NullIfExists":{"aws:SourceArn":"true"}}`),
			[]string{`"NullIfExists" is not an IAM condition operator`}},
		{"unknown set operator", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"ForSomeValues:StringLike":{"aws:TagKeys":"a"}}`),
			[]string{`"ForSomeValues:StringLike" is not an IAM condition operator`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateRepositoryPolicy(tc.policy)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestGrammarAccepts: every principal shape, partition, action form and
// operator form IAM and ECR accept passes.
func TestGrammarAccepts(t *testing.T) {
	t.Parallel()
	for _, st := range []string{
		`"Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws-cn:iam::111122223333:role/path/to/ci","arn:aws-us-gov:iam::111122223333:user/u@x","arn:aws-iso:sts::111122223333:assumed-role/r/session","arn:aws-iso-b:sts::111122223333:federated-user/f","arn:aws-iso-f:iam::111122223333:root","arn:aws-eusc:iam::111122223333:root"]},"Action":"ecr:*"`,
		`"Principal":{"Service":["lambda.amazonaws.com","codebuild.amazonaws.com.cn"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]`,
		`"Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":["ECR:batchgetimage","ecr:Get*","ecr:*Image","ecr:?etAuthorizationToken"]`,
		`"Principal":"*","Action":["ecr:ReplicateImage","ecr:BatchImportUpstreamImage","ecr:CreateRepository"]`,
		`"Principal":"*","Action":"ecr:*","Condition":{"StringEquals":{"a":"b"},"StringLikeIfExists":{"a":"b"},"ForAnyValue:StringLike":{"aws:TagKeys":"x"},"ForAllValues:ArnNotLikeIfExists":{"a":"b"},"Null":{"a":"true"},"Bool":{"aws:SecureTransport":"true"},"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"},"numericlessthanequals":{"a":"1"}}`,
	} {
		if err := ValidateRepositoryPolicy(`{"Statement":[{"Effect":"Allow",` + st + `}]}`); err != nil {
			t.Errorf("%s: %v", st, err)
		}
	}
}

// TestPrincipalsToResolve names each AWS principal ECR must find, by
// statement.
func TestPrincipalsToResolve(t *testing.T) {
	t.Parallel()
	got := PrincipalsToResolve(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"},
	  {"Sid":"ci-Pull","Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::111122223333:role/deployer"],"Service":"lambda.amazonaws.com"},"Action":"ecr:*"},
	  {"Effect":"Deny","NotPrincipal":{"AWS":"210987654321"},"Action":"ecr:*"}]}`)
	want := []string{`statement 2 (Sid "ci-Pull"): arn:aws:iam::111122223333:role/deployer`, "statement 3: 210987654321"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}
