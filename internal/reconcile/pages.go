package reconcile

import (
	"fmt"
)

// pageTokens are the nextTokens a list has given so far. An endpoint that
// gives one back again (the same page over, or pages in a cycle) would be
// paged forever; the SDK's paginators do not notice it (their
// StopOnDuplicateToken is off by default and sees only the last token).
// Every loop over pages reads its tokens through here; what a repeated
// token means (an error, a partial list, a note) is the caller's.
type pageTokens struct {
	seen  map[string]bool
	pages int
}

// repeated records the nextToken of the page just read and reports
// whether an earlier page gave it already.
func (t *pageTokens) repeated(s string) bool {
	t.pages++
	if s == "" {
		return false
	}
	if t.seen[s] {
		return true
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	t.seen[s] = true
	return false
}

// endless is the error of a list whose token came back: call is the IAM
// action that lists (ecr:DescribeImages).
func (t *pageTokens) endless(call string) error {
	return fmt.Errorf("%s returned the nextToken of an earlier page again after %d page(s): the list has no end", call, t.pages)
}
