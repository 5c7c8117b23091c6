package emulator

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// countImages counts a repository's images the way a caller deciding on
// force-delete would: DescribeImages through the SDK's paginator.
// It also returns the pages it read: the paginator's, not the emulator's
// call count, which an SDK retry of a page (a loopback connection closed
// under -race stress) would raise.
func countImages(t *testing.T, c *ecr.Client, name string, pageSize int32) (n int, digests []string, pages int) {
	t.Helper()
	p := ecr.NewDescribeImagesPaginator(c, &ecr.DescribeImagesInput{RepositoryName: aws.String(name), MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.ImageDetails)
		for _, d := range page.ImageDetails {
			digests = append(digests, aws.ToString(d.ImageDigest))
		}
	}
	return n, digests, pages
}

func TestDescribeImagesPages(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	if !f.emu.SeedImages("us-east-1", "", "app", 250) {
		t.Fatal("SeedImages: repository not found")
	}
	n, digests, pages := countImages(t, c, "app", 100)
	if n != 250 {
		t.Errorf("counted %d images, want 250", n)
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
	unique := slices.Clone(digests)
	slices.Sort(unique)
	if len(slices.Compact(unique)) != 250 {
		t.Error("digests repeat across pages")
	}
	// The default page is 100.
	out, err := c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("app")})
	if err != nil || len(out.ImageDetails) != 100 || out.NextToken == nil {
		t.Fatalf("default page: %d images, next %v, %v", len(out.ImageDetails), out.NextToken, err)
	}
	d := out.ImageDetails[0]
	if aws.ToString(d.RepositoryName) != "app" || aws.ToString(d.RegistryId) != testAccount || len(d.ImageTags) != 1 ||
		d.ImagePushedAt == nil || aws.ToInt64(d.ImageSizeInBytes) <= 0 {
		t.Errorf("image detail %+v", d)
	}
	// An empty repository has no images and no next page.
	create(t, c, "empty")
	if n, _, _ := countImages(t, c, "empty", 10); n != 0 {
		t.Errorf("empty repository: %d images", n)
	}

	for _, in := range []*ecr.DescribeImagesInput{
		{RepositoryName: aws.String("app"), MaxResults: aws.Int32(1001)},
		{RepositoryName: aws.String("app"), NextToken: aws.String("not a token")},
	} {
		_, err := f.ecr(noRetries).DescribeImages(ctx(t), in)
		wantErr[*types.InvalidParameterException](t, err)
	}
	_, err = c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("missing")})
	wantErr[*types.RepositoryNotFoundException](t, err)
	if f.emu.SeedImages("us-east-1", "", "missing", 1) {
		t.Error("SeedImages reported a missing repository as found")
	}
}

// Deleting a repository that holds images needs force, in the Region that
// holds it; the other Region's repository of the same name is untouched.
func TestDeleteNonEmptyRepository(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	west := f.ecr(inRegion("eu-west-1"), noRetries)
	create(t, west, "app")
	create(t, f.ecr(), "app")
	f.emu.SeedImages("eu-west-1", "", "app", 2)

	_, err := west.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	if e := asError[*types.RepositoryNotEmptyException](t, err); e.ErrorMessage() !=
		"The repository with name 'app' in registry with id '123456789012' cannot be deleted because it still contains images" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	if _, ok := f.emu.RepositoryIn("eu-west-1", "", "app"); !ok {
		t.Fatal("refused delete removed the repository")
	}
	if n, _, _ := countImages(t, west, "app", 1000); n != 2 {
		t.Errorf("%d images, want 2", n)
	}
	out, err := west.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true})
	if err != nil || aws.ToString(out.Repository.RepositoryArn) != "arn:aws:ecr:eu-west-1:123456789012:repository/app" {
		t.Fatalf("forced delete: %+v %v", out, err)
	}
	// A re-run finds nothing to delete.
	_, err = west.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true})
	wantErr[*types.RepositoryNotFoundException](t, err)
	if _, ok := f.emu.Repository("", "app"); !ok {
		t.Error("the us-east-1 repository went too")
	}
}

// DescribeImages names its repository, so right after creation it can miss
// it like the other reads do.
func TestDescribeImagesInvisibleAfterCreate(t *testing.T) {
	t.Parallel()
	f := start(t, Options{InvisibleReadsAfterCreate: 1})
	c := f.ecr(noRetries)
	create(t, c, "fresh")
	_, err := c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("fresh")})
	wantErr[*types.RepositoryNotFoundException](t, err)
	if _, err := c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("fresh")}); err != nil {
		t.Errorf("second read: %v", err)
	}
}
