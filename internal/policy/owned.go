package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// A repository policy can be shared: AWS Lambda adds a statement when a
// function uses an image from the repository, platform teams add audit or
// scanner access. With a Sid prefix the action owns only the statements whose
// Sid starts with the prefix and keeps every other statement as it finds it.
// The functions here are pure: they work on policy texts, so the engine can
// merge, compare and re-check after a racing write without a client.

// MaxSidPrefixChars bounds a Sid prefix; a longer one is a mistake, not a
// namespace.
const MaxSidPrefixChars = 64

// ValidateSidPrefix checks a Sid prefix. It must be non-empty and printable
// without spaces, so that "starts with" means the same to the reader of the
// log as to the code.
func ValidateSidPrefix(prefix string) error {
	if prefix == "" {
		return errors.New("the Sid prefix is empty; leave it unset to own the whole policy, or give a prefix such as ci-")
	}
	if n := charCount(prefix); n > MaxSidPrefixChars {
		return fmt.Errorf("the Sid prefix is %d characters; use at most %d", n, MaxSidPrefixChars)
	}
	for _, r := range prefix {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("the Sid prefix %q contains a space or control character; use letters, digits and - or _ (for example ci-)", prefix)
		}
	}
	return nil
}

// ValidateOwnedStatements checks that every statement of a declared
// repository policy carries a Sid that starts with prefix: a statement
// without one could never be found again to be replaced or removed. The
// error names the statement by position and by a short quote of it. The
// policy is otherwise checked by ValidateRepositoryPolicy.
func ValidateOwnedStatements(declared, prefix string) error {
	if err := ValidateSidPrefix(prefix); err != nil {
		return err
	}
	_, stmts, err := statementsOf(declared)
	if err != nil {
		return err
	}
	for i, st := range stmts {
		sid, isStr := st["Sid"].(string)
		switch {
		case !isStr || sid == "":
			return fmt.Errorf(`statement %d (%s) has no Sid; with a Sid prefix every declared statement needs a Sid that starts with %q, for example "Sid": %q`,
				i+1, show(st), prefix, prefix+"Pull")
		case !strings.HasPrefix(sid, prefix):
			return fmt.Errorf(`statement %d (Sid %q) does not start with the Sid prefix %q; rename it, for example to %q, or it would be treated as another owner's statement`,
				i+1, shorten(sid), prefix, shorten(prefix+sid))
		}
	}
	return nil
}

// shorten cuts a string for an error message.
func shorten(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// statementsOf decodes a policy text into its top-level members and its
// statements (a single statement object counts as a list of one).
func statementsOf(text string) (map[string]any, []map[string]any, error) {
	doc, err := decodeObject(text, "repository policy")
	if err != nil {
		return nil, nil, err
	}
	var items []any
	switch s := doc["Statement"].(type) {
	case nil:
	case map[string]any:
		items = []any{s}
	case []any:
		items = s
	default:
		return nil, nil, fmt.Errorf("the policy's Statement must be an object or a list of objects, not %s", kind(s))
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		st, ok := it.(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("statement %d must be an object, not %s", i+1, kind(it))
		}
		out[i] = st
	}
	return doc, out, nil
}

// ownedSid returns the statement's Sid when the statement is owned.
func ownedSid(st map[string]any, prefix string) (string, bool) {
	sid, ok := st["Sid"].(string)
	return sid, ok && strings.HasPrefix(sid, prefix)
}

// OwnedMerge is the outcome of merging the declared owned statements into
// the current policy.
type OwnedMerge struct {
	// Policy is the document to write; "" when the policy is to be deleted
	// or, when nothing changes, when there is no policy.
	Policy string
	// Changed reports whether a write is needed; false means the owned
	// statements already mean what is declared (the current text is kept).
	Changed bool
	// Delete reports that no statement remains and the policy is to be
	// deleted (ECR refuses an empty Statement list).
	Delete bool
	// Sids of owned statements by fate, in document order.
	Added, Replaced, Removed, Unchanged []string
	// ForeignKept counts the statements of other owners kept in place.
	ForeignKept int
	// Diff is a unified diff of the owned statements only ("" when they
	// mean the same), for the plan and the job summary.
	Diff string
}

// MergeOwned merges declared into current for the statements owned by
// prefix. current is the policy text as read ("" when there is none);
// declared is the declared policy ("" for none: remove the owned statements).
// Owned statements that are declared are replaced in place, owned statements
// no longer declared are removed, declared statements not yet present are
// appended, and every other statement, with or without a Sid, is kept as it
// is, in its place. Version and Id come from current when it has them.
// Statements are compared by meaning in partition (as by
// RepositoryPoliciesEqual), so a statement ECR re-formatted is unchanged and
// a re-run writes nothing.
func MergeOwned(current, declared, prefix, partition string) (OwnedMerge, error) {
	if err := ValidateSidPrefix(prefix); err != nil {
		return OwnedMerge{}, err
	}
	var curDoc map[string]any
	var curStmts, decStmts []map[string]any
	var decDoc map[string]any
	var err error
	if current != "" {
		if curDoc, curStmts, err = statementsOf(current); err != nil {
			return OwnedMerge{}, fmt.Errorf("current policy: %w", err)
		}
	}
	if declared != "" {
		if err := ValidateOwnedStatements(declared, prefix); err != nil {
			return OwnedMerge{}, err
		}
		if decDoc, decStmts, err = statementsOf(declared); err != nil {
			return OwnedMerge{}, err
		}
	}
	bySid := make(map[string]map[string]any, len(decStmts))
	for _, st := range decStmts {
		sid, _ := ownedSid(st, prefix)
		bySid[sid] = st
	}

	var m OwnedMerge
	placed := map[string]bool{}
	merged := make([]any, 0, len(curStmts)+len(decStmts))
	for _, st := range curStmts {
		sid, owned := ownedSid(st, prefix)
		if !owned {
			m.ForeignKept++
			merged = append(merged, st)
			continue
		}
		want, declaredHere := bySid[sid]
		if !declaredHere || placed[sid] {
			// A second statement with the same owned Sid is removed too:
			// the declared policy has one statement per Sid.
			m.Removed = append(m.Removed, sid)
			continue
		}
		placed[sid] = true
		same, err := statementsEqual(st, want, partition)
		if err != nil {
			return OwnedMerge{}, err
		}
		if same {
			m.Unchanged = append(m.Unchanged, sid)
			merged = append(merged, st)
		} else {
			m.Replaced = append(m.Replaced, sid)
			merged = append(merged, want)
		}
	}
	for _, st := range decStmts {
		sid, _ := ownedSid(st, prefix)
		if !placed[sid] {
			placed[sid] = true
			m.Added = append(m.Added, sid)
			merged = append(merged, st)
		}
	}
	m.Changed = len(m.Added)+len(m.Replaced)+len(m.Removed) > 0
	m.Diff = Diff(ownedDocument(curStmts, prefix), ownedDocument(decStmts, prefix))
	if !m.Changed {
		m.Diff = ""
		m.Policy = current
		return m, nil
	}
	if len(merged) == 0 {
		m.Delete = true
		return m, nil
	}
	// The document's own members belong to whoever wrote it first; the
	// declared Version only serves a policy this merge creates.
	out := map[string]any{"Statement": merged}
	if v, ok := curDoc["Version"]; ok {
		out["Version"] = v
	} else if v, ok := decDoc["Version"]; ok {
		out["Version"] = v
	}
	if v, ok := curDoc["Id"]; ok {
		out["Id"] = v
	}
	m.Policy = encode(out, "")
	// Other owners' statements count against ECR's limit too, so a declared
	// policy that fits alone can overflow once merged.
	if n := charCount(m.Policy); n > MaxRepositoryPolicyChars {
		return OwnedMerge{}, fmt.Errorf("the merged repository policy would be %d characters with the %d statements of other owners; ECR accepts at most %d: shorten the declared statements",
			n, m.ForeignKept, MaxRepositoryPolicyChars)
	}
	return m, nil
}

// ownedDocument renders the owned statements, ordered by Sid, as a policy
// for display; "" when there are none.
func ownedDocument(stmts []map[string]any, prefix string) string {
	owned := ownedStatements(stmts, prefix)
	if len(owned) == 0 {
		return ""
	}
	return encode(map[string]any{"Statement": owned}, "")
}

func ownedStatements(stmts []map[string]any, prefix string) []any {
	var owned []map[string]any
	for _, st := range stmts {
		if _, ok := ownedSid(st, prefix); ok {
			owned = append(owned, st)
		}
	}
	slices.SortStableFunc(owned, func(a, b map[string]any) int {
		return strings.Compare(a["Sid"].(string), b["Sid"].(string))
	})
	out := make([]any, len(owned))
	for i, st := range owned {
		out[i] = st
	}
	return out
}

// statementsEqual compares two statements by meaning.
func statementsEqual(a, b map[string]any, partition string) (bool, error) {
	return RepositoryPoliciesEqual(
		encode(map[string]any{"Version": "2012-10-17", "Statement": []any{a}}, ""),
		encode(map[string]any{"Version": "2012-10-17", "Statement": []any{b}}, ""), partition)
}

// OwnedComparison is the comparison of the owned statements of two policies.
type OwnedComparison struct {
	Equal       bool   // the owned statements mean the same
	Diff        string // unified diff of the owned statements; "" when Equal
	ForeignKept int    // statements of other owners in current, left alone
}

// CompareOwned compares the statements owned by prefix in current (the
// policy as read, "" for none) with the declared ones (declared "" for
// none), by meaning in partition. Statements of other owners do not take
// part.
func CompareOwned(current, declared, prefix, partition string) (OwnedComparison, error) {
	m, err := MergeOwned(current, declared, prefix, partition)
	if err != nil {
		return OwnedComparison{}, err
	}
	return OwnedComparison{Equal: !m.Changed, Diff: m.Diff, ForeignKept: m.ForeignKept}, nil
}

// OwnedStillApplied is the check after a write: ECR has no conditional
// write, so a job owning another prefix may have written a document merged
// from an older read and dropped (or brought back) this owner's statements.
// It reports whether the policy read back holds exactly the declared owned
// statements, by meaning. false means: merge again from the text read back
// and write again, a bounded number of times.
func OwnedStillApplied(readBack, declared, prefix, partition string) (bool, error) {
	c, err := CompareOwned(readBack, declared, prefix, partition)
	return c.Equal, err
}

// ForeignAdded names the statements of other owners (not owned by prefix)
// that after holds and before does not, by meaning: the trace of another
// writer that wrote between two reads of the policy. A statement is named
// by its Sid, or by a short quote of it.
func ForeignAdded(before, after, prefix, partition string) []string {
	var prev, next []map[string]any
	if before != "" {
		if _, s, err := statementsOf(before); err == nil {
			prev = s
		}
	}
	if after != "" {
		if _, s, err := statementsOf(after); err == nil {
			next = s
		}
	}
	var names []string
	for _, st := range next {
		if _, owned := ownedSid(st, prefix); owned {
			continue
		}
		known := slices.ContainsFunc(prev, func(p map[string]any) bool {
			eq, err := statementsEqual(p, st, partition)
			return err == nil && eq
		})
		if !known {
			if sid, ok := st["Sid"].(string); ok && sid != "" {
				names = append(names, fmt.Sprintf("%q", shorten(sid)))
			} else {
				names = append(names, show(st))
			}
		}
	}
	return names
}
