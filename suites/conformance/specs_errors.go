package conformance

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

func defineErrorSpecs(s *suite) {
	for _, c := range malformedBodies {
		s.Spec("ERR-01", "answers 400 to malformed JSON: "+c.name, func(p *probe) {
			id := p.newCall()
			p.status(p.rejectable(id, patchWith("application/json", c.body)(id, "")), http.StatusBadRequest)
		})
	}

	for _, c := range append(err02Cases(), foreignCallTypes...) {
		s.Spec("ERR-02", c.name, func(p *probe) {
			res, err := p.s.validator.Validate(schemas.KindRequest, []byte(c.body))
			if err != nil || res.Valid() {
				p.harnessError("generated case %s is not invalid by the request schema (err=%v)", c.body, err)
			}
			id := p.newCall()
			ex := p.rejectable(id, patchWith("application/json", c.body)(id, ""))
			if ex.Status == http.StatusUnprocessableEntity {
				p.note("schema violations answered 422")
			} else {
				p.status(ex, http.StatusBadRequest, http.StatusUnprocessableEntity)
			}
		})
	}

	s.Spec("ERR-03", "answers 404 to a PATCH of a call that does not exist", func(p *probe) {
		p.status(p.patch(p.missingID(), `{"subject": "callconf ERR-03"}`), http.StatusNotFound)
	})

	for _, c := range []struct{ name, raw string }{
		{"no Authorization header", ""},
		{"a wrong bearer token", "Bearer callconf-wrong-token"},
		{"a bearer scheme without a token", "Bearer"},
		{"a malformed bearer token", "Bearer callconf wrong token"},
		{"the Basic scheme", "Basic Y2FsbGNvbmY6c2VjcmV0"},
	} {
		// On a call that exists (the spec's own, or a named one), so its id has the target's
		// shape: a route that answers 404 to other ids before authentication cannot hide
		// a target that takes any credentials.
		s.Spec("ERR-04", "answers 401 to "+c.name+" on a call that exists", func(p *probe) {
			id := p.newCall()
			ex := p.rejectable(id, unauthenticated(id, c.raw))
			p.refused(ex)
		})
	}
	// A server that checks credentials once per connection, or caches them with it, lets a
	// request without them through after an accepted one.
	for _, c := range []struct{ name, raw string }{
		{"no Authorization header", ""},
		{"a wrong bearer token", "Bearer callconf-wrong-token"},
	} {
		s.Spec("ERR-04", "answers 401 to "+c.name+" on a connection that has just carried an accepted token", func(p *probe) {
			id := p.newCall()
			// Read before the connection carries anything: the accepted request must come
			// right before the one under test.
			before, model := p.snapshot(id), p.model(id)
			one, err := p.s.client.OneConnection()
			if err != nil {
				p.harnessError("a client of one connection: %v", err)
			}
			DeferCleanup(one.Close)
			p.via = one
			// The accepted request changes nothing, so that nothing but the request under test
			// can show in the call afterwards: a GET with read, else a PATCH of the subject
			// the call already has.
			accept := target.Request{Method: http.MethodGet, Path: itemPath(id)}
			if !p.s.session.Has(requirements.Read) {
				accept = target.Request{Method: http.MethodPatch, Path: itemPath(id), Header: jsonHeader(), Body: []byte(`{"subject": ` + quote(p.model(id)["subject"]) + `}`)}
			}
			accepted := p.setup(accept)
			if accepted.Status < 200 || accepted.Status > 299 {
				p.inconclusive(accepted, "the %s with the configured token, sent first on the connection, answered %d, not 2xx", accepted.Method, accepted.Status)
			}
			ex := p.do(unauthenticated(id, c.raw))
			p.via = nil
			if !ex.ConnReused {
				p.note("the target closed the connection after the accepted request: the request without a valid token went on a new one")
			}
			p.refused(ex)
			p.unchangedSince(ex, id, before)
			p.undoAccepted(ex, id, before, model)
		})
	}

	for _, c := range []struct{ mediaType, body string }{
		{"text/plain", `{"subject": "callconf ERR-05"}`},
		{"application/xml", `<call><subject>callconf ERR-05</subject></call>`},
	} {
		s.Spec("ERR-05", "answers 415 to a body sent as "+c.mediaType, func(p *probe) {
			id := p.newCall()
			p.status(p.rejectable(id, patchWith(c.mediaType, c.body)(id, "")), http.StatusUnsupportedMediaType)
		})
	}

	// The Graph error format (ERR-06) and innerError (ERR-07) are judged on every 4xx of every
	// spec (package judge); these specs provoke one 4xx of each kind.
	for _, c := range provocations() {
		s.Spec("ERR-06", "answers a 4xx with a Graph error body: "+c.name, func(p *probe) {
			id := p.newCall()
			p.rejectable(id, c.build(id, p.missingID()))
		})
	}
	s.Spec("ERR-07", "carries innerError with request-id and date in the answer to malformed JSON", func(p *probe) {
		if ex := p.patch(p.newCall(), `{"subject": `); !is4xx(ex) {
			p.note("not exercised by this spec: malformed JSON was answered %d (every other 4xx is judged)", ex.Status)
		}
	})

	s.Spec("ERR-08", "answers 405 with an Allow header listing PATCH to PUT on the call", func(p *probe) {
		id := p.newCall()
		ex := p.do(target.Request{Method: http.MethodPut, Path: itemPath(id), Header: jsonHeader(), Body: []byte(baselineCall)})
		if p.status(ex, http.StatusMethodNotAllowed) {
			p.violate(ex, check.AllowLists(ex.Header, http.MethodPatch)...)
		}
	})

	for _, m := range malformedIDs {
		s.Spec("ERR-09", "answers 400 or 404, never a redirect, to "+m.name, func(p *probe) {
			ex := p.do(patchRawID(m.body))
			if ex.Status >= 300 && ex.Status < 400 {
				p.violate(ex, check.Mismatch{Expected: "400 or 404, never a redirect", Actual: fmt.Sprintf("%d Location: %s", ex.Status, ex.Header.Get("Location"))})
				return
			}
			p.status(ex, http.StatusBadRequest, http.StatusNotFound)
		})
	}

	// WWW-Authenticate is judged on every 401 of every spec (package judge); this spec makes
	// sure one is provoked.
	s.Spec("ERR-10", "names the Bearer scheme in WWW-Authenticate on a 401 to a request without a token", func(p *probe) {
		id := p.newCall()
		ex := p.rejectable(id, unauthenticated(id, ""))
		if ex.Status != http.StatusUnauthorized {
			// The status is ERR-04's business; every other 401 is judged.
			p.note("not exercised by this spec: a PATCH without Authorization was answered %d, not 401", ex.Status)
		}
	})
}

// refused checks ERR-04 on the answer to a request without valid credentials: 401. A 2xx says
// the target does not check them at all; the run was given credentials, so it expects
// authentication, and the failure says how to declare a target that requires none.
func (p *probe) refused(ex *target.Exchange) {
	if ex.Status < 200 || ex.Status > 299 {
		p.status(ex, http.StatusUnauthorized)
		return
	}
	p.violate(ex, check.Mismatch{Expected: "status 401", Actual: fmt.Sprintf("%d %s", ex.Status, check.Cut(string(ex.Body), 200)),
		Message: "the target accepted a request without valid credentials, though the run was given credentials and so expects authentication. " +
			"If the target requires no authentication, declare it: " + noAuthHint(p.s.session)})
}

// noAuthHint says how to declare the session's target as one without authentication: its
// capabilities declared with auth left out, or a run without credentials.
func noAuthHint(s Session) string {
	var caps []string
	for _, c := range []requirements.Capability{requirements.Create, requirements.Read, requirements.Delete} {
		if s.Capabilities[c] {
			caps = append(caps, string(c))
		}
	}
	declared := cmp.Or(strings.Join(caps, ","), "none")
	return fmt.Sprintf("--capabilities %s (the capability auth left out; or %s), or run without credentials; ERR-04 and ERR-10 are then unsupported",
		declared, "CALLCONF_CAPABILITIES="+declared)
}

// foreignCallTypes are bodies whose top-level "@odata.type" names another type than call (ERR-02):
// the call has no derived types, so the request schema refuses them. Each sets a subject beside
// it, so a target that ignores the type and applies the rest is seen to (STATE-07).
var foreignCallTypes = []namedBody{
	{"rejects a top-level @odata.type that names another type than call: #microsoft.graph.participant",
		`{"@odata.type": "#microsoft.graph.participant", "subject": "callconf ERR-02 foreign type"}`},
	{"rejects a top-level @odata.type that names another type than call: microsoft.graph.callRecord",
		`{"@odata.type": "microsoft.graph.callRecord", "subject": "callconf ERR-02 foreign type"}`},
	{"rejects a top-level @odata.type that names another type than call: #microsoft.graph.callconfCall",
		`{"@odata.type": "#microsoft.graph.callconfCall", "subject": "callconf ERR-02 foreign type"}`},
}

// unauthenticated is a PATCH of call id with the Authorization header raw ("" = none).
func unauthenticated(id, raw string) target.Request {
	r := patchWith("application/json", `{"subject": "callconf unauthenticated"}`)(id, "")
	r.Auth, r.RawAuthorization = target.AuthRaw, raw
	if raw == "" {
		r.Auth = target.AuthNone
	}
	return r
}

func is4xx(ex *target.Exchange) bool { return ex.Status >= 400 && ex.Status < 500 }
