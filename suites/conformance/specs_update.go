package conformance

import (
	"fmt"
	"net/http"

	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/verdict"
	"github.com/callconf/callconf/schemas"
)

func defineUpdateSpecs(s *suite) {
	for _, c := range []struct{ name, body string }{
		{"a PATCH of the subject", `{"subject": "callconf PATCH-01"}`},
		{"a PATCH of every updatable property", fullUpdate},
	} {
		s.Spec("PATCH-01", "answers 200 OK to "+c.name, func(p *probe) {
			id, _ := p.newCall()
			p.status(p.patch(id, c.body), http.StatusOK)
		})
	}

	s.Spec("PATCH-02", "answers application/json with a body that satisfies the call response schema", func(p *probe) {
		id, _ := p.newCall()
		ex := p.patch(id, fullUpdate)
		if !p.status(ex, http.StatusOK) {
			return
		}
		if ct := ex.Header.Get("Content-Type"); !verdict.IsJSONMediaType(ct) {
			p.violate(ex, verdict.Violation{Expected: "Content-Type application/json (parameters allowed)", Actual: verdict.Show(ct, ct != "")})
		}
		p.schema(ex, schemas.KindResponse)
	})

	for _, c := range []struct{ name, body string }{
		{"after a PATCH of the subject", `{"subject": "callconf PATCH-03"}`},
		{"after a PATCH of every updatable property", fullUpdate},
	} {
		s.Spec("PATCH-03", "answers with the id of the request URL "+c.name, func(p *probe) {
			id, _ := p.newCall()
			ex := p.patch(id, c.body)
			if !p.status(ex, http.StatusOK) {
				return
			}
			if obj, ok := p.object(ex); ok {
				p.violate(ex, verdict.Contains(id, obj["id"], "/id")...)
			}
		})
	}

	for _, c := range patch04Cases() {
		s.Spec("PATCH-04", c.name, func(p *probe) {
			id, _ := p.newCall()
			ex := p.patch(id, c.body)
			if !p.status(ex, http.StatusOK) {
				return
			}
			p.containsSent(ex, c.body)
		})
	}

	for _, prop := range []string{"subject", "tenantId", "mediaState"} {
		body := map[string]string{
			"subject":    `{"subject": "callconf PATCH-05"}`,
			"tenantId":   `{"tenantId": "6e8a1d70-0000-4000-8000-00000000c555"}`,
			"mediaState": `{"mediaState": {"audio": "inactive"}}`,
		}[prop]
		s.Spec("PATCH-05", "keeps every other updatable property when only "+prop+" is sent", func(p *probe) {
			id, before := p.newCall()
			ex := p.patch(id, body)
			if !p.status(ex, http.StatusOK) {
				return
			}
			if after, ok := p.object(ex); ok {
				p.violate(ex, unchangedExcept(before, after, prop)...)
			}
		})
	}

	for _, c := range serverGenerated {
		s.Spec("PATCH-06", "reflects or rejects the server-generated property "+c.name, func(p *probe) {
			id, _ := p.newCall()
			ex := p.patch(id, c.body)
			switch ex.Status {
			case http.StatusOK:
				p.note("%s was reflected (200)", c.name)
				p.containsSent(ex, c.body)
			case http.StatusBadRequest:
				p.note("%s was rejected (400)", c.name)
				p.violate(ex, verdict.GraphError(ex.Body)...)
			default:
				p.status(ex, http.StatusOK, http.StatusBadRequest)
			}
		})
	}

	s.Spec("PATCH-07", "never lets a body id that differs from the URL change the call's id", func(p *probe) {
		id, _ := p.newCall()
		other := missingID()
		ex := p.patch(id, fmt.Sprintf(`{"id": %q, "subject": "callconf PATCH-07"}`, other))
		switch ex.Status {
		case http.StatusBadRequest:
			p.note("a differing body id was rejected (400)")
		case http.StatusOK:
			if obj, ok := p.object(ex); ok {
				p.violate(ex, verdict.Contains(id, obj["id"], "/id")...)
			}
		default:
			p.status(ex, http.StatusOK, http.StatusBadRequest)
			return
		}
		if p.s.session.Has(requirements.Read) {
			got := p.get(id)
			if p.status(got, http.StatusOK) {
				if obj, ok := p.object(got); ok {
					p.violate(got, verdict.Contains(id, obj["id"], "/id")...)
				}
			}
		}
	})

	for _, c := range hostileRequests() {
		s.Spec("PATCH-08", "answers without a 5xx: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			ex := p.do(c.build(id))
			if ex.Status >= 500 {
				p.violate(ex, verdict.Violation{Expected: "a status below 500", Actual: fmt.Sprintf("%d %s", ex.Status, verdict.Cut(string(ex.Body), 200))})
			}
		})
	}
}

// schema records one violation per schema rule the body breaks.
func (p *probe) schema(ex *target.Exchange, kind schemas.Kind) {
	res, err := p.s.validator.Validate(kind, ex.Body)
	if err != nil {
		p.violate(ex, verdict.Violation{Expected: "a body the validator can judge", Actual: err.Error()})
		return
	}
	for _, v := range res.Violations {
		p.violate(ex, verdict.Violation{Pointer: v.Pointer, Expected: "schema rule " + v.Keyword + ": " + v.Message, Actual: verdict.Cut(v.Value, 200)})
	}
}

// containsSent checks that the response carries every value the request body set.
func (p *probe) containsSent(ex *target.Exchange, body string) {
	sent, err := verdict.DecodeObject([]byte(body))
	if err != nil {
		p.fatalf(nil, "harness error: request body is not a JSON object: %v", err)
	}
	if got, ok := p.object(ex); ok {
		p.violate(ex, verdict.Contains(sent, got, "")...)
	}
}

// unchangedExcept lists the updatable properties, other than skip, whose values differ between
// two representations of a call. Server-generated properties are left out: a live call may
// change state on its own.
func unchangedExcept(before, after map[string]any, skip string) []verdict.Violation {
	var out []verdict.Violation
	for _, k := range updatable {
		v, ok := before[k]
		if k == skip || !ok {
			continue
		}
		w, present := after[k]
		vs := verdict.Contains(v, w, verdict.Pointer("", k))
		if !present && v != nil {
			vs = []verdict.Violation{{Pointer: verdict.Pointer("", k), Expected: verdict.Show(v, true) + " (kept from before)", Actual: "(absent)"}}
		}
		out = append(out, vs...)
	}
	return out
}
