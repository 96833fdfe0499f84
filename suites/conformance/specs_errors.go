package conformance

import (
	"fmt"
	"net/http"

	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/verdict"
	"github.com/callconf/callconf/schemas"
)

func defineErrorSpecs(s *suite) {
	for _, c := range malformedBodies {
		s.Spec("ERR-01", "answers 400 to malformed JSON: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			p.status(p.patch(id, c.body), http.StatusBadRequest)
		})
	}

	for _, c := range err02Cases() {
		s.Spec("ERR-02", c.name, func(p *probe) {
			res, err := p.s.validator.Validate(schemas.KindRequest, []byte(c.body))
			if err != nil || res.Valid() {
				p.fatalf(nil, "harness error: generated case %s is not invalid by the request schema (err=%v)", c.body, err)
			}
			id, _ := p.newCall()
			ex := p.patch(id, c.body)
			if ex.Status == http.StatusUnprocessableEntity {
				p.note("schema violations answered 422")
				return
			}
			p.status(ex, http.StatusBadRequest, http.StatusUnprocessableEntity)
		})
	}

	s.Spec("ERR-03", "answers 404 to a PATCH of a call that does not exist", func(p *probe) {
		p.status(p.patch(missingID(), `{"subject": "callconf ERR-03"}`), http.StatusNotFound)
	})

	for _, c := range []struct{ name, raw string }{
		{"no Authorization header", ""},
		{"a wrong bearer token", "Bearer callconf-wrong-token"},
		{"a bearer scheme without a token", "Bearer"},
		{"a malformed bearer token", "Bearer callconf wrong token"},
		{"the Basic scheme", "Basic Y2FsbGNvbmY6c2VjcmV0"},
	} {
		s.Spec("ERR-04", "answers 401 to "+c.name, func(p *probe) {
			id, _ := p.newCall()
			r := patchWith("application/json", `{"subject": "callconf ERR-04"}`)(id)
			r.Auth, r.RawAuthorization = target.AuthRaw, c.raw
			if c.raw == "" {
				r.Auth = target.AuthNone
			}
			p.status(p.do(r), http.StatusUnauthorized)
		})
	}

	for _, c := range []struct{ mediaType, body string }{
		{"text/plain", `{"subject": "callconf ERR-05"}`},
		{"application/xml", `<call><subject>callconf ERR-05</subject></call>`},
	} {
		s.Spec("ERR-05", "answers 415 to a body sent as "+c.mediaType, func(p *probe) {
			id, _ := p.newCall()
			p.status(p.do(patchWith(c.mediaType, c.body)(id)), http.StatusUnsupportedMediaType)
		})
	}

	for _, c := range provocations() {
		s.Spec("ERR-06", "answers a 4xx with a Graph error body: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			if ex := p.do(c.build(id)); is4xx(ex) {
				p.violate(ex, verdict.GraphError(ex.Body)...)
			}
		})
		s.Spec("ERR-07", "carries innerError with request-id and date: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			if ex := p.do(c.build(id)); is4xx(ex) {
				p.violate(ex, verdict.InnerError(ex.Body)...)
			}
		})
	}

	s.Spec("ERR-08", "answers 405 with an Allow header listing PATCH to PUT on the call", func(p *probe) {
		id, _ := p.newCall()
		ex := p.do(target.Request{Method: http.MethodPut, Path: itemPath(id), Header: jsonHeader(), Body: []byte(baselineCall)})
		if p.status(ex, http.StatusMethodNotAllowed) {
			p.violate(ex, verdict.AllowLists(ex.Header, http.MethodPatch)...)
		}
	})

	for _, m := range malformedIDs {
		s.Spec("ERR-09", "answers 400 or 404, never a redirect, to "+m.name, func(p *probe) {
			ex := p.do(target.Request{Method: http.MethodPatch, Path: CollectionPath + "/" + m.body, Header: jsonHeader(), Body: []byte(`{"subject": "x"}`)})
			if ex.Status >= 300 && ex.Status < 400 {
				p.violate(ex, verdict.Violation{Expected: "400 or 404, never a redirect", Actual: fmt.Sprintf("%d Location: %s", ex.Status, ex.Header.Get("Location"))})
				return
			}
			p.status(ex, http.StatusBadRequest, http.StatusNotFound)
		})
	}
}

func is4xx(ex *target.Exchange) bool { return ex.Status >= 400 && ex.Status < 500 }
