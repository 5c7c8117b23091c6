package inputs

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
)

// catalogInputs are the inputs of the settings only ECR Public has.
var catalogInputs = settingInputs(func(s reconcile.SettingInfo) bool { return !s.Private })

// privateOnly are the inputs of settings ECR Public does not have, each
// with the reason (the engine's, reconcile.SettingInfo.Lacks).
var privateOnly = func() []struct{ input, why string } {
	var out []struct{ input, why string }
	for _, s := range reconcile.Settings() {
		if s.Public {
			continue
		}
		for _, in := range s.Inputs {
			out = append(out, struct{ input, why string }{in.String(), s.Lacks})
		}
	}
	return out
}()

// ecrPublic refuses, all at once, with public: true every input ECR Public
// does not support, and without it the catalog inputs.
func (l *loader) ecrPublic(c *Config) {
	if !c.Public {
		for _, in := range catalogInputs {
			if l.src.GetInput(in) != "" {
				l.add(in, fmt.Errorf("is catalog data of an ECR Public repository; set public: true, or remove %s", in))
			}
		}
		return
	}
	for _, p := range privateOnly {
		if l.src.GetInput(p.input) != "" {
			l.add(p.input, fmt.Errorf("is not supported with public: true: %s; remove %s, or manage a private repository (public: false)", p.why, p.input))
		}
	}
	if p := regions.Of(c.Region); c.Region != "" && p.ID != regions.Of(regions.ECRPublicRegion).ID {
		// Credentials of another partition are not valid in ECR Public's.
		l.Refuse(inputref.AWSRegion, fmt.Errorf("is %s, in the %s partition, but ECR Public is only in %s (partition %s): "+
			"use a Region of that partition, such as %s, with credentials of it", c.Region, p.ID, regions.ECRPublicRegion, regions.Of(regions.ECRPublicRegion).ID, regions.ECRPublicRegion))
	}
	if len(c.Regions) > 1 {
		l.Refuse(inputref.AWSRegion, fmt.Errorf("lists %d Regions, but ECR Public has one, %s, whatever aws-region says: "+
			"give one Region, or reconcile the private repositories in another step", len(c.Regions), regions.ECRPublicRegion))
	}
	if id := c.Spec.RegistryID; id != "" {
		// ECR Public manages the caller's own registry only; another
		// account's is refused here, before any call. Only an assumed
		// role's account is known before a call.
		if a, err := arn.Parse(c.Auth.RoleToAssume); err != nil || a.AccountID != id {
			l.Refuse(inputref.RegistryID, fmt.Errorf("is not supported with public: true unless it is the account of role-to-assume: "+
				"ECR Public manages only the caller's own registry; remove registry-id"))
		}
	}
	names := c.Repositories
	input := inputref.Repositories
	if c.Spec.Name != "" {
		names, input = []string{c.Spec.Name}, inputref.Repository
	}
	for _, n := range names {
		if len(n) > ecrspec.MaxPublicRepositoryNameChars {
			l.Refuse(input, fmt.Errorf("repository name %q has %d characters; ECR Public names have at most %d", shown(n), len(n), ecrspec.MaxPublicRepositoryNameChars))
		}
	}
}
