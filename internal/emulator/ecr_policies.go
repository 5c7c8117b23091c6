package emulator

import (
	"fmt"
	"net/http"
)

// visibleRepo looks up a repository for an operation subject to eventual
// consistency after creation; the caller holds e.mu.
func (e *Emulator) visibleRepo(account, name string) (*Repository, *apiError) {
	r := e.lookup(account, name)
	if r == nil || e.consumeInvisible(account, name) {
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

func (e *Emulator) getRepositoryPolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	if r.Policy == "" {
		return nil, policyNotFound(r)
	}
	return policyOutput(r, "policyText", r.Policy), nil
}

func (e *Emulator) setRepositoryPolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if c.in.PolicyText == nil {
		return nil, invalidParam("policyText", "Member must not be null")
	}
	// Parse and re-format outside the lock: it is the costly part.
	p, err := formatRepositoryPolicy(*c.in.PolicyText)
	if err != nil {
		return nil, invalidPolicy()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	if e.principalPending(p.principals) {
		return nil, invalidPolicy()
	}
	r.Policy = p.text
	return policyOutput(r, "policyText", r.Policy), nil
}

func (e *Emulator) deleteRepositoryPolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	if r.Policy == "" {
		return nil, policyNotFound(r)
	}
	out := policyOutput(r, "policyText", r.Policy)
	r.Policy = ""
	return out, nil
}

func (e *Emulator) getLifecyclePolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	if r.Lifecycle == "" {
		return nil, lifecycleNotFound(r)
	}
	return policyOutput(r, "lifecyclePolicyText", r.Lifecycle), nil
}

func (e *Emulator) putLifecyclePolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if c.in.LifecyclePolicyText == nil {
		return nil, invalidParam("lifecyclePolicyText", "Member must not be null")
	}
	text, err := formatLifecyclePolicy(*c.in.LifecyclePolicyText)
	if err != nil {
		return nil, invalidParam("LifecyclePolicyText", "Lifecycle policy validation failure: "+err.Error())
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	r.Lifecycle = text
	return policyOutput(r, "lifecyclePolicyText", r.Lifecycle), nil
}

func (e *Emulator) deleteLifecyclePolicy(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, fail := e.visibleRepo(c.account, c.in.RepositoryName)
	if fail != nil {
		return nil, fail
	}
	if r.Lifecycle == "" {
		return nil, lifecycleNotFound(r)
	}
	out := policyOutput(r, "lifecyclePolicyText", r.Lifecycle)
	r.Lifecycle = ""
	return out, nil
}
