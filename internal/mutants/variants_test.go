package mutants

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/ids"
)

// client talks to one built implementation the way the harness does: a bearer token and a
// client-request-id on every request.
type client struct {
	t   *testing.T
	srv *httptest.Server
	in  *Instance
	tok string
}

func start(t *testing.T, name string) *client {
	t.Helper()
	im, ok := Get(name)
	if !ok {
		t.Fatalf("no implementation %q", name)
	}
	const tok = "variant-token"
	in, err := im.Build(tok)
	if err != nil {
		t.Fatal(err)
	}
	if in.Close != nil {
		t.Cleanup(in.Close)
	}
	return &client{t: t, srv: serve(t, in.Handler), in: in, tok: in.Token}
}

// reply is one answer, its body decoded when it is JSON.
type reply struct {
	status int
	header http.Header
	body   []byte
	obj    map[string]any
}

// do sends a request; hdr are name/value pairs ("" as value removes the header).
func (c *client) do(method, path, body string, hdr ...string) *reply {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	req.Header.Set("client-request-id", ids.GUID())
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := &reply{status: resp.StatusCode, header: resp.Header, body: b}
	r.obj, _ = decodeObject(b)
	if got, sent := resp.Header.Get("client-request-id"), req.Header.Get("client-request-id"); got != sent {
		c.t.Errorf("%s %s: client-request-id %q not echoed (got %q)", method, path, sent, got)
	}
	return r
}

func (c *client) create(body string) string {
	c.t.Helper()
	r := c.do(http.MethodPost, collection, body)
	id, _ := r.obj["id"].(string)
	if r.status != http.StatusCreated || id == "" {
		c.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return id
}

func item(id string) string { return collection + "/" + id }

// graphError fails unless r is a Graph error with status and, when code is not "", that code.
func (r *reply) graphError(t *testing.T, status int, code string) {
	t.Helper()
	e, _ := r.obj["error"].(map[string]any)
	if r.status != status || e == nil || (code != "" && e["code"] != code) || r.header.Get("request-id") == "" {
		t.Errorf("want %d Graph error %q with request-id, got %d %s", status, code, r.status, r.body)
	}
}

// path returns the value at the members named, nil when one is missing.
func path(v any, members ...any) any {
	for _, m := range members {
		switch k := m.(type) {
		case string:
			o, _ := v.(map[string]any)
			v = o[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func TestThrottling(t *testing.T) {
	for _, tc := range []struct {
		name      string
		refusedAt int // which PATCH (1-based) is refused first; the create counts as a request too for creates-and-PATCHes
		status    int
		retry     func(t *testing.T, v string, first bool)
	}{
		{"throttled-429", throttleEvery - 1, http.StatusTooManyRequests, func(t *testing.T, v string, first bool) {
			if want := map[bool]string{true: "1", false: "0"}[first]; v != want {
				t.Errorf("Retry-After %q, want %q", v, want)
			}
		}},
		{"throttled-503-http-date", throttleEvery - 1, http.StatusServiceUnavailable, func(t *testing.T, v string, first bool) {
			at, err := http.ParseTime(v)
			if err != nil {
				t.Fatalf("Retry-After %q is not an HTTP-date: %v", v, err)
			}
			if d := time.Until(at); d > 2*time.Second || d < -2*time.Second || (!first && d > time.Second) {
				t.Errorf("Retry-After %q is %v from now", v, d)
			}
		}},
		{"throttles-without-retry-after", 25, http.StatusTooManyRequests, func(t *testing.T, v string, _ bool) {
			if v != "" {
				t.Errorf("Retry-After %q, want none", v)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := start(t, tc.name)
			id := c.create(batteryBaseline)
			refusals := 0
			for n := 1; refusals < 2 && n <= 60; n++ {
				body := `{"subject": "throttle ` + strconv.Itoa(n) + `"}`
				r := c.do(http.MethodPatch, item(id), body)
				if r.status == http.StatusOK {
					if refusals == 0 && n == tc.refusedAt {
						t.Fatalf("PATCH %d answered 200, want %d", n, tc.status)
					}
					continue
				}
				if refusals == 0 && n != tc.refusedAt {
					t.Fatalf("PATCH %d answered %d; the first refusal should be PATCH %d", n, r.status, tc.refusedAt)
				}
				r.graphError(t, tc.status, "")
				tc.retry(t, r.header.Get("Retry-After"), refusals == 0)
				refusals++
				if again := c.do(http.MethodPatch, item(id), body); again.status != http.StatusOK || again.obj["subject"] != "throttle "+strconv.Itoa(n) {
					t.Fatalf("the retry of PATCH %d answered %d %s, want 200", n, again.status, again.body)
				}
			}
			if refusals < 2 {
				t.Errorf("%d refusals in 60 PATCHes", refusals)
			}
			// Unauthorized requests are never throttled: the 401 comes at once.
			for range 10 {
				if r := c.do(http.MethodPatch, item(id), `{"subject": "x"}`, "Authorization", ""); r.status != http.StatusUnauthorized {
					t.Fatalf("a PATCH without a token answered %d", r.status)
				}
			}
		})
	}
}

func TestDerivedIdentityTypes(t *testing.T) {
	c := start(t, "derived-identity-types")
	body := `{"subject": "derived",
	 "source": {"identity": {"@odata.type": "#microsoft.graph.identitySet",
	   "application": {"@odata.type": "microsoft.graph.identity", "id": "a1"}, "device": {"id": "d1"}}},
	 "targets": [{"identity": {"user": {"id": "u1"}}}],
	 "meetingInfo": {"@odata.type": "#microsoft.graph.organizerMeetingInfo", "organizer": {"user": {"id": "o1"}}}}`
	id := c.create(body)
	for _, r := range []*reply{c.do(http.MethodGet, item(id), ""), c.do(http.MethodPatch, item(id), `{"subject": "again"}`)} {
		for _, want := range []struct {
			at   []any
			name string
		}{
			{[]any{"source", "identity"}, "#microsoft.graph.communicationsIdentitySet"},
			{[]any{"source", "identity", "application"}, "#microsoft.graph.communicationsApplicationIdentity"},
			{[]any{"source", "identity", "device"}, "<nil>"},
			{[]any{"targets", 0, "identity"}, "#microsoft.graph.communicationsIdentitySet"},
			{[]any{"targets", 0, "identity", "user"}, "#microsoft.graph.communicationsUserIdentity"},
			{[]any{"meetingInfo", "organizer", "user"}, "#microsoft.graph.communicationsUserIdentity"},
			{[]any{"meetingInfo"}, "#microsoft.graph.organizerMeetingInfo"},
		} {
			o, _ := path(r.obj, want.at...).(map[string]any)
			if got := o["@odata.type"]; o == nil || (got != want.name && !(got == nil && want.name == "<nil>")) {
				t.Errorf("%v: @odata.type %v, want %s (%s)", want.at, got, want.name, r.body)
			}
		}
	}
	// A type the client named that is not the base type stays as it is.
	call := map[string]any{"source": map[string]any{"identity": map[string]any{
		"@odata.type": "microsoft.graph.communicationsIdentitySet",
		"user":        map[string]any{"@odata.type": "#microsoft.graph.communicationsGuestIdentity", "id": "g"},
	}}}
	deriveIdentities(call)
	if got := path(call, "source", "identity", "@odata.type"); got != "microsoft.graph.communicationsIdentitySet" {
		t.Errorf("identity set retyped to %v", got)
	}
	if got := path(call, "source", "identity", "user", "@odata.type"); got != "#microsoft.graph.communicationsGuestIdentity" {
		t.Errorf("user identity retyped to %v", got)
	}
}

// TestTargetsAsInvitation: every answered target names Graph v1.0's invitationParticipantInfo,
// whatever type the client sent, in create, GET and PATCH answers; source keeps its type.
func TestTargetsAsInvitation(t *testing.T) {
	c := start(t, "targets-as-invitation")
	id := c.create(`{"subject": "targets",
	 "source": {"@odata.type": "#microsoft.graph.participantInfo", "identity": {"application": {"id": "a1"}}},
	 "targets": [{"@odata.type": "#microsoft.graph.participantInfo", "identity": {"user": {"id": "u1"}}},
	             {"identity": {"phone": {"id": "+15555550100"}}}]}`)
	for _, r := range []*reply{c.do(http.MethodGet, item(id), ""), c.do(http.MethodPatch, item(id), `{"subject": "again"}`)} {
		for i := range 2 {
			if got := path(r.obj, "targets", i, "@odata.type"); got != invitationParticipantInfo {
				t.Errorf("targets[%d]: @odata.type %v, want %s (%s)", i, got, invitationParticipantInfo, r.body)
			}
		}
		if got := path(r.obj, "source", "@odata.type"); got != "#microsoft.graph.participantInfo" {
			t.Errorf("source retyped to %v (%s)", got, r.body)
		}
	}
}

// TestSourceAsInvitation: the mutant names invitationParticipantInfo for source only, and
// leaves a call without a source as it is.
func TestSourceAsInvitation(t *testing.T) {
	c := start(t, "source-as-invitation")
	id := c.create(`{"subject": "source", "source": {"identity": {"application": {"id": "a1"}}},
	 "targets": [{"@odata.type": "#microsoft.graph.participantInfo", "identity": {"user": {"id": "u1"}}}]}`)
	r := c.do(http.MethodGet, item(id), "")
	if got := path(r.obj, "source", "@odata.type"); got != invitationParticipantInfo {
		t.Errorf("source: @odata.type %v, want %s", got, invitationParticipantInfo)
	}
	if got := path(r.obj, "targets", 0, "@odata.type"); got != "#microsoft.graph.participantInfo" {
		t.Errorf("target retyped to %v", got)
	}
	bare := c.create(`{"subject": "no source"}`)
	if r := c.do(http.MethodGet, item(bare), ""); r.obj["source"] != nil {
		t.Errorf("a call without source answered one: %s", r.body)
	}
}

// TestSeveralChallenges: a 401 carries the Basic and a lower-case bearer challenge in one
// WWW-Authenticate header; authorized requests are untouched.
func TestSeveralChallenges(t *testing.T) {
	c := start(t, "401-several-challenges")
	const want = `Basic realm="callconf", bearer realm="callconf", error="invalid_token"`
	for _, hdr := range [][]string{{"Authorization", ""}, {"Authorization", "Bearer wrong"}} {
		r := c.do(http.MethodGet, item(missingGUID), "", hdr...)
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != want || len(r.header.Values("WWW-Authenticate")) != 1 {
			t.Errorf("%v: %d WWW-Authenticate %q, want 401 with %s", hdr, r.status, r.header.Values("WWW-Authenticate"), want)
		}
	}
	if r := c.do(http.MethodGet, item(missingGUID), ""); r.status != http.StatusNotFound {
		t.Errorf("an authorized GET of a missing call: %d, want 404", r.status)
	}
}

func TestStateEstablishedLater(t *testing.T) {
	c := start(t, "state-established-later")
	read := c.create(batteryBaseline)
	for i, want := range []string{"establishing", "established", "established"} {
		if r := c.do(http.MethodGet, item(read), ""); r.obj["state"] != want {
			t.Errorf("GET %d: state %v, want %s", i+1, r.obj["state"], want)
		}
	}
	patched := c.create(batteryBaseline)
	if r := c.do(http.MethodPatch, item(patched), `{"subject": "first"}`); r.obj["state"] != "establishing" || r.obj["subject"] != "first" {
		t.Errorf("first PATCH: %s", r.body)
	}
	if r := c.do(http.MethodPatch, item(patched), `{"subject": "second"}`); r.obj["state"] != "established" || r.obj["subject"] != "second" {
		t.Errorf("second PATCH: %s", r.body)
	}
}

func TestGUIDIDsOnly(t *testing.T) {
	c := start(t, "guid-ids-only")
	id := c.create(batteryBaseline)
	if !guidRE.MatchString(id) {
		t.Errorf("created id %q is not a GUID", id)
	}
	for _, p := range []string{"callconf-not-a-guid", "..%2F..%2F", "callconf%00id", strings.Repeat("a", 4096), strings.ToUpper(id) + "0"} {
		c.do(http.MethodPatch, item(p), `{"subject": "x"}`).graphError(t, http.StatusBadRequest, "invalidCallId")
	}
	c.do(http.MethodPatch, item(missingGUID), `{"subject": "x"}`).graphError(t, http.StatusNotFound, "")
	c.do(http.MethodGet, item("callconf-not-a-guid"), "", "Authorization", "").graphError(t, http.StatusUnauthorized, "")
	if r := c.do(http.MethodPatch, item(id), `{"subject": "x"}`); r.status != http.StatusOK {
		t.Errorf("PATCH of a GUID: %d", r.status)
	}
}

func TestRejectAbstractTypes(t *testing.T) {
	c := start(t, "reject-abstract-types")
	id := c.create(batteryBaseline)
	for _, body := range []string{
		`{"mediaConfig": {"@odata.type": "#microsoft.graph.mediaConfig", "removeFromDefaultAudioGroup": true}}`,
		`{"subject": "abstract", "mediaConfig": {"@odata.type": "microsoft.graph.mediaConfig"}}`,
		`{"meetingInfo": {"@odata.type": "microsoft.graph.meetingInfo", "allowConversationWithoutHost": false}}`,
		`{"meetingInfo": {"@odata.type": "#microsoft.graph.meetingInfo"}}`,
	} {
		c.do(http.MethodPatch, item(id), body).graphError(t, http.StatusBadRequest, "")
	}
	concrete := `{"mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "b"}}`
	if r := c.do(http.MethodPatch, item(id), concrete); r.status != http.StatusOK {
		t.Fatalf("a concrete type: %d %s", r.status, r.body)
	}
	r := c.do(http.MethodGet, item(id), "")
	if r.obj["subject"] == "abstract" || r.obj["meetingInfo"] != nil || path(r.obj, "mediaConfig", "@odata.type") != "#microsoft.graph.appHostedMediaConfig" {
		t.Errorf("the rejected PATCHes changed the call: %s", r.body)
	}
}

func TestAuthOffTokenGiven(t *testing.T) {
	c := start(t, "auth-off-token-given")
	if c.in.Token == "" {
		t.Fatal("the child must be given a token")
	}
	id := c.create(batteryBaseline)
	if r := c.do(http.MethodPatch, item(id), `{"subject": "x"}`, "Authorization", ""); r.status != http.StatusOK {
		t.Errorf("a PATCH without Authorization: %d, want 200", r.status)
	}
}

// TestNamedCalls checks the implementations without create: the calls they name exist, keep
// what the seed carried (unknown members of open types included), and the Check notices a run
// that leaves them changed, but not one that restored them (null standing for absent).
func TestNamedCalls(t *testing.T) {
	for _, name := range []string{"named-open-types", "no-create-405", "no-create-404"} {
		t.Run(name, func(t *testing.T) {
			c := start(t, name)
			if len(c.in.CallIDs) != 2 || c.in.Check == nil {
				t.Fatalf("CallIDs %v, Check set %t", c.in.CallIDs, c.in.Check != nil)
			}
			if r := c.do(http.MethodPost, collection, batteryBaseline); r.status == http.StatusCreated {
				t.Errorf("create answered 201")
			}
			id := c.in.CallIDs[0]
			found := c.do(http.MethodGet, item(id), "")
			if name == "named-open-types" {
				for _, at := range [][]any{{"source", "identity", "phone", "id"}, {"source", "identity", "application", "callconfVendorTag"}, {"targets", 0, "identity", "guest", "id"}, {"meetingInfo", "organizer", "encrypted", "id"}} {
					if path(found.obj, at...) == nil {
						t.Errorf("%v not stored as sent: %s", at, found.body)
					}
				}
			}
			if err := c.in.Check(); err != nil {
				t.Fatalf("untouched: %v", err)
			}
			c.do(http.MethodPatch, item(id), `{"subject": "changed", "state": "established", "resultInfo": {"code": 1}}`)
			if err := c.in.Check(); err == nil {
				t.Error("Check did not notice a changed call")
			}
			c.do(http.MethodPatch, item(id), `{"subject": `+string(encode(found.obj["subject"]))+`, "state": "establishing", "resultInfo": null}`)
			if err := c.in.Check(); err != nil {
				t.Errorf("restored: %v", err)
			}
		})
	}
}

func TestSameJSON(t *testing.T) {
	dec := func(s string) any {
		v, ok := decode([]byte(s))
		if !ok {
			t.Fatalf("bad JSON %s", s)
		}
		return v
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{`{"a": 1, "b": {"c": [1, "x", null]}}`, `{"b": {"c": [1, "x", null]}, "a": 1}`, true},
		{`{"a": 1}`, `{"a": 1, "b": null}`, true},
		{`{"a": 1, "b": null}`, `{"a": 1}`, true},
		{`{"a": 1}`, `{"a": 1, "b": 2}`, false},
		{`{"a": 1, "b": 2}`, `{"a": 1}`, false},
		{`{"a": 1}`, `{"a": 1.0}`, false},
		{`{"a": [1]}`, `{"a": [1, 2]}`, false},
		{`{"a": {}}`, `{"a": []}`, false},
		{`{"a": [null]}`, `{"a": []}`, false},
	} {
		if got := sameJSON(dec(tc.a), dec(tc.b)); got != tc.same {
			t.Errorf("sameJSON(%s, %s) = %t", tc.a, tc.b, got)
		}
	}
}

// TestTraceHeaders checks that answers the middlewares give themselves carry the reference's
// trace headers, so that a mutant breaks only what it declares.
func TestTraceHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPatch, collection+"/x", nil)
	r.Header.Set("client-request-id", "crid-1")
	writeGraphError(rec, r, http.StatusTooManyRequests, "tooManyRequests", "m")
	var body struct {
		Error struct {
			Code       string
			InnerError map[string]string `json:"innerError"`
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	rid := rec.Header().Get("request-id")
	if rid == "" || rec.Header().Get("client-request-id") != "crid-1" || body.Error.Code != "tooManyRequests" ||
		body.Error.InnerError["request-id"] != rid || body.Error.InnerError["date"] == "" {
		t.Errorf("headers %v, body %s", rec.Header(), rec.Body)
	}
}
