package inputs

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
	"github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"
)

// ecrPublic refuses, all at once, with public: true every input ECR Public
// does not support, and without it the catalog inputs: the settings' own
// lists say which kind of registry has them, and why the other lacks them.
func (l *loader) ecrPublic(c *Config) {
	for _, s := range reconcile.Settings() {
		for _, in := range s.Inputs {
			switch {
			case l.Text(in) == "":
			case !c.Public && !s.Private:
				l.Refuse(in, fmt.Errorf("is catalog data of an ECR Public repository; set %s: true, or remove %s", inputref.Public, in))
			case c.Public && !s.Public:
				l.Refuse(in, fmt.Errorf("is not supported with %[1]s: true: %[2]s; remove %[3]s, or manage a private repository (%[1]s: false)", inputref.Public, s.Lacks, in))
			}
		}
	}
	if !c.Public {
		return
	}
	if p := regions.Of(c.Region); c.Region != "" && p.ID != regions.Of(regions.ECRPublicRegion).ID {
		// Credentials of another partition are not valid in ECR Public's.
		l.Refuse(inputref.AWSRegion, fmt.Errorf("is %s, in the %s partition, but ECR Public is only in %s (partition %s): "+
			"use a Region of that partition, such as %s, with credentials of it", c.Region, p.ID, regions.ECRPublicRegion, regions.Of(regions.ECRPublicRegion).ID, regions.ECRPublicRegion))
	}
	if len(c.Regions) > 1 {
		l.Refuse(inputref.AWSRegion, fmt.Errorf("lists %d Regions, but ECR Public has one, %s, whatever %s says: "+
			"give one Region, or reconcile the private repositories in another step", len(c.Regions), regions.ECRPublicRegion, inputref.AWSRegion))
	}
	if id := c.Spec.RegistryID; id != "" {
		// ECR Public manages the caller's own registry only; another
		// account's is refused here, before any call. Only an assumed
		// role's account is known before a call.
		if a, err := arn.Parse(c.Auth.RoleToAssume); err != nil || a.AccountID != id {
			l.Refuse(inputref.RegistryID, fmt.Errorf("is not supported with %s: true unless it is the account of %s: "+
				"ECR Public manages only the caller's own registry; remove %s", inputref.Public, inputref.RoleToAssume, inputref.RegistryID))
		}
	}
	names := c.Repositories
	input := inputref.Repositories
	if c.Spec.Name != "" {
		names, input = []string{c.Spec.Name}, inputref.Repository
	}
	for _, n := range names {
		if len(n) > ecrspec.MaxPublicRepositoryNameChars {
			l.Refuse(input, fmt.Errorf("repository name %q has %d characters; ECR Public names have at most %d", wfcmd.Shown(n), len(n), ecrspec.MaxPublicRepositoryNameChars))
		}
	}
}
