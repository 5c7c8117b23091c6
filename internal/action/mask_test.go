package action_test

import (
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// maskedFirst checks that every appearance of id in log comes after an
// ::add-mask:: of it: the runner hides only what was masked before.
func maskedFirst(t *testing.T, log, id string) {
	t.Helper()
	mask := "::add-mask::" + id
	first := strings.Index(log, id)
	if first < 0 {
		return
	}
	if m := strings.Index(log, mask); m < 0 || first != m+len("::add-mask::") {
		t.Errorf("account %s appears before its ::add-mask:: (at %d, mask at %d):\n%s", id, first, m, log)
	}
}

// Under mask-aws-account-id, an account ID in AWS text (an AccessDenied
// message's ARN) is masked before the line that holds it is printed, and
// the job summary does not show it, also when the run has not learnt the
// caller's account (environment credentials, no registry-id) or the role
// could not be assumed.
func TestMaskAccountIDsInAWSText(t *testing.T) {
	t.Parallel()
	const caller, target = "210987654321", "111122223333"
	denied := "User: arn:aws:iam::" + caller + ":user/ci is not authorized to perform: "
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		fault  emulator.FaultRule
	}{
		{"ECR access denied", map[string]string{"repository": "app"},
			emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException",
				Message: denied + "ecr:DescribeRepositories on resource: arn:aws:ecr:us-east-1:" + target + ":repository/app"}},
		{"ECR access denied in a batch", map[string]string{"repositories": "app\nother"},
			emulator.FaultRule{Operation: "DescribeRepositories", Kind: emulator.FaultError, Status: 400, Code: "AccessDeniedException",
				Message: denied + "ecr:DescribeRepositories on resource: arn:aws:ecr:us-east-1:" + target + ":repository/app"}},
		{"AssumeRole denied", map[string]string{"repository": "app", "role-to-assume": "arn:aws:iam::" + target + ":role/deployer"},
			emulator.FaultRule{Operation: "AssumeRole", Kind: emulator.FaultError, Status: 403, Code: "AccessDenied",
				Message: denied + "sts:AssumeRole on resource: arn:aws:iam::" + target + ":role/deployer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.emu.AddFault(tc.fault)
			in := map[string]string{"mask-aws-account-id": "true"}
			for k, v := range tc.inputs {
				in[k] = v
			}
			log, err := e.run(t, in)
			if err == nil {
				t.Fatalf("the run did not fail:\n%s", log)
			}
			if !strings.Contains(log, "::add-mask::"+caller) {
				t.Errorf("the caller's account is not masked:\n%s", log)
			}
			for _, id := range []string{caller, target} {
				maskedFirst(t, log, id)
				if s := e.summary(t); strings.Contains(s, id) {
					t.Errorf("the summary shows %s:\n%s", id, s)
				}
			}
		})
	}
}

// Under mask-aws-account-id, an input's error that quotes an account ID
// is printed after the ID is masked: the input is read before the others.
func TestMaskAccountIDsInInputErrors(t *testing.T) {
	t.Parallel()
	const id = "111122223333"
	for _, in := range []map[string]string{
		{"repository": "app", "encryption-type": "KMS", "kms-key": "arn:aws:kms:us-east-1:" + id + ":alias"},
		{"repository": "app", "role-to-assume": "arn:aws:iam::" + id + ":group/deployers"},
	} {
		e := newEnv(t)
		in["mask-aws-account-id"] = "true"
		log, err := e.run(t, in)
		if err == nil {
			t.Fatalf("%v: the run did not fail:\n%s", in, log)
		}
		if !strings.Contains(log, id) {
			t.Fatalf("%v: no error quotes the account ID; pick another invalid input:\n%s", in, log)
		}
		maskedFirst(t, log, id)
	}
}
