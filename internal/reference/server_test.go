package reference

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/testsupport"
	"github.com/callconf/callconf/schemas"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateAnswers201WithLocationAndServerGeneratedProperties(t *testing.T) {
	e := newEnv(t, Options{BasePath: "/beta/"})
	r := e.do("POST", e.base, createBody)
	if r.Status != http.StatusCreated {
		t.Fatalf("%v", r)
	}
	mustValid(t, schemas.KindResponse, r.Body)
	m := decode(t, r.Body)
	id, _ := m["id"].(string)
	if !uuidRE.MatchString(id) {
		t.Errorf("id %q is not a UUID", id)
	}
	if loc := r.Header.Get("Location"); loc != "/beta/communications/calls/"+id {
		t.Errorf("Location %q", loc)
	}
	if m["state"] != "establishing" || m["direction"] != "outgoing" || m["myParticipantId"] == "" ||
		m["@odata.type"] != "#microsoft.graph.call" {
		t.Errorf("server-generated properties: %v", m)
	}
	if !contains(m, decode(t, []byte(createBody))) {
		t.Errorf("created call lacks what was sent: %s", r.Body)
	}
	// Ids are unique; a body id is ignored (the server generates ids).
	id2, m2 := e.create(`{"id":"mine","callbackUri":"https://x"}`)
	if id2 == id || id2 == "mine" || m2["id"] != id2 {
		t.Errorf("id %q", id2)
	}
	// Create refuses what PATCH refuses.
	graphError(t, e.do("POST", e.base, `{"state":"ringing"}`), http.StatusBadRequest)
	graphError(t, e.do("POST", e.base, `{`), http.StatusBadRequest)
	if _, err := e.srv.Create([]byte(`{"subject":1}`)); err == nil {
		t.Errorf("Create accepted an invalid body")
	} else if fe := (*Error)(nil); !errors.As(err, &fe) || fe.Status != 400 || len(fe.Details) == 0 {
		t.Errorf("Create error %v", err)
	}
	// Create seeds a call as POST would.
	id3, err := e.srv.Create([]byte(createBody))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", e.item(id3), ""); r.Status != 200 {
		t.Errorf("GET seeded call: %v", r)
	}
	// The base path is required.
	if r := e.do("GET", e.hs.URL+"/communications/calls/"+id3, ""); r.Status != http.StatusNotFound {
		t.Errorf("route without the base path: %v", r)
	}
}

func TestUnknownRoutesAnswer404(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, p := range []string{"/", "/communications", "/communications/call", "/communications/callsX",
		"/communications/calls/", "/communications/calls/" + id + "/", "/communications/calls/" + id + "/participants",
		"/Communications/Calls/" + id, "//communications/calls/" + id} {
		r := e.do("PATCH", e.hs.URL+p, `{}`)
		graphError(t, r, http.StatusNotFound)
	}
}

func TestMaxBodyBytesAnswers413(t *testing.T) {
	e := newEnv(t, Options{MaxBodyBytes: 100})
	id, _ := e.srv.Create([]byte(`{"subject":"s"}`))
	big := `{"subject":"` + strings.Repeat("x", 200) + `"}`
	graphError(t, e.patch(id, big), http.StatusRequestEntityTooLarge)
	graphError(t, e.do("POST", e.base, big), http.StatusRequestEntityTooLarge)
	// Without a Content-Length (chunked), the limit still holds.
	req, _ := http.NewRequest("PATCH", e.item(id), io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	if r := send(t, e.client, req); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %v", r)
	}
	if r := e.patch(id, `{"subject":"small"}`); r.Status != 200 {
		t.Errorf("small body: %v", r)
	}
}

func TestMaxCallsBoundsTheStore(t *testing.T) {
	e := newEnv(t, Options{MaxCalls: 3})
	var ids []string
	for range 3 {
		id, _ := e.create(`{}`)
		ids = append(ids, id)
	}
	eo := graphError(t, e.do("POST", e.base, `{}`), http.StatusInsufficientStorage)
	if !strings.Contains(eo["message"].(string), "at most 3") {
		t.Errorf("message %v", eo["message"])
	}
	if _, err := e.srv.Create([]byte(`{}`)); err == nil {
		t.Errorf("Create past the bound")
	}
	e.do("DELETE", e.item(ids[0]), "")
	e.create(`{}`)
	if e.srv.Len() != 3 {
		t.Errorf("%d calls", e.srv.Len())
	}
}

func TestLatencyDelaysEachAnswerAndHonoursCancellation(t *testing.T) {
	lines := &testsupport.Buffer{}
	e := newEnv(t, Options{Latency: 150 * time.Millisecond, Log: lines})
	start := time.Now()
	e.do("GET", e.item("x"), "")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered after %v", d)
	}
	// A request cancelled during the delay is not processed.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", e.base, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if _, err := e.client.Do(req); err == nil {
		t.Fatalf("no timeout")
	}
	// Wait for the handler to log the abandoned request ("-" status).
	if !lines.WaitFor("POST /communications/calls - ", 5*time.Second) {
		t.Fatalf("abandoned request not logged:\n%s", lines)
	}
	if e.srv.Len() != 0 {
		t.Errorf("a cancelled POST created a call")
	}
}

func TestLogHasOneLinePerRequest(t *testing.T) {
	var log strings.Builder
	var mu sync.Mutex
	e := newEnv(t, Options{Log: lockedWriter{&mu, &log}, Token: "tkn-SECRET",
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	id, _ := e.create(createBody)
	r := e.patch(id, `{"subject":"x"}`)
	e.patch(strings.Repeat("y", 4096), `{}`)
	mu.Lock()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	mu.Unlock()
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	want := regexp.MustCompile(`^2026-01-02T03:04:05Z PATCH /communications/calls/` + id + ` 200 \S+ request-id=` + r.Header.Get("request-id") + `$`)
	if !want.MatchString(lines[1]) {
		t.Errorf("line %q", lines[1])
	}
	if len(lines[2]) > 400 || strings.Contains(log.String(), "SECRET") {
		t.Errorf("long path not truncated or token logged: %q", lines[2])
	}
	eo := graphError(t, e.patch("nope", `{}`), http.StatusNotFound)
	if eo["innerError"].(map[string]any)["date"] != "2026-01-02T03:04:05Z" {
		t.Errorf("date does not use Options.Now: %v", eo)
	}
}

func TestReplaceNestedVariantReplacesTopLevelObjects(t *testing.T) {
	e := newEnv(t, Options{ReplaceNested: true})
	id, _ := e.create(createBody)
	got := decode(t, e.patch(id, `{"chatInfo":{"threadId":"only"}}`).Body)
	if ci := got["chatInfo"].(map[string]any); len(ci) != 1 || ci["threadId"] != "only" {
		t.Errorf("chatInfo %v", ci)
	}
	if got["subject"] != "Initial subject" {
		t.Errorf("absent property changed")
	}
}

func TestNestedObjectOfAnotherODataTypeReplacesTheStoredOne(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(`{"mediaConfig":{"@odata.type":"#microsoft.graph.appHostedMediaConfig","blob":"b1","removeFromDefaultAudioGroup":true}}`)
	r := e.patch(id, `{"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig","preFetchMedia":[{"uri":"https://m/1.wav","resourceId":"r1"}]}}`)
	if r.Status != 200 {
		t.Fatalf("%v", r)
	}
	mc := decode(t, r.Body)["mediaConfig"].(map[string]any)
	if _, ok := mc["blob"]; ok || mc["@odata.type"] != "#microsoft.graph.serviceHostedMediaConfig" {
		t.Errorf("mediaConfig %v", mc)
	}
	mustValid(t, schemas.KindResponse, r.Body)
	// Same type: merged.
	r = e.patch(id, `{"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig","removeFromDefaultAudioGroup":false}}`)
	mc = decode(t, r.Body)["mediaConfig"].(map[string]any)
	if _, ok := mc["preFetchMedia"]; !ok {
		t.Errorf("same-type merge lost preFetchMedia: %v", mc)
	}
}

func TestMergeThatWouldLeaveTheCallInvalidAnswers400(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(`{"mediaConfig":{"@odata.type":"#microsoft.graph.appHostedMediaConfig","blob":"b1"}}`)
	// Valid as a request on its own (a base-type mediaConfig with preFetchMedia would not be), but
	// merged into an appHostedMediaConfig: the checked property set decides.
	body := `{"mediaConfig":{"removeFromDefaultAudioGroup":true}}`
	r := e.patch(id, body)
	if r.Status == 200 {
		mustValid(t, schemas.KindResponse, r.Body)
	} else {
		graphError(t, r, http.StatusBadRequest)
	}
	mustValid(t, schemas.KindResponse, e.do("GET", e.item(id), "").Body)
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{BasePath: "/a b"}, {BasePath: "/x?y"}, {MaxBodyBytes: -1}, {MaxCalls: -1}, {Latency: -1},
		{LingerBytes: -1}, {LingerTimeout: -1}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	s, err := New(Options{BasePath: "v1.0/"})
	if err != nil || s.coll != "/v1.0/communications/calls" {
		t.Errorf("base path normalised to %q (%v)", s.coll, err)
	}
}

// serveWith starts the reference on a loopback port with the given limits.
func serveWith(t testing.TB, opts Options, l listen.Limits) (*Server, *listen.Server) {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return srv, testsupport.Serve(t, srv, l)
}
