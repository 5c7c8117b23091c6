package emulator

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

func (e *Emulator) createRepository(c *ecrCall) (any, *apiError) {
	in := c.in
	if fail := validateRepoName(in.RepositoryName); fail != nil {
		return nil, fail
	}
	tags, fail := validateTags(in.Tags)
	if fail != nil {
		return nil, fail
	}
	if len(tags) > ecrspec.MaxTags {
		return nil, tooManyTags()
	}
	mutability := in.ImageTagMutability
	if mutability == "" {
		mutability = string(types.ImageTagMutabilityMutable)
	}
	filters, fail := validateMutability(mutability, in.ExclusionFilters)
	if fail != nil {
		return nil, fail
	}
	r := &Repository{
		Region:           c.region,
		RegistryID:       c.account,
		Name:             in.RepositoryName,
		ARN:              repoARN(c.region, c.account, in.RepositoryName),
		URI:              repoURI(c.region, c.account, in.RepositoryName),
		Mutability:       mutability,
		ExclusionFilters: filters,
		EncryptionType:   string(types.EncryptionTypeAes256),
		Tags:             tags,
		CreatedAt:        e.now(),
	}
	if in.ScanConfig != nil {
		r.ScanOnPush = in.ScanConfig.ScanOnPush
	}
	if enc := in.Encryption; enc != nil {
		if fail := e.applyEncryption(r, enc); fail != nil {
			return nil, fail
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lookup(c.region, c.account, r.Name) != nil {
		return nil, errf(http.StatusBadRequest, "RepositoryAlreadyExistsException", fmt.Sprintf(
			"The repository with name '%s' already exists in the registry with id '%s'", r.Name, c.account))
	}
	if q := e.opts.RepositoryQuota; q > 0 && len(e.registries[registryKey(c.region, c.account)]) >= q {
		// The exact wording of ECR's message is not documented; the code is.
		return nil, errf(http.StatusBadRequest, "LimitExceededException", fmt.Sprintf(
			"The maximum number of repositories (%d) for the registry with id '%s' has been reached", q, c.account))
	}
	e.store(r)
	if n := e.opts.InvisibleReadsAfterCreate; n > 0 {
		e.invisible[repoKey(c.region, c.account, r.Name)] = n
	}
	if n := e.opts.InvisibleWritesAfterCreate; n > 0 {
		for op := range ecrWrites {
			e.invisibleWrites[repoKey(c.region, c.account, r.Name)+"|"+op] = n
		}
	}
	return map[string]any{"repository": toWire(r)}, nil
}

func (e *Emulator) applyEncryption(r *Repository, enc *wireEncryption) *apiError {
	switch enc.EncryptionType {
	case string(types.EncryptionTypeAes256):
		if enc.KMSKey != "" {
			return invalidParam("encryptionConfiguration.kmsKey", "kmsKey can only be specified when encryptionType is KMS or KMS_DSSE")
		}
	case string(types.EncryptionTypeKms), string(types.EncryptionTypeKmsDsse):
		arn, ok := resolveKMSKey(r.Region, r.RegistryID, enc.KMSKey)
		if !ok {
			return errf(http.StatusBadRequest, "KmsException", fmt.Sprintf("Invalid KMS key '%s'", enc.KMSKey))
		}
		r.KMSKey = arn
	default:
		return invalidParam("encryptionConfiguration.encryptionType", "Member must satisfy enum value set: ["+enumList(types.EncryptionType("").Values())+"]")
	}
	r.EncryptionType = enc.EncryptionType
	return nil
}

var filterRE = regexp.MustCompile(ecrspec.ExclusionFilterPattern)

// validateMutability checks a mutability value with its exclusion filters and
// returns the filter strings.
func validateMutability(value string, filters []wireFilter) ([]string, *apiError) {
	if !slices.Contains(types.ImageTagMutability("").Values(), types.ImageTagMutability(value)) {
		return nil, invalidParam("imageTagMutability",
			"Member must satisfy enum value set: ["+enumList(types.ImageTagMutability("").Values())+"]")
	}
	if !strings.HasSuffix(value, "_WITH_EXCLUSION") {
		if len(filters) > 0 {
			return nil, invalidParam("imageTagMutabilityExclusionFilters",
				"Exclusion filters can only be used with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")
		}
		return nil, nil
	}
	if len(filters) == 0 {
		// ECR's own answer (quoted in aws-cdk pull request 35246).
		return nil, invalidParam("imageTagMutabilityExclusionFilters", "ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as "+value)
	}
	if len(filters) > ecrspec.MaxExclusionFilters {
		return nil, invalidParam("imageTagMutabilityExclusionFilters", fmt.Sprintf("Member must have between 1 and %d filters", ecrspec.MaxExclusionFilters))
	}
	out := make([]string, 0, len(filters))
	for _, f := range filters {
		if types.ImageTagMutabilityExclusionFilterType(f.FilterType) != types.ImageTagMutabilityExclusionFilterTypeWildcard {
			return nil, invalidParam("imageTagMutabilityExclusionFilters.filterType", "Member must satisfy enum value set: ["+enumList(types.ImageTagMutabilityExclusionFilterType("").Values())+"]")
		}
		if !filterRE.MatchString(f.Filter) {
			return nil, invalidParam("imageTagMutabilityExclusionFilters.filter", "Member must satisfy regular expression pattern: "+ecrspec.ExclusionFilterPattern)
		}
		out = append(out, f.Filter)
	}
	return out, nil
}

// checkNamedDescribe checks a DescribeRepositories that names its
// repositories, as ECR and ECR Public both do: at most 100 names, no
// paging, every name valid.
func checkNamedDescribe(names []string, maxResults *int, nextToken *string, validName func(string) *apiError) *apiError {
	if len(names) > ecrspec.MaxNamesPerDescribe {
		return invalidParam("repositoryNames", fmt.Sprintf("Member must have length less than or equal to %d", ecrspec.MaxNamesPerDescribe))
	}
	if maxResults != nil || nextToken != nil {
		return invalidParam("maxResults", "maxResults and nextToken cannot be used together with repositoryNames")
	}
	for _, name := range names {
		if fail := validName(name); fail != nil {
			return fail
		}
	}
	return nil
}

func (e *Emulator) describeRepositories(c *ecrCall) (any, *apiError) {
	if len(c.in.RepositoryNames) == 0 {
		return e.listRepositories(c)
	}
	in := c.in
	if fail := checkNamedDescribe(in.RepositoryNames, in.MaxResults, in.NextToken, validateRepoName); fail != nil {
		return nil, fail
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	seen := make(map[string]bool, len(in.RepositoryNames))
	repos := make([]wireRepository, 0, len(in.RepositoryNames))
	missing := ""
	for _, name := range in.RepositoryNames {
		if seen[name] {
			continue
		}
		seen[name] = true
		r := e.lookup(c.region, c.account, name)
		// Every named read counts against eventual consistency, even when
		// the call fails because of another name.
		if r == nil || e.consumeInvisible(c.region, c.account, name) {
			if missing == "" {
				missing = name
			}
			continue
		}
		repos = append(repos, toWire(r))
	}
	if missing != "" {
		// Real ECR fails the whole batch for one missing name.
		return nil, repoNotFound(c.account, missing)
	}
	return map[string]any{"repositories": repos}, nil
}

// listRepositories pages through the registry in name order. The token is
// the last name returned, so pages stay consistent while repositories are
// created.
func (e *Emulator) listRepositories(c *ecrCall) (any, *apiError) {
	limit, after, fail := pageParams(c.in.MaxResults, c.in.NextToken)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	reg := e.registries[registryKey(c.region, c.account)]
	names, out := pageOfNames(reg, after, limit)
	repos := make([]wireRepository, len(names))
	for i, name := range names {
		repos[i] = toWire(reg[name])
	}
	out["repositories"] = repos
	return out, nil
}

func (e *Emulator) deleteRepository(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.lookup(c.region, c.account, c.in.RepositoryName)
	if r == nil {
		return nil, repoNotFound(c.account, c.in.RepositoryName)
	}
	if (r.ImageCount > 0 || len(r.Images) > 0) && !c.in.Force {
		return nil, repositoryNotEmpty(r.Name, r.RegistryID)
	}
	delete(e.registries[registryKey(c.region, c.account)], r.Name)
	e.clearInvisible(c.region, c.account, r.Name)
	return map[string]any{"repository": toWire(r)}, nil
}

func (e *Emulator) putImageTagMutability(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	filters, fail := validateMutability(c.in.ImageTagMutability, c.in.ExclusionFilters)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c, c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	r.Mutability, r.ExclusionFilters = c.in.ImageTagMutability, filters
	out := map[string]any{
		"registryId":         r.RegistryID,
		"repositoryName":     r.Name,
		"imageTagMutability": r.Mutability,
	}
	if w := toWire(r); len(w.ExclusionFilters) > 0 {
		out["imageTagMutabilityExclusionFilters"] = w.ExclusionFilters
	}
	return out, nil
}

func (e *Emulator) putImageScanningConfiguration(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if c.in.ScanConfig == nil {
		return nil, invalidParam("imageScanningConfiguration", "Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c, c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	r.ScanOnPush = c.in.ScanConfig.ScanOnPush
	return map[string]any{
		"registryId":                 r.RegistryID,
		"repositoryName":             r.Name,
		"imageScanningConfiguration": wireScan{ScanOnPush: r.ScanOnPush},
	}, nil
}

// enumList writes an SDK enum's values as ECR lists them in a validation
// message: "A, B, C".
func enumList[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
