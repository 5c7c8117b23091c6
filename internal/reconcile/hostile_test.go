package reconcile_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/reconcile"
)

// hostile answers the operation op itself with answer (a JSON body, status
// 200) and lets the emulator answer every other call: an endpoint that
// behaves like ECR except where it does not.
func hostile(op string, answer func(n int) string) func(http.Handler) http.Handler {
	var calls atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+op) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(answer(int(calls.Add(1)))))
		})
	}
}

// An endpoint that pages DescribeRepositoryCreationTemplates forever,
// repeating its token or inventing a new one each page, does not keep the
// repository from being reconciled: the check is a note, the writes happen.
func TestEndlessTemplatePagesDoNotStarveTheWrites(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		token func(n int) string
		note  string
	}{
		{"repeated token", func(int) string { return "same" }, "nextToken of an earlier page again"},
		{"alternating tokens", func(n int) string { return fmt.Sprint(n % 2) }, "nextToken of an earlier page again"},
		{"new token each page", func(n int) string { time.Sleep(5 * time.Millisecond); return fmt.Sprint(n) }, "within its share of the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWrapped(t, emulator.Options{}, hostile("DescribeRepositoryCreationTemplates", func(n int) string {
				return fmt.Sprintf(`{"registryId":%q,"repositoryCreationTemplates":[],"nextToken":%q}`, account, tc.token(n))
			}))
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			defer cancel()
			spec := fullSpec("team/app")
			res, err := f.reconciler(false).Reconcile(ctx, spec)
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			if !res.Created {
				t.Errorf("the repository was not created: %+v", res)
			}
			if got := f.repo(t, "team/app"); got.Lifecycle == "" || got.Policy == "" {
				t.Errorf("the repository's writes did not all happen: %+v", got)
			}
			var note string
			for _, n := range res.Notes {
				if n.Setting == reconcile.SettingRepository && strings.Contains(n.Text, "not checked") {
					note = n.Text
				}
			}
			if !strings.Contains(note, tc.note) {
				t.Errorf("no note says the template check was not completed (%q); notes: %+v", tc.note, res.Notes)
			}
		})
	}
}
