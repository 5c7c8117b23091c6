package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// Repository is the stored state of one ECR repository.
type Repository struct {
	// Region holds the repository; "" in PutRepository means the
	// emulator's default Region.
	Region                     string
	RegistryID, Name, ARN, URI string
	Mutability                 string // MUTABLE by default
	ExclusionFilters           []string
	ScanOnPush                 bool
	EncryptionType             string // AES256 by default
	KMSKey                     string // ARN
	Policy                     string // repository policy text as ECR would return it ("" = none)
	Lifecycle                  string // lifecycle policy text as returned ("" = none)
	Tags                       map[string]string
	CreatedAt                  time.Time
	// ImageCount > 0 makes DeleteRepository without force fail with
	// RepositoryNotEmptyException, for tests that need a non-empty
	// repository but not its images.
	ImageCount int
	// Images are the repository's images (DescribeImages, lifecycle policy
	// previews); seed them with PutImages. They count as ImageCount does.
	Images []Image

	preview *lifecyclePreview // the last StartLifecyclePolicyPreview, nil = none
}

func (r *Repository) clone() Repository {
	out := *r
	out.ExclusionFilters = slices.Clone(r.ExclusionFilters)
	out.Tags = maps.Clone(r.Tags)
	out.Images = cloneImages(r.Images)
	out.preview = nil
	return out
}

// registryKey names one private registry: an account's registry in one
// Region. ECR keeps each Region's registry apart, so the same name can
// exist in several Regions independently.
func registryKey(region, account string) string { return region + "/" + account }

func repoKey(region, account, name string) string { return registryKey(region, account) + "/" + name }

func repoARN(region, account, name string) string {
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", partitionOf(region), region, account, name)
}

func repoURI(region, account, name string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", account, region, dnsSuffixOf(region), name)
}

// lookup returns the stored repository; the caller holds e.mu.
func (e *Emulator) lookup(region, account, name string) *Repository {
	return e.registries[registryKey(region, account)][name]
}

// store saves r; the caller holds e.mu.
func (e *Emulator) store(r *Repository) {
	key := registryKey(r.Region, r.RegistryID)
	reg := e.registries[key]
	if reg == nil {
		reg = map[string]*Repository{}
		e.registries[key] = reg
	}
	reg[r.Name] = r
}

// Repository returns a copy of the stored repository in the default Region;
// registryID "" means the default account.
func (e *Emulator) Repository(registryID, name string) (Repository, bool) {
	return e.RepositoryIn(e.opts.Region, registryID, name)
}

// RepositoryIn returns a copy of the stored repository in region.
func (e *Emulator) RepositoryIn(region, registryID, name string) (Repository, bool) {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.lookup(region, registryID, name)
	if r == nil {
		return Repository{}, false
	}
	return r.clone(), true
}

// PutRepository creates or overwrites a repository, bypassing the API (no
// validation, no call log, no eventual consistency). Empty RegistryID, ARN,
// URI, Mutability, EncryptionType, KMSKey (for KMS types) and CreatedAt get
// ECR's defaults. Policy and Lifecycle texts that parse are re-formatted the
// way ECR returns them; others are stored as given.
func (e *Emulator) PutRepository(r Repository) {
	r = r.clone()
	if r.Region == "" {
		r.Region = e.opts.Region
	}
	if r.RegistryID == "" {
		r.RegistryID = e.opts.AccountID
	}
	if r.ARN == "" {
		r.ARN = repoARN(r.Region, r.RegistryID, r.Name)
	}
	if r.URI == "" {
		r.URI = repoURI(r.Region, r.RegistryID, r.Name)
	}
	if r.Mutability == "" {
		r.Mutability = string(types.ImageTagMutabilityMutable)
	}
	if r.EncryptionType == "" {
		r.EncryptionType = string(types.EncryptionTypeAes256)
	}
	if r.KMSKey == "" && r.EncryptionType != string(types.EncryptionTypeAes256) {
		r.KMSKey, _ = resolveKMSKey(r.Region, r.RegistryID, "")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = e.now()
	}
	if r.Policy != "" {
		if p, err := formatRepositoryPolicy(r.Policy, partitionOf(r.Region), e.opts.FillPolicyDefaults); err == nil {
			r.Policy = p.text
		}
	}
	if r.Lifecycle != "" {
		if text, err := formatLifecyclePolicy(r.Lifecycle, e.opts.FillPolicyDefaults); err == nil {
			r.Lifecycle = text
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clearInvisible(r.Region, r.RegistryID, r.Name)
	e.store(&r)
}

// RepositoryCount returns the number of repositories across all registries
// and Regions.
func (e *Emulator) RepositoryCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, reg := range e.registries {
		n += len(reg)
	}
	return n
}

// consumeInvisible reports whether the repository is still invisible to the
// current read and counts the read; the caller holds e.mu.
func (e *Emulator) consumeInvisible(region, account, name string) bool {
	key := repoKey(region, account, name)
	n, ok := e.invisible[key]
	if !ok {
		return false
	}
	if n <= 1 {
		delete(e.invisible, key)
	} else {
		e.invisible[key] = n - 1
	}
	return true
}

// clearInvisible makes the repository visible to every call; the caller
// holds e.mu.
func (e *Emulator) clearInvisible(region, account, name string) {
	delete(e.invisible, repoKey(region, account, name))
	for op := range ecrWrites {
		delete(e.invisibleWrites, repoKey(region, account, name)+"|"+op)
	}
}

// consumeInvisibleWrite is consumeInvisible for one write operation; the
// caller holds e.mu.
func (e *Emulator) consumeInvisibleWrite(region, account, name, op string) bool {
	key := repoKey(region, account, name) + "|" + op
	n := e.invisibleWrites[key]
	if n <= 0 {
		return false
	}
	e.invisibleWrites[key] = n - 1
	return true
}

// validateRepoName checks a name against ecrspec, the rule the input
// validator uses too. The message is ECR's: it quotes the service's pattern.
func validateRepoName(name string) *apiError {
	if !ecrspec.ValidRepositoryName(name) {
		return invalidParam("repositoryName", "must satisfy regular expression '"+ecrspec.RepositoryNamePattern+"'")
	}
	return nil
}

// awsManagedKeyID stands for the account's aws/ecr KMS key.
const awsManagedKeyID = "9f6c2d1e-3b4a-4c5d-8e7f-0a1b2c3d4e5f"

var (
	keyIDRE    = regexp.MustCompile(`^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	kmsARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):(` + ecrspec.RegistryIDPattern + `):(key|alias)/(.+)$`)
	aliasNameR = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)
)

// KMSKeyARN returns the key ARN ECR reports for a repository created in the
// default Region in accountID with kmsKey ("" = the AWS-managed key; a key ID, key ARN, alias
// name or alias ARN), or "" when kmsKey is not a valid key reference.
// Aliases map to keys deterministically.
func (e *Emulator) KMSKeyARN(accountID, kmsKey string) string {
	arn, _ := resolveKMSKey(e.opts.Region, accountID, kmsKey)
	return arn
}

func resolveKMSKey(region, account, key string) (string, bool) {
	keyARN := func(region, account, id string) string {
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partitionOf(region), region, account, id)
	}
	aliasKey := func(region, account, alias string) string {
		if alias == "alias/aws/ecr" {
			return keyARN(region, account, awsManagedKeyID)
		}
		return keyARN(region, account, uuidFrom(account+"/"+alias))
	}
	switch {
	case key == "":
		return keyARN(region, account, awsManagedKeyID), true
	case keyIDRE.MatchString(key):
		return keyARN(region, account, key), true
	case aliasNameR.MatchString(key):
		return aliasKey(region, account, key), true
	}
	m := kmsARNRE.FindStringSubmatch(key)
	if m == nil {
		return "", false
	}
	if m[3] == "key" {
		return key, true
	}
	return aliasKey(m[1], m[2], "alias/"+m[4]), true
}

// uuidFrom derives a stable UUID-shaped key ID from s.
func uuidFrom(s string) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:16])
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}
