package awsauth

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// masker passes secrets to the mask function, each distinct value once.
type masker struct {
	mask func(string)
	mu   sync.Mutex
	seen map[string]struct{}
}

func newMasker(mask func(string)) *masker {
	return &masker{mask: mask, seen: map[string]struct{}{}}
}

func (m *masker) maskSecret(s string) {
	if m.mask == nil || s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.seen[s]; ok {
		return
	}
	m.seen[s] = struct{}{}
	m.mask(s)
}

func (m *masker) maskCreds(c aws.Credentials) {
	m.maskSecret(c.AccessKeyID)
	m.maskSecret(c.SecretAccessKey)
	m.maskSecret(c.SessionToken)
}

// errNoKeys is a credential answer without an access key ID or secret key.
var errNoKeys = errors.New("the answer holds no access key ID or secret access key (the endpoint does not answer as AWS STS does)")

// maskingProvider masks every credential set it returns, and refuses one
// without keys.
type maskingProvider struct {
	inner aws.CredentialsProvider
	m     *masker
}

func (p *maskingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return c, err
	}
	p.m.maskCreds(c)
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		// STS answered 200 without the keys: signing with empty ones would
		// only fail later, further from the cause.
		return aws.Credentials{}, errNoKeys
	}
	return c, nil
}
