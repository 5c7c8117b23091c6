// Package awsid is where the product's code checks an AWS account ID. The
// rule itself is ECR's registry ID pattern, whose one home is
// internal/ecrspec (tied to the service model); this package reads it.
package awsid

import "github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"

// AccountIDPattern is an AWS account ID: exactly 12 digits (ECR's registryId
// pattern, and the account field of every ARN). Other patterns embed it.
const AccountIDPattern = ecrspec.RegistryIDPattern

// IsAccountID reports whether s is an AWS account ID.
func IsAccountID(s string) bool { return ecrspec.IsAccountID(s) }
