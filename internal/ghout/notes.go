package ghout

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// notedItem is one repository's notes, with the label that names it in
// the log ("" in single mode with one Region).
type notedItem struct {
	label string
	notes []reconcile.Note
}

// annotateNotes writes one annotation per distinct note of the step. A note
// that several repositories (or Regions) share is written once, titled with
// the ones that have it: a batch of a hundred repositories gets one notice
// for a denied registry read, and a warning that only some of them have is
// neither repeated nor pinned on one of them.
func (l *Logger) annotateNotes(items []notedItem) {
	type group struct {
		note   reconcile.Note
		labels []string
	}
	var order []*group
	byNote := map[reconcile.Note]*group{}
	for _, it := range items {
		for _, n := range it.notes {
			g := byNote[n]
			if g == nil {
				g = &group{note: n}
				byNote[n] = g
				order = append(order, g)
			}
			if !slices.Contains(g.labels, it.label) {
				g.labels = append(g.labels, it.label)
			}
		}
	}
	for _, g := range order {
		l.Annotate(g.note.Level, "ecr-reconcile: "+whose(g.labels)+g.note.Setting, g.note.Text)
	}
}

// whose names the repositories a note is about in its title: all of them
// up to three, then how many more.
func whose(labels []string) string {
	const shown = 3
	switch {
	case len(labels) == 1 && labels[0] == "":
		return ""
	case len(labels) <= shown:
		return strings.Join(labels, ", ") + ": "
	}
	return fmt.Sprintf("%s and %d more: ", strings.Join(labels[:shown], ", "), len(labels)-shown)
}
