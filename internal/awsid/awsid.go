// Package awsid finds AWS account IDs in text (AWS's error messages, ARNs,
// registry hosts), for mask-aws-account-id. What an account ID is, is ECR's
// registry ID pattern, whose one home is internal/ecrspec (tied to the
// service model).
package awsid

import (
	"slices"
	"strings"
)

// FindAccountIDs returns the account IDs that text names: every run of
// exactly 12 digits not joined to another letter or digit (as in an ARN,
// arn:aws:iam::123456789012:user/ci, a registry host or an error message),
// each once, in order.
func FindAccountIDs(text string) []string {
	var ids []string
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if j-i == 12 && (i == 0 || !isAlnum(text[i-1])) && (j == len(text) || !isAlnum(text[j])) && !slices.Contains(ids, text[i:j]) {
			ids = append(ids, text[i:j])
		}
		i = j
	}
	return ids
}

// RedactAccountIDs replaces every account ID FindAccountIDs finds in text
// with "***", as the runner shows a masked value.
func RedactAccountIDs(text string) string {
	for _, id := range FindAccountIDs(text) {
		text = strings.ReplaceAll(text, id, "***")
	}
	return text
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
