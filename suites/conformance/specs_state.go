package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

func defineStateSpecs(s *suite) {
	// The stored call is compared with the harness's model, which holds what the PATCH set and
	// what it left alone. (Each PATCH-05 spec also reads the call back for STATE-01.)
	for _, c := range []struct{ name, body string }{
		{"returns the updated values on a GET after a PATCH", fullUpdate},
		{"keeps unsent properties in the stored call after a partial PATCH", `{"subject": "callconf STATE-01"}`},
	} {
		s.Spec("STATE-01", c.name, func(p *probe) {
			id := p.newCall()
			if ex := p.patch(id, c.body); !p.status(ex, http.StatusOK) {
				return
			}
			if got := p.get(id); p.status(got, http.StatusOK) {
				if obj, ok := p.object(got); ok {
					p.intact("STATE-01", got, id, obj)
				}
			}
		})
	}

	s.Spec("STATE-02", "yields the same representation for the same PATCH sent twice", func(p *probe) {
		id := p.newCall()
		first := p.patch(id, fullUpdate)
		second := p.patch(id, fullUpdate)
		if !p.status(first, http.StatusOK) || !p.status(second, http.StatusOK) {
			return
		}
		a, okA := p.object(first)
		b, okB := p.object(second)
		if !okA || !okB {
			return
		}
		// Only the updatable properties: server-generated ones such as state may change on their
		// own in a live call, and annotations such as an etag between two answers.
		for _, k := range updatable {
			if !check.Equal(a[k], b[k]) {
				_, inA := a[k]
				_, inB := b[k]
				p.violate(second, check.Mismatch{Pointer: check.Pointer("", k), Expected: check.Show(a[k], inA) + " (as in the first answer)", Actual: check.Show(b[k], inB)})
			}
		}
	})

	s.Spec("STATE-03", "answers concurrent PATCHes 200 and keeps the call intact", func(p *probe) {
		id := p.newCall()
		n := max(p.s.cfg.Concurrency, config.MinConcurrency)
		p.noteLimits(n)
		subjects := make([]string, n)
		for i := range n {
			subjects[i] = fmt.Sprintf("callconf STATE-03 writer %d", i)
		}
		p.concurrentPatches(id, func(i int) string { return fmt.Sprintf(`{"subject": %q}`, subjects[i]) }, n)
		after, obj := p.readBack(id)
		if subj, _ := obj["subject"].(string); !slices.Contains(subjects, subj) {
			p.violate(after, check.Mismatch{Pointer: "/subject", Expected: "one of the " + fmt.Sprint(n) + " subjects sent concurrently", Actual: check.Show(obj["subject"], true)})
		}
		p.intact("STATE-03", after, id, obj, "subject")
	})

	s.Spec("STATE-03", "answers concurrent PATCHes of different properties 200 and loses none of them", func(p *probe) {
		id := p.newCall()
		bodies := concurrentProperties()
		p.noteLimits(len(bodies))
		p.concurrentPatches(id, func(i int) string { return bodies[i] }, len(bodies))
		// The harness's model took every PATCH answered 200 (and only those): the call must show
		// each of their values, and everything else as it was.
		after, obj := p.readBack(id)
		p.intact("STATE-03", after, id, obj)
	})

	s.Spec("STATE-04", "answers 404 to a PATCH after DELETE", func(p *probe) {
		id := p.newCall()
		del := p.do(target.Request{Method: http.MethodDelete, Path: itemPath(id)})
		if !p.status(del, http.StatusNoContent, http.StatusOK) { // 200 is a delete too (the contract)
			return
		}
		p.status(p.patch(id, `{"subject": "callconf STATE-04"}`), http.StatusNotFound)
		if p.s.session.Has(requirements.Read) {
			p.status(p.get(id), http.StatusNotFound)
		}
	})

	for _, c := range []struct{ name, subject string }{
		{"non-ASCII letters", "Grüße aus Zürich – façade, Øresund, Ελληνικά, Русский, 日本語"},
		{"emoji", "📞 call 🎉👩🏽‍💻 🇪🇺"},
		{"right-to-left text", "مكالمة هاتفية — שיחת טלפון"},
		{"combining marks", "e\u0301 n\u0303 a\u030a Z\u0351\u0336"},
		{"JSON escapes", "quote \" backslash \\ tab \t newline \n slash / control \u0001"},
		{"leading and trailing spaces", "   callconf padded subject   "},
		{"tabs", "\tcallconf\ttabbed\tsubject\t"},
		{"CR LF", "callconf line one\r\nline two\r\n"},
		{"no-break spaces", "\u00a0callconf\u00a0no-break\u202fspaces\u00a0"},
		{"a 1,024-character subject", strings.Repeat("abcdefgh", 128)},
		{"a 1,024-character non-ASCII subject", strings.Repeat("ü", 1024)},
		{"a subject longer than 65,536 characters", strings.Repeat("abcdefgh", 8192) + "callconf past 64 KiB"},
	} {
		s.Spec("STATE-05", "returns "+c.name+" byte for byte, or rejects it unstored", func(p *probe) {
			id := p.newCall()
			before := p.snapshot(id)
			ex := p.patch(id, `{"subject": `+quote(c.subject)+`}`)
			switch ex.Status {
			case http.StatusOK:
				p.sameSubject(ex, c.subject)
				if p.s.session.Has(requirements.Read) {
					if got := p.get(id); p.status(got, http.StatusOK) {
						p.sameSubject(got, c.subject)
					}
				}
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
				// A string may be refused, never stored altered: the call keeps its subject.
				p.note("%s was rejected (%d)", c.name, ex.Status)
				p.unchangedSince(ex, id, before)
				after, obj := p.readBack(id)
				if !check.Equal(obj["subject"], before["subject"]) {
					p.violate(after, check.Mismatch{Pointer: "/subject", Expected: check.Show(before["subject"], true) + " (the subject before the rejected PATCH)",
						Actual: check.Show(obj["subject"], true), Message: fmt.Sprintf("the PATCH was answered %d, yet the subject changed", ex.Status)})
				}
			default:
				p.status(ex, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
			}
		})
	}

	for _, prop := range []string{"subject", "tenantId", "chatInfo"} {
		s.Spec("STATE-06", "sets the nullable property "+prop+" to null", func(p *probe) {
			id := p.newCall()
			ex := p.patch(id, `{"`+prop+`": null}`)
			if !p.status(ex, http.StatusOK) {
				return
			}
			p.nullOrAbsent(ex, prop)
			if p.s.session.Has(requirements.Read) {
				if got := p.get(id); p.status(got, http.StatusOK) {
					p.nullOrAbsent(got, prop)
				}
			}
		})
	}

	for _, c := range []struct{ name, body string }{
		{"a schema violation beside a valid member", `{"subject": "callconf STATE-07 must not be stored", "requestedModalities": ["callconfNotAModality"]}`},
		{"a null for a non-nullable member beside a valid one", `{"tenantId": "6e8a1d70-0000-4000-8000-00000000c777", "source": {"identity": null}}`},
		{"malformed JSON after a valid member", `{"subject": "callconf STATE-07 must not be stored", "tenantId": `},
	} {
		s.Spec("STATE-07", "changes nothing when a PATCH is answered with a 4xx: "+c.name, func(p *probe) {
			id := p.newCall()
			ex := p.rejectable(id, patchWith("application/json", c.body)(id, ""))
			if ex.Status < 400 || ex.Status >= 500 {
				// Accepting the body is ERR-01's or ERR-02's business; a 5xx is PATCH-08's.
				p.note("not exercised by %q: the PATCH was answered %d, not a 4xx", c.name, ex.Status)
			}
		})
	}

	s.Spec("STATE-08", "changes only the call a PATCH names", func(p *probe) {
		first, second := p.newCall(), p.secondCall()
		if ex := p.patch(first, fullUpdate); ex.Status != http.StatusOK {
			p.inconclusive(ex, "the PATCH of the first call answered %d, not 200: it changed nothing to look for", ex.Status)
		}
		ex, obj := p.readBack(second)
		p.intact("STATE-08", ex, second, obj)
	})
}

// concurrentProperties are PATCH bodies that each set one updatable property to its full-update
// value (every one but tenantId, which a read back without read sets): STATE-03 sends them at once.
func concurrentProperties() []string {
	full, err := check.DecodeObject([]byte(fullUpdate))
	if err != nil {
		panic(fmt.Sprintf("conformance: the full update: %v", err)) // a constant: a build error
	}
	var out []string
	for _, k := range updatable {
		if v, ok := full[k]; ok && k != "tenantId" {
			out = append(out, `{"`+k+`": `+quote(v)+`}`)
		}
	}
	return out
}

// noteLimits notes how the configured limits spread n concurrent PATCHes.
func (p *probe) noteLimits(n int) {
	if in := p.s.cfg.MaxInFlight; in > 0 && in < n {
		p.note("the %d concurrent PATCHes went at most %d at a time: this process's share of --max-in-flight", n, in)
	}
	if r := p.s.cfg.RateLimit; r > 0 {
		p.note("the %d concurrent PATCHes were spread over at least %.1fs: this process's share of --rate-limit is %g/s", n, float64(n-1)/r, r)
	}
}

// concurrentPatches sends n PATCHes of call id at once, the i-th with body(i), and judges their
// statuses: 200, or 409, 412 or 429 (accepted and noted).
func (p *probe) concurrentPatches(id string, body func(i int) string, n int) {
	results := make([]*target.Exchange, n)
	problems := make([]string, n)
	p.concurrently(func() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer GinkgoRecover()
				results[i], problems[i] = p.attempt(patchWith("application/json", body(i))(id, ""))
			}()
		}
		wg.Wait()
	})
	for i, ex := range results {
		switch {
		case problems[i] != "" && ex.Err != nil:
			p.violate(ex, check.Mismatch{Expected: "an HTTP response", Actual: problems[i]})
		case problems[i] != "":
			p.inconclusive(ex, "%s", problems[i])
		case ex.Status == http.StatusConflict, ex.Status == http.StatusPreconditionFailed, ex.Status == http.StatusTooManyRequests:
			p.note("a concurrent PATCH was answered %d", ex.Status)
		default:
			p.status(ex, http.StatusOK)
		}
	}
}

// nullOrAbsent checks that prop is null or absent in the call ex shows.
func (p *probe) nullOrAbsent(ex *target.Exchange, prop string) {
	if obj, ok := p.object(ex); ok && obj[prop] != nil {
		p.violate(ex, check.Mismatch{Pointer: check.Pointer("", prop), Expected: "null or absent", Actual: check.Show(obj[prop], true)})
	}
}

func (p *probe) sameSubject(ex *target.Exchange, want string) {
	obj, ok := p.object(ex)
	if !ok {
		return
	}
	if got, _ := obj["subject"].(string); got != want {
		msg := "strings must survive byte for byte"
		if got != "" {
			msg += fmt.Sprintf(" (sent %d bytes, got %d)", len(want), len(got))
		}
		p.violate(ex, check.Mismatch{Pointer: "/subject", Expected: check.Show(want, true), Actual: check.Show(obj["subject"], true), Message: msg})
	}
}

// quote renders v as JSON text.
func quote(v any) string {
	b, err := jsonMarshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
