package emulator

import (
	"net/http"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// registryState is what the emulator keeps per registry rather than per
// repository; the zero value is ready for use and e.mu guards it.
type registryState struct {
	scanning  map[string]RegistryScanningConfiguration // account → configuration; absent = ECR's default
	templates map[string]map[string]*CreationTemplate  // account → prefix → template
	preview   LifecyclePreviewBehavior
}

// Registry scanning types and frequencies, as ECR's API spells them.
const (
	ScanBasic    = string(types.ScanTypeBasic)
	ScanEnhanced = string(types.ScanTypeEnhanced)

	ScanOnPush     = string(types.ScanFrequencyScanOnPush)
	ScanContinuous = "CONTINUOUS_SCAN"
	ScanManual     = "MANUAL"
)

// RegistryScanningConfiguration is a registry's scanning configuration. A
// registry that never had one is BASIC with no rules, ECR's default.
type RegistryScanningConfiguration struct {
	ScanType string // ScanBasic or ScanEnhanced
	Rules    []RegistryScanningRule
}

// RegistryScanningRule applies a scan frequency to the repositories that
// match one of its WILDCARD filters.
type RegistryScanningRule struct {
	ScanFrequency string // ScanOnPush, ScanContinuous or ScanManual
	Filters       []string
}

func (c RegistryScanningConfiguration) clone() RegistryScanningConfiguration {
	out := RegistryScanningConfiguration{ScanType: c.ScanType, Rules: make([]RegistryScanningRule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = RegistryScanningRule{ScanFrequency: r.ScanFrequency, Filters: slices.Clone(r.Filters)}
	}
	return out
}

// SetRegistryScanningConfiguration replaces a registry's scanning
// configuration in the emulator's default Region, bypassing the API (no
// validation, no call log); registryID "" means the default account.
func (e *Emulator) SetRegistryScanningConfiguration(registryID string, cfg RegistryScanningConfiguration) {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.extra.scanning == nil {
		e.extra.scanning = map[string]RegistryScanningConfiguration{}
	}
	e.extra.scanning[registryKey(e.opts.Region, registryID)] = cfg.clone()
}

// RegistryScanningConfigurationOf returns a registry's scanning
// configuration in the default Region; registryID "" means the default
// account.
func (e *Emulator) RegistryScanningConfigurationOf(registryID string) RegistryScanningConfiguration {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.scanningOf(registryKey(e.opts.Region, registryID))
}

// scanningOf returns a copy of a registry's configuration (registryKey:
// ECR keeps it per Region); the caller holds e.mu.
func (e *Emulator) scanningOf(key string) RegistryScanningConfiguration {
	cfg, ok := e.extra.scanning[key]
	if !ok {
		return RegistryScanningConfiguration{ScanType: ScanBasic}
	}
	return cfg.clone()
}

type wireScanningRule struct {
	ScanFrequency     string             `json:"scanFrequency"`
	RepositoryFilters []wireRepoFilterIn `json:"repositoryFilters"`
}

type wireRepoFilterIn struct {
	Filter     string `json:"filter"`
	FilterType string `json:"filterType"`
}

type wireScanningConfiguration struct {
	ScanType string             `json:"scanType"`
	Rules    []wireScanningRule `json:"rules"`
}

func scanningToWire(c RegistryScanningConfiguration) wireScanningConfiguration {
	w := wireScanningConfiguration{ScanType: c.ScanType, Rules: make([]wireScanningRule, len(c.Rules))}
	for i, r := range c.Rules {
		wr := wireScanningRule{ScanFrequency: r.ScanFrequency, RepositoryFilters: make([]wireRepoFilterIn, len(r.Filters))}
		for j, f := range r.Filters {
			wr.RepositoryFilters[j] = wireRepoFilterIn{Filter: f, FilterType: string(types.ScanningRepositoryFilterTypeWildcard)}
		}
		w.Rules[i] = wr
	}
	return w
}

func (e *Emulator) getRegistryScanningConfiguration(c *ecrCall) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return map[string]any{"registryId": c.account, "scanningConfiguration": scanningToWire(e.scanningOf(registryKey(c.region, c.account)))}, nil
}

// scanFilterRE is ECR's ScanningRepositoryFilterValue pattern.
var scanFilterRE = regexp.MustCompile(`^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$`)

func (e *Emulator) putRegistryScanningConfiguration(c *ecrCall) (any, *apiError) {
	var in struct {
		ScanType *string            `json:"scanType"`
		Rules    []wireScanningRule `json:"rules"`
	}
	if fail := decodeInput(c.in.raw, &in); fail != nil {
		return nil, fail
	}
	cfg := RegistryScanningConfiguration{ScanType: ScanBasic}
	if in.ScanType != nil {
		cfg.ScanType = *in.ScanType
	}
	if cfg.ScanType != ScanBasic && cfg.ScanType != ScanEnhanced {
		return nil, invalidParam("scanType", "Member must satisfy enum value set: [BASIC, ENHANCED]")
	}
	if len(in.Rules) > 2 {
		return nil, invalidParam("rules", "Member must have length less than or equal to 2")
	}
	for _, r := range in.Rules {
		switch r.ScanFrequency {
		case ScanOnPush, ScanManual:
		case ScanContinuous:
			if cfg.ScanType == ScanBasic {
				return nil, errf(http.StatusBadRequest, "ValidationException", "CONTINUOUS_SCAN is not a supported scan frequency for scan type BASIC; use ENHANCED scanning or SCAN_ON_PUSH")
			}
		default:
			return nil, invalidParam("rules.scanFrequency", "Member must satisfy enum value set: [SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL]")
		}
		if len(r.RepositoryFilters) > 100 {
			return nil, invalidParam("rules.repositoryFilters", "Member must have length less than or equal to 100")
		}
		rule := RegistryScanningRule{ScanFrequency: r.ScanFrequency}
		for _, f := range r.RepositoryFilters {
			if f.FilterType != string(types.ScanningRepositoryFilterTypeWildcard) {
				return nil, invalidParam("rules.repositoryFilters.filterType", "Member must satisfy enum value set: [WILDCARD]")
			}
			if len(f.Filter) < 1 || len(f.Filter) > 255 || !scanFilterRE.MatchString(f.Filter) {
				return nil, invalidParam("rules.repositoryFilters.filter", "Member must satisfy regular expression pattern: ^[a-z0-9*](?:[._\\-/a-z0-9*]?[a-z0-9*]+)*$")
			}
			rule.Filters = append(rule.Filters, f.Filter)
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.extra.scanning == nil {
		e.extra.scanning = map[string]RegistryScanningConfiguration{}
	}
	e.extra.scanning[registryKey(c.region, c.account)] = cfg
	return map[string]any{"registryScanningConfiguration": scanningToWire(cfg.clone())}, nil
}
