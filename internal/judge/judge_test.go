package judge

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

func newJudge(t *testing.T) *Judge {
	t.Helper()
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	return New(v)
}

// goodCall is a valid call body with the given id.
func goodCall(t *testing.T, id string) []byte {
	t.Helper()
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.Kind == schemas.KindResponse && f.Valid {
			return []byte(strings.Replace(string(f.Body), `"id": "`, `"id": "`+id+`", "x-old-id": "`, 1))
		}
	}
	t.Fatal("no valid response fixture")
	return nil
}

// exchange builds a recorded exchange: a request with client-request-id "c1" and the answer.
func exchange(method string, status int, header http.Header, body string) *target.Exchange {
	h := http.Header{"Request-Id": {"r1"}, "Client-Request-Id": {"c1"}}
	for k, v := range header {
		if v == nil {
			delete(h, k)
			continue
		}
		h[k] = v
	}
	return &target.Exchange{Method: method, RequestHeader: http.Header{"Client-Request-Id": {"c1"}}, Status: status, Header: h, Body: []byte(body)}
}

// broken lists the requirements a result names, sorted, each once.
func broken(r Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Requirement)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

const graphError = `{"error": {"code": "badRequest", "message": "m", "innerError": {"request-id": "r1", "date": "2026-01-01T00:00:00"}}}`

var jsonCT = http.Header{"Content-Type": {"application/json"}}

func TestEveryCheckBothWays(t *testing.T) {
	j := newJudge(t)
	call := string(goodCall(t, "c-1"))
	for _, c := range []struct {
		name    string
		ex      *target.Exchange
		patchOf string
		want    []string
	}{
		{"a conforming 200 to a PATCH", exchange("PATCH", 200, jsonCT, call), "c-1", nil},
		{"a conforming 400", exchange("PATCH", 400, jsonCT, graphError), "c-1", nil},
		{"a 500 anywhere", exchange("GET", 500, jsonCT, graphError), "", []string{"PATCH-08"}},
		{"a 503 with Retry-After", exchange("PATCH", 503, http.Header{"Retry-After": {"1"}}, ""), "c-1", nil},
		{"a 503 without Retry-After", exchange("PATCH", 503, jsonCT, graphError), "c-1", []string{"HTTP-03", "PATCH-08"}},
		{"a 429 without Retry-After", exchange("PATCH", 429, jsonCT, graphError), "c-1", []string{"HTTP-03"}},
		{"a 429 with an HTTP-date", exchange("PATCH", 429, http.Header{"Content-Type": {"application/json"}, "Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}}, graphError), "c-1", nil},
		{"a 4xx as text/html", exchange("PATCH", 404, http.Header{"Content-Type": {"text/html"}}, "<h1>Not Found</h1>"), "", []string{"ERR-06", "ERR-07"}},
		{"a 4xx labelled text/plain", exchange("PATCH", 404, http.Header{"Content-Type": {"text/plain"}}, graphError), "", []string{"ERR-06"}},
		{"a 4xx without innerError", exchange("PATCH", 400, jsonCT, `{"error": {"code": "badRequest", "message": "m"}}`), "", []string{"ERR-07"}},
		{"no request-id", exchange("GET", 200, http.Header{"Request-Id": nil}, "{}"), "", []string{"HTTP-01"}},
		{"client-request-id not echoed", exchange("GET", 404, http.Header{"Client-Request-Id": nil, "Content-Type": {"application/json"}}, graphError), "", []string{"HTTP-02"}},
		{"a 401 without a challenge", exchange("PATCH", 401, jsonCT, graphError), "c-1", []string{"ERR-10"}},
		{"a 401 with a Basic challenge", exchange("PATCH", 401, http.Header{"Content-Type": {"application/json"}, "Www-Authenticate": {`Basic realm="x"`}}, graphError), "c-1", []string{"ERR-10"}},
		{"a 401 with a Bearer challenge among others", exchange("PATCH", 401, http.Header{"Content-Type": {"application/json"}, "Www-Authenticate": {`Basic realm="x", bearer realm="y", error="invalid_token"`}}, graphError), "c-1", nil},
		{"a 200 to a PATCH as text/plain", exchange("PATCH", 200, http.Header{"Content-Type": {"text/plain"}}, call), "c-1", []string{"PATCH-02"}},
		{"a 200 to a PATCH with a BOM", exchange("PATCH", 200, jsonCT, "\xef\xbb\xbf"+call), "c-1", []string{"PATCH-02", "PATCH-03"}},
		{"a 200 to a PATCH with two values", exchange("PATCH", 200, jsonCT, call+" {}"), "c-1", []string{"PATCH-02", "PATCH-03"}},
		{"a 200 to a PATCH with junk after the object", exchange("PATCH", 200, jsonCT, call+"}"), "c-1", []string{"PATCH-02", "PATCH-03"}},
		{"a 200 to a PATCH with a comma after the object", exchange("PATCH", 200, jsonCT, call+","), "c-1", []string{"PATCH-02", "PATCH-03"}},
		{"a 200 to a PATCH with another id", exchange("PATCH", 200, jsonCT, call), "c-2", []string{"PATCH-03"}},
		{"a 200 to a PATCH with an enum outside the set", exchange("PATCH", 200, jsonCT, strings.Replace(call, `"id": "c-1"`, `"id": "c-1", "state": "preEstablishing"`, 1)), "c-1", []string{"PATCH-02"}},
		{"a 200 to a GET is not held to PATCH-02", exchange("GET", 200, http.Header{"Content-Type": {"text/plain"}}, "x"), "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := broken(j.Exchange(c.ex, c.patchOf))
			if !slices.Equal(got, c.want) {
				t.Errorf("broke %v, want %v: %v", got, c.want, j.Exchange(c.ex, c.patchOf).Findings)
			}
		})
	}
}

func TestHarnessLimitsAreInconclusive(t *testing.T) {
	j := newJudge(t)
	ex := exchange("PATCH", 200, jsonCT, `{"id": "c-1", "subj`)
	ex.Truncated = true
	res := j.Exchange(ex, "c-1")
	if len(res.Findings) == 0 {
		t.Fatal("no finding for a truncated body")
	}
	for _, f := range res.Findings {
		if !f.Inconclusive {
			t.Errorf("a body cut at the harness's limit was held against the target: %v", f)
		}
	}
	// nested is a conforming answer but for its nesting, depth levels deep (4 of them objects).
	nested := func(depth int) string {
		n := depth - 4
		return `{"id": "c-1", "source": {"identity": {"application": {"x": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}}}`
	}
	if fs := j.Exchange(exchange("PATCH", 200, jsonCT, nested(schemas.MaxDepth)), "c-1").Findings; len(fs) != 0 {
		t.Errorf("nesting at the validator's depth is judged, and conforms: %v", fs)
	}
	fs := j.Exchange(exchange("PATCH", 200, jsonCT, nested(schemas.MaxDepth+1)), "c-1").Findings
	if len(fs) == 0 {
		t.Error("no finding for nesting past the validator's depth: it was neither judged nor said to be inconclusive")
	}
	for _, f := range fs {
		if !f.Inconclusive {
			t.Errorf("nesting past the validator's depth was held against the target: %v", f)
		}
	}
}

// TestAnswerHoldsTheUpdatableMembers: a 200 answer to a PATCH comes back with its id and
// updatable members decoded (for PATCH-04), and nothing else; an answer that is not a JSON
// object, or is not judged as a PATCH's, has none.
func TestAnswerHoldsTheUpdatableMembers(t *testing.T) {
	j := newJudge(t)
	const answer = `{"id":"c-1","subject":"s","requestedModalities":["audio"],"state":"established","myParticipantId":"p"}`
	res := j.Exchange(exchange("PATCH", 200, jsonCT, answer), "c-1")
	want := map[string]any{"id": "c-1", "subject": "s", "requestedModalities": []any{"audio"}}
	if !reflect.DeepEqual(res.Answer, want) {
		t.Errorf("Answer %#v, want %#v", res.Answer, want)
	}
	for name, ex := range map[string]*target.Exchange{
		"junk after the object": exchange("PATCH", 200, jsonCT, answer+"}"),
		"not UTF-8":             exchange("PATCH", 200, jsonCT, strings.Replace(answer, `"s"`, "\"s\xff\"", 1)),
		"an array":              exchange("PATCH", 200, jsonCT, "["+answer+"]"),
		"a 400":                 exchange("PATCH", 400, jsonCT, answer),
		"over the limit":        {Method: "PATCH", Status: 200, Header: jsonCT, Body: []byte(answer), Truncated: true},
	} {
		if res := j.Exchange(ex, "c-1"); res.Answer != nil {
			t.Errorf("%s: Answer %#v, want nil", name, res.Answer)
		}
	}
	if res := j.Exchange(exchange("GET", 200, jsonCT, answer), ""); res.Answer != nil {
		t.Errorf("a GET: Answer %#v, want nil", res.Answer)
	}
}

func TestUnknownPropertiesAreNotes(t *testing.T) {
	j := newJudge(t)
	res := j.Exchange(exchange("PATCH", 200, jsonCT, string(goodCall(t, "c-1"))), "c-1")
	if len(res.Findings) != 0 {
		t.Fatal(res.Findings)
	}
	if !slices.ContainsFunc(res.Notes, func(n check.Note) bool { return n.Requirement == "PATCH-02" && strings.Contains(n.Text, "x-old-id") }) {
		t.Errorf("the unknown property is not a note: %v", res.Notes)
	}
}

// PATCH-02 takes a call's targets typed invitationParticipantInfo, as a Graph v1.0 service answers
// them, as valid with notes; a value of that type that breaks it is still a finding.
func TestGraphV1TargetsInAnswer(t *testing.T) {
	j := newJudge(t)
	const answer = `{"id": "c-1", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {"user": {"id": "u1"}}, "hidden": %s}]}`
	res := j.Exchange(exchange("PATCH", 200, jsonCT, strings.Replace(answer, "%s", "false", 1)), "c-1")
	if len(res.Findings) != 0 {
		t.Errorf("findings on a Graph v1.0 answer: %v", res.Findings)
	}
	if !slices.ContainsFunc(res.Notes, func(n check.Note) bool {
		return n.Requirement == "PATCH-02" && strings.HasPrefix(n.Text, "/targets/0/@odata.type: ") && strings.Contains(n.Text, "known in Graph v1.0")
	}) {
		t.Errorf("the type is not a note: %v", res.Notes)
	}
	res = j.Exchange(exchange("PATCH", 200, jsonCT, strings.Replace(answer, "%s", `"yes"`, 1)), "c-1")
	if got := broken(res); !slices.Equal(got, []string{"PATCH-02"}) || res.Findings[0].Pointer != "/targets/0/hidden" {
		t.Errorf("broke %v, want PATCH-02 at /targets/0/hidden: %v", got, res.Findings)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{"0": 0, "7": 7 * time.Second, "Thu, 01 Jan 2026 00:00:05 GMT": 5 * time.Second, "Wed, 31 Dec 2025 00:00:00 GMT": 0} {
		if got, ok := RetryAfter(http.Header{"Retry-After": {v}}, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon", "1.5"} {
		if _, ok := RetryAfter(http.Header{"Retry-After": {v}}, now); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

// patchEx is a PATCH of call c-1 sent with body as contentType, answered status with answer.
func patchEx(contentType, body string, status int, answer string) *target.Exchange {
	ex := exchange("PATCH", status, jsonCT, answer)
	ex.URL = "http://127.0.0.1:1/v1/communications/calls/c-1"
	ex.RequestHeader.Set("Content-Type", contentType)
	ex.RequestBody = []byte(body)
	return ex
}

// PATCH-01 holds a valid PATCH of a call that exists to 200, with exactly the exceptions the
// contract lists (and what other requirements allow a valid body); a body the harness sends
// invalid on purpose, another media type, or a call not known to exist is never held to it.
func TestPatch01OnEveryValidPatch(t *testing.T) {
	j := newJudge(t)
	exists := Context{Exists: true}
	big := `{"subject": "` + strings.Repeat("x", 70000) + `"}`
	for _, c := range []struct {
		name string
		ex   *target.Exchange
		ctx  Context
		want []string
	}{
		{"a valid PATCH answered 200", patchEx("application/json", `{"subject": "s"}`, 200, `{"id": "c-1", "subject": "s"}`), exists, nil},
		{"a valid PATCH answered 400", patchEx("application/json", `{"subject": "s"}`, 400, graphError), exists, []string{"PATCH-01"}},
		{"a valid PATCH answered 404", patchEx("application/json; charset=utf-8", `{"subject": "s"}`, 404, graphError), exists, []string{"PATCH-01"}},
		{"a valid PATCH answered 204", patchEx("application/json", `{"subject": "s"}`, 204, ""), exists, []string{"PATCH-01"}},
		{"a call not known to exist", patchEx("application/json", `{"subject": "s"}`, 404, graphError), Context{}, nil},
		{"an invalid body", patchEx("application/json", `{"subject": 42}`, 400, graphError), exists, nil},
		{"malformed JSON", patchEx("application/json", `{"subject": `, 400, graphError), exists, nil},
		{"another media type", patchEx("text/plain", `{"subject": "s"}`, 415, graphError), exists, nil},
		{"server-generated properties answered 400", patchEx("application/json", `{"state": "established"}`, 400, graphError), exists, nil},
		{"an abstract base type answered 400", patchEx("application/json", `{"mediaConfig": {"removeFromDefaultAudioGroup": true}}`, 400, graphError), exists, nil},
		{"a concrete type answered 400", patchEx("application/json", `{"mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "b"}}`, 400, graphError), exists, []string{"PATCH-01"}},
		{"a body id that differs answered 400", patchEx("application/json", `{"id": "c-2"}`, 400, graphError), exists, nil},
		{"the URL's own id answered 400", patchEx("application/json", `{"id": "c-1"}`, 400, graphError), exists, []string{"PATCH-01"}},
		{"a concurrent PATCH answered 409", patchEx("application/json", `{"subject": "s"}`, 409, graphError), Context{Exists: true, Concurrent: true}, nil},
		{"a concurrent PATCH answered 412", patchEx("application/json", `{"subject": "s"}`, 412, graphError), Context{Exists: true, Concurrent: true}, nil},
		{"a lone PATCH answered 409", patchEx("application/json", `{"subject": "s"}`, 409, graphError), exists, []string{"PATCH-01"}},
		{"throttled", patchEx("application/json", `{"subject": "s"}`, 429, graphError), exists, []string{"HTTP-03"}},
		{"a subject over 64 KiB answered 413", patchEx("application/json", big, 413, graphError), exists, nil},
		{"a subject over 64 KiB answered 400", patchEx("application/json", big, 400, graphError), exists, nil},
		{"a small body answered 413", patchEx("application/json", `{"subject": "s"}`, 413, graphError), exists, []string{"PATCH-01"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := broken(j.ExchangeIn(c.ex, "c-1", c.ctx)); !slices.Equal(got, c.want) {
				t.Errorf("broke %v, want %v", got, c.want)
			}
		})
	}
	// Credentials the harness left out or spoilt on purpose may be refused (ERR-04); the
	// configured ones may not.
	unauth := patchEx("application/json", `{"subject": "s"}`, 401, graphError)
	unauth.Header.Set("WWW-Authenticate", "Bearer")
	if got := broken(j.ExchangeIn(unauth, "c-1", exists)); !slices.Equal(got, []string{"PATCH-01"}) {
		t.Errorf("a 401 with the configured credentials: broke %v, want PATCH-01", got)
	}
	unauth.Auth = target.AuthNone
	if got := broken(j.ExchangeIn(unauth, "c-1", exists)); got != nil {
		t.Errorf("a 401 without credentials: broke %v, want nothing", got)
	}
}

// PATCH-04 holds every 200 to a valid PATCH, in any spec: a value trimmed or truncated is a
// finding; a body the harness sends invalid on purpose is not held to it.
func TestPatch04OnEvery200(t *testing.T) {
	j := newJudge(t)
	long := strings.Repeat("a", 70000)
	for _, c := range []struct {
		name, body, answer string
		want               []string
	}{
		{"the value sent", `{"subject": " s\t"}`, `{"id": "c-1", "subject": " s\t"}`, nil},
		{"a trimmed value", `{"subject": " s\t"}`, `{"id": "c-1", "subject": "s"}`, []string{"PATCH-04"}},
		{"a truncated value", `{"subject": "` + long + `"}`, `{"id": "c-1", "subject": "` + long[:65536] + `"}`, []string{"PATCH-04"}},
		{"a value left out", `{"tenantId": "t"}`, `{"id": "c-1"}`, []string{"PATCH-04"}},
		{"an answer that is no object", `{"subject": "s"}`, `["c-1"]`, []string{"PATCH-02", "PATCH-03", "PATCH-04"}},
		{"an invalid body", `{"subject": "s", "requestedModalities": ["x"]}`, `{"id": "c-1"}`, nil},
		{"only server-generated properties", `{"myParticipantId": "p"}`, `{"id": "c-1"}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := broken(j.Exchange(patchEx("application/json", c.body, 200, c.answer), "c-1")); !slices.Equal(got, c.want) {
				t.Errorf("broke %v, want %v", got, c.want)
			}
		})
	}
	ex := patchEx("application/json", `{"subject": "s"}`, 200, `{"id": "c-1", "subj`)
	ex.Truncated = true
	for _, f := range j.Exchange(ex, "c-1").Findings {
		if !f.Inconclusive {
			t.Errorf("an answer cut at the harness's limit was held against the target: %v", f)
		}
	}
}

// Every 200 to a GET of a call item is held to the media type, the call response schema and the
// URL's id, for STATE-01; a GET of anything else is not.
func TestGetOfACall(t *testing.T) {
	j := newJudge(t)
	call := string(goodCall(t, "c-1"))
	get := func(url string, header http.Header, body string) *target.Exchange {
		ex := exchange("GET", 200, header, body)
		ex.URL = url
		return ex
	}
	const item = "http://127.0.0.1:1/v1/communications/calls/c-1"
	for _, c := range []struct {
		name string
		ex   *target.Exchange
		want []string
	}{
		{"a conforming call", get(item, jsonCT, call), nil},
		{"another id", get("http://127.0.0.1:1/v1/communications/calls/c-2", jsonCT, call), []string{"STATE-01"}},
		{"text/plain", get(item, http.Header{"Content-Type": {"text/plain"}}, call), []string{"STATE-01"}},
		{"a schema violation", get(item, jsonCT, `{"id": "c-1", "mediaState": {"audio": "loud"}}`), []string{"STATE-01"}},
		{"a foreign @odata.type", get(item, jsonCT, `{"id": "c-1", "@odata.type": "#microsoft.graph.participant"}`), []string{"STATE-01"}},
		{"no object", get(item, jsonCT, `"c-1"`), []string{"STATE-01"}},
		{"the collection", get("http://127.0.0.1:1/v1/communications/calls", http.Header{"Content-Type": {"text/plain"}}, "x"), nil},
		{"below the item", get(item+"/participants", http.Header{"Content-Type": {"text/plain"}}, "x"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := broken(j.Exchange(c.ex, "")); !slices.Equal(got, c.want) {
				t.Errorf("broke %v, want %v: %v", got, c.want, j.Exchange(c.ex, "").Findings)
			}
		})
	}
}

func TestItemOf(t *testing.T) {
	for u, want := range map[string]string{
		"http://h/communications/calls/abc":            "abc",
		"http://h/v1.0/communications/calls/a%2Fb?x=1": "a/b",
		"/communications/calls/c%20d":                  "c d",
	} {
		if got, ok := ItemOf(u); !ok || got != want {
			t.Errorf("ItemOf(%q) = %q, %v; want %q", u, got, ok, want)
		}
	}
	for _, u := range []string{"http://h/communications/calls", "http://h/communications/calls/", "http://h/communications/calls/a/b", "http://h/other/a"} {
		if id, ok := ItemOf(u); ok {
			t.Errorf("ItemOf(%q) = %q, want none", u, id)
		}
	}
}

// BenchmarkValidPatch200 is the judge's cost of a 200 to a valid PATCH of every updatable
// property: the request is validated and decoded (PATCH-01, PATCH-04) besides the answer.
func BenchmarkValidPatch200(b *testing.B) {
	v, err := schemas.Default()
	if err != nil {
		b.Fatal(err)
	}
	j := New(v)
	all, err := fixtures.All()
	if err != nil {
		b.Fatal(err)
	}
	var body []byte
	for _, f := range all {
		if f.Kind == schemas.KindRequest && f.Valid && len(f.Body) > len(body) && f.Property == "" && !f.Abstract {
			body = f.Body
		}
	}
	ex := patchEx("application/json", string(body), 200, `{"id": "c-1"}`)
	ex.Body = []byte(strings.Replace(string(body), "{", `{"id": "c-1", `, 1))
	if fs := j.ExchangeIn(ex, "c-1", Context{Exists: true}).Findings; len(fs) != 0 {
		b.Fatalf("findings on a conforming exchange: %v", fs)
	}
	b.Run("request judged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			j.ExchangeIn(ex, "c-1", Context{Exists: true})
		}
	})
	answerOnly := *ex
	answerOnly.RequestBody = nil
	b.Run("answer only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			j.ExchangeIn(&answerOnly, "c-1", Context{Exists: true})
		}
	})
}
