package emulator

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic/types"
)

// ecrpublic returns an ECR Public client in us-east-1, signing with the
// static test key, whatever the emulator's default Region.
func (f *fixture) ecrpublic(optFns ...func(*ecrpublic.Options)) *ecrpublic.Client {
	cfg := f.config(static(staticKey))
	cfg.Region = "us-east-1"
	return ecrpublic.NewFromConfig(cfg, append([]func(*ecrpublic.Options){func(o *ecrpublic.Options) {
		o.BaseEndpoint = aws.String(f.url)
	}}, optFns...)...)
}

const publicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"ci-push","Effect":"Allow","Principal":{"AWS":"210987654321"},"Action":["ecr-public:PutImage","ecr-public:InitiateLayerUpload"]}]}`

func TestPublicCreateAndRead(t *testing.T) {
	t.Parallel()
	f := start(t, Options{Region: "eu-west-1"}) // the action's own Region does not matter
	c := f.ecrpublic()

	// Before the first public repository the registry has no alias.
	reg, err := c.DescribeRegistries(ctx(t), &ecrpublic.DescribeRegistriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Registries) != 1 || len(reg.Registries[0].Aliases) != 0 || aws.ToString(reg.Registries[0].RegistryUri) != "" {
		t.Fatalf("registry before any repository: %+v", reg.Registries)
	}

	logo := []byte("\x89PNG\r\n\x1a\nlogo")
	before := time.Now().Add(-time.Second)
	out, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{
		RepositoryName: aws.String("team/app"),
		CatalogData: &types.RepositoryCatalogDataInput{
			Description:      aws.String("An app"),
			AboutText:        aws.String("# About"),
			UsageText:        aws.String("docker pull"),
			Architectures:    []string{"ARM 64", "x86-64"},
			OperatingSystems: []string{"Linux"},
			LogoImageBlob:    logo,
		},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	alias := DefaultRegistryAlias(testAccount)
	wantURI := "public.ecr.aws/" + alias + "/team/app"
	r := out.Repository
	if aws.ToString(r.RepositoryUri) != wantURI ||
		aws.ToString(r.RepositoryArn) != "arn:aws:ecr-public::123456789012:repository/team/app" ||
		aws.ToString(r.RegistryId) != testAccount || aws.ToString(r.RepositoryName) != "team/app" {
		t.Errorf("created %+v", r)
	}
	if r.CreatedAt == nil || r.CreatedAt.Before(before) {
		t.Errorf("createdAt %v", r.CreatedAt)
	}
	checkCatalog := func(cd *types.RepositoryCatalogData) {
		t.Helper()
		if cd == nil || aws.ToString(cd.Description) != "An app" || aws.ToString(cd.AboutText) != "# About" ||
			aws.ToString(cd.UsageText) != "docker pull" || !slices.Equal(cd.Architectures, []string{"ARM 64", "x86-64"}) ||
			!slices.Equal(cd.OperatingSystems, []string{"Linux"}) || !strings.HasPrefix(aws.ToString(cd.LogoUrl), "https://") {
			t.Errorf("catalog data %+v", cd)
		}
	}
	checkCatalog(out.CatalogData)

	// The default alias now exists, is active and primary.
	reg, err = c.DescribeRegistries(ctx(t), &ecrpublic.DescribeRegistriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := reg.Registries[0]
	if aws.ToString(got.RegistryId) != testAccount || aws.ToString(got.RegistryUri) != "public.ecr.aws/"+alias ||
		aws.ToString(got.RegistryArn) != "arn:aws:ecr-public::123456789012:registry/123456789012" ||
		len(got.Aliases) != 1 || aws.ToString(got.Aliases[0].Name) != alias || got.Aliases[0].Status != types.RegistryAliasStatusActive ||
		!got.Aliases[0].PrimaryRegistryAlias || !got.Aliases[0].DefaultRegistryAlias {
		t.Errorf("registry %+v aliases %+v", got, got.Aliases)
	}

	// No-op reads: describe, catalog data, tags, policy (none yet).
	f.emu.ResetCalls()
	d, err := c.DescribeRepositories(ctx(t), &ecrpublic.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	if err != nil || len(d.Repositories) != 1 || aws.ToString(d.Repositories[0].RepositoryUri) != wantURI {
		t.Fatalf("describe %+v %v", d, err)
	}
	cd, err := c.GetRepositoryCatalogData(ctx(t), &ecrpublic.GetRepositoryCatalogDataInput{RepositoryName: aws.String("team/app")})
	if err != nil {
		t.Fatal(err)
	}
	checkCatalog(cd.CatalogData)
	if aws.ToString(cd.CatalogData.LogoUrl) != aws.ToString(out.CatalogData.LogoUrl) {
		t.Errorf("logo URL changed without a new logo: %s then %s", aws.ToString(out.CatalogData.LogoUrl), aws.ToString(cd.CatalogData.LogoUrl))
	}
	tags, err := c.ListTagsForResource(ctx(t), &ecrpublic.ListTagsForResourceInput{ResourceArn: r.RepositoryArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || aws.ToString(tags.Tags[0].Value) != "platform" {
		t.Errorf("tags %+v %v", tags, err)
	}
	_, err = c.GetRepositoryPolicy(ctx(t), &ecrpublic.GetRepositoryPolicyInput{RepositoryName: aws.String("team/app")})
	wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	if _, err := c.GetRegistryCatalogData(ctx(t), &ecrpublic.GetRegistryCatalogDataInput{}); err != nil {
		t.Errorf("GetRegistryCatalogData: %v", err)
	}
	if w := f.emu.Writes(); len(w) != 0 {
		t.Errorf("reads logged writes: %+v", w)
	}
	for _, call := range f.emu.Calls() {
		if call.Service != "ecr-public" || call.Region != "us-east-1" {
			t.Errorf("call logged as %s in %s", call.Service, call.Region)
		}
	}

	stored, ok := f.emu.PublicRepository("", "team/app")
	if !ok || !bytes.Equal(stored.Catalog.Logo, logo) || stored.Tags["team"] != "platform" {
		t.Errorf("stored %+v", stored)
	}
	// Public and private registries are apart: no private repository.
	if n := f.emu.RepositoryCount(); n != 0 {
		t.Errorf("%d private repositories", n)
	}
}

// Drift repair: each setting is rewritten through its own call, and each
// write is logged as one.
func TestPublicDriftRepair(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.PutPublicRepository(PublicRepository{
		Name:    "app",
		Catalog: CatalogData{Description: "old", AboutText: "old about", Architectures: []string{"x86"}, Logo: []byte("old")},
		Tags:    map[string]string{"stale": "1", "keep": "old"},
	})
	c := f.ecrpublic()
	oldLogo := catalogURL(t, c, "app")

	put, err := c.PutRepositoryCatalogData(ctx(t), &ecrpublic.PutRepositoryCatalogDataInput{
		RepositoryName: aws.String("app"),
		CatalogData: &types.RepositoryCatalogDataInput{
			Description: aws.String("new"), Architectures: []string{"ARM 64"}, OperatingSystems: []string{"Linux", "Windows"},
			LogoImageBlob: []byte("new logo"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	cd := put.CatalogData
	// The whole catalog data is replaced: aboutText, left out, is cleared.
	if aws.ToString(cd.Description) != "new" || aws.ToString(cd.AboutText) != "" ||
		!slices.Equal(cd.Architectures, []string{"ARM 64"}) || !slices.Equal(cd.OperatingSystems, []string{"Linux", "Windows"}) {
		t.Errorf("catalog data after put %+v", cd)
	}
	if aws.ToString(cd.LogoUrl) == oldLogo || aws.ToString(cd.LogoUrl) == "" {
		t.Errorf("logo URL %q after a new logo (was %q)", aws.ToString(cd.LogoUrl), oldLogo)
	}

	if _, err := c.SetRepositoryPolicy(ctx(t), &ecrpublic.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.GetRepositoryPolicy(ctx(t), &ecrpublic.GetRepositoryPolicyInput{RepositoryName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	// Re-formatted as ECR does: the bare account becomes its root ARN.
	if text := aws.ToString(pol.PolicyText); !strings.Contains(text, "arn:aws:iam::210987654321:root") || !strings.Contains(text, `"Sid": "ci-push"`) {
		t.Errorf("stored policy %s", text)
	}

	arn := aws.String("arn:aws:ecr-public::123456789012:repository/app")
	if _, err := c.UntagResource(ctx(t), &ecrpublic.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"stale"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx(t), &ecrpublic.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("keep"), Value: aws.String("new")}, {Key: aws.String("added"), Value: aws.String("1")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRepositoryPolicy(ctx(t), &ecrpublic.DeleteRepositoryPolicyInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}

	stored, _ := f.emu.PublicRepository("", "app")
	if len(stored.Tags) != 2 || stored.Tags["keep"] != "new" || stored.Tags["added"] != "1" || stored.Policy != "" {
		t.Errorf("stored after repair %+v", stored)
	}
	var ops []string
	for _, w := range f.emu.Writes() {
		ops = append(ops, w.Operation)
	}
	if want := []string{"PutRepositoryCatalogData", "SetRepositoryPolicy", "UntagResource", "TagResource", "DeleteRepositoryPolicy"}; !slices.Equal(ops, want) {
		t.Errorf("writes %q, want %q", ops, want)
	}
}

func catalogURL(t *testing.T, c *ecrpublic.Client, name string) string {
	t.Helper()
	out, err := c.GetRepositoryCatalogData(ctx(t), &ecrpublic.GetRepositoryCatalogDataInput{RepositoryName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CatalogData.LogoUrl)
}

func TestPublicErrors(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecrpublic(func(o *ecrpublic.Options) { o.Retryer = aws.NopRetryer{} })
	if _, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	name := aws.String("app")

	_, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: name})
	if e := asError[*types.RepositoryAlreadyExistsException](t, err); e.ErrorMessage() !=
		"The repository with name 'app' already exists in the registry with id '123456789012'" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	_, err = c.DescribeRepositories(ctx(t), &ecrpublic.DescribeRepositoriesInput{RepositoryNames: []string{"app", "missing"}})
	if e := asError[*types.RepositoryNotFoundException](t, err); e.ErrorMessage() !=
		"The repository with name 'missing' does not exist in the registry with id '123456789012'" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	_, err = c.GetRepositoryCatalogData(ctx(t), &ecrpublic.GetRepositoryCatalogDataInput{RepositoryName: aws.String("missing")})
	wantErr[*types.RepositoryNotFoundException](t, err)
	_, err = c.DeleteRepositoryPolicy(ctx(t), &ecrpublic.DeleteRepositoryPolicyInput{RepositoryName: name})
	wantErr[*types.RepositoryPolicyNotFoundException](t, err)
	_, err = c.SetRepositoryPolicy(ctx(t), &ecrpublic.SetRepositoryPolicyInput{RepositoryName: name, PolicyText: aws.String(`{"Statement":[]}`)})
	if e := asError[*types.InvalidParameterException](t, err); !strings.Contains(e.ErrorMessage(), "Invalid repository policy provided") {
		t.Errorf("message %q", e.ErrorMessage())
	}
	_, err = c.TagResource(ctx(t), &ecrpublic.TagResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/app"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = c.TagResource(ctx(t), &ecrpublic.TagResourceInput{ResourceArn: aws.String("arn:aws:ecr-public::123456789012:repository/app"),
		Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("v")}}})
	wantErr[*types.InvalidTagParameterException](t, err)
	_, err = c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String(strings.Repeat("a", 206))})
	wantErr[*types.InvalidParameterException](t, err)

	// Catalog data limits, each named.
	for member, cd := range map[string]*types.RepositoryCatalogDataInput{
		"catalogData.description":      {Description: aws.String(strings.Repeat("d", 1025))},
		"catalogData.aboutText":        {AboutText: aws.String(strings.Repeat("a", 25601))},
		"catalogData.usageText":        {UsageText: aws.String(strings.Repeat("u", 25601))},
		"catalogData.architectures":    {Architectures: []string{""}},
		"catalogData.operatingSystems": {OperatingSystems: slices.Repeat([]string{"Linux"}, 51)},
		"catalogData.logoImageBlob":    {LogoImageBlob: make([]byte, 512001)},
	} {
		_, err := c.PutRepositoryCatalogData(ctx(t), &ecrpublic.PutRepositoryCatalogDataInput{RepositoryName: name, CatalogData: cd})
		if e := asError[*types.InvalidParameterException](t, err); !strings.Contains(e.ErrorMessage(), "'"+member+"'") {
			t.Errorf("%s: message %q", member, e.ErrorMessage())
		}
	}
	// At the limits, accepted; a value the gallery shows no badge for is kept.
	if _, err := c.PutRepositoryCatalogData(ctx(t), &ecrpublic.PutRepositoryCatalogDataInput{RepositoryName: name, CatalogData: &types.RepositoryCatalogDataInput{
		Description: aws.String(strings.Repeat("d", 1024)), Architectures: []string{strings.Repeat("r", 50), "RISC-V"},
		LogoImageBlob: make([]byte, 512000),
	}}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
	if r, _ := f.emu.PublicRepository("", "app"); !slices.Contains(r.Catalog.Architectures, "RISC-V") {
		t.Errorf("architectures %q", r.Catalog.Architectures)
	}
}

// ECR Public's control plane is us-east-1 only; a client left in another
// Region is refused and nothing is stored.
func TestPublicOnlyInUSEast1(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	for _, region := range []string{"us-west-2", "eu-west-1"} {
		c := f.ecrpublic(func(o *ecrpublic.Options) { o.Region = region })
		_, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String("app")})
		if e := asError[*types.UnsupportedCommandException](t, err); e.ErrorMessage() != "CreateRepository command is only supported in us-east-1." {
			t.Errorf("%s: message %q", region, e.ErrorMessage())
		}
	}
	if _, ok := f.emu.PublicRepository("", "app"); ok {
		t.Error("a refused create stored a repository")
	}
}

func TestPublicDelete(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecrpublic(func(o *ecrpublic.Options) { o.Retryer = aws.NopRetryer{} })
	if _, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	if !f.emu.SeedPublicImages("", "app", 3) || f.emu.SeedPublicImages("", "missing", 1) {
		t.Fatal("SeedPublicImages reports the wrong repositories")
	}
	imgs, err := c.DescribeImages(ctx(t), &ecrpublic.DescribeImagesInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(2)})
	if err != nil || len(imgs.ImageDetails) != 2 || imgs.NextToken == nil {
		t.Fatalf("first page %+v %v", imgs, err)
	}
	_, err = c.DeleteRepository(ctx(t), &ecrpublic.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	if e := asError[*types.RepositoryNotEmptyException](t, err); e.ErrorMessage() !=
		"The repository with name 'app' in registry with id '123456789012' cannot be deleted because it still contains images" {
		t.Errorf("message %q", e.ErrorMessage())
	}
	out, err := c.DeleteRepository(ctx(t), &ecrpublic.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true})
	if err != nil || aws.ToString(out.Repository.RepositoryName) != "app" {
		t.Fatalf("forced delete %+v %v", out, err)
	}
	_, err = c.DeleteRepository(ctx(t), &ecrpublic.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	wantErr[*types.RepositoryNotFoundException](t, err)
}

func TestPublicAccess(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.SetAllowedActions([]string{"ecr-public:DescribeRepositories", "ecr-public:CreateRepository"})
	c := f.ecrpublic(func(o *ecrpublic.Options) { o.Retryer = aws.NopRetryer{} })
	if _, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	// Tag-on-create needs ecr-public:TagResource as well.
	_, err := c.CreateRepository(ctx(t), &ecrpublic.CreateRepositoryInput{RepositoryName: aws.String("tagged"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	ae := wantAPIError(t, err, "AccessDeniedException")
	const want = "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: ecr-public:TagResource on resource: " +
		"arn:aws:ecr-public::123456789012:repository/tagged because no identity-based policy allows the ecr-public:TagResource action"
	if ae.ErrorMessage() != want {
		t.Errorf("message\n%q\nwant\n%q", ae.ErrorMessage(), want)
	}
	// Private ECR's actions are other actions.
	_, err = f.ecr(noRetries).DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{})
	wantCode(t, err, "AccessDeniedException")

	// A wildcard grants the whole service.
	f.emu.SetAllowedActions([]string{"ecr-public:*"})
	if _, err := c.DescribeRegistries(ctx(t), &ecrpublic.DescribeRegistriesInput{}); err != nil {
		t.Errorf("with ecr-public:*: %v", err)
	}
	_, err = f.ecr(noRetries).DescribeRepositories(ctx(t), &ecr.DescribeRepositoriesInput{})
	wantCode(t, err, "AccessDeniedException")
}

func TestPublicListRepositoriesPages(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	for _, name := range []string{"c", "a", "b"} {
		f.emu.PutPublicRepository(PublicRepository{Name: name + "0"})
	}
	p := ecrpublic.NewDescribeRepositoriesPaginator(f.ecrpublic(), &ecrpublic.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range page.Repositories {
			names = append(names, aws.ToString(r.RepositoryName))
		}
	}
	if !slices.Equal(names, []string{"a0", "b0", "c0"}) || pages != 2 {
		t.Errorf("listed %q in %d pages", names, pages)
	}
}
