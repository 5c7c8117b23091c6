package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// ECR Public (service ecr-public, API 2020-10-30) speaks awsJson1_1 under
// this target prefix, as ECR does under its own.
const ecrPublicTargetPrefix = "SpencerFrontendService."

// ecrPublicRegion is the only Region with ECR Public's control plane. A
// client configured for another Region resolves a host that does not exist
// (api.ecr-public.eu-west-1.amazonaws.com), except us-west-2, whose endpoint
// answers UnsupportedCommandException "<Op> command is only supported in
// us-east-1."; the emulator answers that for every other Region, so a
// caller that forgot to pin the Region fails loudly.
const ecrPublicRegion = "us-east-1"

// PublicRepository is the stored state of one ECR Public repository.
type PublicRepository struct {
	RegistryID, Name string
	Catalog          CatalogData
	Policy           string // repository policy text as returned ("" = none)
	Tags             map[string]string
	CreatedAt        time.Time
	// ImageCount > 0 makes DeleteRepository without force fail with
	// RepositoryNotEmptyException; DescribeImages lists that many images.
	ImageCount int
}

// CatalogData is a public repository's catalog data as stored.
type CatalogData struct {
	Description, AboutText, UsageText string
	Architectures, OperatingSystems   []string
	// Logo is the logo image as uploaded. ECR Public never returns it:
	// reads give a logoUrl that changes with the image.
	Logo []byte
}

// RegistryAlias is one alias of an account's public registry.
type RegistryAlias struct {
	Name    string
	Status  string // ACTIVE, PENDING or REJECTED
	Primary bool   // the alias repository URIs use
	Default bool   // the alias ECR Public assigned
}

// ARN is the repository's ARN: ECR Public is global, so it has no Region.
func (r *PublicRepository) ARN() string {
	return fmt.Sprintf("arn:aws:ecr-public::%s:repository/%s", r.RegistryID, r.Name)
}

func (r *PublicRepository) clone() PublicRepository {
	out := *r
	out.Tags = maps.Clone(r.Tags)
	out.Catalog.Architectures = slices.Clone(r.Catalog.Architectures)
	out.Catalog.OperatingSystems = slices.Clone(r.Catalog.OperatingSystems)
	out.Catalog.Logo = slices.Clone(r.Catalog.Logo)
	return out
}

// publicState is the ECR Public side of the emulator, guarded by e.mu.
type publicState struct {
	repos   map[string]map[string]*PublicRepository // account → name → repository
	aliases map[string][]RegistryAlias              // account → aliases
}

func (p *publicState) lookup(account, name string) *PublicRepository {
	return p.repos[account][name]
}

func (p *publicState) store(r *PublicRepository) {
	if p.repos == nil {
		p.repos = map[string]map[string]*PublicRepository{}
	}
	reg := p.repos[r.RegistryID]
	if reg == nil {
		reg = map[string]*PublicRepository{}
		p.repos[r.RegistryID] = reg
	}
	reg[r.Name] = r
}

// ensureDefaultAlias gives the registry its default alias, as ECR Public
// does when the account creates its first public repository.
func (p *publicState) ensureDefaultAlias(account string) {
	if len(p.aliases[account]) > 0 {
		return
	}
	if p.aliases == nil {
		p.aliases = map[string][]RegistryAlias{}
	}
	p.aliases[account] = []RegistryAlias{{Name: DefaultRegistryAlias(account), Status: "ACTIVE", Primary: true, Default: true}}
}

// primaryAlias is the alias repository URIs use ("" before the registry
// has one).
func (p *publicState) primaryAlias(account string) string {
	for _, a := range p.aliases[account] {
		if a.Primary {
			return a.Name
		}
	}
	return ""
}

// DefaultRegistryAlias is the alias ECR Public assigns to account's public
// registry: eight characters, a letter first, derived from the account.
func DefaultRegistryAlias(account string) string {
	sum := sha256.Sum256([]byte("ecr-public/" + account))
	h := hex.EncodeToString(sum[:])
	return string(rune('a'+sum[0]%26)) + h[1:8]
}

// PublicRepository returns a copy of a stored public repository;
// registryID "" means the default account.
func (e *Emulator) PublicRepository(registryID, name string) (PublicRepository, bool) {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.public.lookup(registryID, name)
	if r == nil {
		return PublicRepository{}, false
	}
	return r.clone(), true
}

// PutPublicRepository creates or overwrites a public repository, bypassing
// the API (no validation, no call log). Empty RegistryID and CreatedAt get
// defaults, a policy that parses is re-formatted as SetRepositoryPolicy
// would store it, and the registry gets its default alias if it has none.
func (e *Emulator) PutPublicRepository(r PublicRepository) {
	r = r.clone()
	if r.RegistryID == "" {
		r.RegistryID = e.opts.AccountID
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = e.now()
	}
	if r.Policy != "" {
		if p, err := formatRepositoryPolicy(r.Policy, publicPartition, e.opts.FillPolicyDefaults); err == nil {
			r.Policy = p.text
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.public.ensureDefaultAlias(r.RegistryID)
	e.public.store(&r)
}

// SetRegistryAliases replaces the aliases of account's public registry (a
// custom alias, or none to model a registry before its first repository).
func (e *Emulator) SetRegistryAliases(account string, aliases []RegistryAlias) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.public.aliases == nil {
		e.public.aliases = map[string][]RegistryAlias{}
	}
	e.public.aliases[account] = slices.Clone(aliases)
}

// RegistryAliases returns the aliases of account's public registry.
func (e *Emulator) RegistryAliases(account string) []RegistryAlias {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.public.aliases[account])
}

// publicInput is the union of the request members of the emulated ECR
// Public operations.
type publicInput struct {
	RegistryID      string            `json:"registryId"`
	RepositoryName  string            `json:"repositoryName"`
	RepositoryNames []string          `json:"repositoryNames"`
	NextToken       *string           `json:"nextToken"`
	MaxResults      *int              `json:"maxResults"`
	Force           bool              `json:"force"`
	Tags            []wireTag         `json:"tags"`
	CatalogData     *wireCatalogInput `json:"catalogData"`
	PolicyText      *string           `json:"policyText"`
	ResourceArn     string            `json:"resourceArn"`
	TagKeys         []string          `json:"tagKeys"`
	ImageIDs        json.RawMessage   `json:"imageIds"` // DescribeImages: refused, not emulated

	parseErr error
}

type wireCatalogInput struct {
	Description      *string  `json:"description"`
	Architectures    []string `json:"architectures"`
	OperatingSystems []string `json:"operatingSystems"`
	LogoImageBlob    []byte   `json:"logoImageBlob"` // base64 on the wire
	AboutText        *string  `json:"aboutText"`
	UsageText        *string  `json:"usageText"`
}

type wireCatalog struct {
	Description          string   `json:"description,omitempty"`
	Architectures        []string `json:"architectures,omitempty"`
	OperatingSystems     []string `json:"operatingSystems,omitempty"`
	LogoURL              string   `json:"logoUrl,omitempty"`
	AboutText            string   `json:"aboutText,omitempty"`
	UsageText            string   `json:"usageText,omitempty"`
	MarketplaceCertified bool     `json:"marketplaceCertified,omitempty"`
}

type wirePublicRepository struct {
	RepositoryArn  string  `json:"repositoryArn"`
	RegistryID     string  `json:"registryId"`
	RepositoryName string  `json:"repositoryName"`
	RepositoryURI  string  `json:"repositoryUri"`
	CreatedAt      float64 `json:"createdAt"`
}

func (e *Emulator) publicWire(r *PublicRepository) wirePublicRepository {
	return wirePublicRepository{
		RepositoryArn:  r.ARN(),
		RegistryID:     r.RegistryID,
		RepositoryName: r.Name,
		RepositoryURI:  "public.ecr.aws/" + e.public.primaryAlias(r.RegistryID) + "/" + r.Name,
		CreatedAt:      float64(r.CreatedAt.UnixMilli()) / 1000,
	}
}

func catalogWire(r *PublicRepository) wireCatalog {
	c := r.Catalog
	w := wireCatalog{
		Description:      c.Description,
		Architectures:    c.Architectures,
		OperatingSystems: c.OperatingSystems,
		AboutText:        c.AboutText,
		UsageText:        c.UsageText,
	}
	if len(c.Logo) > 0 {
		// Shaped like ECR Public's CloudFront logo URLs; a new image gives
		// a new URL, the same image the same one.
		sum := sha256.Sum256(c.Logo)
		w.LogoURL = fmt.Sprintf("https://d3g9o9u8re44ak.cloudfront.net/logo/%s/%s.png",
			uuidFrom(r.RegistryID+"/"+r.Name), uuidFrom(hex.EncodeToString(sum[:])))
	}
	return w
}

// publicCall is what an ECR Public handler works with.
type publicCall struct {
	in      *publicInput
	caller  caller
	account string
}

type publicHandler func(e *Emulator, c *publicCall) (any, *apiError)

var publicOps = map[string]publicHandler{
	"CreateRepository":         (*Emulator).publicCreateRepository,
	"DescribeRepositories":     (*Emulator).publicDescribeRepositories,
	"DeleteRepository":         (*Emulator).publicDeleteRepository,
	"GetRepositoryCatalogData": (*Emulator).publicGetCatalogData,
	"PutRepositoryCatalogData": (*Emulator).publicPutCatalogData,
	"GetRepositoryPolicy":      (*Emulator).publicGetRepositoryPolicy,
	"SetRepositoryPolicy":      (*Emulator).publicSetRepositoryPolicy,
	"DeleteRepositoryPolicy":   (*Emulator).publicDeleteRepositoryPolicy,
	"TagResource":              (*Emulator).publicTagResource,
	"UntagResource":            (*Emulator).publicUntagResource,
	"ListTagsForResource":      (*Emulator).publicListTagsForResource,
	"DescribeRegistries":       (*Emulator).publicDescribeRegistries,
	"GetRegistryCatalogData":   (*Emulator).publicGetRegistryCatalogData,
	"DescribeImages":           (*Emulator).publicDescribeImages,
}

// describePublicCall decodes the body once and fills the call log entry.
func describePublicCall(req *request, body []byte) {
	in := &publicInput{}
	if len(body) > 0 {
		in.parseErr = json.Unmarshal(body, in)
	}
	req.public = in
	c := req.call
	if in.RegistryID != "" {
		c.Params = map[string]string{"registryId": in.RegistryID}
	}
	switch {
	case in.RepositoryName != "":
		c.Repository = in.RepositoryName
	case len(in.RepositoryNames) > 0:
		c.Repository = in.RepositoryNames[0]
	case in.ResourceArn != "":
		if m := publicARNRE.FindStringSubmatch(in.ResourceArn); m != nil {
			c.Repository = m[2]
		}
	}
}

func (e *Emulator) serveECRPublic(w http.ResponseWriter, req *request) {
	op := req.call.Operation
	handler, ok := publicOps[op]
	in := req.public
	e.serveJSON(w, req, jsonCall{
		known: ok, parseErr: in.parseErr, registryID: in.RegistryID,
		beforeAuth: func() *apiError {
			if req.call.Region != ecrPublicRegion {
				return errf(http.StatusBadRequest, "UnsupportedCommandException", fmt.Sprintf("%s command is only supported in %s.", op, ecrPublicRegion))
			}
			return nil
		},
		run: func(who caller, account string) (any, *apiError) {
			c := &publicCall{in: in, caller: who, account: account}
			if fail := e.authorizeAs("ecr-public", op, who.arn, len(in.Tags) > 0, []string{publicResourceOf(c)}); fail != nil {
				return nil, fail
			}
			return handler(e, c)
		},
	})
}

func publicResourceOf(c *publicCall) string {
	switch {
	case c.in.RepositoryName != "":
		return (&PublicRepository{RegistryID: c.account, Name: c.in.RepositoryName}).ARN()
	case len(c.in.RepositoryNames) > 0:
		return (&PublicRepository{RegistryID: c.account, Name: c.in.RepositoryNames[0]}).ARN()
	case c.in.ResourceArn != "":
		return c.in.ResourceArn
	}
	return fmt.Sprintf("arn:aws:ecr-public::%s:registry/%s", c.account, c.account)
}

var (
	// ECR Public's repository name: ECR's pattern, at most 205 characters.
	publicNameRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	publicARNRE  = regexp.MustCompile(`^arn:aws:ecr-public::(` + ecrspec.RegistryIDPattern + `):repository/(.+)$`)
)

func validatePublicName(name string) *apiError {
	if len(name) < ecrspec.MinRepositoryNameChars || len(name) > ecrspec.MaxPublicRepositoryNameChars || !publicNameRE.MatchString(name) {
		return invalidParam("repositoryName", fmt.Sprintf(
			"must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and have length between %d and %d",
			ecrspec.MinRepositoryNameChars, ecrspec.MaxPublicRepositoryNameChars))
	}
	return nil
}

func publicNotFound(account, name string) *apiError {
	return errf(http.StatusBadRequest, "RepositoryNotFoundException",
		fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, account))
}

// withPublicRepo runs fn on the repository the call names, under e.mu.
func (e *Emulator) withPublicRepo(c *publicCall, fn func(*PublicRepository) (any, *apiError)) (any, *apiError) {
	if fail := validatePublicName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.public.lookup(c.account, c.in.RepositoryName)
	if r == nil {
		return nil, publicNotFound(c.account, c.in.RepositoryName)
	}
	return fn(r)
}
