package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// LifecyclePreviewBehavior sets how the previews started from now on run.
type LifecyclePreviewBehavior struct {
	// InProgressGets is how many GetLifecyclePolicyPreview calls answer
	// IN_PROGRESS before the preview is COMPLETE (0 = complete at once), so
	// that polling can be exercised.
	InProgressGets int
	// Fail makes the previews end FAILED instead of COMPLETE.
	Fail bool
	// PreviousGets is how many GetLifecyclePolicyPreview calls after a
	// start still answer with the repository's previous preview, with the
	// policy text it was started for (-1: every call, as when another run
	// keeps starting previews of another policy). GetLifecyclePolicyPreview
	// returns the repository's latest preview, whatever policy it is of.
	PreviousGets int
}

// SetLifecyclePreviewBehavior applies to previews started after the call.
func (e *Emulator) SetLifecyclePreviewBehavior(b LifecyclePreviewBehavior) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extra.preview = b
}

// lifecyclePreview is one preview: its results are computed when it starts,
// against the images of that moment, as ECR evaluates a snapshot.
type lifecyclePreview struct {
	policy      string // as formatted
	pendingGets int    // Get calls still answering IN_PROGRESS
	failed      bool
	results     []previewResult // ordered oldest push first
	// previous is the preview this one replaced, and previousGets how many
	// Get calls still answer with it (LifecyclePreviewBehavior.PreviousGets).
	previous     *lifecyclePreview
	previousGets int
}

type previewResult struct {
	image    Image
	priority int64
	action   string // "EXPIRE" or "TRANSITION"
}

// lifecycleRule is a rule of a validated lifecycle policy.
type lifecycleRule struct {
	RulePriority int64 `json:"rulePriority"`
	Selection    struct {
		TagStatus      string   `json:"tagStatus"`
		TagPrefixList  []string `json:"tagPrefixList"`
		TagPatternList []string `json:"tagPatternList"`
		CountType      string   `json:"countType"`
		CountNumber    int64    `json:"countNumber"`
		StorageClass   string   `json:"storageClass"`
	} `json:"selection"`
	Action struct {
		Type string `json:"type"`
	} `json:"action"`
}

// evaluateLifecycle applies ECR's documented rule semantics
// (LifecyclePolicies.html, "Lifecycle policy evaluation rules"):
//   - rules are applied in rulePriority order, lowest first;
//   - an image is expired or transitioned by exactly one or zero rules;
//   - an image that matches the selection of a higher-priority rule cannot
//     be acted on by a lower-priority rule, but lower-priority rules still
//     count it, as if it were not acted on;
//   - tagPrefixList / tagPatternList select images on which every entry
//     matches at least one tag;
//   - imageCountMoreThan keeps the newest countNumber images (by push time)
//     and selects the rest; the since* types select images whose push,
//     last recorded pull (push when never pulled) or archival is more than
//     countNumber days ago;
//   - rules select standard-class images, except sinceImageTransitioned,
//     which selects archived ones.
//
// "Matches the selection" includes the storage class: otherwise the archive
// rule of ECR's own example (transition after N days, expire archived
// images after M more) could never expire anything.
func evaluateLifecycle(policy string, images []Image, now time.Time) ([]previewResult, error) {
	var doc struct {
		Rules []lifecycleRule `json:"rules"`
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return nil, err
	}
	rules := doc.Rules
	slices.SortFunc(rules, func(a, b lifecycleRule) int { return cmp.Compare(a.RulePriority, b.RulePriority) })
	seen := map[string]bool{}
	acted := map[string]previewResult{}
	for _, rule := range rules {
		matches, err := ruleMatches(rule, images)
		if err != nil {
			return nil, err
		}
		for _, img := range ruleSelects(rule, matches, now) {
			if seen[img.Digest] {
				continue
			}
			if _, done := acted[img.Digest]; !done {
				acted[img.Digest] = previewResult{image: img, priority: rule.RulePriority, action: strings.ToUpper(rule.Action.Type)}
			}
		}
		for _, img := range matches {
			seen[img.Digest] = true
		}
	}
	out := make([]previewResult, 0, len(acted))
	for _, r := range acted {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b previewResult) int {
		return cmp.Or(a.image.PushedAt.Compare(b.image.PushedAt), strings.Compare(a.image.Digest, b.image.Digest))
	})
	return out, nil
}

// ruleMatches returns the images that meet a rule's tag and storage class
// selection.
func ruleMatches(rule lifecycleRule, images []Image) ([]Image, error) {
	sel := rule.Selection
	class := StorageStandard
	if sel.CountType == "sinceImageTransitioned" || strings.EqualFold(sel.StorageClass, "archive") {
		class = StorageArchive
	}
	patterns := make([]*regexp.Regexp, len(sel.TagPatternList))
	for i, p := range sel.TagPatternList {
		re, err := wildcard(p)
		if err != nil {
			return nil, err
		}
		patterns[i] = re
	}
	var out []Image
	for _, img := range images {
		if img.StorageClass != class {
			continue
		}
		var ok bool
		switch sel.TagStatus {
		case "any":
			ok = true
		case "untagged":
			ok = len(img.Tags) == 0
		case "tagged":
			ok = len(img.Tags) > 0 &&
				allMatch(sel.TagPrefixList, img.Tags, func(p, t string) bool { return strings.HasPrefix(t, p) }) &&
				allMatch(patterns, img.Tags, func(re *regexp.Regexp, t string) bool { return re.MatchString(t) })
		}
		if ok {
			out = append(out, img)
		}
	}
	return out, nil
}

// allMatch reports whether every entry matches at least one tag.
func allMatch[T any](entries []T, tags []string, match func(T, string) bool) bool {
	for _, e := range entries {
		if !slices.ContainsFunc(tags, func(t string) bool { return match(e, t) }) {
			return false
		}
	}
	return true
}

// wildcard compiles a tagPatternList entry: '*' matches any run of
// characters, everything else itself, and the whole tag must match.
func wildcard(p string) (*regexp.Regexp, error) {
	parts := strings.Split(p, "*")
	for i, s := range parts {
		parts[i] = regexp.QuoteMeta(s)
	}
	return regexp.Compile("^" + strings.Join(parts, ".*") + "$")
}

// ruleSelects applies a rule's count to the images it matches and returns
// those it would act on, oldest first.
func ruleSelects(rule lifecycleRule, matches []Image, now time.Time) []Image {
	sel := rule.Selection
	sorted := slices.Clone(matches)
	// Newest first, so that imageCountMoreThan keeps the head.
	slices.SortFunc(sorted, func(a, b Image) int {
		return cmp.Or(b.PushedAt.Compare(a.PushedAt), strings.Compare(a.Digest, b.Digest))
	})
	var out []Image
	if sel.CountType == "imageCountMoreThan" {
		if int64(len(sorted)) > sel.CountNumber {
			out = sorted[sel.CountNumber:]
		}
	} else {
		limit := now.Add(-time.Duration(sel.CountNumber) * 24 * time.Hour)
		for _, img := range sorted {
			var at time.Time
			switch sel.CountType {
			case "sinceImagePushed":
				at = img.PushedAt
			case "sinceImagePulled":
				at = cmp.Or(img.LastRecordedPullTime, img.PushedAt)
			case "sinceImageTransitioned":
				at = cmp.Or(img.LastArchivedAt, img.PushedAt)
			}
			if at.Before(limit) {
				out = append(out, img)
			}
		}
	}
	slices.Reverse(out)
	return out
}

func previewNotFound(r *Repository) *apiError {
	return errf(http.StatusBadRequest, "LifecyclePolicyPreviewNotFoundException", fmt.Sprintf(
		"Lifecycle policy preview does not exist for the repository with name '%s' in the registry with id '%s'", r.Name, r.RegistryID))
}

func (e *Emulator) startLifecyclePolicyPreview(c *ecrCall) (any, *apiError) {
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	text := ""
	if c.in.LifecyclePolicyText != nil {
		var err error
		if text, err = formatLifecyclePolicy(*c.in.LifecyclePolicyText, false); err != nil {
			return nil, invalidParam("LifecyclePolicyText", "Lifecycle policy validation failure: "+err.Error())
		}
	}
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		if p := r.preview; p != nil && p.pendingGets > 0 {
			return nil, errf(http.StatusBadRequest, "LifecyclePolicyPreviewInProgressException", fmt.Sprintf(
				"Previous lifecycle policy preview request has not completed for the repository with name '%s' in the registry with id '%s'. Please try again later.",
				r.Name, r.RegistryID))
		}
		if text == "" {
			if r.Lifecycle == "" {
				return nil, lifecycleNotFound(r)
			}
			text = r.Lifecycle
		}
		results, err := evaluateLifecycle(text, r.Images, e.now())
		if err != nil {
			return nil, errf(http.StatusInternalServerError, "ServerException", err.Error())
		}
		b := e.extra.preview
		p := &lifecyclePreview{policy: text, pendingGets: b.InProgressGets, failed: b.Fail, results: results}
		if prev := r.preview; prev != nil && b.PreviousGets != 0 {
			prev.previous = nil
			p.previous, p.previousGets = prev, b.PreviousGets
		}
		r.preview = p
		return map[string]any{
			"registryId":          r.RegistryID,
			"repositoryName":      r.Name,
			"lifecyclePolicyText": text,
			"status":              "IN_PROGRESS",
		}, nil
	})
}

type wirePreviewResult struct {
	ImageTags     []string `json:"imageTags,omitempty"`
	ImageDigest   string   `json:"imageDigest"`
	ImagePushedAt float64  `json:"imagePushedAt"`
	Action        struct {
		Type               string `json:"type"`
		TargetStorageClass string `json:"targetStorageClass,omitempty"`
	} `json:"action"`
	AppliedRulePriority int64  `json:"appliedRulePriority"`
	StorageClass        string `json:"storageClass"`
}

func (e *Emulator) getLifecyclePolicyPreview(c *ecrCall) (any, *apiError) {
	var in imageInput
	if fail := decodeInput(c.in.raw, &in); fail != nil {
		return nil, fail
	}
	if fail := validateRepoName(c.in.RepositoryName); fail != nil {
		return nil, fail
	}
	if len(in.ImageIDs) > 0 && (in.MaxResults != nil || in.NextToken != nil) {
		return nil, invalidParam("maxResults", "maxResults and nextToken cannot be used together with imageIds")
	}
	keepTag := func(Image) bool { return true }
	var fail *apiError
	if in.Filter != nil {
		if keepTag, fail = tagFilter(in.Filter.TagStatus); fail != nil {
			return nil, fail
		}
	}
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		p := r.preview
		if p == nil {
			return nil, previewNotFound(r)
		}
		if p.previous != nil && p.previousGets != 0 {
			if p.previousGets > 0 {
				p.previousGets--
			}
			p = p.previous
		}
		out := map[string]any{
			"registryId":          r.RegistryID,
			"repositoryName":      r.Name,
			"lifecyclePolicyText": p.policy,
		}
		switch {
		case p.pendingGets > 0:
			p.pendingGets--
			out["status"] = "IN_PROGRESS"
			return out, nil
		case p.failed:
			out["status"] = "FAILED"
			return out, nil
		}
		out["status"] = "COMPLETE"
		results := p.results
		if len(in.ImageIDs) > 0 {
			images := make([]Image, len(results))
			for i, res := range results {
				images[i] = res.image
			}
			named, fail := matchImageIDs(r, images, in.ImageIDs)
			if fail != nil {
				return nil, fail
			}
			results = slices.DeleteFunc(slices.Clone(results), func(res previewResult) bool {
				return !slices.ContainsFunc(named, func(img Image) bool { return img.Digest == res.image.Digest })
			})
		}
		results = slices.DeleteFunc(slices.Clone(results), func(res previewResult) bool { return !keepTag(res.image) })
		got, next, fail := page(results, in.NextToken, in.MaxResults, ecrspec.MaxPreviewResultsPerPage, ecrspec.MaxPreviewResultsPerPage)
		if fail != nil {
			return nil, fail
		}
		wire := make([]wirePreviewResult, len(got))
		for i, res := range got {
			w := wirePreviewResult{
				ImageTags:           res.image.Tags,
				ImageDigest:         res.image.Digest,
				ImagePushedAt:       epoch(res.image.PushedAt),
				AppliedRulePriority: res.priority,
				StorageClass:        res.image.StorageClass,
			}
			w.Action.Type = res.action
			if res.action == "TRANSITION" {
				w.Action.TargetStorageClass = StorageArchive
			}
			wire[i] = w
		}
		out["previewResults"] = wire
		if next != "" {
			out["nextToken"] = next
		}
		// The summary covers the whole preview, whatever the page or filter.
		expiring, transitioning := 0, 0
		for _, res := range p.results {
			if res.action == "EXPIRE" {
				expiring++
			} else {
				transitioning++
			}
		}
		summary := map[string]any{"expiringImageTotalCount": expiring}
		// botocore's model: "only present if at least one image will be
		// transitioned".
		if transitioning > 0 {
			summary["transitioningImageTotalCounts"] = []map[string]any{{"targetStorageClass": StorageArchive, "imageTotalCount": transitioning}}
		}
		out["summary"] = summary
		return out, nil
	})
}
