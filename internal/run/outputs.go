package run

import (
	"encoding/json"
	"strconv"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/report"
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
	OutputChanges        = "changes" // JSON list of changeJSON
	OutputDeleted        = "deleted" // state: absent; batch mode has it in each result
	OutputNotes          = "notes"   // JSON list of reconcile.Note

	// Batch mode.
	OutputRepositoryURIs = "repository-uris" // JSON object: name → URI
	OutputResults        = "results"         // JSON object: name → resultJSON

	// Both modes.
	OutputCreated = "created"
	OutputChanged = "changed"
	// OutputRegions is every Region's part, also with one Region: a JSON
	// object keyed by Region; in single mode each value is a resultJSON, in
	// batch mode a regionBatchJSON. The other outputs describe the primary
	// Region only.
	OutputRegions = "regions"
)

// SingleOutputs and BatchOutputs are the outputs each mode sets, in order.
var (
	SingleOutputs = []string{OutputRepositoryURI, OutputRepositoryARN, OutputRepositoryName, OutputRegistryID, OutputRegistry, OutputCreated, OutputDeleted, OutputChanged, OutputChanges, OutputNotes, OutputRegions}
	BatchOutputs  = []string{OutputRepositoryURIs, OutputResults, OutputCreated, OutputChanged, OutputRegions}
)

// changeJSON is one setting that was (or in dry-run would be) changed, in
// the changes output and in each result's changes.
type changeJSON struct {
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

// resultJSON is one repository's entry in the results output.
type resultJSON struct {
	URI     string       `json:"uri,omitempty"`
	Created bool         `json:"created"`
	Deleted bool         `json:"deleted"`
	Changed bool         `json:"changed"`
	Changes []changeJSON `json:"changes"`
	// Notes are the warnings and notices about settings left as they are.
	Notes []reconcile.Note `json:"notes,omitempty"`
	Error string           `json:"error,omitempty"`
	// Warned: settings failed on a usable repository under
	// on-reconcile-error: warn; Warning names them and their errors.
	Warned  bool   `json:"warned,omitempty"`
	Warning string `json:"warning,omitempty"`
}

// regionBatchJSON is one Region's entry of the regions output in batch
// mode: what the repository-uris and results outputs say of the primary
// Region.
type regionBatchJSON struct {
	RepositoryURIs map[string]string     `json:"repository-uris"`
	Results        map[string]resultJSON `json:"results"`
}

// regionsOutput is the regions output: Region → resultJSON (single mode)
// or regionBatchJSON (batch mode).
func regionsOutput[T resultJSON | regionBatchJSON](byRegion map[string]T) [2]string {
	b, _ := json.Marshal(byRegion)
	return [2]string{OutputRegions, string(b)}
}

// changesJSON converts the changed settings; never null.
func changesJSON(cs []reconcile.Change) []changeJSON {
	out := make([]changeJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, changeJSON{Setting: c.Setting, Action: string(c.Action), From: c.From, To: c.To, Error: c.Error, Preview: c.Preview})
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
	changes, _ := json.Marshal(changesJSON(res.ChangedOnly()))
	notes, _ := json.Marshal(notesJSON(res.Notes))
	return [][2]string{
		{OutputRepositoryURI, res.Repository.URI},
		{OutputRepositoryARN, res.Repository.ARN},
		{OutputRepositoryName, res.Repository.Name},
		{OutputRegistryID, res.Repository.RegistryID},
		{OutputRegistry, res.Repository.Registry()},
		{OutputCreated, strconv.FormatBool(res.Created)},
		{OutputDeleted, strconv.FormatBool(res.Deleted)},
		{OutputChanged, strconv.FormatBool(res.Changed())},
		{OutputChanges, string(changes)},
		{OutputNotes, string(notes)},
	}
}

func batchOutputs(uris map[string]string, results map[string]resultJSON, created, changed bool) [][2]string {
	uriJSON, _ := json.Marshal(uris)
	resultJSON, _ := json.Marshal(results)
	return [][2]string{
		{OutputRepositoryURIs, string(uriJSON)},
		{OutputResults, string(resultJSON)},
		{OutputCreated, strconv.FormatBool(created)},
		{OutputChanged, strconv.FormatBool(changed)},
	}
}

// Outputs are the step's outputs, in order: the mode's outputs describe
// the primary Region, and the regions output every Region.
func (r *Result) Outputs() [][2]string {
	var outputs [][2]string
	if r.Config.Batch() {
		byRegion := map[string]regionBatchJSON{}
		for i, reg := range r.Regions {
			uris, results := map[string]string{}, map[string]resultJSON{}
			var created, changed bool
			for _, it := range reg.Items {
				results[it.Name] = r.entry(it)
				if res := it.Result; res != nil {
					uris[it.Name] = res.Repository.URI
					created = created || res.Created
					changed = changed || res.Changed()
				}
			}
			byRegion[reg.Name] = regionBatchJSON{RepositoryURIs: uris, Results: results}
			if i == 0 {
				outputs = batchOutputs(uris, results, created, changed)
			}
		}
		return append(outputs, regionsOutput(byRegion))
	}
	byRegion := map[string]resultJSON{}
	for i, reg := range r.Regions {
		it := reg.Items[0]
		byRegion[reg.Name] = r.entry(it)
		if i == 0 && it.Result != nil {
			outputs = singleOutputs(it.Result)
		}
	}
	return append(outputs, regionsOutput(byRegion))
}

// entry is one repository's entry of the results output.
func (r *Result) entry(it reconcile.Item) resultJSON {
	br := resultJSON{Changes: []changeJSON{}}
	if res := it.Result; res != nil {
		br = resultJSON{URI: res.Repository.URI, Created: res.Created, Deleted: res.Deleted, Changed: res.Changed(), Changes: changesJSON(res.ChangedOnly()), Notes: res.Notes}
	}
	switch r.Status(it) {
	case report.StatusWarned:
		br.Warned, br.Warning = true, it.Err.Error()
	case report.StatusFailed:
		br.Error = it.Err.Error()
	}
	return br
}
