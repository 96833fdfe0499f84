package reference

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// fullCall is the seed's example request with its placeholder enum values ("String") replaced by
// documented members, as the fixtures keep it: it satisfies the request schema.
var fullCall = func() string {
	f, err := fixtures.Get("request-seed-example-corrected")
	if err != nil {
		panic(err) // embedded data: cannot fail unless the fixtures are broken
	}
	return string(f.Body)
}()

// createBody is what tests POST to create a call: the updatable properties of fullCall.
const createBody = `{
  "@odata.type": "#microsoft.graph.call",
  "subject": "Initial subject",
  "callbackUri": "https://bot.example.com/callback",
  "source": {"identity": {"application": {"id": "app-1", "displayName": "Bot"}}, "region": "emea", "languageId": "en-US"},
  "targets": [{"identity": {"user": {"id": "u1", "displayName": "User One"}}}, {"identity": {"user": {"id": "u2"}}}],
  "requestedModalities": ["audio", "video"],
  "mediaConfig": {"@odata.type": "microsoft.graph.mediaConfig", "removeFromDefaultAudioGroup": false},
  "chatInfo": {"threadId": "t1", "messageId": "m1", "replyChainMessageId": "r1"},
  "meetingInfo": {"@odata.type": "microsoft.graph.meetingInfo", "allowConversationWithoutHost": true},
  "tenantId": "tenant-1",
  "mediaState": {"audio": "inactive"}
}`

// env is a reference server on a loopback listener and a client that never follows redirects.
type env struct {
	t      testing.TB
	srv    *Server
	hs     *httptest.Server
	base   string // URL of the collection
	client *http.Client
	token  string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv) // listens on 127.0.0.1:0
	t.Cleanup(hs.Close)
	tr := hs.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	t.Cleanup(tr.CloseIdleConnections)
	e := &env{t: t, srv: srv, hs: hs, base: hs.URL + srv.coll, token: opts.Token,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return e
}

// resp is a response read in full.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// do sends a request; hdr are name/value pairs. A Content-Type of application/json is added for
// a non-empty body unless hdr names one ("Content-Type", "" sends none). The bearer token is added
// unless hdr names an Authorization.
func (e *env) do(method, url, body string, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatalf("NewRequest %s %s: %v", method, url, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return send(e.t, e.client, req)
}

// send sends req with c and reads the answer in full.
func send(t testing.TB, c *http.Client, req *http.Request) resp {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (e *env) item(id string) string { return e.base + "/" + id }

// create POSTs body and returns the new call's id and representation.
func (e *env) create(body string) (string, map[string]any) {
	e.t.Helper()
	r := e.do("POST", e.base, body)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create: %v", r)
	}
	m := decode(e.t, r.Body)
	id, _ := m["id"].(string)
	if id == "" {
		e.t.Fatalf("create: no id in %s", r.Body)
	}
	return id, m
}

func (e *env) patch(id, body string, hdr ...string) resp {
	e.t.Helper()
	return e.do("PATCH", e.item(id), body, hdr...)
}

// decode decodes a JSON object keeping numbers exact.
func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return m
}

func validator(t testing.TB) *schemas.Validator {
	t.Helper()
	v, err := schemas.Default()
	if err != nil {
		t.Fatalf("schemas.Default: %v", err)
	}
	return v
}

// mustValid fails unless doc satisfies the schema of kind.
func mustValid(t testing.TB, kind schemas.Kind, doc []byte) {
	t.Helper()
	res, err := validator(t).Validate(kind, doc)
	if err != nil {
		t.Fatalf("validate %s: %v", kind, err)
	}
	if !res.Valid() {
		t.Fatalf("%s does not satisfy the %s schema: %+v", doc, kind, res.Violations)
	}
}

// mustInvalidRequest fails unless doc violates the request schema (the harness confirms each
// negative case the same way: ERR-02).
func mustInvalidRequest(t testing.TB, doc string) {
	t.Helper()
	res, err := validator(t).Validate(schemas.KindRequest, []byte(doc))
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	if res.Valid() {
		t.Fatalf("test case %s is not invalid against the request schema", doc)
	}
}

// graphError checks r is a Graph error with the status and returns the error object.
func graphError(t testing.TB, r resp, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q", ct)
	}
	mustValid(t, schemas.KindError, r.Body)
	m := decode(t, r.Body)
	eo, ok := m["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.Body)
	}
	if c, _ := eo["code"].(string); c == "" {
		t.Fatalf("error.code empty: %s", r.Body)
	}
	if _, ok := eo["message"].(string); !ok {
		t.Fatalf("error.message not a string: %s", r.Body)
	}
	return eo
}

// contains reports whether got contains want: objects recursively (every key of want present in
// got with a containing value), arrays and scalars exactly (numbers as written).
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !contains(gv, wv) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(got, want)
	}
}

// raw sends a request line and headers verbatim over TCP (for paths net/http would not send) and
// returns the status code and headers.
func raw(t testing.TB, hostport, requestTarget string, headers ...string) (int, http.Header) {
	t.Helper()
	c, err := net.DialTimeout("tcp", hostport, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "PATCH %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n", requestTarget, hostport)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n{}")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatalf("write: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", requestTarget, err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header
}
