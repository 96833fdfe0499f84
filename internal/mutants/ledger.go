package mutants

import (
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/requirements"
)

// The implementations of the edges of a run (issue 17, items 1 to 3): what the harness sends
// outside any spec (clean-up), the ledger of calls it creates, and named calls it must never
// damage.

// ledgerVariants are the allowed variants of the run's edges.
func ledgerVariants() []Impl {
	return []Impl{
		{Name: "delete-200", Kind: KindVariant,
			Description: "DELETE answers 200 OK (empty body) instead of 204: a delete too (the contract); the run leaves no call behind",
			Build: func(tok string) (*Instance, error) {
				srv, err := reference.New(reference.Options{Token: tok})
				if err != nil {
					return nil, err
				}
				h := rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if _, ok := itemID(r); ok && r.Method == http.MethodDelete && a.status == http.StatusNoContent {
						a.status = http.StatusOK
					}
				})
				left := func() error {
					if n := srv.Len(); n > 0 {
						return fmt.Errorf("the run left %d call(s) behind", n)
					}
					return nil
				}
				return &Instance{Handler: h, Token: tok, Check: left}, nil
			}},
	}
}

// ledgerMutants are the mutants only exchanges outside any spec show.
func ledgerMutants() []Impl {
	return []Impl{
		// Only the specs' clean-up DELETEs reach a PATCHed call (STATE-04 deletes a call it never
		// PATCHed, and discovery's call is never PATCHed): the 500s are outside any spec.
		mutant("delete-500-after-patch", "DELETE of a call that was ever PATCHed answers 500 and deletes nothing",
			reqs("PATCH-08"),
			func(srv *reference.Server, tok string) http.Handler {
				var mu sync.Mutex
				patched := map[string]bool{}
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					id, ok := itemID(r)
					if !ok || !authorized(r, tok) {
						return true
					}
					mu.Lock()
					defer mu.Unlock()
					switch r.Method {
					case http.MethodPatch:
						patched[id] = true
					case http.MethodDelete:
						if patched[id] {
							writeGraphError(w, r, http.StatusInternalServerError, "generalException", "the call could not be deleted")
							return false
						}
					}
					return true
				}, nil)
			}),
	}
}

// ledgerHostiles are the targets the run must not damage.
func ledgerHostiles() []Impl {
	// PATCH-01 is not spared: the empty PATCH the harness reads a call with is a valid body,
	// which this target refuses.
	var spare []string
	for _, r := range requirements.All() {
		if r.ID != "PATCH-01" {
			spare = append(spare, r.ID)
		}
	}
	return []Impl{
		spares(Impl{Name: "patch-only-named", Kind: KindHostile,
			Description: "serves PATCH only (POST answers 405, and GET and DELETE of its calls; an empty PATCH {} answers 400), two named calls: no spec can read them, so none may write them (inconclusive: cannot be restored), and both are left as found",
			Build: func(tok string) (*Instance, error) {
				in, err := named(tok, seedCall, http.StatusMethodNotAllowed, nil)
				if err != nil {
					return nil, err
				}
				// A call that does not exist is looked up first (404), as the reference does.
				in.Handler = middleware(in.Handler, func(w http.ResponseWriter, r *http.Request) bool {
					id, item := itemID(r)
					if !item || !authorized(r, tok) || !slices.Contains(in.CallIDs, id) {
						return true
					}
					switch {
					case slices.Contains([]string{http.MethodGet, http.MethodDelete}, r.Method):
						w.Header().Set("Allow", "PATCH")
						writeGraphError(w, r, http.StatusMethodNotAllowed, "methodNotAllowed", "only PATCH is served")
						return false
					case r.Method == http.MethodPatch:
						if b, complete := readBody(r); complete && isEmptyObject(b) {
							writeGraphError(w, r, http.StatusBadRequest, "invalidRequest", "an update must set at least one property")
							return false
						}
					}
					return true
				}, nil)
				in.Expect = `cannot be restored`
				return in, nil
			}}, spare...),
	}
}

// isEmptyObject reports whether b is the JSON object {} (whitespace allowed).
func isEmptyObject(b []byte) bool {
	o, ok := decodeObject(b)
	return ok && len(o) == 0
}
