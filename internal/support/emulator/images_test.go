package emulator

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func TestPutImagesAndDescribeImages(t *testing.T) {
	t.Parallel()
	f := start(t, Options{Clock: func() time.Time { return previewNow }})
	c := f.ecr()
	if err := f.emu.PutImages("", "app", Image{}); err == nil {
		t.Error("PutImages into a missing repository did not fail")
	}
	create(t, c, "app")
	if err := f.emu.PutImages("", "app", Image{StorageClass: "GLACIER"}); err == nil {
		t.Error("unknown storage class accepted")
	}
	err := f.emu.PutImages("", "app",
		Image{Digest: "sha256:aa", Tags: []string{"v1", "latest"}, PushedAt: daysAgo(3), SizeBytes: 1000, LastRecordedPullTime: daysAgo(1)},
		Image{Digest: "sha256:bb", PushedAt: daysAgo(2), SizeBytes: 2000},
		Image{Digest: "sha256:cc", Tags: []string{"old"}, PushedAt: daysAgo(300), StorageClass: StorageArchive},
		// A push of "latest" moves the tag from sha256:aa.
		Image{Digest: "sha256:dd", Tags: []string{"latest"}},
	)
	if err != nil {
		t.Fatal(err)
	}

	describe := func(in *ecr.DescribeImagesInput) map[string]types.ImageDetail {
		t.Helper()
		in.RepositoryName = aws.String("app")
		out := map[string]types.ImageDetail{}
		p := ecr.NewDescribeImagesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.ImageDetails {
				out[aws.ToString(d.ImageDigest)] = d
			}
		}
		return out
	}
	keys := func(m map[string]types.ImageDetail) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}

	all := describe(&ecr.DescribeImagesInput{MaxResults: aws.Int32(1)})
	if got := keys(all); !slices.Equal(got, []string{"sha256:aa", "sha256:bb", "sha256:dd"}) {
		t.Errorf("active images %v (archived images are left out unless asked for)", got)
	}
	a := all["sha256:aa"]
	if !slices.Equal(a.ImageTags, []string{"v1"}) || aws.ToInt64(a.ImageSizeInBytes) != 1000 || !aws.ToTime(a.ImagePushedAt).Equal(daysAgo(3)) ||
		!aws.ToTime(a.LastRecordedPullTime).Equal(daysAgo(1)) || a.ImageStatus != types.ImageStatusActive ||
		aws.ToString(a.RegistryId) != testAccount || aws.ToString(a.RepositoryName) != "app" || aws.ToString(a.ImageManifestMediaType) == "" {
		t.Errorf("image detail %+v", a)
	}
	if d := all["sha256:dd"]; !slices.Equal(d.ImageTags, []string{"latest"}) || !aws.ToTime(d.ImagePushedAt).Equal(previewNow) || d.LastRecordedPullTime != nil {
		t.Errorf("default push time or moved tag: %+v", d)
	}
	if got := keys(describe(&ecr.DescribeImagesInput{Filter: &types.DescribeImagesFilter{TagStatus: types.TagStatusUntagged}})); !slices.Equal(got, []string{"sha256:bb"}) {
		t.Errorf("untagged %v", got)
	}
	archived := describe(&ecr.DescribeImagesInput{Filter: &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterArchived}})
	if got := keys(archived); !slices.Equal(got, []string{"sha256:cc"}) || !aws.ToTime(archived["sha256:cc"].LastArchivedAt).Equal(daysAgo(300)) {
		t.Errorf("archived %v %+v", got, archived)
	}
	if got := describe(&ecr.DescribeImagesInput{Filter: &types.DescribeImagesFilter{ImageStatus: types.ImageStatusFilterAny}}); len(got) != 4 {
		t.Errorf("ANY gives %d images", len(got))
	}
	byID := describe(&ecr.DescribeImagesInput{ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("latest")}, {ImageDigest: aws.String("sha256:bb")}}})
	if got := keys(byID); !slices.Equal(got, []string{"sha256:bb", "sha256:dd"}) {
		t.Errorf("by ID %v", got)
	}

	_, err = c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("v2")}}})
	if ae := asError[*types.ImageNotFoundException](t, err); !strings.Contains(ae.ErrorMessage(), "imageTag:'v2'") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
	_, err = c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("v1")}}, MaxResults: aws.Int32(5)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(1001)})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = c.DescribeImages(ctx(t), &ecr.DescribeImagesInput{RepositoryName: aws.String("nope")})
	wantErr[*types.RepositoryNotFoundException](t, err)

	// Seeded images make the repository non-empty, as pushed ones would.
	_, err = c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	wantErr[*types.RepositoryNotEmptyException](t, err)
	imgs, ok := f.emu.Images("", "app")
	imgs[0].Tags[0] = "changed"
	if again, _ := f.emu.Images("", "app"); !ok || len(again) != 4 || slices.Contains(again[0].Tags, "changed") {
		t.Errorf("Images returned shared state: %+v", again)
	}
	if _, err := c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true}); err != nil {
		t.Fatal(err)
	}
	create(t, c, "app")
	if imgs, _ := f.emu.Images("", "app"); len(imgs) != 0 {
		t.Errorf("a new repository of the same name has %d images", len(imgs))
	}
}
