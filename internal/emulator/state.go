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

	"github.com/ecr-reconcile/ecr-reconcile/internal/awsid"
)

// Repository is the stored state of one ECR repository.
type Repository struct {
	RegistryID, Name, ARN, URI string
	Mutability                 string // "MUTABLE" default
	ExclusionFilters           []string
	ScanOnPush                 bool
	EncryptionType             string // "AES256" default
	KMSKey                     string // ARN
	Policy                     string // repository policy text as ECR would return it ("" = none)
	Lifecycle                  string // lifecycle policy text as returned ("" = none)
	Tags                       map[string]string
	CreatedAt                  time.Time
	// ImageCount > 0 makes DeleteRepository without force fail with
	// RepositoryNotEmptyException.
	ImageCount int
}

func (r *Repository) clone() Repository {
	out := *r
	out.ExclusionFilters = slices.Clone(r.ExclusionFilters)
	out.Tags = maps.Clone(r.Tags)
	return out
}

func repoKey(account, name string) string { return account + "/" + name }

func (e *Emulator) repoARN(account, name string) string {
	return fmt.Sprintf("arn:aws:ecr:%s:%s:repository/%s", e.opts.Region, account, name)
}

func (e *Emulator) repoURI(account, name string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", account, e.opts.Region, name)
}

// lookup returns the stored repository; the caller holds e.mu.
func (e *Emulator) lookup(account, name string) *Repository {
	return e.registries[account][name]
}

// store saves r; the caller holds e.mu.
func (e *Emulator) store(r *Repository) {
	reg := e.registries[r.RegistryID]
	if reg == nil {
		reg = map[string]*Repository{}
		e.registries[r.RegistryID] = reg
	}
	reg[r.Name] = r
}

// Repository returns a copy of the stored repository; registryID "" means the
// default account.
func (e *Emulator) Repository(registryID, name string) (Repository, bool) {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.lookup(registryID, name)
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
	if r.RegistryID == "" {
		r.RegistryID = e.opts.AccountID
	}
	if r.ARN == "" {
		r.ARN = e.repoARN(r.RegistryID, r.Name)
	}
	if r.URI == "" {
		r.URI = e.repoURI(r.RegistryID, r.Name)
	}
	if r.Mutability == "" {
		r.Mutability = "MUTABLE"
	}
	if r.EncryptionType == "" {
		r.EncryptionType = "AES256"
	}
	if r.KMSKey == "" && r.EncryptionType != "AES256" {
		r.KMSKey, _ = e.resolveKMSKey(r.RegistryID, "")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = e.now()
	}
	if r.Policy != "" {
		if p, err := formatRepositoryPolicy(r.Policy); err == nil {
			r.Policy = p.text
		}
	}
	if r.Lifecycle != "" {
		if text, err := formatLifecyclePolicy(r.Lifecycle); err == nil {
			r.Lifecycle = text
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.invisible, repoKey(r.RegistryID, r.Name))
	e.store(&r)
}

// RepositoryCount returns the number of repositories across all registries.
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
func (e *Emulator) consumeInvisible(account, name string) bool {
	key := repoKey(account, name)
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

// ECR's pattern, except that separator runs are allowed: real ECR accepts
// names such as "a--b" and "a__b".
var repoNameRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-]+[a-z0-9]+)*/)*[a-z0-9]+(?:[._-]+[a-z0-9]+)*$`)

func validateRepoName(name string) *apiError {
	if len(name) < 2 || len(name) > 256 || !repoNameRE.MatchString(name) {
		return invalidParam("repositoryName",
			"must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between 2 and 256")
	}
	return nil
}

// awsManagedKeyID stands for the account's aws/ecr KMS key.
const awsManagedKeyID = "9f6c2d1e-3b4a-4c5d-8e7f-0a1b2c3d4e5f"

var (
	keyIDRE    = regexp.MustCompile(`^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	kmsARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):(` + awsid.AccountIDPattern + `):(key|alias)/(.+)$`)
	aliasNameR = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)
)

// KMSKeyARN returns the key ARN ECR reports for a repository created in
// accountID with kmsKey ("" = the AWS-managed key; a key ID, key ARN, alias
// name or alias ARN), or "" when kmsKey is not a valid key reference.
// Aliases map to keys deterministically.
func (e *Emulator) KMSKeyARN(accountID, kmsKey string) string {
	arn, _ := e.resolveKMSKey(accountID, kmsKey)
	return arn
}

func (e *Emulator) resolveKMSKey(account, key string) (string, bool) {
	region := e.opts.Region
	keyARN := func(region, account, id string) string {
		return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, id)
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
