package inputs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// envSource is fakeSource with an environment.
type envSource struct {
	fakeSource
	env map[string]string
}

func (s envSource) Getenv(k string) string { return s.env[k] }

func TestLoadRegions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		input       string
		env         map[string]string
		wantPrimary string
		want        []string
	}{
		{input: "eu-west-1", wantPrimary: "eu-west-1", want: []string{"eu-west-1"}},
		{input: "eu-west-1, us-east-1", wantPrimary: "eu-west-1", want: []string{"eu-west-1", "us-east-1"}},
		{input: "eu-west-1\nus-east-1\nap-southeast-2\n", wantPrimary: "eu-west-1", want: []string{"eu-west-1", "us-east-1", "ap-southeast-2"}},
		// A repeat is reconciled once; the primary keeps its place.
		{input: "eu-west-1,us-east-1,eu-west-1", wantPrimary: "eu-west-1", want: []string{"eu-west-1", "us-east-1"}},
		// The input wins over the environment.
		{input: "eu-west-1", env: map[string]string{"AWS_REGION": "us-east-2"}, wantPrimary: "eu-west-1", want: []string{"eu-west-1"}},
		{env: map[string]string{"AWS_REGION": "us-east-2"}, wantPrimary: "us-east-2", want: []string{"us-east-2"}},
		{env: map[string]string{"AWS_DEFAULT_REGION": "ca-central-1"}, wantPrimary: "ca-central-1", want: []string{"ca-central-1"}},
	} {
		src := envSource{fakeSource{"repository": "app", "aws-region": tt.input}, tt.env}
		c, err := Load(src, t.TempDir())
		if err != nil {
			t.Errorf("%q %v: %v", tt.input, tt.env, err)
			continue
		}
		if c.Region != tt.wantPrimary || !slices.Equal(c.Regions, tt.want) {
			t.Errorf("%q %v: Region %q, Regions %q; want %q, %q", tt.input, tt.env, c.Region, c.Regions, tt.wantPrimary, tt.want)
		}
	}
}

// Every bad Region list is refused before anything is sent, on the input
// that holds it, with what to write instead.
func TestLoadRegionsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		input      string
		env        map[string]string
		wantOn     string
		wantPieces []string
	}{
		{input: "us-east-1,eu_west_1", wantOn: "aws-region", wantPieces: []string{`"eu_west_1" is not an AWS Region code`, "such as us-east-1"}},
		{input: "us-east-1 eu-west-1", wantOn: "aws-region", wantPieces: []string{"is not an AWS Region code"}},
		{input: "xx-east-1", wantOn: "aws-region", wantPieces: []string{"not a Region of any AWS partition"}},
		{input: ",\n,", wantOn: "aws-region", wantPieces: []string{"no Region given", "separated by commas or newlines"}},
		{input: "us-east-1\ncn-north-1", wantOn: "aws-region", wantPieces: []string{`"cn-north-1" is in partition aws-cn`, "list Regions of one partition only"}},
		{input: "us-gov-west-1,eu-west-1", wantOn: "aws-region", wantPieces: []string{"partition aws but the primary Region \"us-gov-west-1\" is in aws-us-gov"}},
		{env: map[string]string{"AWS_REGION": "us-east-1,eu-west-1"}, wantOn: "AWS_REGION (environment)", wantPieces: []string{"is not an AWS Region code", "list them in the aws-region input"}},
		{wantOn: "aws-region", wantPieces: []string{"no region given", "AWS_REGION"}},
	} {
		src := envSource{fakeSource{"repository": "app", "aws-region": tt.input}, tt.env}
		_, err := Load(src, t.TempDir())
		var errs Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Input != tt.wantOn {
			t.Errorf("%q %v: errors %v, want one on %s", tt.input, tt.env, err, tt.wantOn)
			continue
		}
		for _, w := range tt.wantPieces {
			if !strings.Contains(errs[0].Error(), w) {
				t.Errorf("%q: %q lacks %q", tt.input, errs[0].Error(), w)
			}
		}
	}
}
