package conformance

import "github.com/callconf/callconf/internal/ids"

// request-id (HTTP-01), the client-request-id echo (HTTP-02) and Retry-After (HTTP-03) are judged
// on every exchange of every spec (package judge); these specs exercise each on a valid PATCH
// and on the 4xx answers the contract provokes.
func defineProtocolSpecs(s *suite) {
	cases := append([]request{{"a valid PATCH", patchWith("application/json", `{"subject": "callconf HTTP-01"}`)}}, provocations()...)
	for _, c := range cases {
		s.Spec("HTTP-01", "carries a request-id header: "+c.name, func(p *probe) {
			id := p.newCall()
			p.rejectable(id, c.build(id, p.missingID()))
		})
	}

	for _, c := range cases[:3] {
		s.Spec("HTTP-02", "echoes client-request-id: "+c.name, func(p *probe) {
			id := p.newCall()
			r := c.build(id, p.missingID())
			r.Header.Set("client-request-id", "callconf-"+ids.GUID())
			p.rejectable(id, r)
		})
	}

	s.Spec("HTTP-03", "carries Retry-After on every 429 and 503", func(p *probe) {
		p.patch(p.newCall(), `{"subject": "callconf HTTP-03"}`)
		p.mu.Lock()
		throttled := p.retries > 0
		p.mu.Unlock()
		if !throttled {
			p.note("not exercised in this spec: the target did not throttle it (every 429 and 503 of every spec is judged)")
		}
	})
}
