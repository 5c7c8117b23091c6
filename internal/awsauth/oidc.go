package awsauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAudience is the audience requested for the GitHub OIDC token when
// Options.Audience is empty; it is what IAM OIDC providers for GitHub expect.
const DefaultAudience = "sts.amazonaws.com"

// HTTPTokenFetcher returns a function that fetches a GitHub OIDC ID token from
// the runner's token service: a GET of requestURL (ACTIONS_ID_TOKEN_REQUEST_URL)
// with an added `audience` query parameter, authenticated with requestToken
// (ACTIONS_ID_TOKEN_REQUEST_TOKEN) as a bearer token; the answer is JSON
// {"value": "<jwt>"}. client nil means a client with a 30s timeout.
//
// The returned token is not masked here; Load masks it as soon as it is fetched.
func HTTPTokenFetcher(requestURL, requestToken string, client *http.Client) func(ctx context.Context, audience string) (string, error) {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return func(ctx context.Context, audience string) (string, error) {
		if requestURL == "" || requestToken == "" {
			return "", errors.New("ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set")
		}
		u, err := url.Parse(requestURL)
		if err != nil {
			return "", fmt.Errorf("parsing ACTIONS_ID_TOKEN_REQUEST_URL: %w", err)
		}
		if audience != "" {
			q := u.Query()
			q.Set("audience", audience)
			u.RawQuery = q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", fmt.Errorf("building OIDC token request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+requestToken)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			// The error text holds only the URL (which carries no secret).
			return "", fmt.Errorf("requesting OIDC token: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", fmt.Errorf("reading OIDC token response: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			// Do not echo the body: on success it is the token itself.
			return "", fmt.Errorf("requesting OIDC token: HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		var out struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return "", fmt.Errorf("decoding OIDC token response: %w", err)
		}
		if strings.TrimSpace(out.Value) == "" {
			return "", errors.New("OIDC token response has no value")
		}
		return out.Value, nil
	}
}
