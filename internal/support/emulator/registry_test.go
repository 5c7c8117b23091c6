package emulator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

func TestRegistryScanningConfiguration(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	out, err := c.GetRegistryScanningConfiguration(ctx(t), &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.RegistryId) != testAccount || out.ScanningConfiguration.ScanType != types.ScanTypeBasic || len(out.ScanningConfiguration.Rules) != 0 {
		t.Errorf("default configuration %s %+v", aws.ToString(out.RegistryId), out.ScanningConfiguration)
	}

	put, err := c.PutRegistryScanningConfiguration(ctx(t), &ecr.PutRegistryScanningConfigurationInput{
		ScanType: types.ScanTypeEnhanced,
		Rules: []types.RegistryScanningRule{
			{ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("prod/*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}}},
			{ScanFrequency: types.ScanFrequencyScanOnPush, RepositoryFilters: []types.ScanningRepositoryFilter{{Filter: aws.String("*"), FilterType: types.ScanningRepositoryFilterTypeWildcard}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := put.RegistryScanningConfiguration; cfg.ScanType != types.ScanTypeEnhanced || len(cfg.Rules) != 2 {
		t.Errorf("put answered %+v", cfg)
	}
	got, err := c.GetRegistryScanningConfiguration(ctx(t), &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.ScanningConfiguration
	if cfg.ScanType != types.ScanTypeEnhanced || len(cfg.Rules) != 2 || cfg.Rules[0].ScanFrequency != types.ScanFrequencyContinuousScan ||
		aws.ToString(cfg.Rules[0].RepositoryFilters[0].Filter) != "prod/*" || cfg.Rules[0].RepositoryFilters[0].FilterType != types.ScanningRepositoryFilterTypeWildcard {
		t.Errorf("read back %+v", cfg)
	}
	want := RegistryScanningConfiguration{ScanType: ScanEnhanced, Rules: []RegistryScanningRule{
		{ScanFrequency: ScanContinuous, Filters: []string{"prod/*"}}, {ScanFrequency: ScanOnPush, Filters: []string{"*"}},
	}}
	if s := f.emu.RegistryScanningConfigurationOf(""); s.ScanType != want.ScanType || !slices.EqualFunc(s.Rules, want.Rules, func(a, b RegistryScanningRule) bool {
		return a.ScanFrequency == b.ScanFrequency && slices.Equal(a.Filters, b.Filters)
	}) {
		t.Errorf("stored %+v", s)
	}

	filter := func(s string) []types.ScanningRepositoryFilter {
		return []types.ScanningRepositoryFilter{{Filter: aws.String(s), FilterType: types.ScanningRepositoryFilterTypeWildcard}}
	}
	for _, tt := range []struct {
		name string
		in   *ecr.PutRegistryScanningConfigurationInput
		code string
	}{
		{"bad scan type", &ecr.PutRegistryScanningConfigurationInput{ScanType: "DEEP"}, "InvalidParameterException"},
		{"continuous with basic", &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeBasic,
			Rules: []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: filter("*")}}}, "ValidationException"},
		{"bad filter", &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeBasic,
			Rules: []types.RegistryScanningRule{{ScanFrequency: types.ScanFrequencyScanOnPush, RepositoryFilters: filter("Prod")}}}, "InvalidParameterException"},
		{"three rules", &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeEnhanced, Rules: []types.RegistryScanningRule{
			{ScanFrequency: types.ScanFrequencyScanOnPush, RepositoryFilters: filter("a")}, {ScanFrequency: types.ScanFrequencyContinuousScan, RepositoryFilters: filter("b")},
			{ScanFrequency: types.ScanFrequencyManual, RepositoryFilters: filter("c")}}}, "InvalidParameterException"},
	} {
		_, err := c.PutRegistryScanningConfiguration(ctx(t), tt.in, noRetries)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		wantCode(t, err, tt.code)
	}
	if f.emu.RegistryScanningConfigurationOf("").ScanType != ScanEnhanced {
		t.Error("a refused put changed the configuration")
	}
	// Seeded from a test, read through the API.
	f.emu.SetRegistryScanningConfiguration("", RegistryScanningConfiguration{ScanType: ScanBasic, Rules: []RegistryScanningRule{{ScanFrequency: ScanOnPush, Filters: []string{"team-*"}}}})
	seeded, err := c.GetRegistryScanningConfiguration(ctx(t), &ecr.GetRegistryScanningConfigurationInput{})
	if err != nil || seeded.ScanningConfiguration.ScanType != types.ScanTypeBasic || len(seeded.ScanningConfiguration.Rules) != 1 ||
		aws.ToString(seeded.ScanningConfiguration.Rules[0].RepositoryFilters[0].Filter) != "team-*" {
		t.Errorf("seeded configuration read back as %+v, %v", seeded, err)
	}
	if w := f.emu.Writes(); len(w) != 5 || w[0].Operation != "PutRegistryScanningConfiguration" {
		t.Errorf("writes %+v", w)
	}
}

func TestRepositoryCreationTemplates(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	c := f.ecr()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"ecr:BatchGetImage"}]}`
	lifecyclePolicy := `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	kms := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	out, err := c.CreateRepositoryCreationTemplate(ctx(t), &ecr.CreateRepositoryCreationTemplateInput{
		Prefix:             aws.String("prod"),
		Description:        aws.String("production"),
		AppliedFor:         []types.RCTAppliedFor{types.RCTAppliedForCreateOnPush, types.RCTAppliedForPullThroughCache},
		ImageTagMutability: types.ImageTagMutabilityImmutableWithExclusion,
		ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{
			{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("latest")},
		},
		EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String(kms)},
		ResourceTags:            []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		RepositoryPolicy:        aws.String(policy),
		LifecyclePolicy:         aws.String(lifecyclePolicy),
		CustomRoleArn:           aws.String("arn:aws:iam::123456789012:role/ecr-templates"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tpl := out.RepositoryCreationTemplate
	if aws.ToString(out.RegistryId) != testAccount || aws.ToString(tpl.Prefix) != "prod" || tpl.ImageTagMutability != types.ImageTagMutabilityImmutableWithExclusion ||
		len(tpl.ImageTagMutabilityExclusionFilters) != 1 || tpl.EncryptionConfiguration.EncryptionType != types.EncryptionTypeKms ||
		aws.ToString(tpl.EncryptionConfiguration.KmsKey) != kms || len(tpl.ResourceTags) != 1 || aws.ToString(tpl.RepositoryPolicy) != policy ||
		!slices.Equal(tpl.AppliedFor, []types.RCTAppliedFor{"CREATE_ON_PUSH", "PULL_THROUGH_CACHE"}) || tpl.CreatedAt == nil || tpl.UpdatedAt == nil ||
		!strings.Contains(aws.ToString(tpl.LifecyclePolicy), `"countNumber":1`) || aws.ToString(tpl.CustomRoleArn) == "" {
		t.Errorf("created %+v", tpl)
	}
	_, err = c.CreateRepositoryCreationTemplate(ctx(t), &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("prod"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}})
	wantErr[*types.TemplateAlreadyExistsException](t, err)

	f.emu.PutCreationTemplate("", CreationTemplate{Prefix: RootPrefix, AppliedFor: []string{AppliedForCreateOnPush}})
	if _, err := c.CreateRepositoryCreationTemplate(ctx(t), &ecr.CreateRepositoryCreationTemplateInput{
		Prefix: aws.String("prod/team/"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForReplication},
	}); err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	p := ecr.NewDescribeRepositoryCreationTemplatesPaginator(c, &ecr.DescribeRepositoryCreationTemplatesInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, tpl := range page.RepositoryCreationTemplates {
			prefixes = append(prefixes, aws.ToString(tpl.Prefix))
		}
	}
	if !slices.Equal(prefixes, []string{"ROOT", "prod", "prod/team/"}) {
		t.Errorf("templates %v", prefixes)
	}
	root, err := c.DescribeRepositoryCreationTemplates(ctx(t), &ecr.DescribeRepositoryCreationTemplatesInput{Prefixes: []string{"ROOT"}})
	if err != nil || len(root.RepositoryCreationTemplates) != 1 {
		t.Fatalf("by prefix: %+v, %v", root, err)
	}
	if r := root.RepositoryCreationTemplates[0]; r.ImageTagMutability != types.ImageTagMutabilityMutable || r.EncryptionConfiguration.EncryptionType != types.EncryptionTypeAes256 {
		t.Errorf("seeded template did not get ECR's defaults: %+v", r)
	}

	upd, err := c.UpdateRepositoryCreationTemplate(ctx(t), &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("prod"), ImageTagMutability: types.ImageTagMutabilityMutable})
	if err != nil || upd.RepositoryCreationTemplate.ImageTagMutability != types.ImageTagMutabilityMutable || len(upd.RepositoryCreationTemplate.ResourceTags) != 1 {
		t.Errorf("update: %+v, %v", upd, err)
	}
	if _, err := c.DeleteRepositoryCreationTemplate(ctx(t), &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("prod/team/")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRepositoryCreationTemplate(ctx(t), &ecr.DeleteRepositoryCreationTemplateInput{Prefix: aws.String("prod/team/")})
	wantErr[*types.TemplateNotFoundException](t, err)
	_, err = c.UpdateRepositoryCreationTemplate(ctx(t), &ecr.UpdateRepositoryCreationTemplateInput{Prefix: aws.String("nope")})
	wantErr[*types.TemplateNotFoundException](t, err)
	if got := f.emu.CreationTemplates(""); len(got) != 2 || got[1].Mutability != "MUTABLE" || got[1].ResourceTags["team"] != "a" {
		t.Errorf("stored templates %+v", got)
	}

	for _, tt := range []struct {
		name string
		in   *ecr.CreateRepositoryCreationTemplateInput
	}{
		{"bad prefix", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("Prod"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}}},
		{"bad scenario", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x1"), AppliedFor: []types.RCTAppliedFor{"ON_PULL"}}},
		{"no scenario", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x2"), AppliedFor: []types.RCTAppliedFor{}}},
		{"filters without exclusion", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x3"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"},
			ImageTagMutability: types.ImageTagMutabilityImmutable, ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{FilterType: "WILDCARD", Filter: aws.String("x")}}}},
		{"key alias", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x4"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"},
			EncryptionConfiguration: &types.EncryptionConfigurationForRepositoryCreationTemplate{EncryptionType: types.EncryptionTypeKms, KmsKey: aws.String("alias/app")}}},
		{"bad policy", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x5"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}, RepositoryPolicy: aws.String("{")}},
		{"bad lifecycle", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x6"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}, LifecyclePolicy: aws.String(`{"rules":[]}`)}},
		{"bad role", &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x7"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}, CustomRoleArn: aws.String("role")}},
	} {
		_, err := c.CreateRepositoryCreationTemplate(ctx(t), tt.in, noRetries)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		wantErr[*types.InvalidParameterException](t, err)
	}
	if len(f.emu.CreationTemplates("")) != 2 {
		t.Error("a refused create stored a template")
	}
}

func TestNewOperationsNeedTheirPermission(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	f.emu.PutRepository(Repository{Name: "app"})
	policy := lifecycle(rule(1, `"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1`, expire))
	calls := map[string]func(context.Context, *ecr.Client) error{
		"ecr:DescribeImages": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("app")})
			return err
		},
		"ecr:StartLifecyclePolicyPreview": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.StartLifecyclePolicyPreview(ctx, &ecr.StartLifecyclePolicyPreviewInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(policy)})
			return err
		},
		"ecr:GetLifecyclePolicyPreview": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.GetLifecyclePolicyPreview(ctx, &ecr.GetLifecyclePolicyPreviewInput{RepositoryName: aws.String("app")})
			return err
		},
		"ecr:GetRegistryScanningConfiguration": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
			return err
		},
		"ecr:PutRegistryScanningConfiguration": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeBasic})
			return err
		},
		"ecr:DescribeRepositoryCreationTemplates": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{})
			return err
		},
		"ecr:CreateRepositoryCreationTemplate": func(ctx context.Context, c *ecr.Client) error {
			_, err := c.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{Prefix: aws.String("x"), AppliedFor: []types.RCTAppliedFor{"REPLICATION"}})
			return err
		},
	}
	c := f.ecr(noRetries)
	var all []string
	for action := range calls {
		all = append(all, action)
	}
	for action, call := range calls {
		// Everything but this action is allowed: only its denial can fail it.
		f.emu.SetAllowedActions(slices.DeleteFunc(slices.Clone(all), func(a string) bool { return a == action }))
		err := call(ctx(t), c)
		ae := wantAPIError(t, err, "AccessDeniedException")
		if !strings.Contains(ae.ErrorMessage(), "not authorized to perform: "+action+" ") {
			t.Errorf("%s: message %q", action, ae.ErrorMessage())
		}
		f.emu.SetAllowedActions([]string{action})
		// Allowed alone it gets past access control (it may still fail on
		// its own terms, for example a preview not started yet).
		var ae2 smithy.APIError
		if err := call(ctx(t), c); errors.As(err, &ae2) && ae2.ErrorCode() == "AccessDeniedException" {
			t.Errorf("%s allowed but denied: %v", action, err)
		}
	}
}

// ECR keeps the registry scanning configuration and the creation templates
// per Region, as the repositories: what is put in one Region is not seen in
// another.
func TestRegistrySettingsArePerRegion(t *testing.T) {
	t.Parallel()
	f := start(t, Options{})
	ctx := context.Background()
	east, west := f.ecr(func(o *ecr.Options) { o.Region = "us-east-1" }), f.ecr(func(o *ecr.Options) { o.Region = "eu-west-1" })
	if _, err := east.PutRegistryScanningConfiguration(ctx, &ecr.PutRegistryScanningConfigurationInput{ScanType: types.ScanTypeEnhanced}); err != nil {
		t.Fatal(err)
	}
	if _, err := east.CreateRepositoryCreationTemplate(ctx, &ecr.CreateRepositoryCreationTemplateInput{
		Prefix: aws.String("team"), AppliedFor: []types.RCTAppliedFor{types.RCTAppliedForCreateOnPush},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c      *ecr.Client
		scan   types.ScanType
		nTmpl  int
		region string
	}{{east, types.ScanTypeEnhanced, 1, "us-east-1"}, {west, types.ScanTypeBasic, 0, "eu-west-1"}} {
		out, err := tc.c.GetRegistryScanningConfiguration(ctx, &ecr.GetRegistryScanningConfigurationInput{})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.ScanningConfiguration.ScanType; got != tc.scan {
			t.Errorf("%s: scan type %s, want %s", tc.region, got, tc.scan)
		}
		tmpl, err := tc.c.DescribeRepositoryCreationTemplates(ctx, &ecr.DescribeRepositoryCreationTemplatesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tmpl.RepositoryCreationTemplates) != tc.nTmpl {
			t.Errorf("%s: %d templates, want %d", tc.region, len(tmpl.RepositoryCreationTemplates), tc.nTmpl)
		}
	}
}
