package emulator

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func inRegion(region string) func(*ecr.Options) {
	return func(o *ecr.Options) { o.Region = region }
}

// One emulator keeps each Region's registry apart: the same name lives in
// two Regions with its own settings, ARN and URI, and deleting it in one
// leaves the other.
func TestRegionsAreIndependent(t *testing.T) {
	t.Parallel()
	f := start(t, Options{Region: "us-east-1"})
	east, west := f.ecr(inRegion("us-east-1")), f.ecr(inRegion("eu-west-1"))

	for region, c := range map[string]*ecr.Client{"us-east-1": east, "eu-west-1": west} {
		out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{
			RepositoryName: aws.String("team/app"),
			Tags:           []types.Tag{{Key: aws.String("region"), Value: aws.String(region)}},
		})
		if err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		if got, want := aws.ToString(out.Repository.RepositoryArn), "arn:aws:ecr:"+region+":123456789012:repository/team/app"; got != want {
			t.Errorf("ARN %s, want %s", got, want)
		}
		if got, want := aws.ToString(out.Repository.RepositoryUri), "123456789012.dkr.ecr."+region+".amazonaws.com/team/app"; got != want {
			t.Errorf("URI %s, want %s", got, want)
		}
	}
	// A second create in the same Region is refused; the other Region did
	// not make the first one fail.
	_, err := west.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/app")})
	wantErr[*types.RepositoryAlreadyExistsException](t, err)

	if _, err := west.PutImageTagMutability(ctx(t), &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("team/app"), ImageTagMutability: types.ImageTagMutabilityImmutable,
	}); err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string]types.ImageTagMutability{"us-east-1": "MUTABLE", "eu-west-1": "IMMUTABLE"} {
		c := f.ecr(inRegion(region))
		d, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
		if err != nil {
			t.Fatal(err)
		}
		r := d.Repositories[0]
		if r.ImageTagMutability != want {
			t.Errorf("%s: mutability %s, want %s", region, r.ImageTagMutability, want)
		}
		tags, err := c.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{ResourceArn: r.RepositoryArn})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != region {
			t.Errorf("%s: tags %+v", region, tags.Tags)
		}
		stored, ok := f.emu.RepositoryIn(region, "", "team/app")
		if !ok || stored.Region != region || stored.Mutability != string(want) {
			t.Errorf("%s: stored %+v", region, stored)
		}
	}

	// Each call is logged with the Region it was signed for.
	var regions []string
	for _, c := range f.emu.Calls() {
		if c.Operation == "PutImageTagMutability" {
			regions = append(regions, c.Region)
		}
	}
	if len(regions) != 1 || regions[0] != "eu-west-1" {
		t.Errorf("PutImageTagMutability logged for %q, want [eu-west-1]", regions)
	}

	if _, err := west.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/app")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.emu.RepositoryIn("eu-west-1", "", "team/app"); ok {
		t.Error("still in eu-west-1 after delete")
	}
	if _, ok := f.emu.Repository("", "team/app"); !ok {
		t.Error("deleting in eu-west-1 removed the us-east-1 repository")
	}
	_, err = west.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	wantErr[*types.RepositoryNotFoundException](t, err)
	if n := f.emu.RepositoryCount(); n != 1 {
		t.Errorf("RepositoryCount %d, want 1", n)
	}
}

// A tag call names its repository by ARN; an ARN of another Region is not a
// resource of the Region the request was signed for.
func TestTagCallWithAnotherRegionsARN(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	east := f.ecr(inRegion("us-east-1"))
	create(t, east, "app")
	west := f.ecr(inRegion("eu-west-1"), noRetries)
	_, err := west.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{
		ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/app"),
	})
	wantErr[*types.InvalidParameterException](t, err)
}

func TestPartitionNames(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	for region, want := range map[string][2]string{
		"cn-north-1":    {"arn:aws-cn:ecr:cn-north-1:123456789012:repository/app", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app"},
		"us-gov-west-1": {"arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app", "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app"},
	} {
		c := f.ecr(inRegion(region))
		out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]string{aws.ToString(out.Repository.RepositoryArn), aws.ToString(out.Repository.RepositoryUri)}; got != want {
			t.Errorf("%s: %q, want %q", region, got, want)
		}
		// Tag calls take the partition's ARN.
		if _, err := c.TagResource(ctx(t), &ecr.TagResourceInput{
			ResourceArn: out.Repository.RepositoryArn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		}); err != nil {
			t.Errorf("%s: TagResource: %v", region, err)
		}
	}
}

// An opt-in Region the account has not enabled answers every ECR call with
// UnrecognizedClientException, changes nothing, and leaves other Regions
// working; enabling it makes it serve.
func TestRegionNotEnabled(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.SetRegionStatus("ap-east-1", RegionNotEnabled)
	hk := f.ecr(inRegion("ap-east-1"))

	_, err := hk.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
	ae := wantAPIError(t, err, "UnrecognizedClientException")
	if ae.ErrorMessage() != "The security token included in the request is invalid." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	_, err = hk.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"app"}})
	wantCode(t, err, "UnrecognizedClientException")
	if _, ok := f.emu.RepositoryIn("ap-east-1", "", "app"); ok {
		t.Error("a refused CreateRepository stored a repository")
	}
	// Not retried: the SDK does not retry an invalid token.
	if n := f.emu.Count("CreateRepository"); n != 1 {
		t.Errorf("CreateRepository received %d times, want 1", n)
	}

	create(t, f.ecr(inRegion("eu-west-1")), "app")

	f.emu.SetRegionStatus("ap-east-1", RegionEnabled)
	create(t, hk, "app")
	if r, ok := f.emu.RepositoryIn("ap-east-1", "", "app"); !ok || r.ARN != "arn:aws:ecr:ap-east-1:123456789012:repository/app" {
		t.Errorf("after enabling: %+v %v", r, ok)
	}
}

func TestRegionUnknown(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.SetRegionStatus("xx-nowhere-1", RegionUnknown)
	_, err := f.ecr(inRegion("xx-nowhere-1")).DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{})
	ae := wantAPIError(t, err, "InvalidSignatureException")
	if n := f.emu.Count("DescribeRepositories"); n != 1 {
		t.Errorf("DescribeRepositories received %d times, want 1 (not retried)", n)
	}
	if ae.ErrorMessage() != "Credential should be scoped to a valid region." {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	// A Region not marked is served.
	if _, err := f.ecr(inRegion("xx-elsewhere-1")).DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{}); err != nil {
		t.Errorf("unmarked Region: %v", err)
	}
}

func TestRegionOf(t *testing.T) {
	t.Parallel()
	e := New(Options{Region: "eu-central-1"})
	for auth, want := range map[string]string{
		"AWS4-HMAC-SHA256 Credential=AKID/20260101/ap-south-2/ecr/aws4_request, SignedHeaders=host, Signature=abc": "ap-south-2",
		"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecr-public/aws4_request,SignedHeaders=host":           "us-east-1",
		"":                                      "eu-central-1",
		"AWS4-HMAC-SHA256 Credential=AKID/2026": "eu-central-1",
	} {
		if got := e.regionOf(auth); got != want {
			t.Errorf("regionOf(%q) = %q, want %q", auth, got, want)
		}
	}
}

// Batch mode reconciles several Regions at once: concurrent creates and
// reads of one name in several Regions each see only their own Region.
func TestRegionsConcurrently(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	regions := []string{"us-east-1", "us-east-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "sa-east-1"}
	errs := make(chan error, len(regions)*2)
	done := make(chan struct{})
	for _, region := range regions {
		go func() {
			c := f.ecr(inRegion(region))
			_, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("shared"),
				Tags: []types.Tag{{Key: aws.String("region"), Value: aws.String(region)}}})
			errs <- err
			_, err = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"shared"}})
			errs <- err
			done <- struct{}{}
		}()
	}
	for range regions {
		<-done
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, region := range regions {
		r, ok := f.emu.RepositoryIn(region, "", "shared")
		if !ok || r.Tags["region"] != region || r.URI != "123456789012.dkr.ecr."+region+".amazonaws.com/shared" {
			t.Errorf("%s: %+v %v", region, r, ok)
		}
	}
	if n := f.emu.RepositoryCount(); n != len(regions) {
		t.Errorf("%d repositories, want %d", n, len(regions))
	}
}
