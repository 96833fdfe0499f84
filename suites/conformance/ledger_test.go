package conformance

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/testsupport"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
)

func TestDifferingTakesNullForAbsentAtEveryDepth(t *testing.T) {
	was := map[string]any{"id": "a", "subject": "s", "source": map[string]any{"identity": map[string]any{"user": map[string]any{"id": "u"}}}, "@odata.etag": "1"}
	now := map[string]any{"id": "a", "subject": "s", "tenantId": nil, "@odata.etag": "2",
		"source": map[string]any{"identity": map[string]any{"user": map[string]any{"id": "u", "displayName": nil}, "application": nil}}}
	if d := differing(was, now); len(d) != 0 {
		t.Errorf("null for absent, or an annotation, taken as a change: %v", d)
	}
	now["subject"], now["callbackUri"] = "t", "https://x"
	now["source"].(map[string]any)["identity"].(map[string]any)["user"].(map[string]any)["id"] = "v"
	if d := differing(was, now); !slices.Equal(d, []string{"callbackUri", "source", "subject"}) {
		t.Errorf("differing: %v, want callbackUri source subject", d)
	}
}

// ledgerTarget serves the reference behind wrap and returns it with a run log on it.
func ledgerTarget(t *testing.T, opts reference.Options, wrap func(http.Handler) http.Handler) (*reference.Server, *runLog, *atomic.Int64) {
	t.Helper()
	srv, err := reference.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var received atomic.Int64
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { received.Add(1); srv.ServeHTTP(w, r) })
	if wrap != nil {
		h = wrap(h)
	}
	base := testsupport.Serve(t, h, listen.Limits{}).URL()
	client, err := target.New(base, config.Default(), token.Static("t", redact.New()))
	if err != nil {
		t.Fatal(err)
	}
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	return srv, newRunLog(client, config.Default(), judge.New(v)), &received
}

// A named call a spec changed, properties it did not have included, is put back as found: the
// members it lacked read as absent or null, nothing else differs, and nothing is warned.
func TestRestorePutsANamedCallBackAsFound(t *testing.T) {
	for _, replace := range []bool{false, true} {
		srv, l, received := ledgerTarget(t, reference.Options{ReplaceNested: replace}, nil)
		id, err := srv.Create([]byte(`{"subject": "named", "callbackUri": "https://bot.example.com/cb", "source": {"identity": {"application": {"id": "app-1", "displayName": "bot"}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		found, _, ok := l.readCall(ctx, report.PhaseReading, id, true)
		if !ok {
			t.Fatal("the call could not be read")
		}
		if _, _, err := l.send(ctx, "test", target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(),
			Body: []byte(baselineCall)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.send(ctx, "test", target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(),
			Body: []byte(`{"source": {"identity": {"user": {"id": "u-1"}}}, "state": "terminated"}`)}); err != nil {
			t.Fatal(err)
		}
		l.restore(ctx, id, found, true, "a spec")
		now, _, _ := l.readCall(ctx, report.PhaseRestore, id, true)
		if d := differing(found, now); len(d) > 0 {
			t.Errorf("replace nested %v: %v still differ: found %v, now %v", replace, d, found, now)
		}
		rec := l.record()
		if len(rec.Warnings)+len(rec.Findings) > 0 {
			t.Errorf("replace nested %v: warnings %v, findings %v", replace, rec.Warnings, rec.Findings)
		}
		if int64(rec.Requests) != received.Load() {
			t.Errorf("the log counts %d requests, the target received %d", rec.Requests, received.Load())
		}
	}
}

// A member a target will not put back is a warning that names the call and the member.
func TestRestoreWarnsOfWhatItCannotPutBack(t *testing.T) {
	var keep atomic.Bool
	srv, l, _ := ledgerTarget(t, reference.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if keep.Load() && r.Method == http.MethodPatch {
				w.Header().Set("request-id", "r")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error": {"code": "frozen", "message": "no more updates"}}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	id, err := srv.Create([]byte(`{"subject": "named"}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, _, _ := l.readCall(ctx, report.PhaseReading, id, true)
	l.send(ctx, "test", target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{"subject": "changed"}`)})
	keep.Store(true)
	l.restore(ctx, id, found, true, "the spec X")
	ws := l.record().Warnings
	if len(ws) != 1 || ws[0].Kind != report.WarnNotRestored || ws[0].CallID != id || !slices.Equal(ws[0].Members, []string{"subject"}) ||
		!strings.Contains(ws[0].Text, "the spec X") {
		t.Errorf("warnings: %+v", ws)
	}
}

// The ledger takes a DELETE answered 200 as a delete, confirms it with a GET, and lists a call
// whose DELETE failed, with its id; the 500 is a PATCH-08 finding of the clean-up.
func TestLedgerDeletesConfirmsAndListsWhatIsLeft(t *testing.T) {
	srv, l, _ := ledgerTarget(t, reference.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/stuck") {
				w.Header().Set("request-id", "r")
				w.Header().Set("client-request-id", r.Header.Get("client-request-id"))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error": {"code": "boom", "message": "no"}}`))
				return
			}
			if r.Method == http.MethodDelete {
				sw := &statusRewriter{ResponseWriter: w}
				next.ServeHTTP(sw, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	id, err := srv.Create([]byte(`{"subject": "made by the run"}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l.created(id)
	l.created("stuck")
	l.deleteCall(ctx, report.PhaseCleanUp, id, true)
	l.deleteCall(ctx, report.PhaseCleanUp, "stuck", true)
	l.settle(ctx, true, true, true)
	if srv.Len() != 0 {
		t.Errorf("%d call(s) left on the target", srv.Len())
	}
	rec := l.record()
	if len(rec.Warnings) != 1 || rec.Warnings[0].CallID != "stuck" || rec.Warnings[0].Kind != report.WarnLeftBehind {
		t.Errorf("warnings: %+v, want the stuck call only", rec.Warnings)
	}
	if len(rec.Findings) != 1 || rec.Findings[0].Finding.Requirement != "PATCH-08" || rec.Findings[0].Phase != report.PhaseCleanUp ||
		rec.Findings[0].Exchange.Method != http.MethodDelete || rec.Findings[0].Exchange.Status != 500 {
		t.Errorf("findings: %+v, want PATCH-08 in the stuck call's clean-up", rec.Findings)
	}
	// DELETE, GET (200 deleted, confirmed), DELETE (500); the refused DELETE is not asked again.
	if rec.Requests != 3 {
		t.Errorf("%d requests, want 3", rec.Requests)
	}
}

// statusRewriter answers 200 where the handler answers 204.
type statusRewriter struct{ http.ResponseWriter }

func (s *statusRewriter) WriteHeader(code int) {
	if code == http.StatusNoContent {
		code = http.StatusOK
	}
	s.ResponseWriter.WriteHeader(code)
}
