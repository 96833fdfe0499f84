package mutants

import (
	"encoding/json"
	"html"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/schemas"
)

// mutant is shorthand for a wrapped-reference mutant. wrap runs once per Build, so what it
// declares before returning the handler is the state of one instance.
func mutant(name, desc string, declares []string, wrap func(srv *reference.Server, tok string) http.Handler) Impl {
	return Impl{Name: name, Kind: KindMutant, Description: desc, Declares: declares, Build: wrapping(wrap)}
}

// answers is the wrap of an implementation that only rewrites the reference's answers.
func answers(fn func(r *http.Request, a *answer)) func(*reference.Server, string) http.Handler {
	return func(srv *reference.Server, _ string) http.Handler { return rewriteAnswer(srv, fn) }
}

// patches is the wrap of an implementation that only rewrites the PATCH bodies the reference gets.
func patches(fn func(id string, o map[string]any) map[string]any) func(*reference.Server, string) http.Handler {
	return func(srv *reference.Server, _ string) http.Handler { return rewritePatch(srv, fn) }
}

// reqs is shorthand for a list of requirement IDs.
func reqs(s string) []string { return strings.Fields(s) }

func mutants() []Impl {
	return []Impl{
		// --- PATCH-01 … PATCH-08 -------------------------------------------------------------
		mutant("status-204", "a successful PATCH answers 204 No Content without a body",
			// PATCH-05 ends inconclusive, not failed: its first PATCH (the full update) already
			// answers 204, so the partial update it tests is never reached.
			reqs("PATCH-01 PATCH-02 PATCH-03 PATCH-04 PATCH-06 STATE-01 STATE-02 STATE-03 STATE-05 STATE-06"),
			answers(func(r *http.Request, a *answer) {
				if r.Method == http.MethodPatch && a.status == http.StatusOK {
					a.status, a.body = http.StatusNoContent, nil
					a.header.Del("Content-Type")
				}
			})),
		mutant("pre-update-body", "a PATCH stores the update but answers the call as it was before it",
			reqs("PATCH-04 PATCH-06 STATE-02 STATE-05 STATE-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					id, ok := itemID(r)
					var before []byte
					if ok && r.Method == http.MethodPatch {
						before, _ = srv.Get(id)
					}
					a := capture(srv, r)
					if before != nil && a.status == http.StatusOK {
						a.body = before
					}
					a.send(w)
				})
			}),
		mutant("content-type-text", "a successful PATCH answers JSON labelled Content-Type: text/plain",
			reqs("PATCH-02"),
			answers(func(r *http.Request, a *answer) {
				if r.Method == http.MethodPatch && a.status == http.StatusOK {
					a.header.Set("Content-Type", "text/plain; charset=utf-8")
				}
			})),
		// Every spec that reads a PATCH's answer sees that it is not one JSON object; GETs are
		// untouched (STATE-01), and pretty-json's trailing newline shows whitespace is allowed.
		mutant("data-after-answer", "a successful PATCH answers the call followed by a stray closing brace (a serializer that writes one twice)",
			reqs("PATCH-02 PATCH-03 PATCH-04 PATCH-05 PATCH-06 STATE-02 STATE-05 STATE-06"),
			answers(func(r *http.Request, a *answer) {
				if r.Method == http.MethodPatch && a.status == http.StatusOK && a.isJSON() {
					a.body = append(a.body, '}')
				}
			})),
		mutant("enum-outside-set", `calls in state "establishing" are shown in the undocumented state "preEstablishing"`,
			reqs("PATCH-02 STATE-01"), // STATE-01: every GET of a call is held to the schema too
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok && o["state"] == "establishing" {
					o["state"] = "preEstablishing"
					a.setJSON(o)
				}
			})),
		mutant("wrong-odata-type", `calls are answered with "@odata.type": "#microsoft.graph.callRecord"`,
			reqs("PATCH-02 STATE-01"), // the call's own @odata.type is no updatable property: PATCH-04 does not judge it; every GET of a call is held to the schema (STATE-01)
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok {
					o["@odata.type"] = "#microsoft.graph.callRecord"
					a.setJSON(o)
				}
			})),
		// invitationParticipantInfo is a call's targets' type only: source is a participantInfo,
		// a closed type, so every answered call with a source breaks the response schema
		// (PATCH-02), and every spec that compares a source it sent typed participantInfo with
		// the answer or the stored call finds another type at /source/@odata.type. Not STATE-07:
		// around a rejected PATCH the call reads the same before and after (contract v3
		// compares the two readings, not the harness's model).
		mutant("source-as-invitation", "calls answer their source typed #microsoft.graph.invitationParticipantInfo (Graph v1.0's type for targets only)",
			reqs("PATCH-02 PATCH-04 PATCH-05 STATE-01 STATE-03 STATE-08"),
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok {
					if src, ok := o["source"].(map[string]any); ok {
						src["@odata.type"] = invitationParticipantInfo
						a.setJSON(o)
					}
				}
			})),
		mutant("id-uppercased", "a PATCH answers the call's id in upper case",
			reqs("PATCH-03"),
			answers(func(r *http.Request, a *answer) {
				if o, ok := a.call(); ok && r.Method == http.MethodPatch {
					o["id"] = strings.ToUpper(o["id"].(string))
					a.setJSON(o)
				}
			})),
		mutant("drops-callbackUri", "a PATCH silently ignores callbackUri",
			reqs("PATCH-04 PATCH-05 STATE-01 STATE-03"),
			patches(func(_ string, o map[string]any) map[string]any {
				delete(o, "callbackUri")
				return o
			})),
		mutant("arrays-appended", "a PATCH appends the targets sent to the stored ones instead of replacing them",
			reqs("PATCH-04 PATCH-05 STATE-01 STATE-02 STATE-03"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(id string, o map[string]any) map[string]any {
					sent, ok := o["targets"].([]any)
					if !ok {
						return o
					}
					if doc, err := srv.Get(id); err == nil {
						if cur, ok := decodeObject(doc); ok {
							if stored, ok := cur["targets"].([]any); ok {
								o["targets"] = append(stored, sent...)
							}
						}
					}
					return o
				})
			}),
		// The 200 answer to the toneInfo PATCH breaks the schema's int64 maximum as well (PATCH-02).
		mutant("int64-via-float64", "numbers in calls pass through float64 (9223372036854775807 comes back as 9223372036854775808)",
			reqs("PATCH-02 PATCH-06"),
			answers(func(_ *http.Request, a *answer) {
				if _, ok := a.call(); !ok {
					return
				}
				var v any
				if json.Unmarshal(a.body, &v) == nil {
					a.body, _ = json.Marshal(v)
				}
			})),
		// A string where the schema wants an integer, in a 200 answer to a PATCH, is PATCH-02's too.
		mutant("numbers-as-strings", `numbers in calls are sent as strings ("code": "2147483647")`,
			reqs("PATCH-02 PATCH-06"),
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok {
					a.setJSON(mapNumbers(o, func(n json.Number) any { return n.String() }))
				}
			})),
		mutant("non-ascii-mangled", "strings are stored as Latin-1 gone wrong: every non-ASCII character becomes '?'",
			reqs("PATCH-04 PATCH-05 STATE-01 STATE-03 STATE-05"),
			patches(func(_ string, o map[string]any) map[string]any {
				return mapStrings(o, func(s string) string {
					return strings.Map(func(c rune) rune {
						if c > 0x7f {
							return '?'
						}
						return c
					}, s)
				}).(map[string]any)
			})),
		mutant("escapes-mangled", `JSON escapes are mangled on the way in: \" becomes ', \\ becomes /, \t and \n become spaces`,
			reqs("PATCH-04 STATE-03 STATE-05"),
			func(srv *reference.Server, _ string) http.Handler {
				rep := strings.NewReplacer(`"`, `'`, `\`, `/`, "\t", " ", "\n", " ")
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					return mapStrings(o, rep.Replace).(map[string]any)
				})
			}),
		mutant("long-strings-truncated", "strings longer than 255 characters are truncated to 255",
			reqs("PATCH-04 STATE-03 STATE-05"),
			patches(func(_ string, o map[string]any) map[string]any {
				return mapStrings(o, func(s string) string {
					if r := []rune(s); len(r) > 255 {
						return string(r[:255])
					}
					return s
				}).(map[string]any)
			})),
		mutant("put-semantics", "a PATCH resets every updatable property it does not send (PUT semantics)",
			reqs("PATCH-05 STATE-01 STATE-03"),
			func(srv *reference.Server, _ string) http.Handler { return resetUnsent(srv) }),
		// Only the spec that sends every updatable property at once gets JSON: a harness that
		// checked the media type in that spec alone would pass it.
		mutant("partial-update-text-plain", "a 200 to a PATCH that does not set every updatable property is labelled Content-Type: text/plain",
			reqs("PATCH-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatchAnswer(srv, func(_ *http.Request, sent map[string]any, a *answer) {
					if a.status == http.StatusOK && slices.ContainsFunc(updatable, func(p string) bool { _, ok := sent[p]; return !ok }) {
						a.header.Set("Content-Type", "text/plain; charset=utf-8")
					}
				})
			}),
		// The create answer tells nothing to compare with: only the harness's own record of what
		// it sent shows the properties lost (PATCH-05, and STATE-01 and STATE-03 on the stored call).
		mutant("sparse-create-answer", "create answers only the id and server-generated properties, and a PATCH resets every updatable property it does not send",
			reqs("PATCH-05 STATE-01 STATE-03"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(resetUnsent(srv), func(r *http.Request, a *answer) {
					o, ok := a.call()
					if !ok || r.Method != http.MethodPost || !isCollection(r) {
						return
					}
					sparse := map[string]any{}
					for _, k := range append([]string{"@odata.type", "id"}, serverGenerated...) {
						if v, ok := o[k]; ok {
							sparse[k] = v
						}
					}
					a.setJSON(sparse)
				})
			}),
		// STATE-03 sends a PATCH of source and one of targets at once: the targets are lost
		// whenever the source lands last. The source PATCH is held back a little, so that it
		// does: the row fails STATE-03 every time, not by the order of arrival.
		mutant("source-resets-targets", "a PATCH that sets source and not targets removes the targets (stores []); it is applied 200 ms late",
			reqs("PATCH-05 STATE-01 STATE-03"),
			patches(func(_ string, o map[string]any) map[string]any {
				if _, src := o["source"]; src {
					if _, tgt := o["targets"]; !tgt {
						o["targets"] = []any{}
						time.Sleep(sourceDelay)
					}
				}
				return o
			})),
		mutant("server-generated-ignored", "a PATCH answers 200 but silently drops state, direction, myParticipantId, resultInfo and toneInfo",
			reqs("PATCH-06"),
			patches(func(_ string, o map[string]any) map[string]any {
				for _, p := range serverGenerated {
					delete(o, p)
				}
				return o
			})),
		// A 4xx without the Graph error format is ERR-06's and ERR-07's wherever it happens.
		mutant("server-generated-plain-400", "a PATCH that sets a server-generated property answers 400 with a plain-text body",
			reqs("PATCH-06 ERR-06 ERR-07"),
			func(srv *reference.Server, tok string) http.Handler {
				return rejectServerGenerated(srv, tok, func(w http.ResponseWriter, r *http.Request, prop string) {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					traceHeaders(w.Header(), r)
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte("Bad Request: " + prop + " is read-only\n"))
				})
			}),
		mutant("body-id-taken", "a PATCH whose body names another id renames the call (200, and GET shows the new id)",
			// Every later 200 to a PATCH of the call answers the new id: PATCH-03.
			reqs("PATCH-03 PATCH-07 STATE-01"), // STATE-01: a GET answers the new id
			func(srv *reference.Server, tok string) http.Handler {
				var mu sync.Mutex
				alias := map[string]string{}
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					id, o, ok := validPatch(r)
					if !ok || !authorized(r, tok) {
						return true
					}
					if other, _ := o["id"].(string); other != "" && other != id {
						delete(o, "id")
						setBody(r, encode(o))
						mu.Lock()
						alias[id] = other
						mu.Unlock()
					}
					return true
				}, func(r *http.Request, a *answer) {
					id, _ := itemID(r)
					mu.Lock()
					other, renamed := alias[id]
					mu.Unlock()
					if o, ok := a.call(); ok && renamed {
						o["id"] = other
						a.setJSON(o)
					}
				})
			}),
		mutant("500-on-schema-violation", "a body that violates the request schema answers 500 instead of 400",
			reqs("PATCH-08 ERR-02"),
			answers(func(_ *http.Request, a *answer) {
				if a.schemaRefusal() {
					a.status = http.StatusInternalServerError
				}
			})),
		mutant("500-on-malformed-id", "a malformed call id answers 500 instead of 400",
			reqs("PATCH-08 ERR-09"),
			answers(func(_ *http.Request, a *answer) {
				if a.errorCode() == "invalidCallId" {
					a.status = http.StatusInternalServerError
				}
			})),

		mutant("500-after-delete", "a PATCH of a call that was deleted answers 500 instead of 404",
			reqs("PATCH-08 STATE-04"),
			func(srv *reference.Server, _ string) http.Handler {
				var mu sync.Mutex
				gone := map[string]bool{}
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					id, ok := itemID(r)
					if !ok {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case r.Method == http.MethodDelete && a.status == http.StatusNoContent:
						gone[id] = true
					case r.Method == http.MethodPatch && a.status == http.StatusNotFound && gone[id]:
						a.status = http.StatusInternalServerError
					}
				})
			}),
		mutant("500-on-null", "a valid PATCH that sets a property to null answers 500",
			reqs("PATCH-08 STATE-06"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					_, o, ok := validPatch(r)
					// (== with a nil interface never panics, whatever the other value holds)
					if !ok || !authorized(r, tok) || !slices.Contains(slices.Collect(maps.Values(o)), any(nil)) {
						return true
					}
					writeGraphError(w, r, http.StatusInternalServerError, "generalException", "null reference")
					return false
				}, nil)
			}),
		mutant("500-on-basic-auth", "an Authorization header with the Basic scheme answers 500 instead of 401",
			reqs("PATCH-08 ERR-04"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
					if !strings.EqualFold(scheme, "Basic") {
						return true
					}
					writeGraphError(w, r, http.StatusInternalServerError, "generalException", "unsupported credentials")
					return false
				}, nil)
			}),

		// --- ERR-01 … ERR-10 -----------------------------------------------------------------
		mutant("accepts-malformed-json", "a PATCH body that is not well-formed JSON is taken as {} (200)",
			reqs("ERR-01"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if _, ok := itemID(r); ok && r.Method == http.MethodPatch {
						if b, complete := readBody(r); complete && !json.Valid(b) {
							setBody(r, []byte("{}"))
						}
					}
					return true
				}, nil)
			}),
		mutant("accepts-invalid-enum", "a PATCH whose only schema violations are values outside an enum answers 200 and ignores the body",
			reqs("ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return acceptViolations(srv, func(v schemas.Violation) bool { return v.Keyword == "enum" })
			}),
		mutant("accepts-null-non-nullable", "a PATCH whose only schema violations are nulls where null is not allowed answers 200 and ignores the body",
			reqs("ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return acceptViolations(srv, func(v schemas.Violation) bool { return v.Value == "null" })
			}),
		mutant("missing-call-400", "a PATCH of a call that does not exist answers 400 instead of 404",
			reqs("ERR-03 STATE-04"),
			answers(func(r *http.Request, a *answer) {
				if r.Method == http.MethodPatch && a.status == http.StatusNotFound {
					a.status = http.StatusBadRequest
				}
			})),
		mutant("403-missing-token", "a request without Authorization answers 403 instead of 401",
			reqs("ERR-04"),
			answers(func(r *http.Request, a *answer) {
				if a.status == http.StatusUnauthorized && r.Header.Get("Authorization") == "" {
					a.status = http.StatusForbidden
				}
			})),
		mutant("any-bearer-accepted", "any bearer token is accepted; only a missing or non-Bearer Authorization answers 401",
			reqs("ERR-04"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
					if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(cred) != "" {
						r.Header.Set("Authorization", "Bearer "+tok)
					}
					return true
				}, nil)
			}),
		mutant("prefixed-ids-any-bearer", "ids shaped call_<32 hex>; an id of another shape matches no route and answers 404 before authentication; any bearer token is accepted (issue 17)",
			reqs("ERR-04"), prefixedAnyBearer),
		mutant("auth-per-connection", "credentials are checked once per connection: after an accepted token, requests on the same connection need none",
			reqs("ERR-04"), perConnectionAuth),
		{Name: "auth-off-token-given", Kind: KindMutant, Declares: reqs("ERR-04"),
			Description: "accepts requests without any Authorization (authentication switched off), though the run is given a token",
			Build: func(tok string) (*Instance, error) {
				in, err := plain(reference.Options{}, "")
				if in != nil {
					in.Token = tok
				}
				return in, err
			}},
		mutant("ignores-content-type", "a PATCH body is parsed as JSON whatever its Content-Type",
			reqs("ERR-05"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if r.Method == http.MethodPatch {
						r.Header.Set("Content-Type", "application/json")
					}
					return true
				}, nil)
			}),
		mutant("415-as-400", "an unsupported media type answers 400 instead of 415",
			reqs("ERR-05"),
			answers(func(_ *http.Request, a *answer) {
				if a.status == http.StatusUnsupportedMediaType {
					a.status = http.StatusBadRequest
				}
			})),
		mutant("non-graph-errors", `errors are {"status": 400, "title": …, "detail": …} (RFC 9457 style) instead of Graph errors`,
			reqs("ERR-06 ERR-07"),
			answers(func(_ *http.Request, a *answer) {
				if _, e, ok := a.graphError(); ok {
					a.setJSON(map[string]any{"type": "about:blank", "status": json.Number(strconv.Itoa(a.status)),
						"title": http.StatusText(a.status), "detail": e["message"]})
					a.header.Set("Content-Type", "application/problem+json")
				}
			})),
		mutant("error-code-empty", `errors carry an empty code ("code": "")`,
			reqs("ERR-06"),
			answers(func(_ *http.Request, a *answer) {
				if o, e, ok := a.graphError(); ok {
					e["code"] = ""
					a.setJSON(o)
				}
			})),
		mutant("no-innererror", "errors carry no innerError",
			reqs("ERR-07"),
			answers(func(_ *http.Request, a *answer) {
				if o, e, ok := a.graphError(); ok {
					delete(e, "innerError")
					a.setJSON(o)
				}
			})),
		mutant("html-errors", "errors are an HTML page (Content-Type: text/html) instead of a Graph error",
			reqs("ERR-06 ERR-07"),
			answers(func(_ *http.Request, a *answer) {
				if _, e, ok := a.graphError(); ok {
					msg, _ := e["message"].(string)
					a.body = []byte("<!DOCTYPE html><html><head><title>" + http.StatusText(a.status) + "</title></head><body><h1>" +
						strconv.Itoa(a.status) + " " + http.StatusText(a.status) + "</h1><p>" + html.EscapeString(msg) + "</p></body></html>\n")
					a.header.Set("Content-Type", "text/html; charset=utf-8")
				}
			})),
		mutant("error-media-type-text", "Graph error bodies are labelled Content-Type: text/plain (the body unchanged)",
			reqs("ERR-06"),
			answers(func(_ *http.Request, a *answer) {
				if _, _, ok := a.graphError(); ok {
					a.header.Set("Content-Type", "text/plain; charset=utf-8")
				}
			})),
		mutant("401-bare", "a 401 has an empty body and no request-id (WWW-Authenticate kept)",
			reqs("ERR-06 ERR-07 HTTP-01"),
			answers(func(_ *http.Request, a *answer) {
				if a.status == http.StatusUnauthorized {
					a.body = nil
					a.header.Del("Content-Type")
					a.header.Del("request-id")
				}
			})),
		mutant("put-accepted", "PUT on a call is handled as a PATCH (200)",
			reqs("ERR-08"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if _, ok := itemID(r); ok && r.Method == http.MethodPut {
						r.Method = http.MethodPatch
					}
					return true
				}, nil)
			}),
		mutant("405-without-allow", "a wrong method answers 405 without an Allow header",
			reqs("ERR-08"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("Allow") })
			}),
		mutant("allow-lowercase", "a wrong method answers 405 with the methods in lower case (Allow: get, patch, delete)",
			reqs("ERR-08"),
			answers(func(_ *http.Request, a *answer) {
				if vs := a.header.Values("Allow"); a.status == http.StatusMethodNotAllowed && len(vs) > 0 {
					a.header.Set("Allow", strings.ToLower(strings.Join(vs, ", ")))
				}
			})),
		mutant("redirects-malformed-ids", "a malformed call id answers 301 to the collection instead of 400",
			reqs("ERR-09"),
			answers(func(_ *http.Request, a *answer) {
				if a.errorCode() == "invalidCallId" {
					a.status = http.StatusMovedPermanently
					a.header.Set("Location", collection)
				}
			})),

		mutant("401-without-challenge", "a 401 carries no WWW-Authenticate header",
			reqs("ERR-10"),
			func(srv *reference.Server, _ string) http.Handler { return challenge(srv, "") }),
		mutant("401-basic-challenge", `a 401 challenges with the Basic scheme (WWW-Authenticate: Basic realm="callconf")`,
			reqs("ERR-10"),
			func(srv *reference.Server, _ string) http.Handler {
				return challenge(srv, `Basic realm="callconf", charset="UTF-8"`)
			}),

		// --- HTTP-01 … HTTP-03 ---------------------------------------------------------------
		mutant("no-request-id", "no response carries a request-id header",
			reqs("HTTP-01"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("request-id") })
			}),
		mutant("client-request-id-not-echoed", "client-request-id is not echoed as a header",
			reqs("HTTP-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("client-request-id") })
			}),

		mutant("client-request-id-on-2xx-only", "client-request-id is echoed on successful answers only, not on errors",
			reqs("HTTP-02"),
			answers(func(_ *http.Request, a *answer) {
				if a.status >= 300 {
					a.header.Del("client-request-id")
				}
			})),
		mutant("throttles-without-retry-after", "the first attempt of every 25th PATCH answers 429 without Retry-After (the retry goes through)",
			reqs("HTTP-03"),
			func(srv *reference.Server, tok string) http.Handler {
				return throttle(srv, tok, 25, isItemPatch, func(w http.ResponseWriter, r *http.Request, _ int) {
					writeGraphError(w, r, http.StatusTooManyRequests, "tooManyRequests", "too many requests")
				})
			}),

		// --- STATE-01 … STATE-08 ------------------------------------------------------------
		mutant("stale-get", "GET serves the call as it was created (a cache never invalidated by PATCH)",
			// STATE-03, STATE-05 and STATE-06 verify the stored call with a GET too.
			reqs("STATE-01 STATE-03 STATE-05 STATE-06"),
			func(srv *reference.Server, _ string) http.Handler {
				var mu sync.Mutex
				cache := map[string][]byte{}
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					mu.Lock()
					defer mu.Unlock()
					if o, ok := a.call(); ok && r.Method == http.MethodPost {
						cache[o["id"].(string)] = a.body
					}
					id, _ := itemID(r)
					switch {
					case r.Method == http.MethodGet && a.status == http.StatusOK && cache[id] != nil:
						a.body = cache[id]
					case r.Method == http.MethodDelete:
						delete(cache, id)
					}
				})
			}),
		mutant("non-idempotent", `a PATCH identical to the previous one of the same call stores its strings with " (again)" appended`,
			reqs("PATCH-04 STATE-01 STATE-02"), // PATCH-04: the second answer shows the subject altered
			func(srv *reference.Server, _ string) http.Handler {
				var mu sync.Mutex
				last := map[string]string{}
				return rewritePatch(srv, func(id string, o map[string]any) map[string]any {
					body := string(encode(o))
					mu.Lock()
					again := last[id] == body
					last[id] = body
					mu.Unlock()
					for k, v := range o {
						if s, ok := v.(string); ok && again && k != "id" {
							o[k] = s + " (again)"
						}
					}
					return o
				})
			}),
		// A 503 is a 5xx (PATCH-08), and this one names no Retry-After (HTTP-03).
		mutant("5xx-under-concurrency", "a PATCH that overlaps another PATCH of the same call answers 503 without Retry-After",
			// STATE-03 holds: the harness retries a 503 (with back-off, as it names no Retry-After).
			reqs("PATCH-08 HTTP-03"),
			func(srv *reference.Server, _ string) http.Handler {
				return onOverlap(srv, func(w http.ResponseWriter, r *http.Request) {
					writeGraphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "the call is locked by another update")
				})
			}),
		mutant("resurrected-after-delete", "a PATCH after DELETE brings the call back (200) instead of answering 404",
			reqs("STATE-04"),
			func(srv *reference.Server, tok string) http.Handler {
				var mu sync.Mutex
				graveyard := map[string]map[string]any{}
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					id, item := itemID(r)
					if item && r.Method == http.MethodDelete && authorized(r, tok) {
						if doc, err := srv.Get(id); err == nil {
							if o, ok := decodeObject(doc); ok {
								mu.Lock()
								graveyard[id] = o
								mu.Unlock()
							}
						}
					}
					if item && r.Method == http.MethodPatch && authorized(r, tok) {
						mu.Lock()
						dead, ok := graveyard[id]
						mu.Unlock()
						if ok {
							if b, complete := readBody(r); complete {
								if patch, ok := decodeObject(b); ok {
									for k, v := range patch {
										dead[k] = v
									}
									traceHeaders(w.Header(), r)
									a := &answer{status: http.StatusOK, header: w.Header(), body: encode(dead)}
									a.header.Set("Content-Type", "application/json")
									a.send(w)
									return
								}
							}
						}
					}
					srv.ServeHTTP(w, r)
				})
			}),
		mutant("delete-is-noop", "DELETE answers 204 but keeps the call",
			reqs("STATE-04"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					if _, ok := itemID(r); ok && r.Method == http.MethodDelete && authorized(r, tok) {
						traceHeaders(w.Header(), r)
						w.WriteHeader(http.StatusNoContent)
						return false
					}
					return true
				}, nil)
			}),
		mutant("null-ignored", "a PATCH ignores top-level properties set to null",
			reqs("PATCH-04 STATE-01 STATE-03 STATE-06"), // PATCH-04: the answer to a null shows the value still
			patches(func(_ string, o map[string]any) map[string]any {
				for k, v := range o {
					if v == nil {
						delete(o, k)
					}
				}
				return o
			})),
		mutant("read-only-stored-then-400", "a PATCH that sets a server-generated property is applied, then answered 400 with a Graph error",
			reqs("STATE-07"),
			func(srv *reference.Server, tok string) http.Handler {
				return rejectServerGenerated(srv, tok, func(w http.ResponseWriter, r *http.Request, prop string) {
					if a := capture(srv, r); a.status != http.StatusOK {
						a.send(w)
						return
					}
					writeGraphError(w, r, http.StatusBadRequest, "readOnlyProperty", "the property "+prop+" is set by the server and cannot be updated")
				})
			}),
		mutant("invalid-patch-partly-stored", "a PATCH that violates the request schema stores the members that are valid on their own, then answers 400",
			reqs("STATE-07"),
			func(srv *reference.Server, _ string) http.Handler {
				v, verr := schemas.Default()
				valid := func(doc []byte) bool {
					res, err := v.Validate(schemas.KindRequest, doc)
					return err == nil && res.Valid()
				}
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					id, o, ok := patchObject(r)
					if !ok || verr != nil {
						return true
					}
					if b, _ := readBody(r); valid(b) {
						return true
					}
					good := map[string]any{}
					for k, x := range o {
						if k != "id" && valid(encode(map[string]any{k: x})) {
							good[k] = x
						}
					}
					if len(good) > 0 {
						internalPatch(srv, r, id, good) // with r's credentials: unauthorized, it stores nothing
					}
					return true
				}, nil)
			}),
		// Specs run one after another and delete their calls, so the other call is the one a
		// spec that holds two created itself.
		// Serial: in a parallel run the most recently created other call belongs to a spec
		// running at the same time, whose own requirement would then fail too.
		serial(mutant("writes-other-call", "a PATCH answered 200 also copies the call's subject into the most recently created other call",
			reqs("PATCH-05 STATE-08"),
			func(srv *reference.Server, _ string) http.Handler {
				var mu sync.Mutex
				var live []string // created calls not deleted, oldest first
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					id, item := itemID(r)
					o, isCall := a.call()
					other := ""
					mu.Lock()
					switch {
					case isCall && r.Method == http.MethodPost && isCollection(r):
						live = append(live, o["id"].(string))
					case item && r.Method == http.MethodDelete && a.status == http.StatusNoContent:
						live = slices.DeleteFunc(live, func(x string) bool { return x == id })
					case isCall && item && r.Method == http.MethodPatch && a.status == http.StatusOK:
						if others := slices.DeleteFunc(slices.Clone(live), func(x string) bool { return x == id }); len(others) > 0 {
							other = others[len(others)-1]
						}
					}
					mu.Unlock()
					if other != "" {
						internalPatch(srv, r, other, map[string]any{"subject": o["subject"]})
					}
				})
			})),
	}
}

// sourceDelay holds back source-resets-targets' PATCHes of source, so that a concurrent PATCH
// of targets lands first.
const sourceDelay = 200 * time.Millisecond

// serial marks im's instances Serial: the child runs its suite in one process, for a mutant
// whose bug reaches across calls in a way only a serial run makes deterministic.
func serial(im Impl) Impl {
	build := im.Build
	im.Build = func(tok string) (*Instance, error) {
		in, err := build(tok)
		if err == nil {
			in.Serial = true
		}
		return in, err
	}
	return im
}

// challenge rewrites the WWW-Authenticate header of every 401 to value ("" removes it).
func challenge(next http.Handler, value string) http.Handler {
	return rewriteAnswer(next, func(_ *http.Request, a *answer) {
		if a.status != http.StatusUnauthorized {
			return
		}
		a.header.Del("WWW-Authenticate")
		if value != "" {
			a.header.Set("WWW-Authenticate", value)
		}
	})
}

// acceptViolations answers a PATCH whose every schema violation satisfies accept as if the body
// were {} (200 with the stored call): the server ignores what it does not understand.
func acceptViolations(next http.Handler, accept func(schemas.Violation) bool) http.Handler {
	v, verr := schemas.Default()
	return middleware(next, func(_ http.ResponseWriter, r *http.Request) bool {
		if verr != nil || r.Method != http.MethodPatch {
			return true
		}
		if _, ok := itemID(r); !ok {
			return true
		}
		b, complete := readBody(r)
		if !complete || !json.Valid(b) {
			return true
		}
		res, err := v.Validate(schemas.KindRequest, b)
		if err != nil || res.Valid() {
			return true
		}
		for _, x := range res.Violations {
			if !accept(x) {
				return true
			}
		}
		setBody(r, []byte("{}"))
		return true
	}, nil)
}

// resetUnsent is put-semantics: a valid PATCH sets every nullable updatable property it does not
// send to null (callbackUri, not nullable, keeps its value).
func resetUnsent(next http.Handler) http.Handler {
	reset := resetValues()
	return rewritePatch(next, func(_ string, o map[string]any) map[string]any {
		for k, v := range reset {
			if _, sent := o[k]; !sent {
				o[k] = v
			}
		}
		return o
	})
}

// resetValues are what put-semantics sets the updatable properties a PATCH leaves out to: null
// where the call allows it, else nothing (callbackUri keeps its value).
func resetValues() map[string]any {
	out := map[string]any{}
	v, err := schemas.Default()
	if err != nil {
		return out
	}
	for _, f := range v.RequestFields() {
		name := strings.TrimPrefix(f.Pointer, "/")
		if strings.Contains(name, "/") || !f.Nullable {
			continue
		}
		if slices.Contains(updatable, name) {
			out[name] = nil
		}
	}
	return out
}
