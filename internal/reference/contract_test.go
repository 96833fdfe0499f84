package reference

// One test (at least) per requirement ID of the contract (docs/contract.md), named after it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/schemas"
)

func TestPATCH01_ValidPatchAnswers200(t *testing.T) {
	e := newEnv(t, Options{})
	mustValid(t, schemas.KindRequest, []byte(fullCall))
	for _, ct := range []string{"application/json", "application/json; charset=utf-8",
		"application/json;odata.metadata=minimal", "Application/JSON"} {
		id, _ := e.create(createBody)
		if r := e.patch(id, fullCall, "Content-Type", ct); r.Status != http.StatusOK {
			t.Errorf("Content-Type %q: %v", ct, r)
		}
		if r := e.patch(id, `{}`, "Content-Type", ct); r.Status != http.StatusOK {
			t.Errorf("empty object, Content-Type %q: %v", ct, r)
		}
	}
}

func TestPATCH02_ResponseIsJSONAndSatisfiesResponseSchema(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, body := range []string{`{"subject":"x"}`, fullCall, `{}`} {
		r := e.patch(id, body)
		if r.Status != http.StatusOK {
			t.Fatalf("%v", r)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		mustValid(t, schemas.KindResponse, r.Body)
	}
}

func TestPATCH03_ResponseIDEqualsURLCallID(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, body := range []string{`{"subject":"x"}`, fullCall, fmt.Sprintf(`{"id":%q}`, id)} {
		r := e.patch(id, body)
		if got := decode(t, r.Body)["id"]; got != id {
			t.Errorf("PATCH %s: id %v, want %s", body, got, id)
		}
	}
}

func TestPATCH04_EveryUpdatablePropertyIsReflected(t *testing.T) {
	e := newEnv(t, Options{})
	cases := map[string]string{
		"subject":             `"A new subject"`,
		"callbackUri":         `"https://example.com/cb?x=1&y=<2>"`,
		"source":              `{"identity":{"user":{"id":"u9","displayName":"Nine"}},"region":"amer","languageId":"fr-FR"}`,
		"targets":             `[{"identity":{"application":{"id":"a1"}}},{"identity":{"user":{"id":"u3"}},"region":"apac"}]`,
		"requestedModalities": `["video","data","videoBasedScreenSharing"]`,
		"mediaConfig":         `{"@odata.type":"#microsoft.graph.mediaConfig","removeFromDefaultAudioGroup":true}`,
		"chatInfo":            `{"threadId":"t2","messageId":"m2"}`,
		"meetingInfo":         `{"@odata.type":"microsoft.graph.meetingInfo","allowConversationWithoutHost":false}`,
		"tenantId":            `"tenant-2"`,
		"mediaState":          `{"audio":"active"}`,
	}
	check := func(body string, r resp) {
		t.Helper()
		if r.Status != http.StatusOK {
			t.Fatalf("PATCH %s: %v", body, r)
		}
		want, got := decode(t, []byte(body)), decode(t, r.Body)
		for k, v := range want {
			if !contains(got[k], v) {
				t.Errorf("PATCH %s: %s is %v, want it to contain %v", body, k, got[k], v)
			}
		}
	}
	for prop, val := range cases {
		id, _ := e.create(createBody)
		body := fmt.Sprintf(`{%q:%s}`, prop, val)
		check(body, e.patch(id, body))
	}
	// All at once.
	var all []string
	for prop, val := range cases {
		all = append(all, fmt.Sprintf(`%q:%s`, prop, val))
	}
	id, _ := e.create(createBody)
	body := "{" + strings.Join(all, ",") + "}"
	check(body, e.patch(id, body))
	// Numbers exactly, never through float64.
	for _, n := range []string{"9223372036854775807", "-9223372036854775808", "9007199254740993", "0"} {
		body := `{"toneInfo":{"sequenceId":` + n + `,"tone":"star"}}`
		r := e.patch(id, body)
		check(body, r)
		if !strings.Contains(string(r.Body), `"sequenceId":`+n+`,`) {
			t.Errorf("sequenceId %s not written exactly: %s", n, r.Body)
		}
	}
}

func TestPATCH05_AbsentPropertiesKeepTheirValues(t *testing.T) {
	e := newEnv(t, Options{})
	id, before := e.create(createBody)
	r := e.patch(id, `{"subject":"only this"}`)
	after := decode(t, r.Body)
	for k, v := range before {
		if k == "subject" {
			continue
		}
		if !reflect.DeepEqual(after[k], v) {
			t.Errorf("%s changed from %v to %v", k, v, after[k])
		}
	}
	if after["subject"] != "only this" {
		t.Errorf("subject %v", after["subject"])
	}
	// Nested objects merge: chatInfo.messageId survives a PATCH of chatInfo.threadId.
	r = e.patch(id, `{"chatInfo":{"threadId":"t9"},"source":{"identity":{"user":{"id":"u7"}}}}`)
	got := decode(t, r.Body)
	want := decode(t, []byte(`{"chatInfo":{"threadId":"t9","messageId":"m1","replyChainMessageId":"r1"},
	  "source":{"identity":{"application":{"id":"app-1","displayName":"Bot"},"user":{"id":"u7"}},"region":"emea","languageId":"en-US"}}`))
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("nested merge: %s = %v, want %v", k, got[k], v)
		}
	}
	// Arrays are replaced, not appended.
	r = e.patch(id, `{"targets":[{"identity":{"user":{"id":"only"}}}],"requestedModalities":["data"]}`)
	got = decode(t, r.Body)
	if n := len(got["targets"].([]any)); n != 1 {
		t.Errorf("targets has %d entries after replacing with 1", n)
	}
	if !reflect.DeepEqual(got["requestedModalities"], []any{"data"}) {
		t.Errorf("requestedModalities %v", got["requestedModalities"])
	}
}

func TestPATCH06_ServerGeneratedPropertiesAreReflected(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	body := `{"state":"terminated","direction":"incoming","myParticipantId":"p-42",
	  "resultInfo":{"code":200,"subcode":5001,"message":"ok"},
	  "toneInfo":{"sequenceId":9223372036854775807,"tone":"pound"}}`
	r := e.patch(id, body)
	if r.Status != http.StatusOK {
		t.Fatalf("%v", r)
	}
	got, want := decode(t, r.Body), decode(t, []byte(body))
	for k, v := range want {
		if !contains(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	// The seed's own example, once its placeholders are real values, is accepted whole.
	if r := e.patch(id, fullCall); r.Status != http.StatusOK {
		t.Errorf("seed example: %v", r)
	}
}

func TestPATCH07_BodyIDDifferentFromURLNeverChangesTheID(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	r := e.patch(id, `{"id":"another-id","subject":"hijack"}`)
	eo := graphError(t, r, http.StatusBadRequest)
	if eo["target"] != "/id" {
		t.Errorf("target %v", eo["target"])
	}
	g := e.do("GET", e.item(id), "")
	got := decode(t, g.Body)
	if got["id"] != id || got["subject"] == "hijack" {
		t.Errorf("call changed by a refused PATCH: %s", g.Body)
	}
	if r := e.do("GET", e.item("another-id"), ""); r.Status != http.StatusNotFound {
		t.Errorf("another-id exists: %v", r)
	}
	// The same id as the URL's is fine.
	if r := e.patch(id, fmt.Sprintf(`{"id":%q,"subject":"same"}`, id)); r.Status != http.StatusOK {
		t.Errorf("body id equal to URL id: %v", r)
	}
}

// hostileRequests is every kind of request the harness sends, valid or not.
func hostileRequests(e *env, id string) []func() resp {
	bodies := []string{``, `{`, `{"subject":}`, `null`, `[]`, `"x"`, `42`, `{"subject":1}`,
		`{"state":"ringing"}`, `{"callbackUri":null}`, `{"resultInfo":{"code":2147483648,"subcode":0}}`,
		`{"resultInfo":{"code":1e20000000,"subcode":0}}`, `{"toneInfo":{"sequenceId":1e400,"tone":"a"}}`,
		`{"source":"x"}`, `{"targets":{}}`, `{"subject":"a","subject":"b"}`, "\xef\xbb\xbf{}", "{\"subject\":\"\xff\"}",
		strings.Repeat("[", 100000), `{"unknown":1}`, `{"id":5}`, `{"id":"other"}`, `{"mediaConfig":{"@odata.type":"#microsoft.graph.appHostedMediaConfig","blob":"b"}}`,
		`{"mediaConfig":{"preFetchMedia":[]}}`, fullCall}
	var out []func() resp
	for _, b := range bodies {
		out = append(out, func() resp { return e.patch(id, b) })
		out = append(out, func() resp { return e.do("POST", e.base, b) })
	}
	for _, ct := range []string{"", "text/plain", "application/xml", "application/json; charset=latin1", "bogus/"} {
		out = append(out, func() resp { return e.patch(id, `{}`, "Content-Type", ct) })
	}
	for _, p := range []string{"..%2F..%2F", "%00", "%0A", strings.Repeat("a", 4096), "x%2Fy", "%C0%AF", "does-not-exist"} {
		out = append(out, func() resp { return e.patch(p, `{"subject":"x"}`) })
	}
	for _, m := range []string{"PUT", "POST", "HEAD", "OPTIONS", "TRACE", "CONNECT"} {
		out = append(out, func() resp { return e.do(m, e.item(id), "") })
	}
	out = append(out, func() resp { return e.patch(id, strings.Repeat(" ", int(DefaultMaxBodyBytes)+1)) })
	return out
}

func TestPATCH08_NoRequestIsAnsweredWith5xx(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for i, req := range hostileRequests(e, id) {
		if r := req(); r.Status >= 500 {
			t.Errorf("request %d: %v", i, r)
		}
	}
	// The call is still valid after all that.
	r := e.do("GET", e.item(id), "")
	mustValid(t, schemas.KindResponse, r.Body)
}

func TestERR01_MalformedJSONAnswers400(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, body := range []string{`{`, `{"subject":}`, `{"subject":"x",}`, `{subject:"x"}`, `{"subject":"x"} {}`,
		`{"subject":'x'}`, "{\"subject\":\"\xff\"}", `{"subject":"a","subject":"b"}`, strings.Repeat(`{"a":`, 200)} {
		r := e.patch(id, body)
		graphError(t, r, http.StatusBadRequest)
	}
	// An empty body is not JSON either.
	req, _ := http.NewRequest("PATCH", e.item(id), http.NoBody)
	req.Header.Set("Content-Type", "application/json")
	if r := send(t, e.client, req); r.Status != http.StatusBadRequest {
		t.Errorf("empty body: %v", r)
	}
}

// TestRawByteRefusalsAreMalformedBodiesButNumberAndSizeLimits: the validator's raw-byte checks
// ("json" violations) decide which bodies are malformed (400 badRequest, no details); the two of
// its limits that well-formed JSON can reach, a number it cannot judge and a document over
// schemas.MaxDocumentBytes, answer as schema violations (400 invalidRequest, a "json" detail each).
func TestRawByteRefusalsAreMalformedBodiesButNumberAndSizeLimits(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	nest := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	for _, c := range []struct {
		body, code string
	}{
		{"", codeBadRequest},
		{"\xef\xbb\xbf{}", codeBadRequest},
		{"{\"subject\":\"\xff\"}", codeBadRequest},
		{`{"subject":"x"} {}`, codeBadRequest},
		{`{"subject":"a","subject":"b"}`, codeBadRequest},
		{`{"subject":"a","subject":"b","resultInfo":{"code":1e20000000,"subcode":0}}`, codeBadRequest},
		{nest(schemas.MaxDepth + 1), codeBadRequest},
		{strings.Repeat("[", schemas.MaxDepth+1) + strings.Repeat("]", schemas.MaxDepth+1), codeBadRequest},
		{nest(schemas.MaxDepth), codeInvalidRequest}, // deep enough for the validator, not for the schema
		{`{"resultInfo":{"code":1e20000000,"subcode":0}}`, codeInvalidRequest},
		{`{"toneInfo":{"sequenceId":` + strings.Repeat("1", 101) + `,"tone":"a"}}`, codeInvalidRequest},
		{strings.Repeat(" ", schemas.MaxDocumentBytes) + "{}", codeInvalidRequest},
	} {
		_, e := srv.parseRequest([]byte(c.body))
		short := c.body[:min(len(c.body), 60)]
		if e == nil || e.Status != http.StatusBadRequest || e.Code != c.code {
			t.Errorf("%q: %+v, want 400 %s", short, e, c.code)
			continue
		}
		if c.code == codeBadRequest && len(e.Details) != 0 {
			t.Errorf("%q: a malformed body answered with details %+v", short, e.Details)
		}
		if c.code == codeInvalidRequest && len(e.Details) == 0 {
			t.Errorf("%q: a schema 400 without details", short)
		}
	}
}

func TestERR02_SchemaViolationsAnswer400WithOneDetailPerViolation(t *testing.T) {
	e := newEnv(t, Options{})
	id, before := e.create(createBody)
	cases := []struct{ body, target string }{
		{`{"state":"ringing"}`, "/state"},                                          // outside the seed's enum
		{`{"direction":"sideways"}`, "/direction"},                                 // outside an enum
		{`{"requestedModalities":["audio","smell"]}`, "/requestedModalities/1"},    // array item outside an enum
		{`{"subject":42}`, "/subject"},                                             // wrong JSON type
		{`{"targets":{"identity":{}}}`, "/targets"},                                // object instead of array
		{`{"callbackUri":null}`, "/callbackUri"},                                   // null for a non-nullable property
		{`{"resultInfo":{"code":null,"subcode":1}}`, "/resultInfo/code"},           // null, nested
		{`{"resultInfo":{"code":2147483648,"subcode":0}}`, "/resultInfo/code"},     // int32 out of range
		{`{"resultInfo":{"code":0,"subcode":-2147483649}}`, "/resultInfo/subcode"}, // int32 out of range
		{`{"toneInfo":{"sequenceId":9223372036854775808,"tone":"a"}}`, "/toneInfo/sequenceId"},
		{`{"chatInfo":["t1"]}`, "/chatInfo"},           // array instead of object
		{`{"source":"somebody"}`, "/source"},           // string instead of object
		{`{"subjet":"typo"}`, ""},                      // a property outside the seed's table
		{`{"chatInfo":{"threadID":"x"}}`, "/chatInfo"}, // closed nested type
	}
	for _, c := range cases {
		mustInvalidRequest(t, c.body)
		r := e.patch(id, c.body)
		eo := graphError(t, r, http.StatusBadRequest)
		details, _ := eo["details"].([]any)
		res, _ := validator(t).Validate(schemas.KindRequest, []byte(c.body))
		if len(details) != len(res.Violations) {
			t.Errorf("%s: %d details for %d violations: %s", c.body, len(details), len(res.Violations), r.Body)
		}
		var targets []string
		for _, d := range details {
			dm, _ := d.(map[string]any)
			tg, _ := dm["target"].(string)
			targets = append(targets, tg)
			if c, _ := dm["code"].(string); c == "" {
				t.Errorf("detail without code: %v", d)
			}
		}
		if !slices.ContainsFunc(targets, func(s string) bool { return strings.HasPrefix(s, c.target) }) {
			t.Errorf("%s: no detail targets %q: %v", c.body, c.target, targets)
		}
	}
	// A JSON array, string or number instead of an object.
	for _, body := range []string{`[]`, `[{"subject":"x"}]`, `"subject"`, `42`, `null`, `true`} {
		mustInvalidRequest(t, body)
		graphError(t, e.patch(id, body), http.StatusBadRequest)
	}
	// Nothing was stored by any refused PATCH.
	after := decode(t, e.do("GET", e.item(id), "").Body)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("a refused PATCH changed the call:\n%v\n%v", before, after)
	}
}

func TestERR03_PatchUnknownCallIDAnswers404(t *testing.T) {
	e := newEnv(t, Options{})
	for _, id := range []string{"00000000-0000-0000-0000-000000000000", ids.GUID(), "no-such-call"} {
		r := e.patch(id, `{"subject":"x"}`)
		eo := graphError(t, r, http.StatusNotFound)
		if eo["code"] != codeNotFound {
			t.Errorf("code %v", eo["code"])
		}
		graphError(t, e.do("GET", e.item(id), ""), http.StatusNotFound)
		graphError(t, e.do("DELETE", e.item(id), ""), http.StatusNotFound)
	}
	if e.srv.Len() != 0 {
		t.Errorf("a PATCH to an unknown id created a call")
	}
}

func TestERR04_MissingMalformedOrWrongTokenAnswers401(t *testing.T) {
	const token = "s3cret-T0KEN-value"
	var log strings.Builder
	var mu sync.Mutex
	e := newEnv(t, Options{Token: token, Log: lockedWriter{&mu, &log}})
	id, _ := e.create(createBody)
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + token + "x",
		"Basic " + token, token, "Bearer" + token, "Bearer " + token[:len(token)-1]} {
		r := e.patch(id, `{"subject":"x"}`, "Authorization", auth)
		if auth == "" {
			r = e.do("PATCH", e.item(id), `{"subject":"x"}`, "Authorization", "")
		}
		eo := graphError(t, r, http.StatusUnauthorized)
		if eo["code"] != codeUnauthenticated {
			t.Errorf("code %v", eo["code"])
		}
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%q: WWW-Authenticate %q", auth, r.Header.Get("WWW-Authenticate"))
		}
		if strings.Contains(string(r.Body), token) {
			t.Errorf("token in a response body")
		}
	}
	for _, auth := range []string{"Bearer " + token, "bearer " + token, "BEARER  " + token + " "} {
		if r := e.patch(id, `{"subject":"x"}`, "Authorization", auth); r.Status != http.StatusOK {
			t.Errorf("%q: %v", auth, r)
		}
	}
	// Every route is protected, including unknown ones and the collection.
	for _, u := range []string{e.base, e.hs.URL + "/elsewhere", e.item("nope")} {
		if r := e.do("GET", u, "", "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s without token: %v", u, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(log.String(), token) || strings.Count(log.String(), "\n") < 10 {
		t.Errorf("log has the token or too few lines:\n%s", log.String())
	}
}

func TestERR05_NonJSONMediaTypeAnswers415(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, ct := range []string{"text/plain", "application/xml", "", "application/x-www-form-urlencoded",
		"application/jsonx", "text/json", "application/json; charset=iso-8859-1", "not a media type"} {
		r := e.patch(id, `{"subject":"x"}`, "Content-Type", ct)
		graphError(t, r, http.StatusUnsupportedMediaType)
		graphError(t, e.do("POST", e.base, createBody, "Content-Type", ct), http.StatusUnsupportedMediaType)
	}
	// A content coding other than gzip is refused as well (gzip is tested in encoding_test.go).
	graphError(t, e.patch(id, `{"subject":"x"}`, "Content-Encoding", "br"), http.StatusUnsupportedMediaType)
}

func TestERR06_Every4xxCarriesAGraphErrorBody(t *testing.T) {
	e := newEnv(t, Options{Token: "tok"})
	id, _ := e.create(createBody)
	n := 0
	for _, req := range hostileRequests(e, id) {
		r := req()
		if r.Status >= 400 && r.Status < 500 && r.Header.Get("request-id") != "" {
			if len(r.Body) == 0 { // HEAD
				continue
			}
			graphError(t, r, r.Status)
			n++
		}
	}
	graphError(t, e.do("GET", e.base, "", "Authorization", ""), http.StatusUnauthorized)
	graphError(t, e.do("GET", e.hs.URL+"/nowhere", ""), http.StatusNotFound)
	if n < 40 {
		t.Errorf("only %d 4xx answers checked", n)
	}
}

func TestERR07_ErrorCarriesInnerErrorWithRequestIDAndDate(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.patch("nope", `{}`, "client-request-id", "c-123")
	eo := graphError(t, r, http.StatusNotFound)
	ie, ok := eo["innerError"].(map[string]any)
	if !ok {
		t.Fatalf("no innerError: %s", r.Body)
	}
	if ie["request-id"] != r.Header.Get("request-id") || ie["request-id"] == "" {
		t.Errorf("innerError.request-id %v, header %q", ie["request-id"], r.Header.Get("request-id"))
	}
	if ie["client-request-id"] != "c-123" {
		t.Errorf("innerError.client-request-id %v", ie["client-request-id"])
	}
	if d, _ := ie["date"].(string); len(d) < 20 || d[4] != '-' || d[10] != 'T' {
		t.Errorf("innerError.date %v", ie["date"])
	}
	// Without a client-request-id, none is made up.
	eo = graphError(t, e.patch("nope", `{}`), http.StatusNotFound)
	if _, ok := eo["innerError"].(map[string]any)["client-request-id"]; ok {
		t.Errorf("client-request-id invented: %v", eo)
	}
}

func TestERR08_PutOnCallAnswers405WithAllowListingPatch(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, m := range []string{"PUT", "POST", "OPTIONS", "TRACE", "HEAD", "MERGE"} {
		r := e.do(m, e.item(id), createBody)
		if r.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s: %v", m, r)
		}
		if a := r.Header.Get("Allow"); a != "GET, PATCH, DELETE" {
			t.Errorf("%s: Allow %q", m, a)
		}
		if m != "HEAD" {
			graphError(t, r, http.StatusMethodNotAllowed)
		}
	}
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		r := e.do(m, e.base, createBody)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" {
			t.Errorf("%s collection: %v Allow %q", m, r, r.Header.Get("Allow"))
		}
	}
	// The PUT changed nothing.
	if got := decode(t, e.do("GET", e.item(id), "").Body); got["subject"] != "Initial subject" {
		t.Errorf("PUT changed the call: %v", got)
	}
}

func TestERR09_MalformedCallIDAnswers400Or404NeverARedirect(t *testing.T) {
	e := newEnv(t, Options{BasePath: "/v1.0"})
	id, _ := e.create(createBody)
	hostport := strings.TrimPrefix(e.hs.URL, "http://")
	coll := "/v1.0/communications/calls/"
	targets := []string{"..%2F..%2F", "..%2F..%2Fetc%2Fpasswd", "%2E%2E", "..", ".", "%00", "%0A", "%0D%0Aset-cookie:x",
		strings.Repeat("a", 4096), strings.Repeat("%41", 4096), "%ZZ", "%", "%C0%AF", "%FF", id + "%2F",
		id + "?injected=1", id + "/?/", id + "??", id + "/" + id, id + "/", "../../x", "./" + id, "%5C..%5C",
		id + "%23frag", "a%09b", "%7F", "%C2%85"}
	for _, p := range targets {
		st, hdr := raw(t, hostport, coll+p, "client-request-id: cr")
		if st >= 300 && st < 400 || hdr.Get("Location") != "" {
			t.Errorf("%q: redirect %d to %q", p, st, hdr.Get("Location"))
		}
		switch {
		case p == id+"?injected=1" || p == id+"??":
			if st != http.StatusOK { // the query is not part of the id
				t.Errorf("%q: %d", p, st)
			}
		case st != http.StatusBadRequest && st != http.StatusNotFound:
			t.Errorf("%q: %d, want 400 or 404", p, st)
		}
	}
	// Also through net/http's client and without the base path.
	for _, p := range []string{url.PathEscape("../../"), "%00", "%0A", strings.Repeat("x", 4096)} {
		for _, base := range []string{e.base + "/", e.hs.URL + "/communications/calls/"} {
			r := e.do("PATCH", base+p, `{}`)
			if r.Status != http.StatusBadRequest && r.Status != http.StatusNotFound {
				t.Errorf("%q: %v", p, r)
			}
			graphError(t, r, r.Status)
		}
	}
	// Nothing was changed or created.
	if e.srv.Len() != 1 {
		t.Errorf("%d calls stored", e.srv.Len())
	}
}

func TestHTTP01_EveryResponseCarriesARequestID(t *testing.T) {
	e := newEnv(t, Options{Token: "tok"})
	id, _ := e.create(createBody)
	seen := map[string]bool{}
	check := func(r resp) {
		t.Helper()
		rid := r.Header.Get("request-id")
		if rid == "" || seen[rid] {
			t.Errorf("request-id %q (missing or repeated) on %v", rid, r)
		}
		seen[rid] = true
	}
	for _, req := range hostileRequests(e, id) {
		check(req())
	}
	check(e.do("GET", e.item(id), ""))
	check(e.do("GET", e.item(id), "", "Authorization", ""))
	check(e.do("GET", e.hs.URL+"/", ""))
	check(e.do("DELETE", e.item(id), ""))
}

func TestHTTP02_ClientRequestIDIsEchoed(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for i, req := range []func(string) resp{
		func(c string) resp { return e.patch(id, `{"subject":"x"}`, "client-request-id", c) },
		func(c string) resp { return e.patch(id, `{"subject":1}`, "client-request-id", c) },
		func(c string) resp { return e.patch("nope", `{}`, "client-request-id", c) },
		func(c string) resp { return e.do("PUT", e.item(id), `{}`, "client-request-id", c) },
		func(c string) resp { return e.do("GET", e.item(id), "", "client-request-id", c) },
		func(c string) resp { return e.do("POST", e.base, createBody, "client-request-id", c) },
		func(c string) resp { return e.patch(id, `{}`, "client-request-id", c, "Content-Type", "text/plain") },
	} {
		c := fmt.Sprintf("client-%d-%s", i, ids.GUID())
		if r := req(c); r.Header.Get("client-request-id") != c {
			t.Errorf("request %d: client-request-id %q, want %q", i, r.Header.Get("client-request-id"), c)
		}
	}
	if r := e.patch(id, `{}`); r.Header.Get("client-request-id") != "" {
		t.Errorf("client-request-id invented")
	}
}

func TestSTATE01_GetAfterPatchReturnsTheUpdatedValues(t *testing.T) {
	e := newEnv(t, Options{})
	id, before := e.create(createBody)
	body := `{"subject":"stored","chatInfo":{"threadId":"t5"},"targets":[],"toneInfo":{"sequenceId":9223372036854775807,"tone":"d"}}`
	p := e.patch(id, body)
	g := e.do("GET", e.item(id), "")
	if g.Status != http.StatusOK || string(g.Body) != string(p.Body) {
		t.Fatalf("GET %v differs from PATCH response %v", g, p)
	}
	got, sent := decode(t, g.Body), decode(t, []byte(body))
	for k, v := range sent {
		if !contains(got[k], v) {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	for k, v := range before {
		if _, ok := sent[k]; !ok && !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s changed: %v -> %v", k, v, got[k])
		}
	}
	mustValid(t, schemas.KindResponse, g.Body)
}

func TestSTATE02_SamePatchTwiceYieldsTheSameRepresentation(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, body := range []string{fullCall, `{"subject":"twice"}`, `{"chatInfo":{"messageId":"m"}}`} {
		a, b := e.patch(id, body), e.patch(id, body)
		if a.Status != 200 || string(a.Body) != string(b.Body) {
			t.Errorf("%s:\n%v\n%v", body, a, b)
		}
	}
}

// TestSTATE03_1000ConcurrentPatchesOnOneCall sends 1,000 PATCHes at once, each with its own
// subject; all answer 200, the final subject is one of them and nothing else changed.
func TestSTATE03_1000ConcurrentPatchesOnOneCall(t *testing.T) {
	e := newEnv(t, Options{})
	id, before := e.create(createBody)
	const n = 1000
	sent := make(map[string]bool, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		subject := fmt.Sprintf("subject %04d", i)
		sent[subject] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.patch(id, fmt.Sprintf(`{"subject":%q}`, subject))
			statuses[i] = r.Status
			if r.Status == 200 && decode(t, r.Body)["subject"] != subject {
				t.Errorf("response to %q shows %v", subject, decode(t, r.Body)["subject"])
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("PATCH %d: %d", i, s)
		}
	}
	g := e.do("GET", e.item(id), "")
	mustValid(t, schemas.KindResponse, g.Body)
	after := decode(t, g.Body)
	if s, _ := after["subject"].(string); !sent[s] {
		t.Errorf("final subject %q was never sent", s)
	}
	for k, v := range before {
		if k != "subject" && !reflect.DeepEqual(after[k], v) {
			t.Errorf("%s changed: %v -> %v", k, v, after[k])
		}
	}
}

// TestSTATE03_ConcurrentPatchesOfDifferentPropertiesAreAllKept checks nothing is lost: each of
// the concurrent PATCHes sets its own property, and every one is in the final call.
func TestSTATE03_ConcurrentPatchesOfDifferentPropertiesAreAllKept(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	bodies := []string{`{"subject":"s"}`, `{"tenantId":"tn"}`, `{"chatInfo":{"threadId":"th"}}`,
		`{"chatInfo":{"messageId":"mi"}}`, `{"source":{"region":"rg"}}`, `{"source":{"languageId":"lg"}}`,
		`{"mediaState":{"audio":"active"}}`, `{"requestedModalities":["data"]}`, `{"state":"hold"}`,
		`{"myParticipantId":"me"}`}
	var wg sync.WaitGroup
	for _, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.patch(id, b); r.Status != 200 {
				t.Errorf("%s: %v", b, r)
			}
		}()
	}
	wg.Wait()
	got := decode(t, e.do("GET", e.item(id), "").Body)
	for _, b := range bodies {
		for k, v := range decode(t, []byte(b)) {
			if !contains(got[k], v) {
				t.Errorf("lost %s=%v: have %v", k, v, got[k])
			}
		}
	}
}

func TestSTATE04_PatchAfterDeleteAnswers404(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	r := e.do("DELETE", e.item(id), "")
	if r.Status != http.StatusNoContent || len(r.Body) != 0 || r.Header.Get("request-id") == "" {
		t.Fatalf("DELETE: %v", r)
	}
	graphError(t, e.patch(id, `{"subject":"back?"}`), http.StatusNotFound)
	graphError(t, e.patch(id, fullCall), http.StatusNotFound)
	graphError(t, e.do("GET", e.item(id), ""), http.StatusNotFound)
	graphError(t, e.do("DELETE", e.item(id), ""), http.StatusNotFound)
	if e.srv.Len() != 0 {
		t.Errorf("resurrected")
	}
	// PATCHes racing a DELETE never bring the call back.
	for range 20 {
		id, _ := e.create(createBody)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 8 {
					e.do("DELETE", e.item(id), "")
					return
				}
				if r := e.patch(id, `{"subject":"race"}`); r.Status != 200 && r.Status != 404 {
					t.Errorf("racing PATCH: %v", r)
				}
			}()
		}
		wg.Wait()
		graphError(t, e.patch(id, `{"subject":"x"}`), http.StatusNotFound)
	}
	if e.srv.Len() != 0 {
		t.Errorf("%d calls resurrected", e.srv.Len())
	}
}

func TestSTATE05_StringsSurviveARoundTripByteForByte(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	long := strings.Repeat("0123456789abcdeé", 64) // 1,024 characters
	for _, s := range []string{"Grüße, Œuvre, ñandú, Ελληνικά, Кириллица, 中文, 日本語", "emoji 📞🎉👩🏽‍💻🇫🇷",
		"עברית ومرحبا بالعالم", "combining: e\u0301 a\u030a n\u0303 \u0915\u094d\u0937", `quote " backslash \ tab ` + "\t nl \n cr \r",
		"\u0000 nul and \u001f unit separator", "<script>&amp;</script>", "\u2028\u2029 separators", "\ufeffbom inside",
		long, strings.Repeat("x", 5000), ""} {
		body, _ := json.Marshal(map[string]string{"subject": s})
		r := e.patch(id, string(body))
		if r.Status != 200 {
			t.Fatalf("%q: %v", s, r)
		}
		for _, doc := range [][]byte{r.Body, e.do("GET", e.item(id), "").Body} {
			if got := decode(t, doc)["subject"]; got != s {
				t.Errorf("sent %q, got %q", s, got)
			}
		}
	}
	// Escapes written by the client come back as the client wrote them.
	for _, rawSubject := range []string{`"a\"b\\c\td\u00e9\ud83d\udcde"`, `"\/slash"`, `"plain"`} {
		r := e.patch(id, `{"subject":`+rawSubject+`}`)
		if !strings.Contains(string(r.Body), `"subject":`+rawSubject) {
			t.Errorf("%s not echoed verbatim: %s", rawSubject, r.Body)
		}
	}
	if got := []rune(long); len(got) != 1024 {
		t.Fatalf("long string has %d characters", len(got))
	}
}

func TestSTATE06_NullSetsANullablePropertyToNull(t *testing.T) {
	e := newEnv(t, Options{})
	for _, prop := range []string{"subject", "tenantId", "chatInfo", "source", "targets", "requestedModalities",
		"mediaState", "mediaConfig", "meetingInfo", "state", "direction", "myParticipantId", "resultInfo", "toneInfo"} {
		id, _ := e.create(createBody)
		r := e.patch(id, fmt.Sprintf(`{%q:null}`, prop))
		if r.Status != http.StatusOK {
			t.Errorf("%s: %v", prop, r)
			continue
		}
		for _, doc := range [][]byte{r.Body, e.do("GET", e.item(id), "").Body} {
			if v, ok := decode(t, doc)[prop]; ok && v != nil {
				t.Errorf("%s: %v after null", prop, v)
			}
		}
		mustValid(t, schemas.KindResponse, r.Body)
		// And a value can be set again afterwards.
		if prop == "chatInfo" {
			r := e.patch(id, `{"chatInfo":{"threadId":"again"}}`)
			if got := decode(t, r.Body)["chatInfo"]; !contains(got, map[string]any{"threadId": "again"}) {
				t.Errorf("chatInfo after null then set: %v", got)
			}
		}
	}
	// Null for a non-nullable property is refused (ERR-02's territory, checked here for contrast).
	id, _ := e.create(createBody)
	graphError(t, e.patch(id, `{"callbackUri":null}`), http.StatusBadRequest)
}

// lockedWriter serialises writes to a strings.Builder shared with the test.
type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
