package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Statements used across the owned-statement tests.
const (
	// lambdaStmt is what AWS Lambda adds to a repository it pulls from.
	lambdaStmt = `{"Sid":"LambdaECRImageRetrievalPolicy","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`
	// noSidStmt is a foreign statement without a Sid.
	noSidStmt  = `{"Effect":"Deny","Principal":"*","Action":"ecr:DeleteRepository"}`
	ciPull     = `{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`
	ciPullECR  = `{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}`
	ciPullWide = `{"Sid":"ci-pull","Effect":"Allow","Principal":{"AWS":["111122223333","444455556666"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}`
	ciPush     = `{"Sid":"ci-push","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ci"},"Action":["ecr:PutImage"]}`
	otherPull  = `{"Sid":"audit-read","Effect":"Allow","Principal":{"AWS":"555566667777"},"Action":"ecr:DescribeImages"}`
)

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// sidsOf lists the Sids of a policy's statements in order ("-" for none).
func sidsOf(t *testing.T, text string) []string {
	t.Helper()
	var d struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		t.Fatalf("merged policy is not JSON: %v\n%s", err, text)
	}
	out := []string{}
	for _, st := range d.Statement {
		sid, _ := st["Sid"].(string)
		out = append(out, cmpOr(sid, "-"))
	}
	return out
}

func cmpOr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func TestValidateOwnedStatements(t *testing.T) {
	t.Parallel()
	if err := ValidateOwnedStatements(doc(ciPull, ciPush), "ci-"); err != nil {
		t.Errorf("valid owned policy refused: %v", err)
	}
	if err := ValidateOwnedStatements(`{"Statement":`+ciPull+`}`, "ci-"); err != nil {
		t.Errorf("single statement object refused: %v", err)
	}
	long := `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/` + strings.Repeat("x", 200) + `"},"Action":"ecr:*"}`
	for _, tt := range []struct {
		name, text, prefix string
		want               []string
	}{
		{"no sid", doc(ciPull, noSidStmt), "ci-", []string{"statement 2 (", `"Effect":"Deny"`, "has no Sid", `"Sid": "ci-Pull"`}},
		{"empty sid", doc(`{"Sid":"","Effect":"Allow","Principal":"*","Action":"ecr:*"}`), "ci-", []string{"statement 1", "has no Sid"}},
		{"foreign sid", doc(ciPull, lambdaStmt), "ci-", []string{`statement 2 (Sid "LambdaECRImageRetrievalPolicy") does not start with the Sid prefix "ci-"`, `"ci-LambdaECRImageRetrievalPolicy"`}},
		{"case matters", doc(ciPull), "CI-", []string{`statement 1 (Sid "ci-pull") does not start with the Sid prefix "CI-"`}},
		{"quote is short", doc(long), "ci-", []string{"...)", "has no Sid"}},
		{"empty prefix", doc(ciPull), "", []string{"the Sid prefix is empty"}},
		{"space in prefix", doc(ciPull), "ci -", []string{"contains a space"}},
		{"newline in prefix", doc(ciPull), "ci\n::warning::", []string{"contains a space or control character"}},
		{"long prefix", doc(ciPull), strings.Repeat("p", MaxSidPrefixChars+1), []string{"use at most 64"}},
		{"not JSON", "{", "ci-", []string{"not valid JSON"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateOwnedStatements(tt.text, tt.prefix)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines (could start a workflow command): %q", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error is %d bytes: the quote is not short", len(err.Error()))
			}
		})
	}
}

func TestMergeOwned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		current, declared string
		wantSids          []string // statement Sids of the merged policy, in order
		changed, del      bool
		added, replaced   []string
		removed, same     []string
		foreign           int
	}{
		{name: "create on no policy", current: "", declared: doc(ciPull),
			wantSids: []string{"ci-pull"}, changed: true, added: []string{"ci-pull"}},
		{name: "add beside foreign statements", current: doc(lambdaStmt, noSidStmt), declared: doc(ciPull),
			wantSids: []string{"LambdaECRImageRetrievalPolicy", "-", "ci-pull"}, changed: true, added: []string{"ci-pull"}, foreign: 2},
		{name: "replace in place", current: doc(lambdaStmt, ciPull, noSidStmt), declared: doc(ciPullWide),
			wantSids: []string{"LambdaECRImageRetrievalPolicy", "ci-pull", "-"}, changed: true, replaced: []string{"ci-pull"}, foreign: 2},
		{name: "remove an owned statement no longer declared", current: doc(ciPush, lambdaStmt, ciPull), declared: doc(ciPull),
			wantSids: []string{"LambdaECRImageRetrievalPolicy", "ci-pull"}, changed: true, removed: []string{"ci-push"}, same: []string{"ci-pull"}, foreign: 1},
		{name: "none removes owned only", current: doc(ciPull, lambdaStmt, ciPush), declared: "",
			wantSids: []string{"LambdaECRImageRetrievalPolicy"}, changed: true, removed: []string{"ci-pull", "ci-push"}, foreign: 1},
		{name: "none with nothing left deletes", current: doc(ciPull, ciPush), declared: "",
			changed: true, del: true, removed: []string{"ci-pull", "ci-push"}},
		{name: "none on no policy", current: "", declared: ""},
		{name: "none with only foreign", current: doc(lambdaStmt), declared: "", wantSids: []string{"LambdaECRImageRetrievalPolicy"}, foreign: 1},
		{name: "re-formatted by ECR is unchanged", current: doc(otherPull, ciPullECR), declared: doc(ciPull),
			wantSids: []string{"audit-read", "ci-pull"}, same: []string{"ci-pull"}, foreign: 1},
		{name: "other prefix is foreign", current: doc(otherPull), declared: doc(ciPull, ciPush),
			wantSids: []string{"audit-read", "ci-pull", "ci-push"}, changed: true, added: []string{"ci-pull", "ci-push"}, foreign: 1},
		{name: "duplicate owned sid in current collapses", current: doc(ciPull, lambdaStmt, ciPullWide), declared: doc(ciPull),
			wantSids: []string{"ci-pull", "LambdaECRImageRetrievalPolicy"}, changed: true, removed: []string{"ci-pull"}, same: []string{"ci-pull"}, foreign: 1},
		{name: "single statement object", current: `{"Statement":` + lambdaStmt + `}`, declared: `{"Statement":` + ciPull + `}`,
			wantSids: []string{"LambdaECRImageRetrievalPolicy", "ci-pull"}, changed: true, added: []string{"ci-pull"}, foreign: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := MergeOwned(tt.current, tt.declared, "ci-", "aws")
			if err != nil {
				t.Fatal(err)
			}
			if m.Changed != tt.changed || m.Delete != tt.del || m.ForeignKept != tt.foreign {
				t.Errorf("changed %v delete %v foreign %d; want %v %v %d", m.Changed, m.Delete, m.ForeignKept, tt.changed, tt.del, tt.foreign)
			}
			for _, l := range []struct {
				name      string
				got, want []string
			}{{"added", m.Added, tt.added}, {"replaced", m.Replaced, tt.replaced}, {"removed", m.Removed, tt.removed}, {"unchanged", m.Unchanged, tt.same}} {
				if !slices.Equal(l.got, l.want) {
					t.Errorf("%s = %q, want %q", l.name, l.got, l.want)
				}
			}
			switch {
			case tt.del:
				if m.Policy != "" {
					t.Errorf("deleting, but Policy = %s", m.Policy)
				}
			case !tt.changed:
				if m.Policy != tt.current || m.Diff != "" {
					t.Errorf("unchanged, but Policy %q (current %q), diff %q", m.Policy, tt.current, m.Diff)
				}
			default:
				if err := ValidateRepositoryPolicy(m.Policy); err != nil {
					t.Errorf("merged policy is not valid: %v\n%s", err, m.Policy)
				}
				if m.Diff == "" {
					t.Error("changed, but no diff")
				}
			}
			if m.Policy != "" {
				if got := sidsOf(t, m.Policy); !slices.Equal(got, tt.wantSids) {
					t.Errorf("merged statements %q, want %q", got, tt.wantSids)
				}
			}
		})
	}
}

func TestMergeOwnedKeepsForeignStatementsUntouched(t *testing.T) {
	t.Parallel()
	// A foreign statement with an exact number and a condition must come
	// out with the same meaning and the same members.
	foreign := `{"Sid":"Scanner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555566667777:role/scanner"},"Action":"ecr:DescribeImages","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}`
	cur := `{"Version":"2008-10-17","Id":"shared","Statement":[` + foreign + `,` + ciPull + `]}`
	m, err := MergeOwned(cur, doc(ciPullWide), "ci-", "aws")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version   string
		ID        string `json:"Id"`
		Statement []json.RawMessage
	}
	if err := json.Unmarshal([]byte(m.Policy), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "2008-10-17" || got.ID != "shared" {
		t.Errorf("Version %q Id %q: the current document's members were not kept", got.Version, got.ID)
	}
	if len(got.Statement) != 2 {
		t.Fatalf("%d statements: %s", len(got.Statement), m.Policy)
	}
	if Pretty(string(got.Statement[0])) != Pretty(foreign) {
		t.Errorf("foreign statement changed:\n%s\nwant\n%s", got.Statement[0], foreign)
	}
	if !strings.Contains(m.Diff, "444455556666") || strings.Contains(m.Diff, "scanner") {
		t.Errorf("diff should show the owned change only:\n%s", m.Diff)
	}

	// A new policy takes the declared Version.
	m, err = MergeOwned("", `{"Version":"2008-10-17","Statement":[`+ciPull+`]}`, "ci-", "aws")
	if err != nil || !strings.Contains(m.Policy, `"Version":"2008-10-17"`) {
		t.Errorf("new policy %s, %v", m.Policy, err)
	}
}

func TestMergeOwnedErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, current, declared, prefix, want string }{
		{"bad current", "{", doc(ciPull), "ci-", "current policy: the repository policy is not valid JSON"},
		{"current statement not object", `{"Statement":[1]}`, doc(ciPull), "ci-", "current policy: statement 1 must be an object"},
		{"declared without prefix", doc(lambdaStmt), doc(noSidStmt), "ci-", "statement 1 ("},
		{"no prefix", "", doc(ciPull), "", "the Sid prefix is empty"},
		{"merged too long", doc(`{"Sid":"big","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/` + strings.Repeat("r", 6000) + `"},"Action":"ecr:*"}`),
			doc(`{"Sid":"ci-big","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/` + strings.Repeat("c", 6000) + `"},"Action":"ecr:*"}`), "ci-",
			"with the 1 statements of other owners; ECR accepts at most 10240"},
	} {
		if _, err := MergeOwned(tt.current, tt.declared, tt.prefix, "aws"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCompareOwned(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name              string
		current, declared string
		equal             bool
		foreign           int
	}{
		{"foreign differences do not count", doc(lambdaStmt, ciPullECR), doc(ciPull), true, 1},
		{"owned order does not count", doc(ciPush, ciPull), doc(ciPull, ciPush), true, 0},
		{"owned change counts", doc(lambdaStmt, ciPull), doc(ciPullWide), false, 1},
		{"missing owned statement", doc(lambdaStmt), doc(ciPull), false, 1},
		{"extra owned statement", doc(ciPull, ciPush), doc(ciPull), false, 0},
		{"none and none", doc(otherPull), "", true, 1},
	} {
		c, err := CompareOwned(tt.current, tt.declared, "ci-", "aws")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Equal != tt.equal || c.ForeignKept != tt.foreign || (c.Diff == "") != tt.equal {
			t.Errorf("%s: equal %v foreign %d diff %q; want %v %d", tt.name, c.Equal, c.ForeignKept, c.Diff, tt.equal, tt.foreign)
		}
	}
}

// TestOwnedStillAppliedRace plays two owners of different prefixes writing
// from the same stale read: the second write drops the first owner's
// statement, the check sees it, and merging again from the text read back
// converges with both present.
func TestOwnedStillAppliedRace(t *testing.T) {
	t.Parallel()
	auditPull := `{"Sid":"audit-read","Effect":"Allow","Principal":{"AWS":"555566667777"},"Action":"ecr:DescribeImages"}`
	base := doc(lambdaStmt)
	ci, err := MergeOwned(base, doc(ciPull), "ci-", "aws")
	if err != nil {
		t.Fatal(err)
	}
	audit, err := MergeOwned(base, doc(auditPull), "audit-", "aws")
	if err != nil {
		t.Fatal(err)
	}
	stored := ci.Policy
	if ok, err := OwnedStillApplied(stored, doc(ciPull), "ci-", "aws"); err != nil || !ok {
		t.Fatalf("right after its own write: %v, %v", ok, err)
	}
	stored = audit.Policy // the racing write lands last
	if ok, err := OwnedStillApplied(stored, doc(ciPull), "ci-", "aws"); err != nil || ok {
		t.Fatalf("after the racing write the ci- statement is gone, but the check says %v (%v)", ok, err)
	}
	again, err := MergeOwned(stored, doc(ciPull), "ci-", "aws")
	if err != nil || !again.Changed || !slices.Equal(again.Added, []string{"ci-pull"}) {
		t.Fatalf("merge again: %+v, %v", again, err)
	}
	stored = again.Policy
	for _, owner := range []struct{ declared, prefix string }{{doc(ciPull), "ci-"}, {doc(auditPull), "audit-"}} {
		if ok, err := OwnedStillApplied(stored, owner.declared, owner.prefix, "aws"); err != nil || !ok {
			t.Errorf("%s statements missing after the second merge: %s", owner.prefix, stored)
		}
	}
	if got := sidsOf(t, stored); !slices.Equal(got, []string{"LambdaECRImageRetrievalPolicy", "audit-read", "ci-pull"}) {
		t.Errorf("statements %q", got)
	}
	// A removal undone by a stale writer is seen as well.
	if ok, _ := OwnedStillApplied(doc(lambdaStmt, ciPush), doc(ciPull), "ci-", "aws"); ok {
		t.Error("a ci- statement that should be gone was reported as applied")
	}
}
