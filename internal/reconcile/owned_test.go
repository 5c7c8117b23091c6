package reconcile_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// lambdaStatement is what AWS Lambda adds to a repository policy when a
// function uses an image from the repository.
const lambdaStatement = `{"Sid": "LambdaECRImageRetrievalPolicy", "Effect": "Allow",
  "Principal": {"Service": "lambda.amazonaws.com"},
  "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}`

// auditStatement has no Sid at all: it is foreign to every prefix.
const auditStatement = `{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "ecr:DescribeImages"}`

func ownedPolicy(stmts ...string) string {
	return `{"Version": "2012-10-17", "Statement": [` + strings.Join(stmts, ",") + `]}`
}

func pullStatement(sid, account string) string {
	return `{"Sid": "` + sid + `", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::` + account + `:root"},
	  "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}`
}

// sids returns the Sids of the policy's statements in document order
// ("-" for a statement without one).
func sids(t *testing.T, text string) []string {
	t.Helper()
	if text == "" {
		return nil
	}
	var doc struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("policy %s: %v", text, err)
	}
	var out []string
	for _, st := range doc.Statement {
		sid, _ := st["Sid"].(string)
		if sid == "" {
			sid = "-"
		}
		out = append(out, sid)
	}
	return out
}

// seedPolicy creates the repository with a policy written by someone else.
func (f *fixture) seedPolicy(t *testing.T, name, text string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ecr.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String(name), PolicyText: aws.String(text)}); err != nil {
		t.Fatal(err)
	}
	f.emu.ResetCalls()
}

// setPolicyText replaces the stored policy as another writer would.
func setPolicyText(t *testing.T, f *fixture, name, text string) {
	t.Helper()
	r := f.repo(t, name)
	r.Policy = text
	f.emu.PutRepository(r)
}

func ownedSpec(name, prefix string, doc *reconcile.Document) reconcile.Spec {
	return reconcile.Spec{Name: name, RepositoryPolicy: doc, RepositoryPolicySidPrefix: prefix}
}

func policyChange(t *testing.T, res *reconcile.Result) reconcile.Change {
	t.Helper()
	for _, c := range res.Changes {
		if c.Setting == reconcile.SettingRepositoryPolicy {
			return c
		}
	}
	t.Fatalf("no repository-policy change in %+v", res.Changes)
	return reconcile.Change{}
}

// TestOwnedPolicyKeepsForeignStatements walks one policy through create,
// update, removal of an owned statement and none, with Lambda's statement
// and a statement without Sid present all along, and a re-run after each
// step that writes nothing.
func TestOwnedPolicyKeepsForeignStatements(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	const name = "team/fn"
	f.seedPolicy(t, name, ownedPolicy(lambdaStatement, auditStatement))

	steps := []struct {
		name     string
		doc      *reconcile.Document
		action   reconcile.Action
		wantSids []string
		writes   []string
	}{
		{"add two owned", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-PullA", "111111111111"), pullStatement("ci-PullB", "222222222222"))},
			reconcile.ActionUpdate, []string{"LambdaECRImageRetrievalPolicy", "-", "ci-PullA", "ci-PullB"}, []string{"SetRepositoryPolicy"}},
		{"replace one", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-PullA", "333333333333"), pullStatement("ci-PullB", "222222222222"))},
			reconcile.ActionUpdate, []string{"LambdaECRImageRetrievalPolicy", "-", "ci-PullA", "ci-PullB"}, []string{"SetRepositoryPolicy"}},
		{"remove one", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-PullB", "222222222222"))},
			reconcile.ActionUpdate, []string{"LambdaECRImageRetrievalPolicy", "-", "ci-PullB"}, []string{"SetRepositoryPolicy"}},
		{"none", &reconcile.Document{Remove: true},
			reconcile.ActionUpdate, []string{"LambdaECRImageRetrievalPolicy", "-"}, []string{"SetRepositoryPolicy"}},
	}
	for _, s := range steps {
		f.emu.ResetCalls()
		res := f.run(t, ownedSpec(name, "ci-", s.doc))
		c := policyChange(t, res)
		if c.Action != s.action || c.Error != "" {
			t.Fatalf("%s: change %+v, want %s", s.name, c, s.action)
		}
		if !strings.Contains(c.To, "2 foreign statement(s) kept") || !strings.Contains(c.To, "after 1 write attempt(s)") {
			t.Errorf("%s: To %q does not report the foreign statements kept and the attempts", s.name, c.To)
		}
		if c.Diff == "" || strings.Contains(c.Diff, "LambdaECRImageRetrievalPolicy") {
			t.Errorf("%s: diff must show the owned statements only:\n%s", s.name, c.Diff)
		}
		if got := f.writeOps(); !equal(got, s.writes) {
			t.Errorf("%s: writes %v, want %v", s.name, got, s.writes)
		}
		got := f.repo(t, name).Policy
		if g := sids(t, got); !equal(g, s.wantSids) {
			t.Fatalf("%s: statements %v, want %v", s.name, g, s.wantSids)
		}
		if !strings.Contains(got, "lambda.amazonaws.com") || !strings.Contains(got, "210987654321") {
			t.Fatalf("%s: a foreign statement changed: %s", s.name, got)
		}

		f.emu.ResetCalls()
		again := f.run(t, ownedSpec(name, "ci-", s.doc))
		if c := policyChange(t, again); c.Action != reconcile.ActionUnchanged {
			t.Errorf("%s: re-run: %+v, want unchanged", s.name, c)
		}
		if w := f.writeOps(); len(w) != 0 {
			t.Errorf("%s: re-run wrote %v", s.name, w)
		}
	}
}

func equal(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// TestOwnedPolicyCreateAndDelete: a new repository gets only the owned
// statements; with none and no foreign statement the policy is deleted.
func TestOwnedPolicyCreateAndDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	const name = "team/new"
	doc := &reconcile.Document{Text: ownedPolicy(pullStatement("ci-Pull", "111111111111"))}
	res := f.run(t, ownedSpec(name, "ci-", doc))
	if c := policyChange(t, res); c.Action != reconcile.ActionCreate {
		t.Fatalf("create: %+v", c)
	}
	if g := sids(t, f.repo(t, name).Policy); !equal(g, []string{"ci-Pull"}) {
		t.Fatalf("statements %v", g)
	}

	f.emu.ResetCalls()
	res = f.run(t, ownedSpec(name, "ci-", &reconcile.Document{Remove: true}))
	if c := policyChange(t, res); c.Action != reconcile.ActionRemove {
		t.Fatalf("none: %+v", c)
	}
	if w := f.writeOps(); !equal(w, []string{"DeleteRepositoryPolicy"}) {
		t.Errorf("writes %v, want DeleteRepositoryPolicy", w)
	}
	if p := f.repo(t, name).Policy; p != "" {
		t.Fatalf("policy still there: %s", p)
	}
	f.emu.ResetCalls()
	res = f.run(t, ownedSpec(name, "ci-", &reconcile.Document{Remove: true}))
	if c := policyChange(t, res); c.Action != reconcile.ActionUnchanged || len(f.writeOps()) != 0 {
		t.Fatalf("re-run of none: %+v, writes %v", c, f.writeOps())
	}
}

// TestOwnedPolicyDryRun plans the merge and writes nothing.
func TestOwnedPolicyDryRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	const name = "team/dry"
	f.seedPolicy(t, name, ownedPolicy(lambdaStatement))
	res, err := f.reconciler(true).Reconcile(context.Background(), ownedSpec(name, "ci-", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-Pull", "111111111111"))}))
	if err != nil {
		t.Fatal(err)
	}
	c := policyChange(t, res)
	if c.Action != reconcile.ActionUpdate || !strings.Contains(c.To, "1 added") || !strings.Contains(c.To, "1 foreign statement(s) kept") || !strings.Contains(c.Diff, "ci-Pull") {
		t.Fatalf("plan %+v", c)
	}
	if w := f.writeOps(); len(w) != 0 {
		t.Fatalf("dry-run wrote %v", w)
	}
}

// TestOwnedPolicyBatch merges into each repository's own policy.
func TestOwnedPolicyBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.Options{})
	f.seedPolicy(t, "b/one", ownedPolicy(lambdaStatement))
	spec := ownedSpec("", "ci-", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-Pull", "111111111111"))})
	items := f.reconciler(false).ReconcileBatch(context.Background(), spec, []string{"b/one", "b/two"}, 2)
	for _, it := range items {
		if it.Err != nil {
			t.Fatalf("%+v", it)
		}
	}
	if g := sids(t, f.repo(t, "b/one").Policy); !equal(g, []string{"LambdaECRImageRetrievalPolicy", "ci-Pull"}) {
		t.Errorf("b/one: %v", g)
	}
	if g := sids(t, f.repo(t, "b/two").Policy); !equal(g, []string{"ci-Pull"}) {
		t.Errorf("b/two: %v", g)
	}
}

// stalePolicyRace makes two jobs write a policy merged from the same old
// read: the first two GetRepositoryPolicy calls are answered only once both
// are served, and likewise the first two SetRepositoryPolicy calls, so one job's write always overwrites the other's
// before either reads back. The overwritten job must merge again.
func stalePolicyRace() func(http.Handler) http.Handler {
	gets, sets := newGate(2), newGate(2)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch target := r.Header.Get("X-Amz-Target"); {
			case strings.HasSuffix(target, ".GetRepositoryPolicy"):
				serveHeld(next, w, r, gets)
			case strings.HasSuffix(target, ".SetRepositoryPolicy"):
				serveHeld(next, w, r, sets)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// serveHeld serves the request at once but holds its response at the gate:
// what the emulator did is fixed, whatever the order the clients resume in.
func serveHeld(next http.Handler, w http.ResponseWriter, r *http.Request, g *gate) {
	rec := &heldResponse{header: http.Header{}}
	next.ServeHTTP(rec, r)
	g.arriveAndWait()
	rec.flush(w)
}

// gate lets the first n arrivals through together; later ones pass.
type gate struct {
	mu      sync.Mutex
	n, seen int
	all     chan struct{}
}

func newGate(n int) *gate { return &gate{n: n, all: make(chan struct{})} }

func (g *gate) arriveAndWait() {
	g.mu.Lock()
	g.seen++
	if g.seen == g.n {
		close(g.all)
	}
	wait := g.seen <= g.n
	g.mu.Unlock()
	if wait {
		select {
		case <-g.all:
		case <-time.After(10 * time.Second):
		}
	}
}

// heldResponse records a response to send it later.
type heldResponse struct {
	header http.Header
	status int
	body   []byte
}

func (h *heldResponse) Header() http.Header { return h.header }
func (h *heldResponse) WriteHeader(s int)   { h.status = s }
func (h *heldResponse) Write(b []byte) (int, error) {
	h.body = append(h.body, b...)
	return len(b), nil
}

func (h *heldResponse) flush(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status != 0 {
		w.WriteHeader(h.status)
	}
	_, _ = w.Write(h.body)
}

// TestOwnedPolicyTwoPrefixesRace: two jobs owning different prefixes of
// one policy, at the same moment, both end with their statements present,
// and Lambda's statement survives both.
func TestOwnedPolicyTwoPrefixesRace(t *testing.T) {
	t.Parallel()
	f := newFixtureWrapped(t, emulator.Options{}, stalePolicyRace())
	const name = "shared/app"
	ctx := context.Background()
	// Stored directly: the gates count the jobs' own calls only.
	f.emu.PutRepository(emulator.Repository{Name: name, Policy: ownedPolicy(lambdaStatement)})

	specs := []reconcile.Spec{
		ownedSpec(name, "team-a-", &reconcile.Document{Text: ownedPolicy(pullStatement("team-a-Pull", "111111111111"))}),
		ownedSpec(name, "team-b-", &reconcile.Document{Text: ownedPolicy(pullStatement("team-b-Pull", "222222222222"))}),
	}
	results := make([]*reconcile.Result, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Go(func() {
			r := f.reconciler(false)
			r.Options.SetOwnedMerge(reconcile.Backoff{Attempts: 5, Base: time.Millisecond, Max: 4 * time.Millisecond})
			res, err := r.Reconcile(ctx, spec)
			if err != nil {
				t.Errorf("job %d: %v", i, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got := sids(t, f.repo(t, name).Policy)
	for _, want := range []string{"LambdaECRImageRetrievalPolicy", "team-a-Pull", "team-b-Pull"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("final policy %v lacks %s", got, want)
		}
	}
	// The read right before each write usually lets the later job merge
	// the earlier one's statements; at most one job was overwritten and
	// merged again.
	var retried int
	for i, res := range results {
		c := policyChange(t, res)
		switch {
		case strings.Contains(c.To, "after 1 write attempt(s)"):
		case strings.Contains(c.To, "after 2 write attempt(s)"):
			retried++
		default:
			t.Errorf("job %d: %q does not report 1 or 2 attempts", i, c.To)
		}
	}
	if retried > 1 {
		t.Errorf("%d jobs merged again, want at most 1 (the one overwritten)", retried)
		for _, c := range f.emu.Calls() {
			t.Logf("%+v", c)
		}
	}
}

// TestOwnedPolicyGivesUp: a writer that drops the owned statements after
// every write ends in a clear error after the bounded attempts.
func TestOwnedPolicyGivesUp(t *testing.T) {
	t.Parallel()
	var f *fixture
	const name = "shared/hostile"
	f = newFixtureWrapped(t, emulator.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".SetRepositoryPolicy") {
				setPolicyText(t, f, name, ownedPolicy(lambdaStatement))
			}
		})
	})
	if _, err := f.ecr.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	r := f.reconciler(false)
	r.Options.SetOwnedMerge(reconcile.Backoff{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond})
	res, err := r.Reconcile(context.Background(), ownedSpec(name, "ci-", &reconcile.Document{Text: ownedPolicy(pullStatement("ci-Pull", "111111111111"))}))
	if err == nil {
		t.Fatal("no error")
	}
	c := policyChange(t, res)
	if c.Action != reconcile.ActionFailed || !strings.Contains(c.Error, "after each of 3 write attempts") {
		t.Fatalf("change %+v", c)
	}
	if n := f.emu.Count("SetRepositoryPolicy"); n != 3 {
		t.Errorf("%d writes, want 3", n)
	}
}
