package emulator

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

func TestCreateAndDescribeRepository(t *testing.T) {
	t.Parallel()
	f := start(t, Options{Region: "eu-west-1"})
	c := f.ecr()
	before := time.Now().Add(-time.Second)
	out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{
		RepositoryName:     aws.String("team/app"),
		Tags:               []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
		ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{
			{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("latest")},
			{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("dev-*")},
		},
		ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
		EncryptionConfiguration:    &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("alias/app")},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKey := f.emu.KMSKeyARN(testAccount, "alias/app")
	check := func(r *types.Repository) {
		t.Helper()
		if got, want := aws.ToString(r.RepositoryUri), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app"; got != want {
			t.Errorf("URI %q, want %q", got, want)
		}
		if got, want := aws.ToString(r.RepositoryArn), "arn:aws:ecr:eu-west-1:123456789012:repository/team/app"; got != want {
			t.Errorf("ARN %q, want %q", got, want)
		}
		if aws.ToString(r.RegistryId) != testAccount || aws.ToString(r.RepositoryName) != "team/app" {
			t.Errorf("registry/name = %s/%s", aws.ToString(r.RegistryId), aws.ToString(r.RepositoryName))
		}
		if r.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion || len(r.ImageTagMutabilityExclusionFilters) != 2 ||
			aws.ToString(r.ImageTagMutabilityExclusionFilters[1].Filter) != "dev-*" ||
			r.ImageTagMutabilityExclusionFilters[1].FilterType != types.ImageTagMutabilityExclusionFilterTypeWildcard {
			t.Errorf("mutability %s %+v", r.ImageTagMutability, r.ImageTagMutabilityExclusionFilters)
		}
		if r.ImageScanningConfiguration == nil || !r.ImageScanningConfiguration.ScanOnPush {
			t.Errorf("scan on push not set: %+v", r.ImageScanningConfiguration)
		}
		if e := r.EncryptionConfiguration; e == nil || e.EncryptionType != types.EncryptionTypeKms || aws.ToString(e.KmsKey) != wantKey {
			t.Errorf("encryption %+v, want KMS %s", e, wantKey)
		}
		if r.CreatedAt == nil || r.CreatedAt.Before(before) || r.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("createdAt %v", r.CreatedAt)
		}
	}
	check(out.Repository)

	desc, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Repositories) != 1 {
		t.Fatalf("described %d repositories", len(desc.Repositories))
	}
	check(&desc.Repositories[0])

	state, ok := f.emu.Repository("", "team/app")
	if !ok || state.Tags["env"] != "prod" || state.KMSKey != wantKey || state.Mutability != "IMMUTABLE_WITH_EXCLUSION" {
		t.Errorf("stored state %+v", state)
	}
}

func TestCreateRepositoryDefaults(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	out, err := f.ecr().CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Repository
	if r.ImageTagMutability != types.ImageTagMutabilityMutable || len(r.ImageTagMutabilityExclusionFilters) != 0 ||
		r.ImageScanningConfiguration.ScanOnPush || r.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 ||
		r.EncryptionConfiguration.KmsKey != nil {
		t.Errorf("defaults: %+v %+v %+v", r.ImageTagMutability, r.ImageScanningConfiguration, r.EncryptionConfiguration)
	}
	if f.emu.RepositoryCount() != 1 {
		t.Errorf("RepositoryCount = %d", f.emu.RepositoryCount())
	}
}

func TestCreateRepositoryValidation(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "taken")
	wild := func(filters ...string) []types.ImageTagMutabilityExclusionFilter {
		var out []types.ImageTagMutabilityExclusionFilter
		for _, s := range filters {
			out = append(out, types.ImageTagMutabilityExclusionFilter{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String(s)})
		}
		return out
	}
	manyTags := make([]types.Tag, 51)
	for i := range manyTags {
		manyTags[i] = types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")}
	}
	tests := []struct {
		name string
		in   ecr.CreateRepositoryInput
		code string
	}{
		{"upper case", ecr.CreateRepositoryInput{RepositoryName: aws.String("Team/App")}, "InvalidParameterException"},
		{"too short", ecr.CreateRepositoryInput{RepositoryName: aws.String("a")}, "InvalidParameterException"},
		{"trailing slash", ecr.CreateRepositoryInput{RepositoryName: aws.String("team/")}, "InvalidParameterException"},
		{"leading separator", ecr.CreateRepositoryInput{RepositoryName: aws.String("-app")}, "InvalidParameterException"},
		{"two dots", ecr.CreateRepositoryInput{RepositoryName: aws.String("a..b")}, "InvalidParameterException"},
		{"dot underscore", ecr.CreateRepositoryInput{RepositoryName: aws.String("a._b")}, "InvalidParameterException"},
		{"dash underscore", ecr.CreateRepositoryInput{RepositoryName: aws.String("a-_b")}, "InvalidParameterException"},
		{"three underscores", ecr.CreateRepositoryInput{RepositoryName: aws.String("a___b")}, "InvalidParameterException"},
		{"exists", ecr.CreateRepositoryInput{RepositoryName: aws.String("taken")}, "RepositoryAlreadyExistsException"},
		{"too many tags", ecr.CreateRepositoryInput{RepositoryName: aws.String("tags"), Tags: manyTags}, "TooManyTagsException"},
		{"aws tag", ecr.CreateRepositoryInput{RepositoryName: aws.String("tags"),
			Tags: []types.Tag{{Key: aws.String("aws:owner"), Value: aws.String("x")}}}, "InvalidTagParameterException"},
		{"filters without exclusion", ecr.CreateRepositoryInput{RepositoryName: aws.String("m"),
			ImageTagMutability: types.ImageTagMutabilityImmutable, ImageTagMutabilityExclusionFilters: wild("x")}, "InvalidParameterException"},
		{"exclusion without filters", ecr.CreateRepositoryInput{RepositoryName: aws.String("mm"),
			ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion}, "InvalidParameterException"},
		{"six filters", ecr.CreateRepositoryInput{RepositoryName: aws.String("mm"),
			ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion, ImageTagMutabilityExclusionFilters: wild("a", "b", "c", "d", "e", "f")}, "InvalidParameterException"},
		{"bad filter", ecr.CreateRepositoryInput{RepositoryName: aws.String("mm"),
			ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion, ImageTagMutabilityExclusionFilters: wild("a b")}, "InvalidParameterException"},
		{"AES256 with key", ecr.CreateRepositoryInput{RepositoryName: aws.String("enc"),
			EncryptionConfiguration: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeAes256, KmsKey: aws.String("alias/x")}}, "InvalidParameterException"},
		{"bad KMS key", ecr.CreateRepositoryInput{RepositoryName: aws.String("enc"),
			EncryptionConfiguration: &types.EncryptionConfiguration{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("not a key")}}, "KmsException"},
		{"bad registry", ecr.CreateRepositoryInput{RepositoryName: aws.String("reg"), RegistryId: aws.String("12")}, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.CreateRepository(ctx(t), &tt.in)
			wantCode(t, err, tt.code)
		})
	}
	t.Run("typed errors", func(t *testing.T) {
		t.Parallel()
		_, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("taken")})
		e := asError[*types.RepositoryAlreadyExistsException](t, err)
		if want := "The repository with name 'taken' already exists in the registry with id '123456789012'"; e.ErrorMessage() != want {
			t.Errorf("message %q, want %q", e.ErrorMessage(), want)
		}
		_, err = c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("UPPER")})
		bad := asError[*types.InvalidParameterException](t, err)
		want := `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*''`
		if bad.ErrorMessage() != want {
			t.Errorf("message %q, want %q", bad.ErrorMessage(), want)
		}
		// ECR's own words for an exclusion mutability without filters.
		_, err = c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("nofilters"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion})
		bad = asError[*types.InvalidParameterException](t, err)
		if want := "ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as IMMUTABLE_WITH_EXCLUSION"; !strings.Contains(bad.ErrorMessage(), want) {
			t.Errorf("message %q, want it to contain %q", bad.ErrorMessage(), want)
		}
	})
	t.Run("separator runs accepted", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"a--b", "a---b", "a__b", "a_b.c", "team/app.v2", "x/y/z-1"} {
			create(t, c, name)
		}
	})
}

func TestKMSKeyARN(t *testing.T) {
	t.Parallel()
	e := New(Options{Region: "us-west-2"})
	managed := "arn:aws:kms:us-west-2:111122223333:key/" + awsManagedKeyID
	id := "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct{ key, want string }{
		{"", managed},
		{"alias/aws/ecr", managed},
		{id, "arn:aws:kms:us-west-2:111122223333:key/" + id},
		{"arn:aws:kms:eu-west-1:444455556666:key/" + id, "arn:aws:kms:eu-west-1:444455556666:key/" + id},
		{"not a key", ""},
	}
	for _, tt := range tests {
		if got := e.KMSKeyARN("111122223333", tt.key); got != tt.want {
			t.Errorf("KMSKeyARN(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	byName := e.KMSKeyARN("111122223333", "alias/app")
	byARN := e.KMSKeyARN("999999999999", "arn:aws:kms:us-west-2:111122223333:alias/app")
	if byName == "" || byName != byARN || !strings.HasPrefix(byName, "arn:aws:kms:us-west-2:111122223333:key/") {
		t.Errorf("alias name → %q, alias ARN → %q; want the same key ARN", byName, byARN)
	}
	if other := e.KMSKeyARN("111122223333", "alias/other"); other == byName {
		t.Errorf("different aliases map to the same key %q", other)
	}
}

func TestDescribeRepositoriesBatchFailsAsWhole(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "one")
	create(t, c, "two")
	_, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"one", "missing", "gone", "two"}})
	e := asError[*types.RepositoryNotFoundException](t, err)
	if want := "The repository with name 'missing' does not exist in the registry with id '123456789012'"; e.ErrorMessage() != want {
		t.Errorf("message %q, want %q", e.ErrorMessage(), want)
	}
	out, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"two", "one"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Repositories) != 2 || aws.ToString(out.Repositories[0].RepositoryName) != "two" {
		t.Errorf("got %d repositories, first %s", len(out.Repositories), aws.ToString(out.Repositories[0].RepositoryName))
	}
	_, err = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"one"}, MaxResults: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterException")
}

func TestDescribeRepositoriesPagination(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	var want []string
	for i := range 250 {
		name := fmt.Sprintf("repo-%03d", i)
		want = append(want, name)
		f.emu.PutRepository(Repository{Name: name})
	}
	f.emu.PutRepository(Repository{RegistryID: "999999999999", Name: "elsewhere"})
	c := f.ecr()
	p := ecr.NewDescribeRepositoriesPaginator(c, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(100)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Repositories {
			got = append(got, aws.ToString(r.RepositoryName))
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages, %d names (first %v); want 3 pages with all 250 in order", pages, len(got), got[:min(3, len(got))])
	}

	out, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{})
	if err != nil || len(out.Repositories) != 100 || out.NextToken == nil {
		t.Errorf("default page: %d repositories, token %v, err %v", len(out.Repositories), out.NextToken, err)
	}
	_, err = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(1001)})
	wantCode(t, err, "InvalidParameterException")
	_, err = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{NextToken: aws.String("!!")})
	wantCode(t, err, "InvalidParameterException")

	other, err := c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RegistryId: aws.String("999999999999")})
	if err != nil || len(other.Repositories) != 1 || other.NextToken != nil {
		t.Errorf("other registry: %+v, %v", other, err)
	}
}

func TestCreateRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("race")})
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantErr[*types.RepositoryAlreadyExistsException](t, err)
	}
	if wins != 1 {
		t.Errorf("%d creations succeeded, want 1", wins)
	}
	if got := f.emu.Count("CreateRepository"); got != n {
		t.Errorf("Count(CreateRepository) = %d, want %d", got, n)
	}
}

func TestDeleteRepository(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "doomed")
	out, err := c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("doomed")})
	if err != nil || aws.ToString(out.Repository.RepositoryName) != "doomed" {
		t.Fatalf("delete: %+v, %v", out, err)
	}
	_, err = c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("doomed")})
	wantErr[*types.RepositoryNotFoundException](t, err)

	f.emu.PutRepository(Repository{Name: "full", ImageCount: 3})
	_, err = c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("full")})
	wantErr[*types.RepositoryNotEmptyException](t, err)
	if _, err := c.DeleteRepository(ctx(t), &ecr.DeleteRepositoryInput{RepositoryName: aws.String("full"), Force: true}); err != nil {
		t.Fatal(err)
	}
	if f.emu.RepositoryCount() != 0 {
		t.Errorf("RepositoryCount = %d after deletes", f.emu.RepositoryCount())
	}
}

func TestPutImageTagMutabilityAndScanning(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	create(t, c, "app")
	out, err := c.PutImageTagMutability(ctx(t), &ecr.PutImageTagMutabilityInput{
		RepositoryName:     aws.String("app"),
		ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{
			{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("release-*")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ImageTagMutability != types.ImageTagMutabilityMutableWithExclusion || len(out.ImageTagMutabilityExclusionFilters) != 1 {
		t.Errorf("response %+v", out)
	}
	if r, _ := f.emu.Repository("", "app"); !slices.Equal(r.ExclusionFilters, []string{"release-*"}) {
		t.Errorf("stored filters %v", r.ExclusionFilters)
	}
	_, err = c.PutImageTagMutability(ctx(t), &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion,
	})
	wantCode(t, err, "InvalidParameterException")
	if _, err := c.PutImageTagMutability(ctx(t), &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("app"), ImageTagMutability: types.ImageTagMutabilityImmutable,
	}); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.emu.Repository("", "app"); r.Mutability != "IMMUTABLE" || len(r.ExclusionFilters) != 0 {
		t.Errorf("after IMMUTABLE: %s %v", r.Mutability, r.ExclusionFilters)
	}

	scan, err := c.PutImageScanningConfiguration(ctx(t), &ecr.PutImageScanningConfigurationInput{
		RepositoryName: aws.String("app"), ImageScanningConfiguration: &types.ImageScanningConfiguration{ScanOnPush: true},
	})
	if err != nil || !scan.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("scan: %+v, %v", scan, err)
	}
	if r, _ := f.emu.Repository("", "app"); !r.ScanOnPush {
		t.Error("scanOnPush not stored")
	}
	_, err = c.PutImageScanningConfiguration(ctx(t), &ecr.PutImageScanningConfigurationInput{
		RepositoryName: aws.String("nope"), ImageScanningConfiguration: &types.ImageScanningConfiguration{},
	})
	wantErr[*types.RepositoryNotFoundException](t, err)
}

func TestTags(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{
		RepositoryName: aws.String("app"),
		Tags:           []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Repository.RepositoryArn
	list := func() map[string]string {
		t.Helper()
		out, err := c.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{ResourceArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tag := range out.Tags {
			m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		return m
	}
	if got := list(); len(got) != 2 || got["a"] != "1" {
		t.Errorf("tags %v", got)
	}
	if _, err := c.TagResource(ctx(t), &ecr.TagResourceInput{ResourceArn: arn,
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("one")}, {Key: aws.String("c"), Value: aws.String("3")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx(t), &ecr.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"b", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 2 || got["a"] != "one" || got["c"] != "3" {
		t.Errorf("after tag/untag: %v", got)
	}

	var many []types.Tag
	for i := range 49 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	_, err = c.TagResource(ctx(t), &ecr.TagResourceInput{ResourceArn: arn, Tags: many})
	wantErr[*types.TooManyTagsException](t, err)
	_, err = c.TagResource(ctx(t), &ecr.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantErr[*types.InvalidTagParameterException](t, err)
	_, err = c.UntagResource(ctx(t), &ecr.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"aws:cloudformation:stack-name"}})
	wantErr[*types.InvalidTagParameterException](t, err)
	_, err = c.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/nope")})
	wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = c.ListTagsForResource(ctx(t), &ecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:eu-west-1:123456789012:repository/app")})
	wantErr[*types.InvalidParameterException](t, err)
	if got := list(); len(got) != 2 {
		t.Errorf("failed calls changed tags: %v", got)
	}
}

func TestRegistryIDAddressesOtherAccount(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	out, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String("shared"), RegistryId: aws.String("210987654321")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Repository.RepositoryUri); got != "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared" {
		t.Errorf("URI %s", got)
	}
	if _, ok := f.emu.Repository("210987654321", "shared"); !ok {
		t.Error("repository not in registry 210987654321")
	}
	if _, ok := f.emu.Repository("", "shared"); ok {
		t.Error("repository leaked into the default registry")
	}
	_, err = c.DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"shared"}})
	wantErr[*types.RepositoryNotFoundException](t, err)
}

func TestPutRepositoryFillsDefaults(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	e.PutRepository(Repository{
		Name:           "seeded",
		EncryptionType: "KMS",
		Policy:         `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"ecr:*"}]}`,
		Lifecycle:      "not json",
		Tags:           map[string]string{"k": "v"},
	})
	r, ok := e.Repository(testAccount, "seeded")
	if !ok {
		t.Fatal("seeded repository missing")
	}
	if r.ARN != "arn:aws:ecr:us-east-1:123456789012:repository/seeded" || r.URI != "123456789012.dkr.ecr.us-east-1.amazonaws.com/seeded" ||
		r.Mutability != "MUTABLE" || r.KMSKey != e.KMSKeyARN(testAccount, "") || r.CreatedAt.IsZero() {
		t.Errorf("defaults not filled: %+v", r)
	}
	if !strings.Contains(r.Policy, `"AWS": "arn:aws:iam::111122223333:root"`) || r.Lifecycle != "not json" {
		t.Errorf("policy %q lifecycle %q", r.Policy, r.Lifecycle)
	}
	r.Tags["k"] = "changed"
	if again, _ := e.Repository("", "seeded"); again.Tags["k"] != "v" {
		t.Error("Repository returned shared state")
	}
}

func TestUnknownAndMalformedRequests(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	_, err := f.ecr().GetAuthorizationToken(ctx(t), &ecr.GetAuthorizationTokenInput{})
	wantCode(t, err, "UnknownOperationException")

	post := func(target, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, f.url, strings.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := post(ecrTargetPrefix+"Frobnicate", "{}")
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" ||
		!strings.Contains(body, `"__type":"UnknownOperationException"`) {
		t.Errorf("unknown op: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = post(ecrTargetPrefix+"DescribeRepositories", "{not json")
	if resp.StatusCode != 400 || !strings.Contains(body, "SerializationException") {
		t.Errorf("bad JSON: %d %s", resp.StatusCode, body)
	}
	resp, body = post(ecrTargetPrefix+"DescribeRepositories", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" || body != `{"repositories":[]}` {
		t.Errorf("empty body: %d %s", resp.StatusCode, body)
	}

	_, err = f.ecrAs(aws.AnonymousCredentials{}).DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{})
	wantCode(t, err, "MissingAuthenticationTokenException")
}
