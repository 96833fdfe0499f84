package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/testsupport"
	"github.com/callconf/callconf/internal/token"
)

const testToken = "s3cr3t-T0ken-for-the-target"

// fixture is a proxy in front of a target, with its log.
type fixture struct {
	p     *Proxy
	url   string // the proxy's base URL
	log   *testsupport.Buffer
	front *httptest.Server
}

// closed stops the proxy's server and judge, so every exchange has been judged and logged.
func (f *fixture) closed(t *testing.T) report.Conformance {
	t.Helper()
	f.front.Close()
	f.p.Close()
	return f.p.Conformance(time.Now(), false)
}

func newFixture(t *testing.T, targetURL string, edit func(*Options)) *fixture {
	t.Helper()
	return newFixtureOn(t, targetURL, edit, false)
}

// forEachPath runs test once on each way the proxy forwards to a plain-HTTP target: its own
// HTTP/1.1 client, and http.Transport (what TLS targets and targets behind HTTP_PROXY take), so
// the forwarding rules hold on both.
func forEachPath(t *testing.T, test func(t *testing.T, newFixture func(t *testing.T, targetURL string) *fixture)) {
	for _, transport := range []bool{false, true} {
		t.Run(map[bool]string{false: "wire", true: "transport"}[transport], func(t *testing.T) {
			test(t, func(t *testing.T, targetURL string) *fixture {
				t.Helper()
				return newFixtureOn(t, targetURL, nil, transport)
			})
		})
	}
}

func newFixtureOn(t *testing.T, targetURL string, edit func(*Options), viaTransport bool) *fixture {
	t.Helper()
	cfg := config.Default()
	cfg.BaseURL = targetURL
	o := Options{Config: cfg, Log: &testsupport.Buffer{}}
	if edit != nil {
		edit(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if viaTransport {
		p.wire = nil
	}
	front := httptest.NewServer(p)
	f := &fixture{p: p, url: front.URL, log: o.Log.(*testsupport.Buffer), front: front}
	t.Cleanup(func() { front.Close(); p.Close() })
	return f
}

// newReference serves the reference implementation under /v1.0, with a bearer token when tok
// is not empty.
func newReference(t *testing.T, tok string) string {
	t.Helper()
	srv, err := reference.New(reference.Options{BasePath: "/v1.0", Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func do(t *testing.T, method, url, body string, h map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func create(t *testing.T, base string) string {
	t.Helper()
	resp, b := do(t, http.MethodPost, base+"/v1.0/communications/calls", `{"subject":"proxy test","requestedModalities":["audio"]}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var call struct{ ID string }
	if err := json.Unmarshal(b, &call); err != nil || call.ID == "" {
		t.Fatalf("create: %s (%v)", b, err)
	}
	return call.ID
}

func outcomeOf(c report.Conformance, id string) report.Requirement {
	for _, r := range c.Requirements {
		if r.ID == id {
			return r
		}
	}
	return report.Requirement{}
}

func TestConformingTrafficHasNoFinding(t *testing.T) {
	f := newFixture(t, newReference(t, ""), nil)
	id := create(t, f.url)
	item := f.url + "/v1.0/communications/calls/" + id
	if resp, b := do(t, http.MethodPatch, item, `{"subject":"Grüße — 会議 ✓","requestedModalities":["audio","video"]}`, map[string]string{"client-request-id": "c-1"}); resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH: %d %s", resp.StatusCode, b)
	}
	// A 404 with a Graph error body is no finding either.
	if resp, _ := do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/00000000-0000-4000-8000-000000000000", `{"subject":"x"}`, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("PATCH of a missing call: %d", resp.StatusCode)
	}
	do(t, http.MethodGet, item, "", nil)
	do(t, http.MethodDelete, item, "", nil)
	do(t, http.MethodGet, f.url+"/v1.0/me", "", nil)
	c := f.closed(t)
	log := f.log.String()
	if n := strings.Count(log, "\n"); n != 6 {
		t.Errorf("want 6 log lines, got %d:\n%s", n, log)
	}
	if strings.Count(log, " 0 findings") != 5 || !strings.Contains(log, "not judged (not a calls route)") {
		t.Errorf("log:\n%s", log)
	}
	for _, want := range []string{"#2 PATCH /v1.0/communications/calls/" + id + " 200 ", "ms 0 findings"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, r := range c.Requirements {
		if r.Outcome == report.Failed || r.Outcome == report.Inconclusive {
			t.Errorf("%s %s: %+v %+v", r.ID, r.Outcome, r.Failures, r.Inconclusives)
		}
	}
	for _, id := range []string{"PATCH-01", "PATCH-02", "PATCH-03", "PATCH-04", "HTTP-01", "HTTP-02", "ERR-06", "PATCH-08"} {
		if r := outcomeOf(c, id); r.Outcome != report.Passed {
			t.Errorf("%s: %s, want passed", id, r.Outcome)
		}
	}
	if r := outcomeOf(c, "STATE-03"); r.Outcome != report.Disabled {
		t.Errorf("STATE-03: %s, want disabled (the proxy never holds an exchange to it)", r.Outcome)
	}
	if c.Requests != 6 || !c.Conforms || FailOnShould.ExitCode(c) != 0 {
		t.Errorf("requests %d, conforms %v", c.Requests, c.Conforms)
	}
}

func TestInvalidEnumIsAClientFinding(t *testing.T) {
	f := newFixture(t, newReference(t, ""), nil)
	id := create(t, f.url)
	resp, _ := do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/"+id, `{"requestedModalities":["hologram"]}`, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the reference answered %d", resp.StatusCode)
	}
	c := f.closed(t)
	r := outcomeOf(c, "PATCH-01")
	if r.Outcome != report.Failed || len(r.Failures) != 1 {
		t.Fatalf("PATCH-01: %s %+v", r.Outcome, r.Failures)
	}
	msg := r.Failures[0].Message
	for _, want := range []string{"client [PATCH-01] at /requestedModalities/0", `"hologram"`, "enum"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the finding lacks %q: %s", want, msg)
		}
	}
	if !strings.Contains(f.log.String(), `1 finding: client PATCH-01 /requestedModalities/0 got "hologram"`) {
		t.Errorf("log:\n%s", f.log.String())
	}
	// The 400 the reference answered is right: the service broke nothing.
	for _, r := range c.Requirements {
		for _, fl := range r.Failures {
			if strings.Contains(fl.Message, "service") {
				t.Errorf("a service finding: %s", fl.Message)
			}
		}
	}
	if FailOnMust.ExitCode(c) != 1 || FailOnNever.ExitCode(c) != 0 {
		t.Error("a failed MUST must fail --fail-on must, never --fail-on never")
	}
}

// fakeTarget answers every request with h.
func fakeTarget(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestServiceFindings(t *testing.T) {
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "r-1")
		switch {
		case strings.HasSuffix(r.URL.Path, "/five"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"generalException","message":"boom"}}`)
		case strings.HasSuffix(r.URL.Path, "/text"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "no such call")
		default: // a PATCH answered 200 with another id and without the subject sent
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"other","subject":"old"}`)
		}
	})
	f := newFixture(t, target, nil)
	do(t, http.MethodGet, f.url+"/communications/calls/five", "", nil)
	do(t, http.MethodGet, f.url+"/communications/calls/text", "", nil)
	do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"new"}`, nil)
	c := f.closed(t)

	checks := []struct{ req, want string }{
		{"PATCH-08", `service [PATCH-08] at (root): expected a status below 500, got 500 {"error"`},
		{"ERR-06", "service [ERR-06] at (root): expected Content-Type application/json on a 4xx (parameters allowed), got \"text/plain; charset=utf-8\""},
		{"PATCH-03", `service [PATCH-03] at /id: expected "c1", got "other"`},
		{"PATCH-04", `service [PATCH-04] at /subject: expected "new", got "old"`},
	}
	for _, ch := range checks {
		r := outcomeOf(c, ch.req)
		if r.Outcome != report.Failed || len(r.Failures) == 0 || !strings.Contains(r.Failures[0].Message, ch.want) {
			t.Errorf("%s: %s %+v, want a failure containing %q", ch.req, r.Outcome, r.Failures, ch.want)
		}
	}
	if r := outcomeOf(c, "PATCH-01"); r.Outcome != report.Passed {
		t.Errorf("PATCH-01 (the client's request was valid): %s %+v", r.Outcome, r.Failures)
	}
	log := f.log.String()
	for _, want := range []string{"/communications/calls/five 500 ", "service PATCH-08 (root) got 500", "service ERR-06 (root) got \"text/plain; charset=utf-8\""} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// A Graph v1.0 service answers targets typed invitationParticipantInfo, whatever type the client
// sent (Graph v1.0 declares call.targets so): neither PATCH-02 (the answer's schema) nor PATCH-04
// (the values sent) holds that against it. A value of that type that breaks it still does.
func TestGraphV1TargetsInAnswerAreNoFinding(t *testing.T) {
	const target = `{"@odata.type":"#microsoft.graph.invitationParticipantInfo","identity":{"@odata.type":"#microsoft.graph.communicationsIdentitySet","user":{"@odata.type":"#microsoft.graph.communicationsUserIdentity","id":"u1"}},"hidden":%s,"participantId":"p1","removeFromDefaultAudioRoutingGroup":false,"replacesCallId":null}`
	for _, c := range []struct {
		name, hidden string
		failed       []string // requirements that fail
	}{
		{"valid", "false", nil},
		{"hidden not a boolean", `"yes"`, []string{"PATCH-02"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			answer := `{"id":"c1","targets":[` + strings.Replace(target, "%s", c.hidden, 1) + `]}`
			f := newFixture(t, fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("request-id", "r-1")
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, answer)
			}), nil)
			do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"targets":[{"@odata.type":"#microsoft.graph.participantInfo","identity":{"user":{"id":"u1"}}}]}`, nil)
			c2 := f.closed(t)
			var failed []string
			for _, r := range c2.Requirements {
				if r.Outcome == report.Failed || r.Outcome == report.Inconclusive {
					failed = append(failed, r.ID)
				}
			}
			if strings.Join(failed, ",") != strings.Join(c.failed, ",") {
				t.Errorf("failed %v, want %v: %+v", failed, c.failed, c2.Requirements)
			}
			for _, id := range []string{"PATCH-01", "PATCH-03", "PATCH-04"} {
				if r := outcomeOf(c2, id); r.Outcome != report.Passed {
					t.Errorf("%s: %s %+v, want passed", id, r.Outcome, r.Failures)
				}
			}
			if r := outcomeOf(c2, "PATCH-02"); c.failed != nil && (len(r.Failures) == 0 || !strings.Contains(r.Failures[0].Message, "/targets/0/hidden")) {
				t.Errorf("PATCH-02: %+v, want a failure at /targets/0/hidden", r.Failures)
			}
		})
	}
}

// echo is a target that answers 200 with what it received: the request line's target, the
// headers and the body (base64 in JSON).
func echo(t *testing.T) string {
	return fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "r")
		if r.URL.Path == "/base/redirect" {
			w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
			w.WriteHeader(http.StatusFound)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"uri": r.RequestURI, "host": r.Host, "header": r.Header, "body": b})
	})
}

type echoed struct {
	URI    string
	Host   string
	Header http.Header
	Body   []byte
}

func TestForwardsUnchanged(t *testing.T) {
	target := echo(t)
	f := newFixture(t, target+"/base", func(o *Options) {
		o.Config.Token = testToken
		o.Config.Headers = []config.Header{{Name: "X-Extra", Value: "configured"}}
	})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"subject":"gz"}`))
	zw.Close()

	req, _ := http.NewRequest(http.MethodPatch, f.url+"/v1.0/communications/calls/a%2Fb%00c?x=1&y=%20", bytes.NewReader(gz.Bytes()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("X-Extra", "client's")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got echoed
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got.URI != "/base/v1.0/communications/calls/a%2Fb%00c?x=1&y=%20" {
		t.Errorf("request target %q", got.URI)
	}
	if !bytes.Equal(got.Body, gz.Bytes()) || got.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("body changed: %q (%v)", got.Body, got.Header)
	}
	if got.Header.Get("Authorization") != "Bearer "+testToken {
		t.Errorf("the configured token was not added to a request without Authorization: %q", got.Header.Get("Authorization"))
	}
	if got.Header.Get("X-Extra") != "client's" || got.Header.Get("X-Forwarded-For") != "" {
		t.Errorf("headers changed: %v", got.Header)
	}
	if !strings.HasPrefix(target, "http://"+got.Host) {
		t.Errorf("Host %q is not the target's", got.Host)
	}

	// Without Accept-Encoding from the client, none reaches the target (net/http would add gzip).
	plain := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err = plain.Get(f.url + "/v1.0/communications/calls/x")
	if err != nil {
		t.Fatal(err)
	}
	got = echoed{}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if ae, ok := got.Header["Accept-Encoding"]; ok {
		t.Errorf("Accept-Encoding %q added on the way", ae)
	}

	// The client's own Authorization goes through as sent, even a wrong one.
	resp, b := do(t, http.MethodGet, f.url+"/v1.0/communications/calls/x", "", map[string]string{"Authorization": "Bearer client-own-token"})
	got = echoed{}
	json.Unmarshal(b, &got)
	if got.Header.Get("Authorization") != "Bearer client-own-token" || got.Header.Get("X-Extra") != "configured" {
		t.Errorf("headers: %v", got.Header)
	}
	// A redirect is the answer: never followed.
	if resp, _ = do(t, http.MethodGet, f.url+"/redirect", "", nil); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
		t.Errorf("redirect: %d %v", resp.StatusCode, resp.Header)
	}
	c := f.closed(t)
	// The echo answered the token in a 200 body; neither the log nor the reports show it.
	var all bytes.Buffer
	all.WriteString(f.log.String())
	js, _ := json.Marshal(c)
	all.Write(js)
	if strings.Contains(f.p.Redact(all.String()), testToken) {
		t.Error("the token is in the output")
	}
	if strings.Contains(f.log.String(), testToken) {
		t.Errorf("the token is in the log:\n%s", f.log.String())
	}
}

func TestSecretsNeverInLogOrReport(t *testing.T) {
	// A target that quotes the Authorization it got in a 401 error message.
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "bad credentials: "+r.Header.Get("Authorization")+" and "+r.Header.Get("X-Api-Key"))
	})
	f := newFixture(t, target, func(o *Options) {
		o.Config.Token = testToken
		o.Config.Headers = []config.Header{{Name: "X-Api-Key", Value: "k3y-value-secret"}}
		o.Config.SecretHeaders = []string{"X-Api-Key"}
	})
	do(t, http.MethodGet, f.url+"/communications/calls/a", "", nil)
	do(t, http.MethodGet, f.url+"/communications/calls/b", "", map[string]string{"Authorization": "Bearer the-clients-own-secret"})
	c := f.closed(t)
	dir := t.TempDir()
	if err := report.WriteConformance(dir, c, f.p.Redact); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	all.WriteString(f.log.String())
	for _, name := range []string{report.ConformanceJSON, report.ConformanceMarkdown, report.JUnitFile} {
		b, err := readFile(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(b)
	}
	for _, secret := range []string{testToken, "k3y-value-secret", "the-clients-own-secret"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%q appears in the log or the reports", secret)
		}
	}
	if r := outcomeOf(c, "ERR-06"); r.Outcome != report.Failed || !strings.Contains(r.Failures[0].Message, config.Redacted) {
		t.Errorf("ERR-06 should show the redacted body: %+v", r.Failures)
	}
}

func TestFindingsHeader(t *testing.T) {
	// A target whose 200 answers break the response schema in many places.
	var many strings.Builder
	many.WriteString(`{"id":"c1","targets":[`)
	for i := range 100 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"identity":{"user":{"id":5,"displayName":6}}}`)
	}
	many.WriteString(`],"state":12,"subject":5,"direction":[],"prop\u00e9\u0000":1}`)
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "r")
		if strings.HasSuffix(r.URL.Path, "/bad") {
			io.WriteString(w, many.String())
			return
		}
		io.WriteString(w, `{"id":"c1","subject":"s"}`)
	})
	f := newFixture(t, target, func(o *Options) { o.FindingsHeader = true })
	resp, _ := do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"s"}`, nil)
	if got := resp.Header.Get(FindingsHeader); got != "0" {
		t.Errorf("a clean exchange: %s: %q, want 0", FindingsHeader, got)
	}
	resp, _ = do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"s","requestedModalities":["hologram"]}`, nil)
	if got := resp.Header.Get(FindingsHeader); got != "1; client PATCH-01 /requestedModalities/0" {
		t.Errorf("an invalid enum: %s: %q", FindingsHeader, got)
	}
	resp, b := do(t, http.MethodPatch, f.url+"/communications/calls/bad", `{"subject":"s"}`, nil)
	got := resp.Header.Get(FindingsHeader)
	if len(got) > MaxFindingsHeader || !strings.Contains(got, "more") || !strings.Contains(got, "service PATCH-02") {
		t.Errorf("a bounded summary of many findings: %d bytes: %q", len(got), got)
	}
	if string(b) != many.String() {
		t.Error("the answer's body changed")
	}
	for i := 0; i < len(got); i++ {
		if got[i] < 0x20 || got[i] >= 0x7f {
			t.Fatalf("byte 0x%02x in the header", got[i])
		}
	}
	if resp, _ := do(t, http.MethodGet, f.url+"/other", "", nil); resp.Header.Get(FindingsHeader) != "" {
		t.Error("an exchange that is not judged must not carry the header")
	}
	f.closed(t)
}

func TestNoHeaderWithoutFlag(t *testing.T) {
	f := newFixture(t, newReference(t, ""), nil)
	resp, _ := do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/x", `{"subject":1}`, nil)
	if _, ok := resp.Header[FindingsHeader]; ok {
		t.Error("the header without --findings-header")
	}
	f.closed(t)
}

func TestLargeAnswerStreamsWholeAndIsInconclusive(t *testing.T) {
	big := `{"id":"c1","subject":"` + strings.Repeat("a", 64<<10) + `"}`
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "r")
		io.WriteString(w, big)
	})
	f := newFixture(t, target, func(o *Options) { o.Config.MaxResponseBytes = 4 << 10 })
	resp, b := do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"x"}`, nil)
	if resp.StatusCode != http.StatusOK || string(b) != big {
		t.Fatalf("the client got %d bytes, want %d", len(b), len(big))
	}
	c := f.closed(t)
	if r := outcomeOf(c, "PATCH-02"); r.Outcome != report.Inconclusive {
		t.Errorf("PATCH-02: %s, want inconclusive (over the proxy's limit)", r.Outcome)
	}
}

func TestTargetWithoutAnswer(t *testing.T) {
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	f := newFixture(t, target, func(o *Options) { o.Config.Timeout = 100 * time.Millisecond })
	resp, b := do(t, http.MethodGet, f.url+"/communications/calls/c1", "", nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "callconfProxyNoAnswer") || !strings.Contains(string(b), "timed out") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	c := f.closed(t)
	if !strings.Contains(f.log.String(), "502") || !strings.Contains(f.log.String(), "not judged") || c.Requests != 1 {
		t.Errorf("log:\n%s", f.log.String())
	}
	if r := outcomeOf(c, "PATCH-08"); r.Outcome != report.Disabled {
		t.Errorf("the proxy's own 502 is not the target's: PATCH-08 %s", r.Outcome)
	}
}

func TestQueueFullJudgesInline(t *testing.T) {
	f := newFixture(t, newReference(t, ""), func(o *Options) { o.Workers, o.Queue = 1, 1 })
	id := create(t, f.url)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(t, http.MethodPatch, f.url+"/v1.0/communications/calls/"+id, `{"subject":"s"}`, nil)
		}()
	}
	wg.Wait()
	c := f.closed(t)
	if r := outcomeOf(c, "PATCH-02"); r.Specs != 16 || r.Passed != 16 {
		t.Errorf("PATCH-02 judged %d exchanges, %d passed; want 16", r.Specs, r.Passed)
	}
}

func TestRouteOf(t *testing.T) {
	for _, c := range []struct {
		path string
		r    route
		id   string
	}{
		{"/communications/calls", routeCollection, ""},
		{"/v1.0/communications/calls", routeCollection, ""},
		{"/v1.0/communications/calls/abc", routeItem, "abc"},
		{"/communications/calls/a%2Fb", routeItem, "a/b"},
		{"/communications/calls/", routeNone, ""},
		{"/communications/calls/abc/participants", routeNone, ""},
		{"/me", routeNone, ""},
	} {
		if r, id := routeOf(c.path); r != c.r || id != c.id {
			t.Errorf("%s: %v %q", c.path, r, id)
		}
	}
}

func TestDecode(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat("a", 100)))
	zw.Close()
	h := http.Header{"Content-Encoding": {"gzip"}}
	if b, tr, err := decode(gz.Bytes(), h, 1000); err != nil || tr || len(b) != 100 {
		t.Errorf("gzip: %d %v %v", len(b), tr, err)
	}
	if b, tr, err := decode(gz.Bytes(), h, 10); err != nil || !tr || len(b) != 10 {
		t.Errorf("a gzip bomb stops at the limit: %d %v %v", len(b), tr, err)
	}
	if _, _, err := decode([]byte("x"), h, 10); err == nil {
		t.Error("corrupt gzip")
	}
	if _, _, err := decode([]byte("x"), http.Header{"Content-Encoding": {"br"}}, 10); err == nil {
		t.Error("br")
	}
}

func TestParseFailOn(t *testing.T) {
	for _, s := range []string{"must", "should", "never"} {
		if _, err := ParseFailOn(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseFailOn("MAY"); err == nil {
		t.Error("MAY")
	}
}

func readFile(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	return string(b), err
}

func TestFetchedTokens(t *testing.T) {
	var forwarded atomic.Int32
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		forwarded.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "you sent "+r.Header.Get("Authorization"))
	})
	fetched := token.New(func(context.Context) (token.Fetched, error) {
		return token.Fetched{Token: "fetched-secret-token-1", Lifetime: time.Hour}, nil
	}, token.Options{Name: "a test fetch"})
	f := newFixture(t, target, func(o *Options) { o.Tokens = fetched })
	if _, b := do(t, http.MethodGet, f.url+"/communications/calls/a", "", nil); string(b) != "you sent Bearer fetched-secret-token-1" {
		t.Errorf("the target got %q", b)
	}
	c := f.closed(t)
	js, _ := json.Marshal(c)
	if strings.Contains(f.log.String()+string(js), "fetched-secret-token-1") {
		t.Error("a fetched token in the log or the report")
	}

	failing := token.New(func(context.Context) (token.Fetched, error) {
		return token.Fetched{}, errors.New("the token service is down")
	}, token.Options{Name: "a test fetch"})
	f = newFixture(t, target, func(o *Options) { o.Tokens = failing })
	before := forwarded.Load()
	resp, b := do(t, http.MethodGet, f.url+"/communications/calls/a", "", nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "callconfProxyNoToken") || forwarded.Load() != before {
		t.Errorf("%d %s (forwarded %d)", resp.StatusCode, b, forwarded.Load()-before)
	}
	// A client that brings its own Authorization needs no token from the proxy.
	if resp, _ := do(t, http.MethodGet, f.url+"/communications/calls/a", "", map[string]string{"Authorization": "Bearer own"}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("with its own token: %d", resp.StatusCode)
	}
	f.closed(t)
}
