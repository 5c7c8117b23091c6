// Package awsid holds the one definition of an AWS account ID, shared by the
// input validators, the policy checks and the emulator.
package awsid

import "regexp"

// AccountIDPattern is an AWS account ID: exactly 12 digits (ECR's registryId
// pattern, and the account field of every ARN). Other patterns embed it.
const AccountIDPattern = `[0-9]{12}`

var accountID = regexp.MustCompile(`^` + AccountIDPattern + `$`)

// IsAccountID reports whether s is an AWS account ID.
func IsAccountID(s string) bool { return accountID.MatchString(s) }
