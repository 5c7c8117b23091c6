// Package regions is the one home of what the action knows about AWS Region
// codes: how the aws-region input lists several of them, which codes are
// well formed, and the partition, DNS suffix, ARNs and registry hosts that
// follow from a code. It is pure: nothing here makes a call.
//
// The partition table mirrors the one aws-sdk-go-v2 resolves endpoints with
// (internal/endpoints/awsrulesfn/partitions.json, which an outside module
// cannot import); TestPartitionsMatchSDK reads that file from the module
// cache and fails when the two drift apart.
package regions

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// Partition is an AWS partition: a group of Regions with its own ARN prefix
// and DNS suffix.
type Partition struct {
	ID        string // ARN partition: "aws", "aws-cn", "aws-us-gov", "aws-iso", ...
	DNSSuffix string // "amazonaws.com", "amazonaws.com.cn", ...
	// pattern is the SDK's regionRegex for the partition.
	pattern *regexp.Regexp
	// regions are the Regions the SDK lists for the partition (its global
	// pseudo-regions left out).
	regions []string
}

// partitions is in the SDK's order, which matters: a code is matched against
// every partition's listed Regions first, then against the patterns in order.
var partitions = []Partition{
	{
		ID: "aws", DNSSuffix: "amazonaws.com",
		pattern: regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`),
		regions: []string{
			"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
			"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
			"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1",
			"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
			"il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1",
			"us-east-1", "us-east-2", "us-west-1", "us-west-2",
		},
	},
	{
		ID: "aws-cn", DNSSuffix: "amazonaws.com.cn",
		pattern: regexp.MustCompile(`^cn\-\w+\-\d+$`),
		regions: []string{"cn-north-1", "cn-northwest-1"},
	},
	{
		ID: "aws-eusc", DNSSuffix: "amazonaws.eu",
		pattern: regexp.MustCompile(`^eusc\-(de)\-\w+\-\d+$`),
		regions: []string{"eusc-de-east-1"},
	},
	{
		ID: "aws-iso", DNSSuffix: "c2s.ic.gov",
		pattern: regexp.MustCompile(`^us\-iso\-\w+\-\d+$`),
		regions: []string{"us-iso-east-1", "us-iso-west-1"},
	},
	{
		ID: "aws-iso-b", DNSSuffix: "sc2s.sgov.gov",
		pattern: regexp.MustCompile(`^us\-isob\-\w+\-\d+$`),
		regions: []string{"us-isob-east-1", "us-isob-west-1"},
	},
	{
		ID: "aws-iso-e", DNSSuffix: "cloud.adc-e.uk",
		pattern: regexp.MustCompile(`^eu\-isoe\-\w+\-\d+$`),
		regions: []string{"eu-isoe-west-1"},
	},
	{
		ID: "aws-iso-f", DNSSuffix: "csp.hci.ic.gov",
		pattern: regexp.MustCompile(`^us\-isof\-\w+\-\d+$`),
		regions: []string{"us-isof-east-1", "us-isof-south-1"},
	},
	{
		ID: "aws-us-gov", DNSSuffix: "amazonaws.com",
		pattern: regexp.MustCompile(`^us\-gov\-\w+\-\d+$`),
		regions: []string{"us-gov-east-1", "us-gov-west-1"},
	},
}

// shape is what every Region code looks like: lower-case words joined by
// hyphens, ending in a number ("us-east-1", "us-gov-west-1",
// "eusc-de-east-1"). The partition patterns alone would let "US-EAST-1" or
// "us-east_x-1" through (\w), which no Region is called.
var shape = regexp.MustCompile(`^[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}$`)

// ECRPublicRegion is the only Region that serves ECR Public's control plane
// (CreateRepository, DescribeRegistries, ...): elsewhere there is no
// endpoint, or the call answers UnsupportedCommandException.
const ECRPublicRegion = "us-east-1"

// ECRPublicHost is the registry host of every ECR Public repository; the
// URI is ECRPublicHost/<registry alias>/<name>.
const ECRPublicHost = "public.ecr.aws"

// Validate reports whether region is a well-formed Region code of a known
// partition. A well-formed code the SDK does not list yet (a Region newer
// than the pinned SDK) passes: AWS, not this table, decides whether it
// exists, and the call then fails with a message that says so.
func Validate(region string) error {
	if !shape.MatchString(region) {
		return fmt.Errorf("%s is not an AWS Region code; use a code such as us-east-1 or eu-central-1", quoted(region))
	}
	if _, ok := lookup(region); !ok {
		return fmt.Errorf("%s is not a Region of any AWS partition (aws, aws-cn, aws-us-gov, aws-iso*, aws-eusc); use a code such as us-east-1 or eu-central-1", quoted(region))
	}
	return nil
}

// Parse reads the aws-region input: one or more Region codes written as
// inputref.List reads a list (commas or newlines, blanks ignored); repeats
// are dropped (the first occurrence keeps its place), and the first
// code is the primary Region. Every code is validated, and all the errors
// are reported together. Regions of different partitions cannot be mixed:
// one set of credentials belongs to one partition.
func Parse(input string) ([]string, error) {
	var out, bad []string
	for _, f := range inputref.List(input) {
		if slices.Contains(out, f) {
			continue
		}
		if err := Validate(f); err != nil {
			bad = append(bad, err.Error())
			continue
		}
		out = append(out, f)
	}
	if len(bad) > maxBadEntries {
		bad = append(bad[:maxBadEntries], fmt.Sprintf("and %d more entries that are not Region codes", len(bad)-maxBadEntries))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Region given; list one or more Region codes separated by commas or newlines, for example us-east-1, eu-west-1")
	}
	first := Of(out[0]).ID
	for _, r := range out[1:] {
		if p := Of(r).ID; p != first {
			return nil, fmt.Errorf("%s is in partition %s but the primary Region %s is in %s; credentials belong to one partition, so list Regions of one partition only (one step per partition)", quoted(r), p, quoted(out[0]), first)
		}
	}
	return out, nil
}

// maxBadEntries is how many bad entries a message names: an input pasted
// by mistake (a whole file of lines) must not fill an annotation with one
// complaint per line.
const maxBadEntries = 5

// quoted is s as a message repeats it: quoted and bounded.
var quoted = wfcmd.Quote

// Of returns the partition of region as the SDK resolves it: a listed Region
// first, then the patterns, and the aws partition for anything else.
func Of(region string) Partition {
	if p, ok := lookup(region); ok {
		return p
	}
	return partitions[0]
}

func lookup(region string) (Partition, bool) {
	for _, p := range partitions {
		if slices.Contains(p.regions, region) {
			return p, true
		}
	}
	for _, p := range partitions {
		if p.pattern.MatchString(region) {
			return p, true
		}
	}
	return Partition{}, false
}

// Known reports whether the pinned SDK lists region. A well-formed code it
// does not list may be a newer Region or a typo; Known lets an error
// message say which is likelier.
func Known(region string) bool {
	for _, p := range partitions {
		if slices.Contains(p.regions, region) {
			return true
		}
	}
	return false
}

// RegistryHost is the private registry host of an account in a Region:
// ACCOUNT.dkr.ecr.REGION.DNS-SUFFIX, as amazon-ecr-login names it.
func RegistryHost(account, region string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.%s", account, region, Of(region).DNSSuffix)
}

// RepositoryURI is the URI of a private repository, for image tags.
func RepositoryURI(account, region, name string) string {
	return RegistryHost(account, region) + "/" + name
}

// RepositoryARN is the ARN of a private repository.
func RepositoryARN(account, region, name string) string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", Of(region).ID, region, account, name)
}

// PublicRepositoryURI is the URI of an ECR Public repository.
func PublicRepositoryURI(alias, name string) string {
	return ECRPublicHost + "/" + alias + "/" + name
}

// PublicRepositoryARN is the ARN of an ECR Public repository. ECR Public is
// global: its ARNs have an empty Region field.
func PublicRepositoryARN(account, name string) string {
	return fmt.Sprintf("arn:aws:ecr-public::%s:repository/%s", account, name)
}

// NotEnabledHint is what to tell the user when ECR in region refused
// credentials that work elsewhere (UnrecognizedClientException, "The
// security token included in the request is invalid."): AWS gives that same
// answer for an opt-in Region the account has not enabled, and its message
// does not mention the Region.
func NotEnabledHint(region string) string {
	if !Known(region) {
		return fmt.Sprintf("%s refused the credentials, and it is not a Region this action knows: check the spelling in %v, or, for a Region newer than this action, that the account has enabled it", region, inputref.AWSRegion)
	}
	return fmt.Sprintf("%s refused the credentials: it is probably an opt-in Region that the account has not enabled; enable it (AWS console, Account, AWS Regions) or remove it from %v", region, inputref.AWSRegion)
}
