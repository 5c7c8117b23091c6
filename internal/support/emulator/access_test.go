package emulator

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestInvisibleReadsAfterCreate(t *testing.T) {
	t.Parallel()
	f := start(t, Options{InvisibleReadsAfterCreate: 3})
	c := f.ecr()
	create(t, c, "fresh")
	f.emu.PutRepository(Repository{Name: "seeded"}) // not created through the API: visible at once

	_, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"seeded", "fresh"}})
	if e := asError[*types.RepositoryNotFoundException](t, err); e.ErrorMessage() !=
		"The repository with name 'fresh' does not exist in the registry with id '123456789012'" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	_, err = c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("fresh")})
	wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("fresh"), LifecyclePolicyText: aws.String(
		`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)})
	wantErr[*types.RepositoryNotFoundException](t, err)

	// The three invisible reads are used up.
	out, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"fresh"}})
	if err != nil || len(out.Repositories) != 1 {
		t.Fatalf("fourth read: %v", err)
	}
	_, err = c.GetRepositoryPolicy(ctx(t), &ecr.GetRepositoryPolicyInput{RepositoryName: aws.String("fresh")})
	wantErr[*types.RepositoryPolicyNotFoundException](t, err)

	// A second creation attempt sees the repository even while reads do not.
	create(t, c, "again")
	_, err = c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("again")})
	wantErr[*types.RepositoryAlreadyExistsException](t, err)
	_, err = c.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/again")})
	wantErr[*types.RepositoryNotFoundException](t, err)
}

func TestAllowedActions(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.SetAllowedActions([]string{"ecr:DescribeRepositories", "sts:GetCallerIdentity"})
	c := f.ecr()
	if err := describe(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/app")})
	ae := wantAPIError(t, err, "AccessDeniedException")
	const want = "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: ecr:CreateRepository on resource: " +
		"arn:aws:ecr:us-east-1:123456789012:repository/team/app because no identity-based policy allows the ecr:CreateRepository action"
	if ae.ErrorMessage() != want {
		t.Errorf("message\n%q\nwant\n%q", ae.ErrorMessage(), want)
	}
	if httpStatus(t, err) != 400 || f.emu.RepositoryCount() != 0 {
		t.Errorf("status %d, %d repositories", httpStatus(t, err), f.emu.RepositoryCount())
	}

	s := f.sts(static(staticKey))
	if _, err := s.GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("denied")})
	wantCode(t, err, "AccessDenied")
	_, err = f.sts(aws.AnonymousCredentials{}).AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(roleARN), RoleSessionName: aws.String("denied"), WebIdentityToken: aws.String("token"),
	})
	wantCode(t, err, "AccessDenied")

	f.emu.SetAllowedActions(nil)
	create(t, c, "team/app")
}

func TestCallLog(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"app", "other"}, RegistryId: aws.String(testAccount)})
	_, _ = c.TagResource(ctx(t), &ecr.TagResourceInput{ResourceArn: out.Repository.RepositoryArn,
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	_, _ = c.GetLifecyclePolicy(ctx(t), &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})

	calls := f.emu.Calls()
	type summary struct {
		Service, Operation, AccessKeyID, Repository, RegistryID string
		Status                                                  int
		ErrorCode                                               string
		Write                                                   bool
	}
	var got []summary
	for _, c := range calls {
		got = append(got, summary{c.Service, c.Operation, c.AccessKeyID, c.Repository, c.Params["registryId"], c.Status, c.ErrorCode, c.IsWrite()})
	}
	want := []summary{
		{"ecr", "CreateRepository", staticKey, "app", "", 200, "", true},
		{"ecr", "DescribeRepositories", staticKey, "app", testAccount, 400, "RepositoryNotFoundException", false},
		{"ecr", "TagResource", staticKey, "app", "", 200, "", true},
		{"ecr", "GetLifecyclePolicy", staticKey, "app", "", 400, "LifecyclePolicyNotFoundException", false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("call log\n%+v\nwant\n%+v", got, want)
	}
	if w := f.emu.Writes(); len(w) != 2 || w[0].Operation != "CreateRepository" || w[1].Operation != "TagResource" {
		t.Errorf("Writes() = %+v", w)
	}
	if f.emu.Count("DescribeRepositories") != 1 || f.emu.Count("DeleteRepository") != 0 {
		t.Error("Count is wrong")
	}
	calls[1].Params["registryId"] = "changed"
	if f.emu.Calls()[1].Params["registryId"] != testAccount {
		t.Error("Calls returned shared state")
	}
	f.emu.ResetCalls()
	if len(f.emu.Calls()) != 0 || f.emu.Count("CreateRepository") != 0 {
		t.Error("ResetCalls left entries")
	}
	if (Call{Service: "sts", Operation: "CreateRepository"}).IsWrite() || !(Call{Service: "ecr", Operation: "DeleteRepository"}).IsWrite() {
		t.Error("IsWrite misclassifies")
	}
}
