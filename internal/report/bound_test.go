package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// Whatever the batch and the budget, the summary fits the budget and, when
// condensed, says so.
func FuzzBatchSummaryBound(f *testing.F) {
	f.Add(uint16(300), uint8(3), uint16(4096), "a note")
	f.Add(uint16(2000), uint8(1), uint16(2048), "`|\n")
	f.Fuzz(func(t *testing.T, n uint16, every uint8, budget uint16, note string) {
		every = max(every, 1)
		b := max(int(budget), 2048)
		items := make([]reconcile.Item, int(n)%3000)
		for i := range items {
			name := fmt.Sprintf("team/app-%d", i)
			res := &reconcile.Result{Repository: reconcile.Repository{Name: name}, Notes: []reconcile.Note{{Setting: reconcile.SettingTags, Level: reconcile.NoteWarning, Text: note}}}
			if i%int(every) == 0 {
				res.Created = true
			}
			items[i] = reconcile.Item{Name: name, Result: res}
		}
		sum := batchSummary(items, false, false, b)
		if len(sum) > b {
			t.Fatalf("%d items, budget %d: summary of %d bytes", len(items), b, len(sum))
		}
		full := batchSummary(items, false, false, 1<<30)
		if condensed := sum != full; condensed != strings.Contains(sum, "are not shown here") {
			t.Errorf("condensed %v, but the summary says otherwise", condensed)
		}
	})
}
