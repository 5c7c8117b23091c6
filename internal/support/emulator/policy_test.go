package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

const invalidPolicyMessage = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'"

func TestRepositoryPolicyIsReformatted(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	in := `{"Statement":[{"Action":["ecr:BatchGetImage"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}},` +
		`"Principal":{"AWS":["arn:aws:iam::999999999999:role/b","111122223333"]},"Effect":"Allow","Sid":"pull"}],"Version":"2012-10-17"}`
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "pull",
      "Effect": "Allow",
      "Principal": {
        "AWS": [
          "arn:aws:iam::111122223333:root",
          "arn:aws:iam::999999999999:role/b"
        ]
      },
      "Action": [
        "ecr:BatchGetImage"
      ],
      "Condition": {
        "StringEquals": {
          "aws:PrincipalOrgID": "o-1"
        }
      }
    }
  ]
}`
	set, err := c.SetRepositoryPolicy(ctx(t), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(in)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(set.PolicyText); got != want {
		t.Errorf("SetRepositoryPolicy returned\n%s\nwant\n%s", got, want)
	}
	get, err := c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(get.PolicyText) != want || aws.ToString(get.RegistryId) != testAccount || aws.ToString(get.RepositoryName) != "app" {
		t.Errorf("GetRepositoryPolicy: %+v", get)
	}

	del, err := c.DeleteRepositoryPolicy(ctx(t), &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(del.PolicyText) != want {
		t.Fatalf("delete: %v %v", del, err)
	}
	_, err = c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	_, err = c.DeleteRepositoryPolicy(ctx(t), &ecr.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")})
	wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	_, err = c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("nope")})
	wantErr[*types.RepositoryNotFoundException](t, err)
}

func TestFormatRepositoryPolicyKeepsShapes(t *testing.T) {
	t.Parallel()
	p, err := formatRepositoryPolicy(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"222233334444","Service":["b.example","a.example"]},"NotAction":"ecr:Delete*"}}`, "aws", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"NotPrincipal": {` + "\n" + `        "AWS": "arn:aws:iam::222233334444:root",`,
		`"Service": [` + "\n" + `          "b.example",`, // only AWS lists are sorted
		`"NotAction": "ecr:Delete*"`,
		`"Statement": [`,
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("formatted policy lacks %q:\n%s", want, p.text)
		}
	}
	if len(p.principals) != 1 || p.principals[0] != "arn:aws:iam::222233334444:root" {
		t.Errorf("principals %v", p.principals)
	}
}

func TestRepositoryPolicyValidation(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	ok := `{"Effect":"Allow","Principal":"*","Action":"ecr:*"}`
	tests := map[string]string{
		"not JSON":          `{`,
		"trailing data":     `{"Statement":[` + ok + `]} x`,
		"array":             `[` + ok + `]`,
		"no statement":      `{"Version":"2012-10-17"}`,
		"empty statement":   `{"Statement":[]}`,
		"resource":          `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}]}`,
		"not resource":      `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","NotResource":"*"}]}`,
		"bad effect":        `{"Statement":[{"Effect":"allow","Principal":"*","Action":"ecr:*"}]}`,
		"no principal":      `{"Statement":[{"Effect":"Allow","Action":"ecr:*"}]}`,
		"both principals":   `{"Statement":[{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"ecr:*"}]}`,
		"no action":         `{"Statement":[{"Effect":"Allow","Principal":"*"}]}`,
		"empty action list": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":[]}]}`,
		"bad principal":     `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"ecr:*"}]}`,
		// IAM's grammar, which ECR answers with the same message.
		"wildcard in ARN":       `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:*"},"Action":"ecr:*"}]}`,
		"wildcard role":         `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci-*"},"Action":"ecr:*"}]}`,
		"group principal":       `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/devs"},"Action":"ecr:*"}]}`,
		"other service ARN":     `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:lambda:us-east-1:111122223333:function:f"},"Action":"ecr:*"}]}`,
		"unknown partition":     `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-xx:iam::111122223333:root"},"Action":"ecr:*"}]}`,
		"service wildcard":      `{"Statement":[{"Effect":"Allow","Principal":{"Service":"*.amazonaws.com"},"Action":"ecr:*"}]}`,
		"unknown ecr action":    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:PullImage"}]}`,
		"wildcard matches none": `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:Pull*"}]}`,
		"unknown operator":      `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEqual":{"aws:PrincipalOrgID":"o-1"}}}]}`,
		"bad version":           `{"Version":"2020-01-01","Statement":[` + ok + `]}`,
		"unknown key":           `{"Statement":[` + ok + `],"Extra":1}`,
		"too long":              `{"Id":"` + strings.Repeat("x", maxPolicyChars) + `","Statement":[` + ok + `]}`,
	}
	for name, policy := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := c.SetRepositoryPolicy(ctx(t), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(policy)})
			e := asError[*types.InvalidParameterException](t, err)
			if e.ErrorMessage() != invalidPolicyMessage {
				t.Errorf("message %q", e.ErrorMessage())
			}
		})
	}
	if r, _ := f.emu.Repository("", "app"); r.Policy != "" {
		t.Errorf("invalid policies were stored: %q", r.Policy)
	}
}

func TestPendingPrincipal(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	policy := func(principal string) *ecr.SetRepositoryPolicyInput {
		return &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"ecr:BatchGetImage"}]}`)}
	}
	f.emu.SetPendingPrincipal("arn:aws:iam::111122223333:role/new", 2)
	f.emu.SetPendingPrincipal("arn:aws:iam::444455556666:root", -1)
	for i := range 2 {
		_, err := c.SetRepositoryPolicy(ctx(t), policy("arn:aws:iam::111122223333:role/new"))
		if e := asError[*types.InvalidParameterException](t, err); e.ErrorMessage() != invalidPolicyMessage {
			t.Errorf("attempt %d: message %q", i, e.ErrorMessage())
		}
	}
	if _, err := c.SetRepositoryPolicy(ctx(t), policy("arn:aws:iam::111122223333:role/new")); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	for range 3 { // a bare account ID is expanded before the check
		_, err := c.SetRepositoryPolicy(ctx(t), policy("444455556666"))
		wantErr[*types.InvalidParameterException](t, err)
	}
	f.emu.SetPendingPrincipal("arn:aws:iam::444455556666:root", 0)
	if _, err := c.SetRepositoryPolicy(ctx(t), policy("444455556666")); err != nil {
		t.Fatalf("after the principal appeared: %v", err)
	}
}

func TestLifecyclePolicy(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	in := `{
	  "rules": [
	    {"rulePriority": 1, "description": "keep <10> & go", "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 10}, "action": {"type": "expire"}},
	    {"selection": {"countUnit": "days", "countNumber": 14, "countType": "sinceImagePushed", "tagStatus": "any"}, "rulePriority": 5, "action": {"type": "expire"}}
	  ]
	}`
	want := `{"rules":[{"action":{"type":"expire"},"description":"keep <10> & go","rulePriority":1,"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagPrefixList":["v"],"tagStatus":"tagged"}},` +
		`{"action":{"type":"expire"},"rulePriority":5,"selection":{"countNumber":14,"countType":"sinceImagePushed","countUnit":"days","tagStatus":"any"}}]}`
	put, err := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(in)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(put.LifecyclePolicyText); got != want {
		t.Errorf("PutLifecyclePolicy returned\n%s\nwant\n%s", got, want)
	}
	get, err := c.GetLifecyclePolicy(ctx(t), &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(get.LifecyclePolicyText) != want {
		t.Fatalf("get: %v %v", get, err)
	}
	del, err := c.DeleteLifecyclePolicy(ctx(t), &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(del.LifecyclePolicyText) != want {
		t.Fatalf("delete: %v %v", del, err)
	}
	_, err = c.GetLifecyclePolicy(ctx(t), &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
	wantErr[*types.LifecyclePolicyNotFoundException](t, err)
	_, err = c.DeleteLifecyclePolicy(ctx(t), &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")})
	wantErr[*types.LifecyclePolicyNotFoundException](t, err)
}

func TestLifecyclePolicyValidation(t *testing.T) {
	t.Parallel()
	rule := func(prio, selection, action string) string {
		return `{"rulePriority":` + prio + `,"selection":` + selection + `,"action":` + action + `}`
	}
	rules := func(r ...string) string { return `{"rules":[` + strings.Join(r, ",") + `]}` }
	expire := `{"type":"expire"}`
	untagged := `{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5}`
	valid := map[string]string{
		"untagged":          rules(rule("1", untagged, expire)),
		"tag patterns":      rules(rule("1", `{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30}`, expire)),
		"transition":        rules(rule("1", `{"tagStatus":"any","countType":"sinceImagePushed","countUnit":"days","countNumber":30}`, `{"type":"transition","targetStorageClass":"archive"}`)),
		"expire archived":   rules(rule("1", `{"tagStatus":"any","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90,"storageClass":"archive"}`, expire)),
		"any rule is last":  rules(rule("1", untagged, expire), rule("9", `{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":50}`, expire)),
		"description given": `{"rules":[{"rulePriority":1,"description":"d","selection":` + untagged + `,"action":` + expire + `}]}`,
	}
	for name, text := range valid {
		if _, err := formatLifecyclePolicy(text, false); err != nil {
			t.Errorf("%s: rejected valid policy: %v", name, err)
		}
	}

	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	invalid := map[string]string{
		"not JSON":              `{"rules":`,
		"no rules":              `{}`,
		"empty rules":           `{"rules":[]}`,
		"extra property":        `{"rules":[` + rule("1", untagged, expire) + `],"x":1}`,
		"duplicate priority":    rules(rule("1", untagged, expire), rule("1", untagged, expire)),
		"zero priority":         rules(rule("0", untagged, expire)),
		"fractional priority":   rules(rule("1.5", untagged, expire)),
		"bad tag status":        rules(rule("1", `{"tagStatus":"some","countType":"imageCountMoreThan","countNumber":1}`, expire)),
		"tagged without list":   rules(rule("1", `{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1}`, expire)),
		"tagged with both":      rules(rule("1", `{"tagStatus":"tagged","tagPrefixList":["a"],"tagPatternList":["b*"],"countType":"imageCountMoreThan","countNumber":1}`, expire)),
		"any not last":          rules(rule("1", `{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1}`, expire), rule("2", untagged, expire)),
		"bad count type":        rules(rule("1", `{"tagStatus":"untagged","countType":"imagesOlderThan","countNumber":1}`, expire)),
		"pushed without unit":   rules(rule("1", `{"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":1}`, expire)),
		"count with unit":       rules(rule("1", `{"tagStatus":"untagged","countType":"imageCountMoreThan","countUnit":"days","countNumber":1}`, expire)),
		"transitioned no class": rules(rule("1", `{"tagStatus":"any","countType":"sinceImageTransitioned","countUnit":"days","countNumber":1}`, expire)),
		"zero count":            rules(rule("1", `{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":0}`, expire)),
		"bad action":            rules(rule("1", untagged, `{"type":"delete"}`)),
		"transition no target":  rules(rule("1", untagged, `{"type":"transition"}`)),
		"no selection":          `{"rules":[{"rulePriority":1,"action":{"type":"expire"}}]}`,
		"too long":              `{"rules":[{"rulePriority":1,"description":"` + strings.Repeat("d", maxLifecycleChars) + `","selection":` + untagged + `,"action":` + expire + `}]}`,
	}
	const prefix = "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: "
	for name, text := range invalid {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(text)})
			e := asError[*types.InvalidParameterException](t, err)
			if !strings.HasPrefix(e.ErrorMessage(), prefix) || !strings.HasSuffix(e.ErrorMessage(), "'") {
				t.Errorf("message %q", e.ErrorMessage())
			}
		})
	}
}

// TestFillPolicyDefaults: the knob stores a repository policy with the
// default Version and without duplicate principals or actions; without it
// the policy keeps what was sent.
func TestFillPolicyDefaults(t *testing.T) {
	t.Parallel()
	const text = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"],"Service":["a.example","a.example"]},"Action":["ecr:BatchGetImage","ecr:BatchGetImage"]}]}`
	for fill, want := range map[bool]struct{ version, accounts, actions, services int }{
		false: {0, 2, 2, 2},
		true:  {1, 1, 1, 1},
	} {
		f := start(t, Options{FillPolicyDefaults: fill})
		c := f.ecr()
		create(t, c, "app")
		if _, err := c.SetRepositoryPolicy(ctx(t), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(text)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
		if err != nil {
			t.Fatal(err)
		}
		got := aws.ToString(out.PolicyText)
		if strings.Count(got, `"2008-10-17"`) != want.version || strings.Count(got, "111122223333") != want.accounts ||
			strings.Count(got, "ecr:BatchGetImage") != want.actions || strings.Count(got, "a.example") != want.services {
			t.Errorf("FillPolicyDefaults=%v stored:\n%s", fill, got)
		}
	}
}

// TestRepositoryPolicyGrammarAccepted: the principals, actions and
// operators IAM's grammar allows are stored.
func TestRepositoryPolicyGrammarAccepted(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	for _, st := range []string{
		`{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root","arn:aws-cn:iam::111122223333:role/path/ci","arn:aws-us-gov:iam::111122223333:user/u","arn:aws-iso-b:sts::111122223333:assumed-role/r/s","arn:aws:sts::111122223333:federated-user/f"]},"Action":["ecr:BatchGetImage","ecr:ReplicateImage","ecr:get*","ecr:BatchImportUpstreamImage"]}`,
		`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:PrincipalTag/team":"a*"},"Null":{"aws:SourceArn":"false"}}}`,
	} {
		if _, err := c.SetRepositoryPolicy(ctx(t), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(`{"Statement":[` + st + `]}`)}); err != nil {
			t.Errorf("%s: %v", st, err)
		}
	}
}
