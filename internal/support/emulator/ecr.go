package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// ecrInput is the union of the request members of every emulated operation;
// each handler reads the ones its operation has.
type ecrInput struct {
	RegistryID          string          `json:"registryId"`
	RepositoryName      string          `json:"repositoryName"`
	RepositoryNames     []string        `json:"repositoryNames"`
	NextToken           *string         `json:"nextToken"`
	MaxResults          *int            `json:"maxResults"`
	Force               bool            `json:"force"`
	Tags                []wireTag       `json:"tags"`
	ImageTagMutability  string          `json:"imageTagMutability"`
	ExclusionFilters    []wireFilter    `json:"imageTagMutabilityExclusionFilters"`
	ScanConfig          *wireScan       `json:"imageScanningConfiguration"`
	Encryption          *wireEncryption `json:"encryptionConfiguration"`
	PolicyText          *string         `json:"policyText"`
	LifecyclePolicyText *string         `json:"lifecyclePolicyText"`
	ResourceArn         string          `json:"resourceArn"`
	TagKeys             []string        `json:"tagKeys"`
	ImageIDs            json.RawMessage `json:"imageIds"` // DescribeImages: refused, not emulated
	Filter              json.RawMessage `json:"filter"`   // DescribeImages: refused, not emulated

	parseErr error
	resource *resourceReference // parsed ResourceArn
	raw      []byte             // the body, for operations that decode their own input
}

// resourceReference is a repository named by a tag call's resourceArn.
type resourceReference struct {
	account, name string
	err           *apiError
}

type wireTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type wireFilter struct {
	FilterType string `json:"filterType"`
	Filter     string `json:"filter"`
}

type wireScan struct {
	ScanOnPush bool `json:"scanOnPush"`
}

type wireEncryption struct {
	EncryptionType string `json:"encryptionType"`
	KMSKey         string `json:"kmsKey,omitempty"`
}

type wireRepository struct {
	RepositoryArn      string         `json:"repositoryArn"`
	RegistryID         string         `json:"registryId"`
	RepositoryName     string         `json:"repositoryName"`
	RepositoryURI      string         `json:"repositoryUri"`
	CreatedAt          float64        `json:"createdAt"` // epoch seconds
	ImageTagMutability string         `json:"imageTagMutability"`
	ExclusionFilters   []wireFilter   `json:"imageTagMutabilityExclusionFilters,omitempty"`
	ScanConfig         wireScan       `json:"imageScanningConfiguration"`
	Encryption         wireEncryption `json:"encryptionConfiguration"`
}

func toWire(r *Repository) wireRepository {
	w := wireRepository{
		RepositoryArn:      r.ARN,
		RegistryID:         r.RegistryID,
		RepositoryName:     r.Name,
		RepositoryURI:      r.URI,
		CreatedAt:          float64(r.CreatedAt.UnixMilli()) / 1000,
		ImageTagMutability: r.Mutability,
		ScanConfig:         wireScan{ScanOnPush: r.ScanOnPush},
		Encryption:         wireEncryption{EncryptionType: r.EncryptionType, KMSKey: r.KMSKey},
	}
	for _, f := range r.ExclusionFilters {
		w.ExclusionFilters = append(w.ExclusionFilters, wireFilter{FilterType: string(types.ImageTagMutabilityExclusionFilterTypeWildcard), Filter: f})
	}
	return w
}

// ecrCall is what a handler works with: the input, the caller and the
// registry the call addresses.
type ecrCall struct {
	op      string
	in      *ecrInput
	caller  caller
	region  string // from the request's credential scope
	account string
}

type ecrHandler func(e *Emulator, c *ecrCall) (any, *apiError)

var ecrOps = map[string]ecrHandler{
	"CreateRepository":              (*Emulator).createRepository,
	"DescribeRepositories":          (*Emulator).describeRepositories,
	"DeleteRepository":              (*Emulator).deleteRepository,
	"PutImageTagMutability":         (*Emulator).putImageTagMutability,
	"PutImageScanningConfiguration": (*Emulator).putImageScanningConfiguration,
	"GetRepositoryPolicy":           (*Emulator).getRepositoryPolicy,
	"SetRepositoryPolicy":           (*Emulator).setRepositoryPolicy,
	"DeleteRepositoryPolicy":        (*Emulator).deleteRepositoryPolicy,
	"GetLifecyclePolicy":            (*Emulator).getLifecyclePolicy,
	"PutLifecyclePolicy":            (*Emulator).putLifecyclePolicy,
	"DeleteLifecyclePolicy":         (*Emulator).deleteLifecyclePolicy,
	"ListTagsForResource":           (*Emulator).listTagsForResource,
	"TagResource":                   (*Emulator).tagResource,
	"UntagResource":                 (*Emulator).untagResource,

	"DescribeImages":                      (*Emulator).describeImages,
	"StartLifecyclePolicyPreview":         (*Emulator).startLifecyclePolicyPreview,
	"GetLifecyclePolicyPreview":           (*Emulator).getLifecyclePolicyPreview,
	"GetRegistryScanningConfiguration":    (*Emulator).getRegistryScanningConfiguration,
	"PutRegistryScanningConfiguration":    (*Emulator).putRegistryScanningConfiguration,
	"DescribeRepositoryCreationTemplates": (*Emulator).describeRepositoryCreationTemplates,
	"CreateRepositoryCreationTemplate":    (*Emulator).createRepositoryCreationTemplate,
	"UpdateRepositoryCreationTemplate":    (*Emulator).updateRepositoryCreationTemplate,
	"DeleteRepositoryCreationTemplate":    (*Emulator).deleteRepositoryCreationTemplate,
}

// registryLevelOps name no repository: IAM evaluates them on "*".
var registryLevelOps = map[string]bool{
	"GetRegistryScanningConfiguration":    true,
	"PutRegistryScanningConfiguration":    true,
	"DescribeRepositoryCreationTemplates": true,
	"CreateRepositoryCreationTemplate":    true,
	"UpdateRepositoryCreationTemplate":    true,
	"DeleteRepositoryCreationTemplate":    true,
}

// describeECRCall decodes the body once and fills the call log entry.
func (e *Emulator) describeECRCall(req *request, body []byte) {
	in := &ecrInput{}
	if len(body) > 0 {
		in.parseErr = json.Unmarshal(body, in)
	}
	in.raw = body
	req.ecr = in
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
		in.resource = parseResourceARN(in.ResourceArn, c.Region)
		c.Repository = in.resource.name
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		c.Params["resourceArn"] = in.ResourceArn
	}
	if in.Force {
		// DeleteRepository's force: whether a deletion may take images.
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		c.Params["force"] = "true"
	}
}

func (e *Emulator) serveECR(w http.ResponseWriter, req *request) {
	op := req.call.Operation
	handler, ok := ecrOps[op]
	in := req.ecr
	e.serveJSON(w, req, jsonCall{
		known: ok, parseErr: in.parseErr, registryID: in.RegistryID,
		afterAuth: func() *apiError { return e.regionRefusal(req.call.Region) },
		run: func(who caller, account string) (any, *apiError) {
			c := &ecrCall{op: op, in: in, caller: who, region: req.call.Region, account: account}
			if fail := e.authorize(op, c); fail != nil {
				return nil, fail
			}
			return handler(e, c)
		},
	})
}

// jsonCall is one request of the awsJson1_1 services (ECR, ECR Public) as
// serveJSON handles it: what the operation and its body say, the
// service's own checks, and the handler.
type jsonCall struct {
	known      bool  // the service has the operation
	parseErr   error // the body did not decode
	registryID string
	// beforeAuth and afterAuth are the service's checks before and after
	// the credentials are (nil for none).
	beforeAuth, afterAuth func() *apiError
	// run authorises and handles the call for who, in account's registry.
	run func(who caller, account string) (any, *apiError)
}

// serveJSON is the request handling ECR and ECR Public share: the
// operation, the body, the signature, the credentials, the registry the
// call addresses, then the handler and its JSON answer.
func (e *Emulator) serveJSON(w http.ResponseWriter, req *request, c jsonCall) {
	fail := func() *apiError {
		switch {
		case !c.known:
			return errf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation "+req.call.Operation)
		case c.parseErr != nil:
			return errf(http.StatusBadRequest, "SerializationException", "Could not parse the request body: "+c.parseErr.Error())
		}
		if c.beforeAuth != nil {
			if fail := c.beforeAuth(); fail != nil {
				return fail
			}
		}
		if req.call.AccessKeyID == "" {
			return errf(http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
		}
		return nil
	}()
	if fail != nil {
		e.writeECRError(w, req, fail)
		return
	}
	who, expired := e.callerOf(req.call.AccessKeyID)
	if expired {
		e.writeECRError(w, req, errf(http.StatusBadRequest, "ExpiredTokenException", "The security token included in the request is expired"))
		return
	}
	if c.afterAuth != nil {
		if fail := c.afterAuth(); fail != nil {
			e.writeECRError(w, req, fail)
			return
		}
	}
	account := who.account
	if c.registryID != "" {
		if !ecrspec.IsAccountID(c.registryID) {
			e.writeECRError(w, req, invalidParam("registryId", "must satisfy regular expression '"+ecrspec.RegistryIDPattern+"'"))
			return
		}
		account = c.registryID
	}
	out, fail := c.run(who, account)
	if fail != nil {
		e.writeECRError(w, req, fail)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	body, err := json.Marshal(out)
	if err != nil {
		e.writeECRError(w, req, errf(http.StatusInternalServerError, "ServerException", err.Error()))
		return
	}
	e.writeECR(w, req, http.StatusOK, body)
}

// authorize evaluates the call as IAM does: each action it is authorised as,
// on each resource it addresses.
func (e *Emulator) authorize(op string, c *ecrCall) *apiError {
	return e.authorizeAs("ecr", op, c.caller.arn, len(c.in.Tags) > 0, e.resourcesOf(c))
}

// authorizeAs evaluates service:op on each resource, as IAM does; IAM
// authorises tag-on-create as service:TagResource as well, in ECR and ECR
// Public alike.
func (e *Emulator) authorizeAs(service, op, callerARN string, tags bool, resources []string) *apiError {
	actions := []string{service + ":" + op}
	if op == "CreateRepository" && tags {
		actions = append(actions, service+":TagResource")
	}
	for _, action := range actions {
		for _, resource := range resources {
			if !e.allows(action, resource) {
				return errf(http.StatusBadRequest, "AccessDeniedException", fmt.Sprintf(
					"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
					callerARN, action, resource, action))
			}
		}
	}
	return nil
}

// resourcesOf lists the resources IAM evaluates a call on.
func (e *Emulator) resourcesOf(c *ecrCall) []string {
	switch {
	case registryLevelOps[c.op]:
		// They name no repository: only a statement on "*" grants them.
		return []string{"*"}
	case c.in.RepositoryName != "":
		return []string{repoARN(c.region, c.account, c.in.RepositoryName)}
	case len(c.in.RepositoryNames) > 0:
		out := make([]string, 0, len(c.in.RepositoryNames))
		for _, n := range c.in.RepositoryNames {
			out = append(out, repoARN(c.region, c.account, n))
		}
		return out
	case c.in.ResourceArn != "":
		return []string{c.in.ResourceArn}
	}
	// A DescribeRepositories without names addresses every repository.
	return []string{repoARN(c.region, c.account, "*")}
}

func (e *Emulator) writeECR(w http.ResponseWriter, req *request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", e.requestID())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	req.status = status
	e.finish(req)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (e *Emulator) writeECRError(w http.ResponseWriter, req *request, fail *apiError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{fail.code, fail.message})
	w.Header().Set("X-Amzn-Errortype", fail.code)
	req.code = fail.code
	e.writeECR(w, req, fail.status, body)
}

func invalidParam(member, constraint string) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameterException",
		fmt.Sprintf("Invalid parameter at '%s' failed to satisfy constraint: '%s'", member, constraint))
}

func repoNotFound(account, name string) *apiError {
	return errf(http.StatusBadRequest, "RepositoryNotFoundException",
		fmt.Sprintf("The repository with name '%s' does not exist in the registry with id '%s'", name, account))
}

var resourceARNRE = regexp.MustCompile(`^arn:(aws[a-z-]*):ecr:([a-z0-9-]+):(` + ecrspec.RegistryIDPattern + `):repository/(.+)$`)

// parseResourceARN reads a tag call's resourceArn; an ARN of another Region
// or partition than the request's is not a resource of this endpoint.
func parseResourceARN(arn, region string) *resourceReference {
	m := resourceARNRE.FindStringSubmatch(arn)
	if m == nil || m[2] != region || m[1] != partitionOf(region) {
		return &resourceReference{err: invalidParam("resourceArn", "Invalid ARN")}
	}
	return &resourceReference{account: m[3], name: m[4]}
}
