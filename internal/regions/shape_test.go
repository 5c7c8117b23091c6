package regions

import (
	"strings"
	"testing"
)

func TestRepositoryShape(t *testing.T) {
	t.Parallel()
	const id, name = "123456789012", "team/app"
	uri, arn := RepositoryURI(id, "us-east-1", name), RepositoryARN(id, "us-east-1", name)
	cnURI, cnARN := RepositoryURI(id, "cn-north-1", name), RepositoryARN(id, "cn-north-1", name)
	for _, tc := range []struct {
		region, id, name, uri, arn string
		want                       string
	}{
		{"us-east-1", id, name, uri, arn, ""},
		{"", id, name, uri, arn, ""},
		{"cn-north-1", id, name, cnURI, cnARN, ""},
		{"", id, name, cnURI, cnARN, ""},
		{"us-east-1", "12345678901", name, uri, arn, "registryId"},
		{"us-east-1", id + "\n", name, uri, arn, "registryId"},
		{"us-east-1", id, "Team/App", uri, arn, "repositoryName"},
		{"us-east-1", id, name, uri + "`", arn, "repositoryUri"},
		{"us-east-1", id, name, uri + "\n::error::x", arn, "repositoryUri"},
		{"us-east-1", id, name, cnURI, arn, "repositoryUri"},
		{"us-east-1", id, name, strings.Replace(uri, "amazonaws.com", "amazonaws.com.evil.example", 1), arn, "repositoryUri"},
		{"us-east-1", id, name, uri, cnARN, "repositoryArn"},
		{"eu-west-1", id, name, uri, arn, "repositoryArn"},
		{"", id, name, uri, "arn:aws:ecr:Evil Region:123456789012:repository/team/app", "repositoryArn"},
		{"", id, name, uri, "", "repositoryArn"},
	} {
		if got := Repository(tc.region, tc.id, tc.name, tc.uri, tc.arn); got != tc.want {
			t.Errorf("Repository(%q, %q, %q, %q, %q) = %q, want %q", tc.region, tc.id, tc.name, tc.uri, tc.arn, got, tc.want)
		}
	}
}

func TestPublicRepositoryShape(t *testing.T) {
	t.Parallel()
	const id, name = "123456789012", "team/app"
	arn := PublicRepositoryARN(id, name)
	for _, tc := range []struct {
		id, name, uri, arn, want string
	}{
		{id, name, "public.ecr.aws/k3x9a7b2/team/app", arn, ""},
		{id, name, "public.ecr.aws/my-alias.v2/team/app", arn, ""},
		{"x", name, "public.ecr.aws/k3x9a7b2/team/app", arn, "registryId"},
		{id, name, "public.ecr.aws/k3x9a7b2/team/app", "arn:aws:ecr:us-east-1:123456789012:repository/team/app", "repositoryArn"},
		{id, name, "public.ecr.aws/K3X/team/app", arn, "repositoryUri"},
		{id, name, "public.ecr.aws/a`\nb/team/app", arn, "repositoryUri"},
		{id, name, "public.ecr.aws/" + strings.Repeat("a", 51) + "/team/app", arn, "repositoryUri"},
		{id, name, "public.ecr.aws//team/app", arn, "repositoryUri"},
		{id, name, "evil.example/k3x9a7b2/team/app", arn, "repositoryUri"},
		{id, name, "public.ecr.aws/k3x9a7b2/team/other", arn, "repositoryUri"},
	} {
		if got := PublicRepository(tc.id, tc.name, tc.uri, tc.arn); got != tc.want {
			t.Errorf("PublicRepository(%q, %q, %q, %q) = %q, want %q", tc.id, tc.name, tc.uri, tc.arn, got, tc.want)
		}
	}
}

// What passes the shape checks is safe to print and to run in a shell
// word: nothing but the characters of host names, ARNs and repository
// names.
func FuzzRepositoryShape(f *testing.F) {
	f.Add("us-east-1", "123456789012", "team/app", RepositoryURI("123456789012", "us-east-1", "team/app"), RepositoryARN("123456789012", "us-east-1", "team/app"), "k3x9a7b2")
	f.Add("", "123456789012", "a`b", "x\ny", "arn:aws:ecr:us-east-1:123456789012:repository/a", "A")
	f.Fuzz(func(t *testing.T, region, id, name, uri, arn, alias string) {
		safe := func(s string) bool {
			return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789.-_/:") == "" && s != ""
		}
		if Repository(region, id, name, uri, arn) == "" && (!safe(uri) || !safe(arn) || !safe(id)) {
			t.Errorf("accepted %q %q %q", id, uri, arn)
		}
		puri := ECRPublicHost + "/" + alias + "/" + name
		if PublicRepository(id, name, puri, arn) == "" && (!safe(puri) || !safe(arn) || !safe(id)) {
			t.Errorf("accepted public %q %q %q", id, puri, arn)
		}
	})
}
