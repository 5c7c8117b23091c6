package policy

import (
	"strings"
	"testing"
)

func TestValidateRepositoryPolicyTestdata(t *testing.T) {
	t.Parallel()
	for name, text := range seeds(t, "repository") {
		if err := ValidateRepositoryPolicy(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// stmt wraps statement fields into a one-statement policy.
func stmt(fields string) string {
	return `{"Version":"2012-10-17","Statement":[{` + fields + `}]}`
}

const (
	pullAction = `"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]`
	anyone     = `"Principal":{"AWS":"111122223333"}`
)

func TestValidateRepositoryPolicyValid(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"single statement object": `{"Statement":{"Effect":"Allow",` + anyone + `,` + pullAction + `}}`,
		"no version":              `{"Statement":[{"Effect":"Allow",` + anyone + `,` + pullAction + `}]}`,
		"2008 version":            `{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"ecr:*"}]}`,
		"NotPrincipal NotAction":  stmt(`"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"NotAction":"ecr:BatchGetImage"`),
		"wildcards and case":      stmt(`"Effect":"Allow","Principal":{"AWS":"*"},"Action":["ECR:Batch*","ecr:Get?ownloadUrlForLayer","*"]`),
		"several principal types": stmt(`"Effect":"Allow","Principal":{"Service":["codebuild.amazonaws.com"],"AWS":["111122223333"]},` + pullAction),
		"numeric and bool condition": stmt(`"Effect":"Allow",` + anyone + `,` + pullAction +
			`,"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":[true]}}`),
		"id and empty sid": `{"Id":"x","Statement":[{"Sid":"","Effect":"Allow",` + anyone + `,` + pullAction + `},{"Sid":"","Effect":"Allow",` + anyone + `,` + pullAction + `}]}`,
	} {
		if err := ValidateRepositoryPolicy(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateRepositoryPolicyInvalid(t *testing.T) {
	t.Parallel()
	long := stmt(`"Sid":"` + strings.Repeat("a", MaxRepositoryPolicyChars) + `","Effect":"Allow",` + anyone + `,` + pullAction)
	tests := []struct {
		name, text string
		want       []string // substrings: what is wrong and how to fix it
	}{
		{"empty", " ", []string{"is empty", "write a JSON object"}},
		{"not JSON", "{\"Statement\": [\n}", []string{"not valid JSON", "line 2", "missing commas"}},
		{"array", `[{"Effect":"Allow"}]`, []string{"must be a JSON object", "not an array"}},
		{"string", `"policy"`, []string{"must be a JSON object", "not a string"}},
		{"trailing data", `{"Statement":[]} {}`, []string{"unexpected text after the end"}},
		{"duplicate key", `{"Statement":[],"Statement":[]}`, []string{`key "Statement" appears twice`}},
		{"too long", long, []string{"characters; ECR accepts at most 10240"}},
		{"unknown top element", `{"Statements":[]}`, []string{`unknown element "Statements"`, "Version, Id, Statement"}},
		{"bad version", `{"Version":"2012-10-18","Statement":[]}`, []string{`Version "2012-10-18" is not supported`, `use "2012-10-17"`}},
		{"numeric id", `{"Id":1,"Statement":[]}`, []string{"Id must be a string"}},
		{"no statement", `{"Version":"2012-10-17"}`, []string{"has no Statement", `write "Statement"`}},
		{"empty statements", `{"Statement":[]}`, []string{"Statement list is empty", "use none to remove"}},
		{"statement string", `{"Statement":"x"}`, []string{"Statement must be an object or a list", "write"}},
		{"statement item", `{"Statement":[1]}`, []string{"statement 1 must be an object"}},
		{"resource", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"Resource":"*"`),
			[]string{"remove the Resource element; a repository policy applies to its repository"}},
		{"not resource", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"NotResource":"*"`),
			[]string{"remove the NotResource element"}},
		{"duplicate sid", `{"Statement":[{"Sid":"A","Effect":"Allow",` + anyone + `,` + pullAction + `},{"Sid":"A","Effect":"Allow",` + anyone + `,` + pullAction + `}]}`,
			[]string{`statements 1 and 2 both have Sid "A"`, "give each statement its own Sid"}},
		{"numeric sid", stmt(`"Sid":1,"Effect":"Allow",` + anyone + `,` + pullAction), []string{"Sid must be a string"}},
		{"unknown statement element", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"Conditions":{}`),
			[]string{`statement 1: the statement has an unknown element "Conditions"`, "case-sensitive"}},
		{"missing effect", stmt(anyone + `,` + pullAction), []string{"Effect is missing", `"Effect": "Allow"`}},
		{"lower-case effect", stmt(`"Effect":"allow",` + anyone + `,` + pullAction), []string{`Effect "allow" is not valid`, `use "Allow" or "Deny"`}},
		{"missing principal", stmt(`"Effect":"Allow",` + pullAction), []string{"Principal is missing", `add "Principal"`}},
		{"both principals", stmt(`"Effect":"Allow",` + anyone + `,"NotPrincipal":{"AWS":"*"},` + pullAction),
			[]string{"both Principal and NotPrincipal", "keep one"}},
		{"string principal", stmt(`"Effect":"Allow","Principal":"111122223333",` + pullAction), []string{`can only be "*"`, "write an object"}},
		{"empty principal", stmt(`"Effect":"Allow","Principal":{},` + pullAction), []string{"Principal is an empty object", "for example"}},
		{"numeric principal", stmt(`"Effect":"Allow","Principal":5,` + pullAction), []string{"Principal must be", "not a number"}},
		{"principal type", stmt(`"Effect":"Allow","Principal":{"User":"bob"},` + pullAction), []string{`Principal type "User" is not valid`, "use one of AWS, Service"}},
		{"principal value", stmt(`"Effect":"Allow","Principal":{"AWS":"bob"},` + pullAction), []string{`Principal AWS "bob" is not valid`, "use an account ID"}},
		{"principal list", stmt(`"Effect":"Allow","Principal":{"AWS":[]},` + pullAction), []string{"Principal AWS: the list is empty", "give at least one"}},
		{"missing action", stmt(`"Effect":"Allow",` + anyone), []string{"Action is missing", `add "Action"`}},
		{"both actions", stmt(`"Effect":"Allow",` + anyone + `,"Action":"ecr:*","NotAction":"ecr:PutImage"`), []string{"both Action and NotAction"}},
		{"empty action", stmt(`"Effect":"Allow",` + anyone + `,"Action":""`), []string{"Action: an empty string", "give a value"}},
		{"action item", stmt(`"Effect":"Allow",` + anyone + `,"Action":["ecr:*",3]`), []string{"item 2 is 3", "non-empty string"}},
		{"other service", stmt(`"Effect":"Allow",` + anyone + `,"Action":["ecr:BatchGetImage","s3:GetObject"]`),
			[]string{`Action "s3:GetObject" is not an ECR action`, "grant other services' actions in an IAM policy"}},
		{"no prefix", stmt(`"Effect":"Allow",` + anyone + `,"Action":"BatchGetImage"`), []string{`Action "BatchGetImage" is not valid`, `write actions as "ecr:Name"`}},
		{"condition string", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"Condition":"x"`), []string{"Condition must be an object", "for example"}},
		{"condition operator", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"Condition":{"StringEquals":"x"}`),
			[]string{`Condition operator "StringEquals" must map condition keys to values`}},
		{"condition value", stmt(`"Effect":"Allow",` + anyone + `,` + pullAction + `,"Condition":{"StringEquals":{"aws:x":{"a":"b"}}}`),
			[]string{`Condition StringEquals "aws:x" has an object as a value`, "use strings, numbers or booleans"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateRepositoryPolicy(tt.text)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRepositoryPoliciesEqual(t *testing.T) {
	t.Parallel()
	pullID := stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},` + pullAction)
	pullRoot := stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},` + pullAction)
	twoAccounts := stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["111122223333","444455556666"]},` + pullAction)
	twoAccountsSwapped := stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]`)
	a := `{"Sid":"A","Effect":"Allow",` + anyone + `,"Action":"ecr:BatchGetImage"}`
	b := `{"Sid":"B","Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository"}`
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"ECR re-formatted", seed(t, "repository", "cross-account-pull.ecr.json"), seed(t, "repository", "cross-account-pull.json"), true},
		{"account ID and root ARN", pullRoot, pullID, true},
		{"principal and action order", twoAccountsSwapped, twoAccounts, true},
		{"statement order", `{"Statement":[` + b + `,` + a + `]}`, `{"Statement":[` + a + `,` + b + `]}`, true},
		{"single action string and list", stmt(`"Effect":"Allow",` + anyone + `,"Action":["ecr:*"]`), stmt(`"Effect":"Allow",` + anyone + `,"Action":"ecr:*"`), true},
		{"pretty", Pretty(seed(t, "repository", "ci-push.json")), seed(t, "repository", "ci-push.json"), true},
		{"different action", pullID, stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:PutImage"]`), false},
		{"different account", pullID, stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"444455556666"},` + pullAction), false},
		{"different effect", pullID, stmt(`"Sid":"Pull","Effect":"Deny","Principal":{"AWS":"111122223333"},` + pullAction), false},
		{"extra statement", `{"Statement":[` + a + `]}`, `{"Statement":[` + a + `,` + b + `]}`, false},
		{"condition removed", seed(t, "repository", "lambda-pull.json"),
			stmt(`"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},` + pullAction), false},
		// ECR may store a declared policy with the default Version filled
		// in or a duplicate dropped; neither changes the meaning.
		{"no Version and the default Version", `{"Statement":[` + a + `]}`, `{"Version":"2008-10-17","Statement":[` + a + `]}`, true},
		{"no Version and the 2012 Version", `{"Statement":[` + a + `]}`, `{"Version":"2012-10-17","Statement":[` + a + `]}`, false},
		{"account ID beside its root ARN", stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},` + pullAction), pullRoot, true},
		{"principal given twice", stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["111122223333","111122223333"]},` + pullAction), pullID, true},
		{"action given twice", stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]`), pullID, true},
		{"action given twice in other case", stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ECR:batchgetimage","ecr:GetDownloadUrlForLayer"]`), pullID, true},
		{"service principal twice", stmt(`"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","lambda.amazonaws.com"]},"Action":"ecr:*"`),
			stmt(`"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:*"`), true},
		{"malformed statement", `{"Statement":[null]}`, pullID, false},
		{"non-string sid", stmt(`"Sid":1,"Effect":"Allow",` + anyone + `,` + pullAction), pullID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
				got, err := RepositoryPoliciesEqual(pair[0], pair[1], "aws")
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if got != tt.want {
					t.Errorf("RepositoryPoliciesEqual = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// ECR stores an account ID as the root ARN of the repository's own
// partition, so the comparison must expand it the same way.
func TestRepositoryPoliciesEqualPartition(t *testing.T) {
	t.Parallel()
	pull := func(principals string) string {
		return stmt(`"Sid":"Pull","Effect":"Allow","Principal":{"AWS":` + principals + `},` + pullAction)
	}
	id, two := pull(`"111122223333"`), pull(`["111122223333","444455556666"]`)
	for _, tt := range []struct {
		partition, a, b string
		want            bool
	}{
		{"aws-cn", pull(`"arn:aws-cn:iam::111122223333:root"`), id, true},
		{"aws-us-gov", pull(`"arn:aws-us-gov:iam::111122223333:root"`), id, true},
		{"aws-iso", pull(`"arn:aws-iso:iam::111122223333:root"`), id, true},
		{"aws-cn", pull(`["arn:aws-cn:iam::444455556666:root","arn:aws-cn:iam::111122223333:root"]`), two, true},
		{"aws-cn", pull(`["111122223333","arn:aws-cn:iam::111122223333:root"]`), id, true},
		// Another partition's root ARN is another principal.
		{"aws-cn", pull(`"arn:aws:iam::111122223333:root"`), id, false},
		{"aws", pull(`"arn:aws-cn:iam::111122223333:root"`), id, false},
		{"aws-cn", pull(`["arn:aws:iam::111122223333:root","111122223333"]`), id, false},
	} {
		for _, pair := range [][2]string{{tt.a, tt.b}, {tt.b, tt.a}} {
			got, err := RepositoryPoliciesEqual(pair[0], pair[1], tt.partition)
			if err != nil || got != tt.want {
				t.Errorf("RepositoryPoliciesEqual(%s, %s, %q) = %v, %v; want %v", pair[0], pair[1], tt.partition, got, err, tt.want)
			}
		}
	}
}

func TestRepositoryPoliciesEqualErrors(t *testing.T) {
	t.Parallel()
	valid := seed(t, "repository", "ci-push.json")
	for _, tt := range []struct{ a, b, want string }{
		{"{", valid, "first policy: the repository policy is not valid JSON"},
		{valid, "[]", "second policy: the repository policy must be a JSON object"},
		{valid, "", "second policy: the repository policy is empty"},
	} {
		eq, err := RepositoryPoliciesEqual(tt.a, tt.b, "aws")
		if err == nil || eq || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("RepositoryPoliciesEqual(%q, %q) = %v, %v; want error containing %q", tt.a, tt.b, eq, err, tt.want)
		}
	}
}

// ECR Public's IAM actions are its API operations: a name that is not one
// (ECR's BatchGetImage, PutLifecyclePolicy) is refused, and a private
// ecr: action is turned into its ecr-public: name only when that exists.
// Wildcards and case match as IAM matches them.
func TestValidatePublicRepositoryPolicyActions(t *testing.T) {
	t.Parallel()
	for _, a := range []string{`"*"`, `"ecr-public:*"`, `"ecr-public:Get*"`, `"ecr-public:batch*"`, `"ECR-PUBLIC:putimage"`, `"ecr-public:?utImage"`, `["ecr-public:PutImage","ecr-public:UploadLayerPart"]`} {
		if err := ValidatePublicRepositoryPolicy(stmt(`"Effect":"Allow",` + anyone + `,"Action":` + a)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, tt := range []struct {
		action string
		want   []string
		not    string
	}{
		{`"ecr:BatchGetImage"`, []string{`Action "ecr:BatchGetImage" is a private ECR action, and ECR Public has no "ecr-public:BatchGetImage"`, "ecr-public:PutImage, "}, "write"},
		{`"ecr:PutImage"`, []string{`is a private ECR action`, `write "ecr-public:PutImage"`}, "has no"},
		{`"ecr:Get*"`, []string{`write "ecr-public:Get*"`}, "has no"},
		{`["ecr-public:BatchGetImage","ecr-public:PutImage"]`, []string{`Action "ecr-public:BatchGetImage" is not an ECR Public action; its actions are ecr-public:BatchCheckLayerAvailability, `, "or ecr-public:* for all"}, ""},
		{`["ecr-public:PutImage","ecr-public:PutLifecyclePolicy"]`, []string{`"ecr-public:PutLifecyclePolicy" is not an ECR Public action`}, ""},
		{`"ecr-public:Bogus"`, []string{`"ecr-public:Bogus" is not an ECR Public action`}, ""},
		{`"ecr-public:Lifecycle*"`, []string{`"ecr-public:Lifecycle*" matches no ECR Public action`}, ""},
	} {
		err := ValidatePublicRepositoryPolicy(stmt(`"Effect":"Allow",` + anyone + `,"Action":` + tt.action))
		if err == nil {
			t.Errorf("%s: accepted", tt.action)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.action, err, w)
			}
		}
		if tt.not != "" && strings.Contains(err.Error(), tt.not) {
			t.Errorf("%s: error %q contains %q", tt.action, err, tt.not)
		}
	}
}
