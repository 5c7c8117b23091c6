package reconcile_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
)

// panicky is the real client, except that the calls it names panic for
// one repository, with text from outside in the value.
type panicky struct {
	reconcile.ECR
	name string
	ops  map[string]bool
}

func (p panicky) boom(op, name string) {
	if p.ops[op] && name == p.name {
		panic("answer: ##[error]x\n::stop-commands::y")
	}
}

func (p panicky) CreateRepository(ctx context.Context, req reconcile.CreateRequest) (reconcile.RepositoryInfo, error) {
	p.boom("CreateRepository", req.Ref.Name)
	return p.ECR.CreateRepository(ctx, req)
}

func (p panicky) GetLifecyclePolicy(ctx context.Context, ref reconcile.RepositoryRef) (*string, error) {
	p.boom("GetLifecyclePolicy", ref.Name)
	return p.ECR.GetLifecyclePolicy(ctx, ref)
}

func (p panicky) PutLifecyclePolicy(ctx context.Context, ref reconcile.RepositoryRef, text string) error {
	p.boom("PutLifecyclePolicy", ref.Name)
	return p.ECR.PutLifecyclePolicy(ctx, ref, text)
}

// A panic in any of the engine's goroutines fails the call or the
// repository it happened in, as a *reconcile.PanicError: the runtime does
// not print it raw and end the process, and a batch goes on.
func TestPanicsFailOnlyWhereTheyHappen(t *testing.T) {
	t.Parallel()
	const lifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
	for _, op := range []string{"CreateRepository", "GetLifecyclePolicy", "PutLifecyclePolicy"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.Options{})
			rec := f.reconciler(false)
			rec.ECR = panicky{ECR: rec.ECR, name: "svc/b", ops: map[string]bool{op: true}}
			if op == "GetLifecyclePolicy" {
				f.emu.PutRepository(emulator.Repository{Name: "svc/b"})
			}
			spec := reconcile.Spec{LifecyclePolicy: &reconcile.Document{Text: lifecycle}}
			items := rec.ReconcileBatch(context.Background(), spec, []string{"svc/a", "svc/b"}, 2)
			if items[0].Err != nil || items[0].Result == nil {
				t.Errorf("svc/a: %v", items[0].Err)
			}
			var p *reconcile.PanicError
			b := items[1]
			switch {
			case errors.As(b.Err, &p):
			case b.Result != nil:
				// The panic failed one setting.
				failed := false
				for _, c := range b.Result.Changes {
					failed = failed || (c.Setting == "lifecycle-policy" && c.Action == reconcile.ActionFailed)
				}
				if !failed {
					t.Errorf("svc/b: the panic failed nothing: %+v", b.Result.Changes)
				}
			default:
				t.Errorf("svc/b: %v", b.Err)
			}

			// In single mode, Reconcile returns it.
			spec.Name = "svc/b"
			res, err := rec.Reconcile(context.Background(), spec)
			if op == "CreateRepository" && (!errors.As(err, &p) || res != nil) {
				t.Errorf("Reconcile: %v, %v", res, err)
			}
		})
	}
}

// panickyAnalyzer's ValidatePolicy panics, with text from outside in the
// value.
type panickyAnalyzer struct{}

func (panickyAnalyzer) ValidatePolicy(context.Context, string, string) ([]reconcile.PolicyFinding, string, error) {
	panic("answer: ##[error]x\n::stop-commands::y")
}

// A panic in the policy check's goroutine is a check not made: the run
// goes on with the local checks and says so, or, asked to fail on
// security warnings, refuses the policy; the process does not end.
func TestPanicInThePolicyCheckIsACheckNotMade(t *testing.T) {
	t.Parallel()
	for _, strict := range []bool{false, true} {
		f := newFixture(t, emulator.Options{})
		rec := f.reconciler(false)
		rec.Options.Analyzer = panickyAnalyzer{}
		rec.Options.FailOnPolicySecurityWarning = strict
		res, err := rec.Reconcile(context.Background(), policySpec("app", crossAccountPolicy))
		if strict {
			var nc *reconcile.PolicyNotCheckedError
			if !errors.As(err, &nc) || !strings.Contains(err.Error(), "internal error") || len(f.emu.Writes()) != 0 {
				t.Errorf("strict: err = %v, writes %v; want the policy refused before any write", err, f.emu.Writes())
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		notices := noteTexts(res, reconcile.NoteNotice)
		if len(notices) != 1 || !strings.Contains(notices[0], "not checked") || !strings.Contains(notices[0], "internal error") {
			t.Errorf("notices = %q", notices)
		}
	}
}
