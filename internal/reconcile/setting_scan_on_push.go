package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingScanOnPush is the repository's basic scan-on-push flag. The
// registry's scanning configuration can decide instead of it: that is read
// with the repository and reported as a note (scanningCheck).
const SettingScanOnPush = "scan-on-push"

var scanOnPush = setting{
	name:      SettingScanOnPush,
	order:     40,
	managed:   func(spec Spec) bool { return spec.ScanOnPush != nil },
	inputs:    []inputref.Ref{inputref.ScanOnPush},
	declare:   func(d Declarations, spec *Spec) { spec.ScanOnPush = d.Bool(inputref.ScanOnPush) },
	described: func(repo RepositoryInfo, st *state) { st.ScanOnPush = repo.ScanOnPush },
	diff:      func(spec Spec, st state, _ string) Change { return diffScanOnPush(*spec.ScanOnPush, st) },
	write:     (*Reconciler).updateScanOnPush,
	create:    func(spec Spec, c *creation) { c.req.ScanOnPush = spec.ScanOnPush },
	private:   true,
	lacks:     "ECR Public does not scan images",
	registry:  &scanningCheck,
	iam:       iamActions{writes: []string{"PutImageScanningConfiguration"}},
}

type scanOnPushSpec struct {
	// ScanOnPush is the declared basic scan-on-push setting.
	ScanOnPush *bool
}

type scanOnPushState struct {
	ScanOnPush bool
}

func diffScanOnPush(want bool, st state) Change {
	c := Change{Setting: SettingScanOnPush, Action: ActionCreate, To: fmt.Sprint(want)}
	if !st.Exists {
		return c
	}
	c.Action, c.From = ActionUnchanged, fmt.Sprint(st.ScanOnPush)
	if st.ScanOnPush != want {
		c.Action = ActionUpdate
	}
	return c
}

func (r *Reconciler) updateScanOnPush(ctx context.Context, spec Spec, repo Repository, _ Change) error {
	return r.whileInvisible(ctx, "PutImageScanningConfiguration", func() error {
		return r.ECR.PutImageScanningConfiguration(ctx, refOf(repo), *spec.ScanOnPush)
	})
}

// scanningCheck reads the registry's scanning configuration, which
// decides instead of the repository's flag when it has scan-on-push rules
// or is enhanced.
var scanningCheck = registryCheck{
	read:      readScanning,
	what:      "whether the registry's scanning configuration (enhanced scanning or " + registry.FrequencyScanOnPush + " rules) decides instead of the repository's scanOnPush flag",
	otherWhat: "scanning configuration",
	notes: func(spec Spec, rs registryState, _ string, _, _ bool) []Note {
		return scanningNotes(spec, rs.ScanningConfig)
	},
}

// scanningNotes warns when the registry's scanning configuration does
// otherwise than the declared scanOnPush: what it does instead, and how to
// change it.
func scanningNotes(spec Spec, cfg registry.ScanningConfiguration) []Note {
	declared, repository := *spec.ScanOnPush, spec.Name
	d := registry.ScanOnPushOverride(cfg, repository, declared)
	if !d.Overrides {
		return nil
	}
	what := fmt.Sprintf("the registry's %s scanning configuration applies %s to %s",
		strings.ToLower(cmp.Or(cfg.ScanType, registry.ScanTypeBasic)), d.Effective, repository)
	if d.Rule != "" {
		what += fmt.Sprintf(" (its %s rule with filter %q)", d.Rule, d.Filter)
	} else {
		what += " (no rule's filter matches it)"
	}
	var fix string
	if declared {
		fix = fmt.Sprintf("add a filter that matches %s to the registry's %s rule", repository, registry.FrequencyScanOnPush)
	} else {
		fix = fmt.Sprintf("change the registry's scanning rules so that no %s or %s filter matches %s",
			registry.FrequencyScanOnPush, registry.FrequencyContinuous, repository)
	}
	return []Note{{Setting: SettingScanOnPush, Level: NoteWarning, Text: fmt.Sprintf(
		"%[5]v is declared %[1]t, but %[2]s, so images are %[3]s: the repository's scanOnPush flag does not decide; to change it, %[4]s "+
			"(ECR console: Private registry > Settings > Scanning, or aws ecr put-registry-scanning-configuration), or stop managing %[5]v",
		declared, what, scanEffect(d.Effective), fix, inputref.ScanOnPush)}}
}

// scanEffect says what happens to the repository's images.
func scanEffect(s registry.Scanning) string {
	switch s {
	case registry.ScanningOnPush:
		return "scanned on push"
	case registry.ScanningContinuous:
		return "scanned on push and continuously"
	case registry.ScanningManual:
		return "scanned only when a scan is started by hand"
	}
	return "not scanned"
}
