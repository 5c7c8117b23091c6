package emulator

import (
	"fmt"
	"net/http"
)

// visibleRepo looks up a repository for an operation subject to eventual
// consistency after creation; the caller holds e.mu.
func (e *Emulator) visibleRepo(c *ecrCall, account, name string) (*Repository, *apiError) {
	r := e.lookup(c.region, account, name)
	if r == nil || e.consumeInvisible(c.region, account, name) || (ecrWrites[c.op] && e.consumeInvisibleWrite(c.region, account, name, c.op)) {
		return nil, repoNotFound(account, name)
	}
	return r, nil
}

func policyNotFound(r *Repository) *apiError {
	return errf(http.StatusBadRequest, "RepositoryPolicyNotFoundException", fmt.Sprintf(
		"Repository policy does not exist for the repository with name '%s' in the registry with id '%s'", r.Name, r.RegistryID))
}

func lifecycleNotFound(r *Repository) *apiError {
	return errf(http.StatusBadRequest, "LifecyclePolicyNotFoundException", fmt.Sprintf(
		"Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", r.Name, r.RegistryID))
}

func policyOutput(r *Repository, member, text string) map[string]any {
	return map[string]any{"registryId": r.RegistryID, "repositoryName": r.Name, member: text}
}

// document is one of the two policy texts a repository holds.
type document struct {
	member   string // JSON member that carries the text in responses
	text     func(*Repository) *string
	notFound func(*Repository) *apiError
}

var (
	repositoryPolicyDoc = document{"policyText", func(r *Repository) *string { return &r.Policy }, policyNotFound}
	lifecyclePolicyDoc  = document{"lifecyclePolicyText", func(r *Repository) *string { return &r.Lifecycle }, lifecycleNotFound}
)

// withRepo runs fn on the repository the call names, under e.mu.
func (e *Emulator) withRepo(c *ecrCall, fn func(*Repository) (any, *apiError)) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c, c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	return fn(r)
}

func (e *Emulator) getDocument(c *ecrCall, d document) (any, *apiError) {
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		if *d.text(r) == "" {
			return nil, d.notFound(r)
		}
		return policyOutput(r, d.member, *d.text(r)), nil
	})
}

func (e *Emulator) deleteDocument(c *ecrCall, d document) (any, *apiError) {
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		if *d.text(r) == "" {
			return nil, d.notFound(r)
		}
		out := policyOutput(r, d.member, *d.text(r))
		*d.text(r) = ""
		return out, nil
	})
}

func (e *Emulator) getRepositoryPolicy(c *ecrCall) (any, *apiError) {
	return e.getDocument(c, repositoryPolicyDoc)
}

func (e *Emulator) deleteRepositoryPolicy(c *ecrCall) (any, *apiError) {
	return e.deleteDocument(c, repositoryPolicyDoc)
}

func (e *Emulator) getLifecyclePolicy(c *ecrCall) (any, *apiError) {
	return e.getDocument(c, lifecyclePolicyDoc)
}

func (e *Emulator) deleteLifecyclePolicy(c *ecrCall) (any, *apiError) {
	return e.deleteDocument(c, lifecyclePolicyDoc)
}

func (e *Emulator) setRepositoryPolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if c.in.PolicyText == nil {
		return nil, invalidParam("policyText", "Member must not be null")
	}
	// Parse and re-format outside the lock: it is the costly part.
	p, err := formatRepositoryPolicy(*c.in.PolicyText, partitionOf(c.region), e.opts.FillPolicyDefaults)
	if err != nil {
		return nil, invalidPolicy()
	}
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		if fail := e.principalPending(p.principals); fail != nil {
			return nil, fail
		}
		r.Policy = p.text
		return policyOutput(r, repositoryPolicyDoc.member, r.Policy), nil
	})
}

func (e *Emulator) putLifecyclePolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if c.in.LifecyclePolicyText == nil {
		return nil, invalidParam("lifecyclePolicyText", "Member must not be null")
	}
	text, err := formatLifecyclePolicy(*c.in.LifecyclePolicyText, e.opts.FillPolicyDefaults)
	if err != nil {
		return nil, invalidParam("LifecyclePolicyText", "Lifecycle policy validation failure: "+err.Error())
	}
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		r.Lifecycle = text
		return policyOutput(r, lifecyclePolicyDoc.member, r.Lifecycle), nil
	})
}
