package conformance

import (
	"github.com/callconf/callconf/internal/verdict"
)

func defineProtocolSpecs(s *suite) {
	cases := append([]request{{"a valid PATCH", patchWith("application/json", `{"subject": "callconf HTTP-01"}`)}}, provocations()...)
	for _, c := range cases {
		s.Spec("HTTP-01", "carries a request-id header: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			ex := p.do(c.build(id))
			p.violate(ex, verdict.HeaderPresent(ex.Header, "request-id")...)
		})
	}

	for _, c := range cases[:3] {
		s.Spec("HTTP-02", "echoes client-request-id: "+c.name, func(p *probe) {
			id, _ := p.newCall()
			r := c.build(id)
			sent := randomID("callconf-")
			r.Header.Set("client-request-id", sent)
			ex := p.do(r)
			if got := ex.Header.Get("client-request-id"); got != sent {
				p.violate(ex, verdict.Violation{Expected: "header client-request-id: " + sent, Actual: verdict.Show(got, got != "")})
			}
		})
	}
}
