package mutants

import (
	"encoding/json"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/schemas"
)

// The implementations of issue 17's remaining edges: throttling that never stops (a retry
// storm the harness must not start), throttling it must wait out, the harness's own clock, and
// targets that store nothing or take a probe's number for the call's id.

// allIDs lists every requirement ID: a hostile target that spares them all must fail nothing.
func allIDs() []string {
	var out []string
	for _, r := range requirements.All() {
		out = append(out, r.ID)
	}
	return out
}

// edgeVariants are allowed variants: a target may throttle any request, any method, as long as
// its 429 or 503 carries Retry-After and a retry goes through.
func edgeVariants() []Impl {
	return []Impl{
		variant("throttled-503-zero", "the first attempt of every 20th create or PATCH answers 503 with Retry-After: 0; the retry goes through (the harness waits its 1 s floor)",
			func(srv *reference.Server, tok string) http.Handler {
				return throttle(srv, tok, throttleEvery, isCreateOrPatch, func(w http.ResponseWriter, r *http.Request, _ int) {
					w.Header().Set("Retry-After", "0")
					writeGraphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "the service is busy; retry later")
				})
			}),
		variant("throttled-every-method", "the first attempt of every 50th GET, POST, DELETE and PATCH (each method counted on its own) and of every request of any other method answers 429 with Retry-After: 1; the retry goes through",
			func(srv *reference.Server, tok string) http.Handler {
				refuse := func(w http.ResponseWriter, r *http.Request, _ int) {
					w.Header().Set("Retry-After", "1")
					writeGraphError(w, r, http.StatusTooManyRequests, "tooManyRequests", "too many requests; retry after 1 s")
				}
				method := func(ms ...string) func(*http.Request) bool {
					return func(r *http.Request) bool {
						for _, m := range ms {
							if r.Method == m {
								return true
							}
						}
						return false
					}
				}
				other := func(r *http.Request) bool {
					return !method(http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch)(r)
				}
				var h http.Handler = srv
				// Each method counts its own requests: a target throttles GETs as well as PATCHes.
				// Every 50th: each refusal costs a spec the 1 s floor, and the selftest stays short.
				for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPatch} {
					h = throttle(h, tok, 50, method(m), refuse)
				}
				return throttle(h, tok, 1, other, refuse) // PUT is rare: every first attempt
			}),
	}
}

// edgeMutants are mutants of what a target stores.
func edgeMutants() []Impl {
	return []Impl{
		// A mock that stores nothing: STATE-07 holds (a rejected PATCH changes nothing, as
		// every PATCH changes nothing), so it must not fail there; what it breaks is every
		// check that the values sent are echoed and kept.
		mutant("stores-nothing", "a valid PATCH is answered 200 with the call as it was created and stores nothing (a mock)",
			// PATCH-06: a server-generated property sent is neither reflected nor rejected.
			reqs("PATCH-04 PATCH-05 PATCH-06 STATE-01 STATE-03 STATE-05 STATE-06"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					id, _, ok := validPatch(r)
					if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); !ok || mt != "application/json" || !authorized(r, tok) {
						return true
					}
					doc, err := srv.Get(id)
					if err != nil {
						return true // no such call: the reference's 404
					}
					traceHeaders(w.Header(), r)
					a := &answer{status: http.StatusOK, header: w.Header(), body: doc}
					a.header.Set("Content-Type", "application/json")
					a.send(w)
					return false
				}, nil)
			}),
		// json-server: with named calls only, every probe lands in a call the user owns. The
		// harness must undo each at once (Check: the named calls are left as found).
		{Name: "named-stores-invalid", Kind: KindMutant,
			Description: "no create route, two named calls: a JSON PATCH that violates the request schema is answered 200 and stores the members that are valid on their own (json-server); the named calls must still be left as found",
			// ERR-02 only: every probe is answered 200 and undone at once; nothing else breaks.
			Declares: reqs("ERR-02"),
			Build: func(tok string) (*Instance, error) {
				in, err := named(tok, seedCall, http.StatusMethodNotAllowed, nil)
				if err != nil {
					return nil, err
				}
				v, verr := schemas.Default()
				if verr != nil {
					return nil, verr
				}
				inner := in.Handler
				in.Handler = middleware(inner, func(w http.ResponseWriter, r *http.Request) bool {
					id, o, ok := patchObject(r)
					mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
					if !ok || mt != "application/json" || !authorized(r, tok) {
						return true
					}
					b, _ := readBody(r)
					if res, err := v.Validate(schemas.KindRequest, b); err != nil || res.Valid() {
						return true
					}
					good := map[string]any{}
					for k, x := range o {
						if res, err := v.Validate(schemas.KindRequest, encode(map[string]any{k: x})); k != "id" && err == nil && res.Valid() {
							good[k] = x
						}
					}
					a := internalPatch(inner, r, id, good)
					if a.status != http.StatusOK {
						return true
					}
					traceHeaders(a.header, r)
					a.send(w)
					return false
				}, nil)
				return in, nil
			}},
		// Mockoon stored a probe's "id": 42 and answered the call with a numeric id from then on.
		mutant("numeric-id-stored", `a PATCH whose body sets "id" to a number is accepted (200) and the call answers that number as its id from then on`,
			// ERR-02: the probe is invalid (id is a string); PATCH-02 and PATCH-03: the answers'
			// id is a number, not the URL's.
			reqs("PATCH-02 PATCH-03 ERR-02"),
			func(srv *reference.Server, tok string) http.Handler {
				var mu sync.Mutex
				alias := map[string]any{}
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					id, o, ok := patchObject(r)
					if !ok || !authorized(r, tok) {
						return true
					}
					if n, isNumber := o["id"].(json.Number); isNumber {
						delete(o, "id")
						setBody(r, encode(o))
						mu.Lock()
						alias[id] = n
						mu.Unlock()
					}
					return true
				}, func(r *http.Request, a *answer) {
					id, _ := itemID(r)
					mu.Lock()
					n, renamed := alias[id]
					mu.Unlock()
					if o, ok := a.call(); ok && renamed {
						o["id"] = n
						a.setJSON(o)
					}
				})
			}),
	}
}

// edgeHostiles are targets past the harness's limits, or cut by its clock: the run ends 2
// (INCOMPLETE or inconclusive) in bounded time, and fails nothing.
func edgeHostiles() []Impl {
	all := allIDs()
	return []Impl{
		spares(stormTarget("retry-storm-zero", "answers every PATCH with 503 and Retry-After: 0, forever (the issue's retry storm): each request is sent at most 5 times, a second apart at least",
			func() string { return "0" }, everyCall), all...),
		spares(stormTarget("retry-storm-past-date", "answers every PATCH of the first call a spec PATCHes with 503 and Retry-After an HTTP-date an hour in the past (a server whose clock is behind), forever",
			func() string { return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) }, firstCallOnly), all...),
		spares(Impl{Name: "deadline-cut", Kind: KindHostile,
			Description: "the reference answering after 100 ms, run with --deadline 8s: the harness's clock cuts the run (INCOMPLETE, exit 2), and nothing it cut is failed",
			Build: func(tok string) (*Instance, error) {
				in, err := plain(reference.Options{Token: tok, Latency: 100 * time.Millisecond}, tok)
				if err != nil {
					return nil, err
				}
				in.Args = []string{"--timeout", "2s", "--deadline", "8s"}
				in.Limit = hostileLimit
				in.Expect = `cut by the deadline`
				return in, nil
			}}, all...),
	}
}

// stormTarget serves the reference but answers the authorized PATCHes of the calls pick
// selects (picker makes one per instance) with 503 and the Retry-After retryAfter gives,
// forever. --strict makes any inconclusive requirement end the run 2.
func stormTarget(name, desc string, retryAfter func() string, picker func() func(id string) bool) Impl {
	return Impl{Name: name, Kind: KindHostile, Description: desc,
		Build: func(tok string) (*Instance, error) {
			pick := picker()
			in, err := wrapped(tok, func(srv *reference.Server) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					id, item := itemID(r)
					if !item || r.Method != http.MethodPatch || !authorized(r, tok) || !pick(id) {
						return true
					}
					w.Header().Set("Retry-After", retryAfter())
					writeGraphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "the service is busy; retry later")
					return false
				}, nil)
			})
			if err != nil {
				return nil, err
			}
			in.Args = []string{"--strict", "--deadline", "40s"}
			in.Limit = hostileLimit
			in.Expect = `--retry-max-attempts 5`
			return in, nil
		}}
}

// everyCall picks every call.
func everyCall() func(string) bool { return func(string) bool { return true } }

// firstCallOnly picks the first call id it is asked about, and only that one, from then on.
func firstCallOnly() func(id string) bool {
	var mu sync.Mutex
	first := ""
	return func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		if first == "" {
			first = id
		}
		return id == first
	}
}
