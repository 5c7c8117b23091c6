package inputs

import "github.com/ecr-reconcile/ecr-reconcile/internal/wfcmd"

// shown is user input repeated in a message, bounded (wfcmd.Shown).
type shown = wfcmd.Shown
