package mutants

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/schemas"
)

// mutant is shorthand for a wrapped-reference mutant.
func mutant(name, desc string, declares []string, wrap func(srv *reference.Server, tok string) http.Handler) Impl {
	return Impl{Name: name, Kind: KindMutant, Description: desc, Declares: declares,
		Build: func(tok string) (*Instance, error) {
			return wrapped(tok, func(srv *reference.Server) http.Handler { return wrap(srv, tok) })
		}}
}

// ids is shorthand for a list of requirement IDs.
func ids(s string) []string { return strings.Fields(s) }

func mutants() []Impl {
	return []Impl{
		// --- PATCH-01 … PATCH-08 -------------------------------------------------------------
		mutant("status-204", "a successful PATCH answers 204 No Content without a body",
			ids("PATCH-01 PATCH-02 PATCH-03 PATCH-04 PATCH-05 PATCH-06 STATE-01 STATE-02 STATE-03 STATE-05 STATE-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if r.Method == http.MethodPatch && a.status == http.StatusOK {
						a.status, a.body = http.StatusNoContent, nil
						a.header.Del("Content-Type")
					}
				})
			}),
		{Name: "pre-update-body", Kind: KindMutant,
			Description: "a PATCH stores the update but answers the call as it was before it",
			Declares:    ids("PATCH-04 PATCH-06 STATE-02 STATE-05 STATE-06"),
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
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
				})
			}},
		mutant("content-type-text", "a successful PATCH answers JSON labelled Content-Type: text/plain",
			ids("PATCH-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if r.Method == http.MethodPatch && a.status == http.StatusOK {
						a.header.Set("Content-Type", "text/plain; charset=utf-8")
					}
				})
			}),
		mutant("enum-outside-set", `calls in state "establishing" are shown in the undocumented state "preEstablishing"`,
			ids("PATCH-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if o, ok := a.call(); ok && o["state"] == "establishing" {
						o["state"] = "preEstablishing"
						a.setJSON(o)
					}
				})
			}),
		mutant("wrong-odata-type", `calls are answered with "@odata.type": "#microsoft.graph.callRecord"`,
			ids("PATCH-02 PATCH-04"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if o, ok := a.call(); ok {
						o["@odata.type"] = "#microsoft.graph.callRecord"
						a.setJSON(o)
					}
				})
			}),
		mutant("id-uppercased", "a PATCH answers the call's id in upper case",
			ids("PATCH-03"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if o, ok := a.call(); ok && r.Method == http.MethodPatch {
						o["id"] = strings.ToUpper(o["id"].(string))
						a.setJSON(o)
					}
				})
			}),
		mutant("drops-callbackUri", "a PATCH silently ignores callbackUri",
			ids("PATCH-04 STATE-01"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					delete(o, "callbackUri")
					return o
				})
			}),
		mutant("arrays-appended", "a PATCH appends the targets sent to the stored ones instead of replacing them",
			ids("PATCH-04 STATE-01 STATE-02"),
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
		mutant("int64-via-float64", "numbers in calls pass through float64 (9223372036854775807 comes back as 9223372036854775808)",
			ids("PATCH-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if _, ok := a.call(); !ok {
						return
					}
					var v any
					if json.Unmarshal(a.body, &v) == nil {
						a.body, _ = json.Marshal(v)
					}
				})
			}),
		mutant("numbers-as-strings", `numbers in calls are sent as strings ("code": "2147483647")`,
			ids("PATCH-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if o, ok := a.call(); ok {
						a.setJSON(mapNumbers(o, func(n json.Number) any { return n.String() }))
					}
				})
			}),
		mutant("non-ascii-mangled", "strings are stored as Latin-1 gone wrong: every non-ASCII character becomes '?'",
			ids("PATCH-04 STATE-01 STATE-05"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					return mapStrings(o, func(s string) string {
						return strings.Map(func(c rune) rune {
							if c > 0x7f {
								return '?'
							}
							return c
						}, s)
					}).(map[string]any)
				})
			}),
		mutant("escapes-mangled", `JSON escapes are mangled on the way in: \" becomes ', \\ becomes /, \t and \n become spaces`,
			ids("PATCH-04 STATE-05"),
			func(srv *reference.Server, _ string) http.Handler {
				rep := strings.NewReplacer(`"`, `'`, `\`, `/`, "\t", " ", "\n", " ")
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					return mapStrings(o, rep.Replace).(map[string]any)
				})
			}),
		mutant("long-strings-truncated", "strings longer than 255 characters are truncated to 255",
			ids("PATCH-04 STATE-05"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					return mapStrings(o, func(s string) string {
						if r := []rune(s); len(r) > 255 {
							return string(r[:255])
						}
						return s
					}).(map[string]any)
				})
			}),
		mutant("put-semantics", "a PATCH resets every updatable property it does not send (PUT semantics)",
			ids("PATCH-05 STATE-01 STATE-03"),
			func(srv *reference.Server, _ string) http.Handler {
				reset := resetValues()
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					for k, v := range reset {
						if _, sent := o[k]; !sent {
							o[k] = v
						}
					}
					return o
				})
			}),
		mutant("server-generated-ignored", "a PATCH answers 200 but silently drops state, direction, myParticipantId, resultInfo and toneInfo",
			ids("PATCH-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					for _, p := range serverGenerated {
						delete(o, p)
					}
					return o
				})
			}),
		mutant("server-generated-plain-400", "a PATCH that sets a server-generated property answers 400 with a plain-text body",
			ids("PATCH-06"),
			func(srv *reference.Server, tok string) http.Handler {
				return rejectServerGenerated(srv, tok, func(w http.ResponseWriter, _ *http.Request, prop string) {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.Header().Set("request-id", newUUID())
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte("Bad Request: " + prop + " is read-only\n"))
				})
			}),
		{Name: "body-id-taken", Kind: KindMutant,
			Description: "a PATCH whose body names another id renames the call (200, and GET shows the new id)",
			Declares:    ids("PATCH-07"),
			Build: func(tok string) (*Instance, error) {
				var mu sync.Mutex
				alias := map[string]string{}
				return wrapped(tok, func(srv *reference.Server) http.Handler {
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
				})
			}},
		mutant("500-on-schema-violation", "a body that violates the request schema answers 500 instead of 400",
			ids("PATCH-08 ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if c := a.errorCode(); a.status == http.StatusBadRequest && (c == "invalidRequest" || c == "invalidCall") {
						a.status = http.StatusInternalServerError
					}
				})
			}),
		mutant("500-on-malformed-id", "a malformed call id answers 500 instead of 400",
			ids("PATCH-08 ERR-09"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if a.errorCode() == "invalidCallId" {
						a.status = http.StatusInternalServerError
					}
				})
			}),

		// --- ERR-01 … ERR-09 -----------------------------------------------------------------
		mutant("accepts-malformed-json", "a PATCH body that is not well-formed JSON is taken as {} (200)",
			ids("ERR-01"),
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
			ids("ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return acceptViolations(srv, func(v schemas.Violation) bool { return v.Keyword == "enum" })
			}),
		mutant("accepts-null-non-nullable", "a PATCH whose only schema violations are nulls where null is not allowed answers 200 and ignores the body",
			ids("ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return acceptViolations(srv, func(v schemas.Violation) bool { return v.Value == "null" })
			}),
		mutant("missing-call-400", "a PATCH of a call that does not exist answers 400 instead of 404",
			ids("ERR-03 STATE-04"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if r.Method == http.MethodPatch && a.status == http.StatusNotFound {
						a.status = http.StatusBadRequest
					}
				})
			}),
		{Name: "auth-ignored", Kind: KindMutant,
			Description: "authentication is not checked at all, though the client is given a token",
			Declares:    ids("ERR-04"),
			Build: func(tok string) (*Instance, error) {
				in, err := plain(reference.Options{}, "")
				if in != nil {
					in.Token = tok
				}
				return in, err
			}},
		mutant("403-missing-token", "a request without Authorization answers 403 instead of 401",
			ids("ERR-04"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					if a.status == http.StatusUnauthorized && r.Header.Get("Authorization") == "" {
						a.status = http.StatusForbidden
					}
				})
			}),
		mutant("any-bearer-accepted", "any bearer token is accepted; only a missing or non-Bearer Authorization answers 401",
			ids("ERR-04"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
					if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(cred) != "" {
						r.Header.Set("Authorization", "Bearer "+tok)
					}
					return true
				}, nil)
			}),
		mutant("ignores-content-type", "a PATCH body is parsed as JSON whatever its Content-Type",
			ids("ERR-05"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if r.Method == http.MethodPatch {
						r.Header.Set("Content-Type", "application/json")
					}
					return true
				}, nil)
			}),
		mutant("415-as-400", "an unsupported media type answers 400 instead of 415",
			ids("ERR-05"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if a.status == http.StatusUnsupportedMediaType {
						a.status = http.StatusBadRequest
					}
				})
			}),
		mutant("non-graph-errors", `errors are {"status": 400, "title": …, "detail": …} (RFC 9457 style) instead of Graph errors`,
			ids("ERR-06 ERR-07"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if _, e, ok := a.graphError(); ok {
						a.setJSON(map[string]any{"type": "about:blank", "status": json.Number(strconv.Itoa(a.status)),
							"title": http.StatusText(a.status), "detail": e["message"]})
						a.header.Set("Content-Type", "application/problem+json")
					}
				})
			}),
		mutant("error-code-empty", `errors carry an empty code ("code": "")`,
			ids("ERR-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if o, e, ok := a.graphError(); ok {
						e["code"] = ""
						a.setJSON(o)
					}
				})
			}),
		mutant("no-innererror", "errors carry no innerError",
			ids("ERR-07"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if o, e, ok := a.graphError(); ok {
						delete(e, "innerError")
						a.setJSON(o)
					}
				})
			}),
		mutant("put-accepted", "PUT on a call is handled as a PATCH (200)",
			ids("ERR-08"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if _, ok := itemID(r); ok && r.Method == http.MethodPut {
						r.Method = http.MethodPatch
					}
					return true
				}, nil)
			}),
		mutant("405-without-allow", "a wrong method answers 405 without an Allow header",
			ids("ERR-08"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("Allow") })
			}),
		mutant("redirects-malformed-ids", "a malformed call id answers 301 to the collection instead of 400",
			ids("ERR-09"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
					if a.errorCode() == "invalidCallId" {
						a.status = http.StatusMovedPermanently
						a.header.Set("Location", collection)
					}
				})
			}),

		// --- HTTP-01, HTTP-02 ---------------------------------------------------------------
		mutant("no-request-id", "no response carries a request-id header",
			ids("HTTP-01"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("request-id") })
			}),
		mutant("client-request-id-not-echoed", "client-request-id is not echoed as a header",
			ids("HTTP-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(_ *http.Request, a *answer) { a.header.Del("client-request-id") })
			}),

		// --- STATE-01 … STATE-06 ------------------------------------------------------------
		{Name: "stale-get", Kind: KindMutant,
			Description: "GET serves the call as it was created (a cache never invalidated by PATCH)",
			// STATE-03 and STATE-05 verify the stored call with a GET too.
			Declares: ids("STATE-01 STATE-03 STATE-05"),
			Build: func(tok string) (*Instance, error) {
				var mu sync.Mutex
				cache := map[string][]byte{}
				return wrapped(tok, func(srv *reference.Server) http.Handler {
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
				})
			}},
		mutant("non-idempotent", "every PATCH that does not set myParticipantId assigns a new one",
			ids("STATE-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					if _, ok := o["myParticipantId"]; !ok {
						o["myParticipantId"] = newUUID()
					}
					return o
				})
			}),
		mutant("5xx-under-concurrency", "a PATCH that overlaps another PATCH of the same call answers 503",
			ids("STATE-03"),
			func(srv *reference.Server, _ string) http.Handler {
				return onOverlap(srv, func(w http.ResponseWriter, r *http.Request) {
					writeGraphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "the call is locked by another update")
				})
			}),
		{Name: "resurrected-after-delete", Kind: KindMutant,
			Description: "a PATCH after DELETE brings the call back (200) instead of answering 404",
			Declares:    ids("STATE-04"),
			Build: func(tok string) (*Instance, error) {
				var mu sync.Mutex
				graveyard := map[string]map[string]any{}
				return wrapped(tok, func(srv *reference.Server) http.Handler {
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
										w.Header().Set("request-id", newUUID())
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
				})
			}},
		mutant("delete-is-noop", "DELETE answers 204 but keeps the call",
			ids("STATE-04"),
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					if _, ok := itemID(r); ok && r.Method == http.MethodDelete && authorized(r, tok) {
						w.Header().Set("request-id", newUUID())
						w.WriteHeader(http.StatusNoContent)
						return false
					}
					return true
				}, nil)
			}),
		mutant("null-ignored", "a PATCH ignores top-level properties set to null",
			ids("STATE-06"),
			func(srv *reference.Server, _ string) http.Handler {
				return rewritePatch(srv, func(_ string, o map[string]any) map[string]any {
					for k, v := range o {
						if v == nil {
							delete(o, k)
						}
					}
					return o
				})
			}),
	}
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
		switch name {
		case "subject", "source", "targets", "requestedModalities", "mediaConfig", "chatInfo", "meetingInfo", "tenantId", "mediaState":
			out[name] = nil
		}
	}
	return out
}
