package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPublicPrincipals(t *testing.T) {
	t.Parallel()
	org := `"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`
	for _, tc := range []struct {
		name   string
		text   string
		public bool
		refuse bool
	}{
		{"star principal", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"`), false, true},
		{"AWS star", stmt(`"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:BatchGetImage"`), false, true},
		{"star in a list", stmt(`"Effect":"Allow","Principal":{"AWS":["210987654321","*"]},"Action":"ecr:BatchGetImage"`), false, true},
		{"NotPrincipal", stmt(`"Effect":"Allow","NotPrincipal":{"AWS":"210987654321"},"Action":"ecr:BatchGetImage"`), false, true},
		{"org condition", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage",` + org), false, false},
		{"key case", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringLike":{"AWS:principalorgpaths":"o-a/r-b/*"}}}`), false, false},
		{"source account", stmt(`"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:BatchGetImage","Condition":{"StringEquals":{"aws:SourceAccount":"210987654321"}}`), false, false},
		{"negated operator", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false, true},
		{"IfExists", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc123"}}`), false, true},
		{"wildcard value", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringLike":{"aws:PrincipalArn":"*"}}`), false, true},
		{"negated operator, lower case", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"stringnotequals":{"aws:PrincipalOrgID":"o-abc123"}}`), false, true},
		{"IfExists, mixed case", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringEqualsifexists":{"aws:PrincipalOrgID":"o-abc123"}}`), false, true},
		{"ForAllValues, lower case", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"forallvalues:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false, true},
		{"wildcard organisation", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}`), false, true},
		{"wildcard account in an ARN", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:*"}}`), false, true},
		{"roles of one account by wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::210987654321:role/ci-*"}}`), false, false},
		{"a literal star under StringEquals is no wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::210987654321:role/a*"}}`), false, false},
		{"one wildcard value among several", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringLike":{"aws:PrincipalOrgID":["o-abc123","o-*"]}}`), false, true},
		{"source IP does not narrow", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), false, true},
		{"Deny", stmt(`"Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository"`), false, false},
		{"an account", stmt(`"Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":"ecr:*"`), false, false},
		{"service", stmt(`"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:BatchGetImage"`), false, false},
		{"public: a read", stmt(`"Effect":"Allow","Principal":"*","Action":["ecr-public:DescribeImages","ecr-public:BatchCheckLayerAvailability"]`), true, false},
		{"public: a push", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr-public:PutImage"`), true, true},
		{"public: a layer upload", stmt(`"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr-public:UploadLayerPart"`), true, true},
		{"public: a wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr-public:*"`), true, true},
		{"public: star", stmt(`"Effect":"Allow","Principal":"*","Action":"*"`), true, true},
		{"public: a write by wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr-public:Put*"`), true, true},
		{"public: reads by wildcard", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr-public:Describe*"`), true, false},
		{"public: NotAction", stmt(`"Effect":"Allow","Principal":"*","NotAction":"ecr-public:DeleteRepository"`), true, true},
		{"public: push by the org", stmt(`"Effect":"Allow","Principal":"*","Action":"ecr-public:PutImage",` + org), true, false},
	} {
		err := CheckPublicPrincipals(tc.text, tc.public)
		if got := err != nil; got != tc.refuse {
			t.Errorf("%s: refused=%v (%v), want %v", tc.name, got, err, tc.refuse)
		}
		if err != nil && !errors.Is(err, ErrPublicPolicy) {
			t.Errorf("%s: %v does not wrap ErrPublicPolicy", tc.name, err)
		}
	}
}

// The error names the statement and shows the condition to add.
func TestCheckPublicPrincipalsMessage(t *testing.T) {
	t.Parallel()
	text := `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":"ecr:BatchGetImage"},` +
		`{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}`
	err := CheckPublicPrincipals(text, false)
	for _, want := range []string{`statement 2 (Sid "Everyone")`, `"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-xxxxxxxxxx"}}`, "aws:SourceAccount"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	err = CheckPublicPrincipals(stmt(`"Effect":"Allow","Principal":"*","Action":["ecr-public:DescribeImages","ecr-public:PutImage"]`), true)
	if err == nil || !strings.Contains(err.Error(), `"ecr-public:PutImage"`) || !strings.Contains(err.Error(), "aws:PrincipalOrgID") {
		t.Errorf("public error = %v", err)
	}
}

func TestStatementNameIn(t *testing.T) {
	t.Parallel()
	text := `{"Statement":[{"Sid":"A","Effect":"Allow"},{"Effect":"Allow"}]}`
	for i, want := range []string{`statement 1 (Sid "A")`, "statement 2", "statement 3"} {
		if got := StatementNameIn(text, i); got != want {
			t.Errorf("%d: %q, want %q", i, got, want)
		}
	}
	if got := StatementNameIn(`{"Statement":{"Sid":"One"}}`, 0); got != `statement 1 (Sid "One")` {
		t.Errorf("single statement: %q", got)
	}
}
