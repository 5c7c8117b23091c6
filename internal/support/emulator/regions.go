package emulator

import (
	"net/http"
	"strings"
)

// RegionStatus is how the emulated account stands towards a Region.
type RegionStatus int

// Region statuses. Regions launched after 20 March 2019 are opt-in: until the
// account enables one, its credentials are not valid there.
const (
	RegionEnabled    RegionStatus = iota // served (the default for every Region)
	RegionNotEnabled                     // an opt-in Region the account has not enabled
	RegionUnknown                        // no such Region
)

// SetRegionStatus marks region as enabled, not enabled or unknown. ECR
// requests signed for a Region that is not enabled answer as AWS does for a
// disabled opt-in Region: 400 UnrecognizedClientException "The security
// token included in the request is invalid." Requests signed for an unknown
// Region answer 400 InvalidSignatureException "Credential should be scoped
// to a valid region." (what an AWS endpoint says of a credential scope
// naming no Region; the real SDK would not get that far, as the endpoint's
// host name does not resolve). STS is not affected.
func (e *Emulator) SetRegionStatus(region string, s RegionStatus) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.regionStatus == nil {
		e.regionStatus = map[string]RegionStatus{}
	}
	if s == RegionEnabled {
		delete(e.regionStatus, region)
		return
	}
	e.regionStatus[region] = s
}

// regionRefusal is the error a request signed for region gets before any
// handler runs, or nil.
func (e *Emulator) regionRefusal(region string) *apiError {
	e.mu.Lock()
	s := e.regionStatus[region]
	e.mu.Unlock()
	switch s {
	case RegionNotEnabled:
		return errf(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case RegionUnknown:
		return errf(http.StatusBadRequest, "InvalidSignatureException", "Credential should be scoped to a valid region.")
	}
	return nil
}

// regionOf reads the Region from the credential scope of a SigV4
// Authorization header (Credential=KEY/DATE/REGION/SERVICE/aws4_request);
// an unsigned request addresses the default Region.
func (e *Emulator) regionOf(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return e.opts.Region
	}
	scope, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(scope), "/")
	if len(parts) < 5 || parts[2] == "" {
		return e.opts.Region
	}
	return parts[2]
}

// partitionOf and dnsSuffixOf give the partition of a Region for the names
// the emulator makes. They are the emulator's own, not the action's
// (internal/regions), so that a mistake there is not mirrored here.
func partitionOf(region string) string {
	for _, p := range []struct{ prefix, id string }{
		{"cn-", "aws-cn"},
		{"us-gov-", "aws-us-gov"},
		{"us-iso-", "aws-iso"},
		{"us-isob-", "aws-iso-b"},
		{"eu-isoe-", "aws-iso-e"},
		{"us-isof-", "aws-iso-f"},
		{"eusc-", "aws-eusc"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.id
		}
	}
	return "aws"
}

// publicPartition is ECR Public's: it is served from us-east-1 only.
const publicPartition = "aws"

func dnsSuffixOf(region string) string {
	if partitionOf(region) == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
