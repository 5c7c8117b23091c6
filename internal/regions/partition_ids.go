package regions

// IsPartitionID reports whether id is the ARN partition of one of the
// partitions ("aws", "aws-cn", "aws-us-gov", "aws-iso", ...): what may stand
// between "arn:" and the service in an ARN.
func IsPartitionID(id string) bool {
	for _, p := range partitions {
		if p.ID == id {
			return true
		}
	}
	return false
}

// PartitionPattern is the shape of an ARN's partition, for the patterns of
// the ARNs the inputs take (a role, a KMS key): every partition of the
// table, and one the SDK adds later, which AWS rather than the action then
// accepts or refuses. It is a fragment, not anchored (TestPartitionPattern
// ties it to the table).
const PartitionPattern = `aws(?:-[a-z]+)*`
