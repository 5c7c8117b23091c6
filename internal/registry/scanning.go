// Package registry decides, from registry-level settings read from ECR,
// when the registry rather than the repository decides a setting: the
// registry scanning configuration overrides a repository's scanOnPush, and a
// repository creation template gives a repository created by a push
// settings of its own. The functions are pure and work on plain values, so
// the engine reads the settings once and reports what they mean. For the
// templates this package says which one applies (TemplateFor); each
// setting of the engine compares the template's value with the declared
// one in its own file (internal/reconcile, setting.template).
package registry

import (
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Scan types and frequencies, as the SDK's enums spell them.
const (
	ScanTypeBasic    = string(types.ScanTypeBasic)
	ScanTypeEnhanced = string(types.ScanTypeEnhanced)

	FrequencyScanOnPush = string(types.ScanFrequencyScanOnPush)
	FrequencyContinuous = string(types.ScanFrequencyContinuousScan)
	FrequencyManual     = string(types.ScanFrequencyManual)
)

// ScanningConfiguration is a registry's scanning configuration
// (GetRegistryScanningConfiguration).
type ScanningConfiguration struct {
	ScanType string // ScanTypeBasic or ScanTypeEnhanced; "" reads as basic, ECR's default
	Rules    []ScanningRule
}

// ScanningRule applies Frequency to the repositories that match one of its
// WILDCARD filters.
type ScanningRule struct {
	Frequency string
	Filters   []string
}

// Scanning is what actually happens to a repository's images.
type Scanning string

const (
	// ScanningByRepository: the repository's own scanOnPush flag decides
	// (basic scanning without scan-on-push rules).
	ScanningByRepository Scanning = "repository"
	ScanningOnPush       Scanning = "scan on push"
	ScanningContinuous   Scanning = "continuous scanning"
	ScanningManual       Scanning = "manual scans only"
	ScanningNone         Scanning = "no scanning"
)

// ScanDecision says whether the registry overrides the declared scanOnPush.
type ScanDecision struct {
	// Effective is what the registry does to the repository's images.
	Effective Scanning
	// Rule is the matching rule's frequency and filter ("" when none).
	Rule, Filter string
	// Overrides reports that images will not be scanned as declared. The
	// engine words the warning: it knows the setting, this package only
	// ECR's model of registry scanning.
	Overrides bool
}

// ScanOnPushOverride decides whether the registry scanning configuration
// overrides the declared scanOnPush of repository, following ECR's
// documentation ("Filters to choose which repositories are scanned"):
//   - basic scanning with scan-on-push rules: a matching repository is
//     scanned on push, any other is set to manual scans, whatever its own
//     flag; without such rules the repository's flag decides;
//   - enhanced scanning: the repository's flag is never used; a continuous
//     rule that matches wins over a scan-on-push rule, and a repository no
//     rule matches is not scanned.
//
// Under enhanced scanning continuous scanning also scans on push, so it
// meets a declared true.
func ScanOnPushOverride(cfg ScanningConfiguration, repository string, declared bool) ScanDecision {
	var d ScanDecision
	switch cfg.ScanType {
	case ScanTypeEnhanced:
		d.Effective = ScanningNone
		if f, ok := matchRule(cfg, FrequencyContinuous, repository); ok {
			d.Effective, d.Rule, d.Filter = ScanningContinuous, FrequencyContinuous, f
		} else if f, ok := matchRule(cfg, FrequencyScanOnPush, repository); ok {
			d.Effective, d.Rule, d.Filter = ScanningOnPush, FrequencyScanOnPush, f
		}
	default:
		if !hasRule(cfg, FrequencyScanOnPush) {
			d.Effective = ScanningByRepository
			return d
		}
		d.Effective = ScanningManual
		if f, ok := matchRule(cfg, FrequencyScanOnPush, repository); ok {
			d.Effective, d.Rule, d.Filter = ScanningOnPush, FrequencyScanOnPush, f
		}
	}
	scansOnPush := d.Effective == ScanningOnPush || d.Effective == ScanningContinuous
	d.Overrides = scansOnPush != declared
	return d
}

func hasRule(cfg ScanningConfiguration, frequency string) bool {
	for _, r := range cfg.Rules {
		if r.Frequency == frequency && len(r.Filters) > 0 {
			return true
		}
	}
	return false
}

// matchRule returns the first filter of a rule of this frequency that
// matches repository.
func matchRule(cfg ScanningConfiguration, frequency, repository string) (string, bool) {
	for _, r := range cfg.Rules {
		if r.Frequency != frequency {
			continue
		}
		for _, f := range r.Filters {
			if FilterMatches(f, repository) {
				return f, true
			}
		}
	}
	return "", false
}

// FilterMatches applies a registry scanning WILDCARD filter the way ECR
// documents it: a filter without '*' matches every name that contains it; a
// filter with '*' must match the whole name, '*' standing for any run of
// characters (including none).
func FilterMatches(filter, repository string) bool {
	if !strings.Contains(filter, "*") {
		return strings.Contains(repository, filter)
	}
	parts := strings.Split(filter, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(repository)
}
