package action

import (
	"encoding/json"
	"strconv"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// The step's output contract: every output's name (action.yml declares the
// same names; TestOutputsMatchActionYAML ties them) and the JSON shapes of
// the changes and results outputs. Nothing else writes an output.
const (
	// Single-repository mode.
	OutputRepositoryURI  = "repository-uri"
	OutputRepositoryARN  = "repository-arn"
	OutputRepositoryName = "repository-name"
	OutputRegistryID     = "registry-id"
	OutputRegistry       = "registry"
	OutputChanges        = "changes" // JSON list of ChangeJSON
	OutputNotes          = "notes"   // JSON list of reconcile.Note

	// Batch mode.
	OutputRepositoryURIs = "repository-uris" // JSON object: name → URI
	OutputResults        = "results"         // JSON object: name → ResultJSON

	// Both modes.
	OutputCreated = "created"
	OutputChanged = "changed"
)

// SingleOutputs and BatchOutputs are the outputs each mode sets, in order.
var (
	SingleOutputs = []string{OutputRepositoryURI, OutputRepositoryARN, OutputRepositoryName, OutputRegistryID, OutputRegistry, OutputCreated, OutputChanged, OutputChanges, OutputNotes}
	BatchOutputs  = []string{OutputRepositoryURIs, OutputResults, OutputCreated, OutputChanged}
)

// ChangeJSON is one setting that was (or in dry-run would be) changed, in
// the changes output and in each result's changes.
type ChangeJSON struct {
	Setting string `json:"setting"`
	Action  string `json:"action"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Error   string `json:"error,omitempty"`
	// Preview is ECR's lifecycle policy preview (lifecycle-policy only):
	// totals and counts by rule; the image samples stay in the plan and
	// the job summary.
	Preview *reconcile.LifecyclePreview `json:"preview,omitempty"`
}

// ResultJSON is one repository's entry in the results output.
type ResultJSON struct {
	URI     string       `json:"uri,omitempty"`
	Created bool         `json:"created"`
	Changed bool         `json:"changed"`
	Changes []ChangeJSON `json:"changes"`
	// Notes are the warnings and notices about settings left as they are.
	Notes []reconcile.Note `json:"notes,omitempty"`
	Error string           `json:"error,omitempty"`
	// Warned: settings failed on a usable repository under
	// on-reconcile-error: warn; Warning names them and their errors.
	Warned  bool   `json:"warned,omitempty"`
	Warning string `json:"warning,omitempty"`
}

// changesJSON converts the changes the outputs list: the settings that
// were (or would be) written and, in a dry run, an unchanged lifecycle
// policy that was previewed, since the preview is what a dry run is asked
// for. Never null.
func changesJSON(res *reconcile.Result) []ChangeJSON {
	out := []ChangeJSON{}
	for _, c := range res.Changes {
		if c.Changed() || (res.DryRun && c.Preview != nil) {
			out = append(out, ChangeJSON{Setting: c.Setting, Action: string(c.Action), From: c.From, To: c.To, Error: c.Error, Preview: c.Preview})
		}
	}
	return out
}

// notesJSON is never null either.
func notesJSON(ns []reconcile.Note) []reconcile.Note {
	if ns == nil {
		return []reconcile.Note{}
	}
	return ns
}

func singleOutputs(res *reconcile.Result) [][2]string {
	changes, _ := json.Marshal(changesJSON(res))
	notes, _ := json.Marshal(notesJSON(res.Notes))
	return [][2]string{
		{OutputRepositoryURI, res.Repository.URI},
		{OutputRepositoryARN, res.Repository.ARN},
		{OutputRepositoryName, res.Repository.Name},
		{OutputRegistryID, res.Repository.RegistryID},
		{OutputRegistry, res.Repository.Registry()},
		{OutputCreated, strconv.FormatBool(res.Created)},
		{OutputChanged, strconv.FormatBool(res.Changed())},
		{OutputChanges, string(changes)},
		{OutputNotes, string(notes)},
	}
}

func batchOutputs(uris map[string]string, results map[string]ResultJSON, created, changed bool) [][2]string {
	uriJSON, _ := json.Marshal(uris)
	resultJSON, _ := json.Marshal(results)
	return [][2]string{
		{OutputRepositoryURIs, string(uriJSON)},
		{OutputResults, string(resultJSON)},
		{OutputCreated, strconv.FormatBool(created)},
		{OutputChanged, strconv.FormatBool(changed)},
	}
}
