package reconcile

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
)

// PreviewMode says when the lifecycle policy preview runs; the values are
// those of the lifecycle-policy-preview input.
type PreviewMode string

const (
	// PreviewOn previews a lifecycle policy that would be created or
	// changed, and in dry-run also one that is unchanged.
	PreviewOn PreviewMode = "on"
	// PreviewOffInApply previews only in dry-run.
	PreviewOffInApply PreviewMode = "off-in-apply"
	// PreviewOff never previews; so does the zero value.
	PreviewOff PreviewMode = "off"
)

// previewSampleSize is how many images the preview keeps per rule: the most
// recently pushed ones, which a rule selecting the wrong images hurts first.
const previewSampleSize = 5

// previewBackoff polls GetLifecyclePolicyPreview: at once, then after about
// 1, 2, 4 and every 5 seconds, for at most as long as ECR's own waiter
// (LifecyclePolicyPreviewComplete: 20 polls 5 s apart, 100 s). Starting
// sooner than the waiter catches the small repositories that ECR previews
// in a second or two.
var previewBackoff = backoff{Base: time.Second, Max: ecrspec.PreviewWaiterDelay,
	Within: ecrspec.PreviewWaiterMaxAttempts * ecrspec.PreviewWaiterDelay}

// LifecyclePreview is what ECR's lifecycle policy preview says the declared
// policy would do to the repository's images now.
type LifecyclePreview struct {
	// Skipped says why no preview was made and none was needed (a
	// repository that does not exist yet has no images); the counts are
	// then zero.
	Skipped string `json:"skipped,omitempty"`
	// Expiring and Transitioning are ECR's totals (the preview's summary).
	Expiring      int `json:"expiring"`
	Transitioning int `json:"transitioning"`
	// Rules lists every rule of the policy, by rulePriority, with the
	// images it would act on (an image counts for one rule only).
	Rules []RulePreview `json:"rules,omitempty"`
	// Partial is set when a page of the result list could not be read
	// (the budget ran out, or the call failed): the totals are still
	// ECR's, the rules' counts cover only the images read.
	Partial bool `json:"partial,omitempty"`
	// invalid is the first answer add refused: a field of a shape the
	// SDK's enum does not list.
	invalid error
}

// RulePreview is one rule's share of a preview.
type RulePreview struct {
	Priority    int32  `json:"rulePriority"`
	Description string `json:"description,omitempty"`
	// Action is "expire" or "transition" as the policy writes it.
	Action string `json:"action"`
	Images int    `json:"images"`
	// Sample holds up to previewSampleSize of the images, newest push
	// first. It is shown in the plan and the job summary, not the outputs.
	Sample []PreviewImage `json:"-"`
}

// PreviewImage is one image a rule would act on.
type PreviewImage struct {
	Digest   string
	Tags     []string
	PushedAt time.Time
}

// wantsPreview reports whether the lifecycle change c is previewed.
func (r *Reconciler) wantsPreview(spec Spec, c Change) bool {
	mode := r.Options.Preview
	if c.Setting != SettingLifecyclePolicy || spec.LifecyclePolicy == nil || spec.LifecyclePolicy.Remove {
		return false
	}
	if mode != PreviewOn && (mode != PreviewOffInApply || !r.Options.DryRun) {
		return false
	}
	switch c.Action {
	case ActionCreate, ActionUpdate:
		return true
	case ActionUnchanged:
		// Only a dry run shows what the policy in place expires: in apply
		// a re-run with nothing to change makes no preview.
		return r.Options.DryRun
	}
	return false
}

// preview is the step between diff and apply: it attaches ECR's preview of
// the declared lifecycle policy to its change, when one is wanted, and
// returns the notes for a preview that could not be made. It never fails
// the run and never writes.
func (r *Reconciler) preview(ctx context.Context, spec Spec, st state, changes []Change) []Note {
	for i := range changes {
		c := &changes[i]
		if !r.wantsPreview(spec, *c) {
			continue
		}
		if !st.Exists {
			c.Preview = &LifecyclePreview{Skipped: "the repository does not exist yet, so it holds no images to expire"}
			return nil
		}
		p, note := r.runPreview(ctx, st.Repository, spec.LifecyclePolicy.Text)
		c.Preview = p
		if note != "" {
			return []Note{{Setting: SettingLifecyclePolicy, Level: NoteNotice, Text: note}}
		}
	}
	return nil
}

// previewPoll is the polling schedule, its Within the preview's budget:
// at most half the time left before the step's deadline, so that a slow
// preview leaves the writes their time.
func (r *Reconciler) previewPoll(ctx context.Context) backoff {
	b := previewBackoff
	if r.Options.previewPoll != (backoff{}) {
		b = r.Options.previewPoll
	}
	if b.Within <= 0 {
		b.Within = previewBackoff.Within
	}
	if dl, ok := ctx.Deadline(); ok {
		b.Within = min(b.Within, time.Until(dl)/2)
	}
	return b
}

// errPreviewPending stands for a preview still IN_PROGRESS.
var errPreviewPending = errors.New("the preview is still in progress")

// errPreviewOfAnother stands for an answer about another policy's preview:
// GetLifecyclePolicyPreview returns the repository's latest preview, which
// another run (or, right after the start, the one before) may have started
// for another policy text. It is waited out like a pending preview.
var errPreviewOfAnother = errors.New("the repository's latest preview is of another lifecycle policy")

// previewOf reports whether a preview answer is about the policy text
// (compared by meaning: ECR returns the text re-formatted). An answer
// without the text cannot be told apart and is taken as it is.
func previewOf(out PreviewPage, text string) bool {
	got := out.PolicyText
	if got == "" {
		return true
	}
	eq, err := policy.LifecyclePoliciesEqual(got, text)
	return err == nil && eq
}

// runPreview starts a preview of text, polls it until it is no longer in
// progress and reads its result list. A preview that cannot be made
// returns a nil preview and the notice that says why.
func (r *Reconciler) runPreview(ctx context.Context, repo Repository, text string) (*LifecyclePreview, string) {
	poll := r.previewPoll(ctx)
	ctx, cancel := context.WithTimeout(ctx, poll.Within)
	defer cancel()
	ref := refOf(repo)
	err := r.ECR.StartLifecyclePolicyPreview(ctx, ref, text)
	if err != nil {
		return nil, previewNote("StartLifecyclePolicyPreview", err, poll.Within)
	}
	var out PreviewPage
	_, err = poll.retryWhile(ctx, func(err error) bool {
		// Right after the start ECR may not find the preview yet.
		return errors.Is(err, errPreviewPending) || errors.Is(err, errPreviewOfAnother) || errors.Is(err, ErrPreviewNotFound)
	}, func() error {
		var err error
		switch out, err = r.ECR.GetLifecyclePolicyPreview(ctx, ref, ""); {
		case err != nil:
			return err
		case !previewOf(out, text):
			return errPreviewOfAnother
		case out.Status == string(types.LifecyclePolicyPreviewStatusInProgress):
			return errPreviewPending
		}
		return nil
	})
	if err != nil {
		return nil, previewNote("GetLifecyclePolicyPreview", err, poll.Within)
	}
	if out.Status == "" {
		return nil, "what the lifecycle policy would expire is not shown; the policy itself is reconciled as usual: " + missing("GetLifecyclePolicyPreview", "status").Error()
	}
	if out.Status != string(types.LifecyclePolicyPreviewStatusComplete) {
		return nil, fmt.Sprintf("ECR's lifecycle policy preview ended %s, so what the policy would expire is not shown; the policy itself is reconciled as usual, and the next run previews it again", out.Status)
	}
	p := newPreview(text, out)
	p.Partial = !r.readPreviewPages(ctx, ref, out, text, p)
	p.finish()
	if p.invalid != nil {
		return nil, "what the lifecycle policy would expire is not shown; the policy itself is reconciled as usual: " + p.invalid.Error()
	}
	return p, ""
}

// readPreviewPages counts the result list, first the page already read,
// then the next ones by nextToken. It reports whether the whole list was
// read: a failed call, a page of another policy's preview (another run
// started one meanwhile) or a token ECR already gave (an endpoint that
// would otherwise be paged forever) stop it. The totals are ECR's summary
// either way.
func (r *Reconciler) readPreviewPages(ctx context.Context, ref RepositoryRef, out PreviewPage, text string, p *LifecyclePreview) bool {
	var seen pageTokens
	for {
		p.add(out.Results)
		token := out.NextToken
		switch {
		case seen.repeated(token):
			return false
		case token == "":
			return true
		}
		var err error
		if out, err = r.ECR.GetLifecyclePolicyPreview(ctx, ref, token); err != nil || !previewOf(out, text) {
			return false
		}
	}
}

// previewNote explains a preview that could not be made.
func previewNote(op string, err error, budget time.Duration) string {
	const lead = "what the lifecycle policy would expire is not shown; the policy itself is reconciled as usual"
	switch {
	case isAccessDenied(err):
		return fmt.Sprintf("%s: access denied to ecr:%s. The preview needs ecr:StartLifecyclePolicyPreview and ecr:GetLifecyclePolicyPreview "+
			"(optional, see the README's IAM section), or set %v: off", lead, op, inputref.LifecyclePolicyPreview)
	case errors.Is(err, ErrPreviewInProgress):
		return lead + ": another lifecycle policy preview of this repository is still running (LifecyclePolicyPreviewInProgressException); the next run previews again"
	case errors.Is(err, errPreviewOfAnother):
		return fmt.Sprintf("%s: until its budget of %s ran out, ECR answered with the preview of another lifecycle policy (a repository has only its latest preview; "+
			"another run probably started one for another policy); the next run previews again", lead, budget.Round(time.Second))
	case errors.Is(err, errPreviewPending), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s: ECR's lifecycle policy preview did not complete within its budget of %s (at most %s, as ECR's own waiter, and half the time left before %v)",
			lead, budget.Round(time.Second), previewBackoff.Within, inputref.TimeoutSeconds)
	case errors.Is(err, context.Canceled):
		return lead + ": the preview was cancelled"
	}
	return fmt.Sprintf("%s: %v", lead, awsError(op, err))
}

// newPreview starts a preview's figures from ECR's summary and the rules of
// the previewed policy text.
func newPreview(text string, page PreviewPage) *LifecyclePreview {
	p := &LifecyclePreview{}
	if page.HasSummary {
		p.Expiring, p.Transitioning = page.Expiring, page.Transitioning
	}
	var doc struct {
		Rules []struct {
			RulePriority int32  `json:"rulePriority"`
			Description  string `json:"description"`
			Action       struct {
				Type string `json:"type"`
			} `json:"action"`
		} `json:"rules"`
	}
	// The text was validated before any call; a rule it does not list is
	// added when a result names it.
	_ = json.Unmarshal([]byte(text), &doc)
	for _, rule := range doc.Rules {
		p.Rules = append(p.Rules, RulePreview{Priority: rule.RulePriority, Description: rule.Description, Action: rule.Action.Type})
	}
	return p
}

// add counts one page of results against their rules.
func (p *LifecyclePreview) add(results []PreviewResult) {
	for _, res := range results {
		prio := res.RulePriority
		i := slices.IndexFunc(p.Rules, func(r RulePreview) bool { return r.Priority == prio })
		if i < 0 {
			p.Rules = append(p.Rules, RulePreview{Priority: prio})
			i = len(p.Rules) - 1
		}
		rule := &p.Rules[i]
		typ := types.ImageActionType(res.ActionType)
		if res.HasAction && !slices.Contains(typ.Values(), typ) {
			// The type becomes a word of the plan and a cell of the job
			// summary: only ECR's own values are shown.
			p.invalid = cmp.Or(p.invalid, shapeError("GetLifecyclePolicyPreview", "previewResults[].action.type", res.ActionType))
			continue
		}
		if rule.Action == "" && res.HasAction {
			rule.Action = strings.ToLower(res.ActionType)
		}
		rule.Images++
		img := PreviewImage{Digest: res.Digest, Tags: res.Tags, PushedAt: res.PushedAt}
		rule.Sample = append(rule.Sample, img)
		slices.SortFunc(rule.Sample, func(a, b PreviewImage) int {
			return cmp.Or(b.PushedAt.Compare(a.PushedAt), cmp.Compare(a.Digest, b.Digest))
		})
		rule.Sample = rule.Sample[:min(len(rule.Sample), previewSampleSize)]
	}
}

// finish orders the rules as ECR applies them.
func (p *LifecyclePreview) finish() {
	slices.SortFunc(p.Rules, func(a, b RulePreview) int { return cmp.Compare(a.Priority, b.Priority) })
}
