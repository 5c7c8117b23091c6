package awsauth

import (
	"context"
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

// maskingProvider masks every credential set it returns.
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
	return c, nil
}
