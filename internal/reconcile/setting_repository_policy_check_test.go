package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// unknownActionPolicy grants an action ECR does not have. The inputs'
// local checks refuse it before the engine sees it; given to the engine
// directly, it is what IAM Access Analyzer finds an ERROR in.
const unknownActionPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ClusterPull", "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "ecr:BatchGetImage"},
    {"Sid": "Typo", "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": ["ecr:GetDownloadUrlForLayer", "ecr:PullImage"]}
  ]
}`

func policySpec(name, text string) reconcile.Spec {
	return reconcile.Spec{Name: name, RepositoryPolicy: &reconcile.Document{Text: text}}
}

func noteTexts(res *reconcile.Result, level string) []string {
	var out []string
	for _, n := range res.Notes {
		if n.Setting == reconcile.SettingRepositoryPolicy && n.Level == level {
			out = append(out, n.Text)
		}
	}
	return out
}

// An ERROR finding refuses the policy before any write, in run and dry-run
// alike: not even the repository is created. The error names the setting,
// the statement, the finding and its link.
func TestPolicyCheckErrorRefusesBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	for _, dryRun := range []bool{false, true} {
		f := newFixture(t, emulator.Options{})
		res, err := f.checked(dryRun).Reconcile(context.Background(), policySpec("app", unknownActionPolicy))
		var refused *reconcile.PolicyRefusedError
		if !errors.As(err, &refused) || res != nil {
			t.Fatalf("dry-run=%v: err = %v, result %v; want the policy refused", dryRun, err, res)
		}
		for _, want := range []string{"repository-policy", `statement 2 (Sid "Typo")`, "The action ecr:PullImage does not exist.", "[INVALID_ACTION]",
			"(see https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html)", "nothing was written"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("dry-run=%v: error lacks %q:\n%v", dryRun, want, err)
			}
		}
		if w := f.emu.Writes(); len(w) != 0 {
			t.Errorf("dry-run=%v: writes %v after the refusal", dryRun, w)
		}
		if _, ok := f.emu.Repository("", "app"); ok {
			t.Errorf("dry-run=%v: the repository was created", dryRun)
		}
	}
}

// A SECURITY_WARNING is a warning and the run goes on; set to fail, it
// refuses the policy as an ERROR does. WARNING and SUGGESTION findings are
// notices.
func TestPolicyCheckFindingLevels(t *testing.T) {
	t.Parallel()
	findings := []emulator.PolicyFinding{
		{Type: emulator.FindingSecurityWarning, IssueCode: "EXTERNAL_PRINCIPAL", Details: "The policy grants access to an account outside your zone of trust.", Statement: 0},
		{Type: emulator.FindingSuggestion, IssueCode: "REDUNDANT_ACTION", Details: "The action is redundant.", Statement: 0},
	}
	noVersion := `{"Statement": [{"Sid": "ClusterPull", "Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "ecr:BatchGetImage"}]}`

	f := newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings(findings)
	res, err := f.checked(false).Reconcile(context.Background(), policySpec("app", noVersion))
	if err != nil {
		t.Fatal(err)
	}
	if r := f.repo(t, "app"); r.Policy == "" {
		t.Error("the policy was not written")
	}
	warnings, notices := noteTexts(res, reconcile.NoteWarning), noteTexts(res, reconcile.NoteNotice)
	if len(warnings) != 1 || !strings.Contains(warnings[0], `security warning: statement 1 (Sid "ClusterPull"): The policy grants access to an account outside your zone of trust. [EXTERNAL_PRINCIPAL]`) {
		t.Errorf("warnings = %q", warnings)
	}
	// The emulator's own check: no Version, a WARNING.
	if len(notices) != 2 || !strings.Contains(strings.Join(notices, "\n"), "IAM Access Analyzer warning: We recommend that you specify the Version element") ||
		!strings.Contains(strings.Join(notices, "\n"), "IAM Access Analyzer suggestion: statement 1") {
		t.Errorf("notices = %q", notices)
	}

	f = newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings(findings)
	rec := f.checked(false)
	rec.Options.FailOnPolicySecurityWarning = true
	_, err = rec.Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
	if err == nil || !strings.Contains(err.Error(), "SECURITY_WARNING statement 1") || len(f.emu.Writes()) != 0 {
		t.Errorf("fail on security warning: err = %v, writes %v", err, f.emu.Writes())
	}
}

// Without the permission, or when the service does not answer in time,
// the run writes with the local checks and a notice says what to add. The
// check makes one retry at most.
func TestPolicyCheckNotMade(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(*emulator.Emulator)
		want  string
		calls int
	}{
		{"denied", func(e *emulator.Emulator) { e.SetAllowedActions([]string{"ecr:*"}) },
			`access denied to access-analyzer:ValidatePolicy. Add access-analyzer:ValidatePolicy (Resource "*")`, 1},
		{"slow", func(e *emulator.Emulator) {
			e.AddFault(emulator.FaultRule{Operation: "ValidatePolicy", Kind: emulator.FaultHang})
		}, "IAM Access Analyzer did not answer within 300ms", 1},
		{"failing", func(e *emulator.Emulator) {
			e.AddFault(emulator.FaultRule{Operation: "ValidatePolicy", Kind: emulator.FaultUnavailable})
		}, "IAM Access Analyzer could not be reached", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			tc.setup(f.emu)
			rec := f.checked(false)
			rec.Options.PolicyCheckWithin = 300 * time.Millisecond
			res, err := rec.Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
			if err != nil {
				t.Fatal(err)
			}
			notices := noteTexts(res, reconcile.NoteNotice)
			if len(notices) != 1 || !strings.Contains(notices[0], "not checked: the declared repository policy with IAM Access Analyzer") || !strings.Contains(notices[0], tc.want) {
				t.Errorf("notices = %q, want one with %q", notices, tc.want)
			}
			if f.repo(t, "app").Policy == "" {
				t.Error("the policy was not written")
			}
			if n := f.emu.Count("ValidatePolicy"); n != tc.calls {
				t.Errorf("%d ValidatePolicy calls, want %d", n, tc.calls)
			}
		})
	}
}

// A run that does not write the policy shows nothing about it, whatever
// the service would say; a run that removes it does not ask.
func TestPolicyCheckOnlyForAWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.run(t, policySpec("app", crossAccountPolicy))
	f.emu.SetPolicyFindings([]emulator.PolicyFinding{{Type: emulator.FindingSecurityWarning, IssueCode: "X", Details: "d", Statement: 0}})
	for _, dryRun := range []bool{false, true} {
		res, err := f.checked(dryRun).Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
		if err != nil || res.Changed() || len(res.Notes) != 0 {
			t.Errorf("dry-run=%v no-op: err=%v changed=%v notes=%v", dryRun, err, res.Changed(), res.Notes)
		}
	}
	// A fresh emulator: a check the no-ops above did not wait for may
	// still reach the one above.
	f = newFixture(t, emulator.Options{})
	f.run(t, policySpec("app", crossAccountPolicy))
	res, err := f.checked(false).Reconcile(context.Background(), reconcile.Spec{Name: "app", RepositoryPolicy: &reconcile.Document{Remove: true}})
	if err != nil || actionOf(res, reconcile.SettingRepositoryPolicy) != reconcile.ActionRemove || f.emu.Count("ValidatePolicy") != 0 {
		t.Errorf("removal: err=%v action=%s, %d ValidatePolicy calls", err, actionOf(res, reconcile.SettingRepositoryPolicy), f.emu.Count("ValidatePolicy"))
	}
}

// A policy update is checked too, and an ERROR leaves the repository's
// policy as it was.
func TestPolicyCheckUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.run(t, policySpec("app", crossAccountPolicy))
	before := f.repo(t, "app").Policy
	f.emu.ResetCalls()
	_, err := f.checked(false).Reconcile(context.Background(), policySpec("app", unknownActionPolicy))
	if err == nil || len(f.emu.Writes()) != 0 || f.repo(t, "app").Policy != before {
		t.Errorf("update with an ERROR: err=%v writes=%v", err, f.emu.Writes())
	}
}

// A batch asks once for all its repositories, which share the policy.
func TestPolicyCheckOncePerBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings([]emulator.PolicyFinding{{Type: emulator.FindingSecurityWarning, IssueCode: "X", Details: "shared", Statement: 0}})
	names := []string{"app-a", "app-b", "app-c", "app-d"}
	f.run(t, policySpec("app-c", crossAccountPolicy)) // one exists already, with the policy
	f.emu.ResetCalls()
	items := f.checked(false).ReconcileBatch(context.Background(), policySpec("", crossAccountPolicy), names, 2)
	if n := f.emu.Count("ValidatePolicy"); n != 1 {
		t.Errorf("%d ValidatePolicy calls for a batch of %d, want 1", n, len(names))
	}
	for _, it := range items {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Name, it.Err)
		}
		warned := len(noteTexts(it.Result, reconcile.NoteWarning)) == 1
		if want := it.Name != "app-c"; warned != want {
			t.Errorf("%s: warned=%v, want %v (the policy is written: %v)", it.Name, warned, want, want)
		}
	}
	f.emu.ResetCalls()
	f.emu.SetPolicyFindings([]emulator.PolicyFinding{{Type: emulator.FindingError, IssueCode: "X", Details: "refused", Statement: 0}})
	items = f.checked(false).ReconcileBatch(context.Background(), policySpec("", unknownActionPolicy), []string{"app-e", "app-f"}, 2)
	for _, it := range items {
		if !errors.As(it.Err, new(*reconcile.PolicyRefusedError)) {
			t.Errorf("%s: err = %v, want the refusal", it.Name, it.Err)
		}
	}
	if w := f.emu.Writes(); len(w) != 0 || f.emu.Count("ValidatePolicy") != 1 {
		t.Errorf("refused batch: writes %v, %d checks", w, f.emu.Count("ValidatePolicy"))
	}
}

// What the service says is shown as data: on one line, bounded, and a
// link only when it is an https URL.
func TestPolicyCheckFindingTextIsData(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings([]emulator.PolicyFinding{{
		Type: emulator.FindingWarning, IssueCode: "BAD\n::error::x", Details: "line one\n::error::injected\r\n" + strings.Repeat("x", 1000),
		LearnMoreLink: "javascript:alert(1)", Statement: 0,
	}})
	res, err := f.checked(false).Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
	if err != nil {
		t.Fatal(err)
	}
	notices := noteTexts(res, reconcile.NoteNotice)
	if len(notices) != 1 {
		t.Fatalf("notices = %q", notices)
	}
	n := notices[0]
	if strings.ContainsAny(n, "\r\n") || !strings.Contains(n, "line one ::error::injected x") || len(n) > 600 ||
		strings.Contains(n, "javascript") || strings.Contains(n, "BAD") {
		t.Errorf("notice not neutralised: %q", n)
	}
}

// The check goes out with the first read round: a creation, a policy
// update and a no-op take as many sequential round trips with it as
// without it.
func TestPolicyCheckRoundTrips(t *testing.T) {
	t.Parallel()
	updated := strings.Replace(crossAccountPolicy, "210987654321", "210987654322", 1)
	for _, check := range []bool{false, true} {
		rr := &rounds{}
		f := newFixtureWrapped(t, emulator.Options{Latency: roundLatency}, rr.wrap)
		rec := f.reconciler(false)
		if check {
			rec = f.checked(false)
		}
		depth := func(spec reconcile.Spec) int {
			rr.reset()
			if _, err := rec.Reconcile(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			return rr.depth()
		}
		// describe + policy read (+ check) / create / set policy
		if got := depth(policySpec("app", crossAccountPolicy)); got != 3 {
			t.Errorf("check=%v: creation took %d round trips, want 3", check, got)
		}
		if got := depth(policySpec("app", updated)); got != 2 {
			t.Errorf("check=%v: update took %d round trips, want 2", check, got)
		}
		if got := depth(policySpec("app", updated)); got != 1 {
			t.Errorf("check=%v: no-op took %d round trips, want 1", check, got)
		}
		// The create and the update wait for the check; the no-op cancels
		// it unanswered, before or after it reached the emulator.
		n := f.emu.Count("ValidatePolicy")
		if (!check && n != 0) || (check && n != 2 && n != 3) {
			t.Errorf("check=%v: %d ValidatePolicy calls, want 0 without the check, 2 or 3 with it", check, n)
		}
	}
}

// Asked to fail on security warnings, a run whose check cannot be made
// refuses the policy before any write, naming the permission or the
// reachability problem; without it, the notice of TestPolicyCheckNotMade.
func TestPolicyCheckNotMadeFailsClosedWhenStrict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(*emulator.Emulator)
		want  string
	}{
		{"denied", func(e *emulator.Emulator) { e.SetAllowedActions([]string{"ecr:*"}) }, "access denied to access-analyzer:ValidatePolicy"},
		{"unreachable", func(e *emulator.Emulator) {
			e.AddFault(emulator.FaultRule{Operation: "ValidatePolicy", Kind: emulator.FaultUnavailable})
		}, "IAM Access Analyzer could not be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, dryRun := range []bool{false, true} {
				f := newFixture(t, emulator.Options{})
				tc.setup(f.emu)
				rec := f.checked(dryRun)
				rec.Options.FailOnPolicySecurityWarning = true
				rec.Options.PolicyCheckWithin = 300 * time.Millisecond
				res, err := rec.Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
				var nc *reconcile.PolicyNotCheckedError
				if !errors.As(err, &nc) || res != nil {
					t.Fatalf("dry-run=%v: err = %v, result %+v; want the policy refused", dryRun, err, res)
				}
				for _, want := range []string{"repository-policy", "access-analyzer:ValidatePolicy", tc.want, "nothing was written", "fail-on-policy-security-warning: false"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("dry-run=%v: error lacks %q: %v", dryRun, want, err)
					}
				}
				if w := f.emu.Writes(); len(w) != 0 {
					t.Errorf("dry-run=%v: writes %v", dryRun, w)
				}
			}
		})
	}
}

// An endpoint that gives back a nextToken it gave before is a check not
// made, said at once, not one paged until the check's time is up.
func TestPolicyCheckRepeatedNextToken(t *testing.T) {
	t.Parallel()
	repeat := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/policy/validation" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"findings":[],"nextToken":"again"}`))
		})
	}
	f := newFixtureWrapped(t, emulator.Options{}, repeat)
	rec := f.checked(false)
	rec.Options.PolicyCheckWithin = 3 * time.Second
	res, err := rec.Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
	if err != nil {
		t.Fatal(err)
	}
	notices := noteTexts(res, reconcile.NoteNotice)
	if len(notices) != 1 || !strings.Contains(notices[0], "access-analyzer:ValidatePolicy returned the nextToken of an earlier page again after 2 page(s)") {
		t.Errorf("notices = %q", notices)
	}
}

// Findings are shown up to a bound, and the rest counted; a refusal too.
func TestPolicyCheckFindingsBounded(t *testing.T) {
	t.Parallel()
	many := func(typ string) []emulator.PolicyFinding {
		out := make([]emulator.PolicyFinding, 30)
		for i := range out {
			out[i] = emulator.PolicyFinding{Type: typ, IssueCode: "X", Details: fmt.Sprint("finding ", i), Statement: 0}
		}
		return out
	}
	f := newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings(many(emulator.FindingSuggestion))
	res, err := f.checked(false).Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
	if err != nil {
		t.Fatal(err)
	}
	notices := noteTexts(res, reconcile.NoteNotice)
	if len(notices) != 21 || !strings.Contains(notices[20], "and 10 more finding(s)") || strings.Contains(strings.Join(notices, "\n"), "finding 20") {
		t.Errorf("%d notices, last %q", len(notices), notices[len(notices)-1])
	}

	f = newFixture(t, emulator.Options{})
	f.emu.SetPolicyFindings(many(emulator.FindingError))
	_, err = f.checked(false).Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
	var refused *reconcile.PolicyRefusedError
	if !errors.As(err, &refused) || len(refused.Findings) != 21 || refused.Findings[20] != "and 10 more finding(s)" {
		t.Errorf("err = %v", err)
	}
}

// A finding's link is shown only when it leads to AWS's documentation: the
// plan would otherwise show any site as AWS's advice.
func TestPolicyCheckLinkOnlyToAWSDocs(t *testing.T) {
	t.Parallel()
	for link, shown := range map[string]bool{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html": true,
		"https://docs.amazonaws.cn/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html":   true,
		"https://attacker.example/fix-your-policy":                                                      false,
		"https://docs.aws.amazon.com.attacker.example/x":                                                false,
		"https://user@docs.aws.amazon.com/x":                                                            false,
	} {
		f := newFixture(t, emulator.Options{})
		f.emu.SetPolicyFindings([]emulator.PolicyFinding{{Type: emulator.FindingWarning, IssueCode: "X", Details: "d", LearnMoreLink: link, Statement: 0}})
		res, err := f.checked(false).Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
		if err != nil {
			t.Fatal(err)
		}
		notices := noteTexts(res, reconcile.NoteNotice)
		if len(notices) != 1 || strings.Contains(notices[0], link) != shown {
			t.Errorf("link %s: notices %q, want it shown=%v", link, notices, shown)
		}
	}
}
