package regions

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"us-east-1", []string{"us-east-1"}},
		{" eu-west-1 ", []string{"eu-west-1"}},
		{"us-east-1,eu-west-1", []string{"us-east-1", "eu-west-1"}},
		{"us-east-1, eu-west-1 ,ap-southeast-2", []string{"us-east-1", "eu-west-1", "ap-southeast-2"}},
		{"eu-west-1\nus-east-1\n", []string{"eu-west-1", "us-east-1"}},
		{"eu-west-1\r\nus-east-1\r\n", []string{"eu-west-1", "us-east-1"}},
		{"eu-west-1,\n\n, us-east-1", []string{"eu-west-1", "us-east-1"}},
		// Repeats are dropped; the first occurrence keeps its place, so the
		// primary stays first.
		{"eu-west-1,us-east-1,eu-west-1", []string{"eu-west-1", "us-east-1"}},
		{"us-gov-west-1,us-gov-east-1", []string{"us-gov-west-1", "us-gov-east-1"}},
		{"cn-north-1\ncn-northwest-1", []string{"cn-north-1", "cn-northwest-1"}},
		// A well-formed Region newer than the SDK's table passes.
		{"eu-west-9", []string{"eu-west-9"}},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string // substrings of the error
	}{
		{"", []string{"no Region given"}},
		{" ,\n, ", []string{"no Region given"}},
		{"us-east-1 eu-west-1", []string{`"us-east-1 eu-west-1" is not an AWS Region code`}},
		{"US-EAST-1", []string{`"US-EAST-1" is not an AWS Region code`}},
		{"us_east_1", []string{`"us_east_1" is not an AWS Region code`}},
		{"us-east", []string{`"us-east" is not an AWS Region code`}},
		{"aws-global", []string{`"aws-global" is not an AWS Region code`}},
		// Every bad entry is named, not just the first.
		{"us-east-1,useast1,eu-west-1,eu_west_2", []string{`"useast1"`, `"eu_west_2"`}},
		// The shape is right but no partition has Regions called xx-.
		{"xx-east-1", []string{`"xx-east-1" is not a Region of any AWS partition`}},
		{"us-east-1,cn-north-1", []string{`"cn-north-1" is in partition aws-cn but the primary Region "us-east-1" is in aws`}},
		{"us-gov-west-1,us-east-1", []string{`"us-east-1" is in partition aws but the primary Region "us-gov-west-1" is in aws-us-gov`}},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want %q", tc.in, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%q) error %q does not contain %q", tc.in, err, w)
			}
		}
	}
}

func TestPartitionOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		region, id, suffix string
	}{
		{"us-east-1", "aws", "amazonaws.com"},
		{"eu-central-2", "aws", "amazonaws.com"},
		{"il-central-1", "aws", "amazonaws.com"},
		{"mx-central-1", "aws", "amazonaws.com"},
		{"eu-west-9", "aws", "amazonaws.com"}, // by pattern
		{"cn-north-1", "aws-cn", "amazonaws.com.cn"},
		{"cn-south-7", "aws-cn", "amazonaws.com.cn"}, // by pattern
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
		{"us-gov-central-3", "aws-us-gov", "amazonaws.com"},
		{"us-iso-east-1", "aws-iso", "c2s.ic.gov"},
		{"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"},
		{"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"},
		{"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"},
		{"eusc-de-east-1", "aws-eusc", "amazonaws.eu"},
		{"zz-nowhere-1", "aws", "amazonaws.com"}, // the SDK's fallback
	} {
		p := Of(tc.region)
		if p.ID != tc.id || p.DNSSuffix != tc.suffix {
			t.Errorf("Of(%q) = %s %s, want %s %s", tc.region, p.ID, p.DNSSuffix, tc.id, tc.suffix)
		}
	}
}

func TestNamesFollowThePartition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		region, host, arn string
	}{
		{"us-east-1", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "arn:aws:ecr:us-east-1:123456789012:repository/team/app"},
		{"cn-northwest-1", "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn", "arn:aws-cn:ecr:cn-northwest-1:123456789012:repository/team/app"},
		{"us-gov-east-1", "123456789012.dkr.ecr.us-gov-east-1.amazonaws.com", "arn:aws-us-gov:ecr:us-gov-east-1:123456789012:repository/team/app"},
		{"us-iso-east-1", "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "arn:aws-iso:ecr:us-iso-east-1:123456789012:repository/team/app"},
	} {
		if got := RegistryHost("123456789012", tc.region); got != tc.host {
			t.Errorf("RegistryHost(%s) = %s, want %s", tc.region, got, tc.host)
		}
		if got, want := RepositoryURI("123456789012", tc.region, "team/app"), tc.host+"/team/app"; got != want {
			t.Errorf("RepositoryURI(%s) = %s, want %s", tc.region, got, want)
		}
		if got := RepositoryARN("123456789012", tc.region, "team/app"); got != tc.arn {
			t.Errorf("RepositoryARN(%s) = %s, want %s", tc.region, got, tc.arn)
		}
	}
	if got, want := PublicRepositoryURI("a1b2c3d4", "team/app"), "public.ecr.aws/a1b2c3d4/team/app"; got != want {
		t.Errorf("PublicRepositoryURI = %s, want %s", got, want)
	}
	if got, want := PublicRepositoryARN("123456789012", "team/app"), "arn:aws:ecr-public::123456789012:repository/team/app"; got != want {
		t.Errorf("PublicRepositoryARN = %s, want %s", got, want)
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]bool{
		"us-east-1": true, "ap-east-1": true, "cn-north-1": true, "us-gov-west-1": true,
		"eu-west-9": false, "aws-global": false, "us-gov-central-3": false,
	} {
		if got := Known(region); got != want {
			t.Errorf("Known(%q) = %v, want %v", region, got, want)
		}
	}
}

// Every Region the SDK lists is valid here, in the SDK's partition.
func TestEveryListedRegionValidates(t *testing.T) {
	t.Parallel()
	n := 0
	for _, p := range partitions {
		for _, r := range p.regions {
			n++
			if err := Validate(r); err != nil {
				t.Errorf("Validate(%q): %v", r, err)
			}
			if got := Of(r).ID; got != p.ID {
				t.Errorf("Of(%q) = %s, want %s", r, got, p.ID)
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d Regions in the table", n)
	}
}

// TestPartitionsMatchSDK ties the table to the partitions.json of the
// aws-sdk-go-v2 this module builds with: same partitions in the same order,
// same patterns, DNS suffixes and Regions. An SDK upgrade that adds a Region
// or a partition fails here until the table follows.
func TestPartitionsMatchSDK(t *testing.T) {
	t.Parallel()
	path := sdkPartitionsFile(t)
	b, err := os.ReadFile(path) // #nosec G304 -- a file of the module cache
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Partitions []struct {
			ID          string         `json:"id"`
			RegionRegex string         `json:"regionRegex"`
			Regions     map[string]any `json:"regions"`
			Outputs     struct {
				DNSSuffix string `json:"dnsSuffix"`
			} `json:"outputs"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Partitions) != len(partitions) {
		t.Fatalf("SDK has %d partitions, the table %d", len(file.Partitions), len(partitions))
	}
	for i, sp := range file.Partitions {
		p := partitions[i]
		if sp.ID != p.ID || sp.Outputs.DNSSuffix != p.DNSSuffix || sp.RegionRegex != p.pattern.String() {
			t.Errorf("partition %d: SDK %s %s %s, table %s %s %s", i, sp.ID, sp.Outputs.DNSSuffix, sp.RegionRegex, p.ID, p.DNSSuffix, p.pattern)
		}
		var listed []string
		for r := range sp.Regions {
			if !strings.HasSuffix(r, "-global") {
				listed = append(listed, r)
			}
		}
		slices.Sort(listed)
		if !slices.Equal(listed, p.regions) {
			t.Errorf("partition %s: SDK lists %q, table %q", p.ID, listed, p.regions)
		}
	}
}

// sdkPartitionsFile finds partitions.json of the aws-sdk-go-v2 version that
// go.mod selects, in the module cache.
func sdkPartitionsFile(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/aws/aws-sdk-go-v2: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("aws-sdk-go-v2 is not in the module cache; run go mod download")
	}
	return filepath.Join(dir, "internal", "endpoints", "awsrulesfn", "partitions.json")
}

func TestNotEnabledHint(t *testing.T) {
	t.Parallel()
	for region, want := range map[string][]string{
		"ap-east-1": {"ap-east-1 refused the credentials", "opt-in Region that the account has not enabled", "aws-region"},
		"ap-east-9": {"ap-east-9 refused the credentials", "not a Region this action knows", "check the spelling in aws-region"},
	} {
		got := NotEnabledHint(region)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("NotEnabledHint(%q) = %q, missing %q", region, got, w)
			}
		}
	}
}

// A long bad entry (a file pasted by mistake) is cut in the message.
func TestParseErrorIsBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 5000)
	_, err := Parse("us-east-1," + long)
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 300 || !strings.Contains(err.Error(), "(5000 characters in all)") {
		t.Errorf("error = %q, want it cut and the length named", err)
	}
}

// Many bad entries (a file of lines pasted by mistake) give one bounded
// message: the first few, then how many more.
func TestParseErrorNamesFewEntries(t *testing.T) {
	t.Parallel()
	var lines strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&lines, "line %d of a file pasted by mistake which is not a Region code\n", i)
	}
	_, err := Parse("us-east-1\n" + lines.String())
	if err == nil {
		t.Fatal("no error")
	}
	if len(err.Error()) > 2000 || !strings.Contains(err.Error(), "and 1995 more entries that are not Region codes") {
		t.Errorf("error is %d bytes: %.300q…", len(err.Error()), err)
	}
}

// PartitionPattern takes every partition of the table as a whole ARN
// partition, and nothing that is not one's shape.
func TestPartitionPattern(t *testing.T) {
	t.Parallel()
	whole := regexp.MustCompile(`^` + PartitionPattern + `$`)
	for _, p := range partitions {
		if !whole.MatchString(p.ID) {
			t.Errorf("PartitionPattern does not take the partition %q", p.ID)
		}
	}
	for _, bad := range []string{"", "aws-", "AWS", "aws-CN", "aws_cn", "aws:cn", "azure", "aws-us-gov:iam"} {
		if whole.MatchString(bad) {
			t.Errorf("PartitionPattern takes %q", bad)
		}
	}
}
