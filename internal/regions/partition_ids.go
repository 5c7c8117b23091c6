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
