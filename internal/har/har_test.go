package har

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const token = "tok-3xAmpl3-SECRET-value"

func redactToken(s string) string { return strings.ReplaceAll(s, token, "[REDACTED]") }

// An entry has every field HAR 1.2 requires, holds no secret anywhere (Authorization, a secret
// header, the URL, the body) and says where a body was cut.
func TestEntryIsValidAndHoldsNoSecret(t *testing.T) {
	s := Sanitizer{Redact: redactToken, Secret: func(n string) bool { return n == "Authorization" || n == "X-Api-Key" }}
	big := strings.Repeat("é", MaxBody) // cut mid-text: at a rune boundary
	ex := Exchange{Started: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Duration: 1500 * time.Microsecond,
		Method: "PATCH", URL: "https://t.example/communications/calls/1?sig=" + token + "&a=b",
		RequestHeader: http.Header{"Authorization": {"Bearer " + token}, "X-Api-Key": {"k-123456"}, "Content-Type": {"application/json"}},
		RequestBody:   []byte(`{"subject":"` + token + `"}`),
		Status:        200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(big)}
	b, err := Marshal(HAR{Log: Log{Version: "1.2", Creator: Creator{Name: "t", Version: "1"}, Entries: []Entry{s.Entry(ex), s.Entry(Exchange{Method: "GET", URL: "http://x/", Err: "refused"})}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b, token) || strings.Contains(b, "k-123456") {
		t.Fatalf("a secret reached the HAR:\n%s", b)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(b), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	log := doc["log"].(map[string]any)
	requireFields(t, "log", log, "version", "creator", "entries")
	if log["version"] != "1.2" {
		t.Errorf("version %v", log["version"])
	}
	for i, x := range log["entries"].([]any) {
		e := x.(map[string]any)
		requireFields(t, "entry", e, "startedDateTime", "time", "request", "response", "cache", "timings")
		requireFields(t, "request", e["request"].(map[string]any), "method", "url", "httpVersion", "headers", "queryString", "cookies", "headersSize", "bodySize")
		resp := e["response"].(map[string]any)
		requireFields(t, "response", resp, "status", "statusText", "httpVersion", "headers", "cookies", "content", "redirectURL", "headersSize", "bodySize")
		requireFields(t, "content", resp["content"].(map[string]any), "size", "mimeType")
		requireFields(t, "timings", e["timings"].(map[string]any), "send", "wait", "receive")
		if _, err := time.Parse(time.RFC3339Nano, e["startedDateTime"].(string)); err != nil {
			t.Errorf("entry %d: startedDateTime: %v", i, err)
		}
	}
	h, err := Read(strings.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	e := h.Log.Entries[0]
	if got := Header(e.Request.Headers).Get("Authorization"); got != "Bearer [REDACTED]" {
		t.Errorf("Authorization %q: want the scheme kept, the credentials redacted", got)
	}
	body, partial, err := e.Response.Content.Bytes()
	if err != nil || !partial || len(body) > MaxBody || !strings.HasPrefix(e.Response.Content.Comment, "truncated") || e.Comment == "" {
		t.Errorf("cut body: %d bytes, partial %v, %v, comments %q %q", len(body), partial, err, e.Response.Content.Comment, e.Comment)
	}
	if e.Response.Content.Size != int64(len(big)) || !json.Valid([]byte(`"`+e.Response.Content.Text+`"`)) {
		t.Errorf("size %d, want %d", e.Response.Content.Size, len(big))
	}
	if h.Log.Entries[1].Response.Status != 0 || h.Log.Entries[1].Error != "refused" {
		t.Errorf("an exchange without an answer: %+v", h.Log.Entries[1].Response)
	}
}

func requireFields(t *testing.T, what string, m map[string]any, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := m[n]; !ok {
			t.Errorf("%s lacks %q", what, n)
		}
	}
}

// A body that is not UTF-8 is kept in base64 and read back byte for byte.
func TestBinaryBodyRoundTrips(t *testing.T) {
	raw := []byte{0xff, 0x00, 0xfe, 'a'}
	e := Sanitizer{}.Entry(Exchange{Method: "POST", URL: "http://x/", RequestBody: raw, Status: 200, Body: raw})
	if e.Response.Content.Encoding != "base64" || e.Request.PostData.Encoding != "base64" {
		t.Fatalf("encodings %q %q", e.Response.Content.Encoding, e.Request.PostData.Encoding)
	}
	for _, got := range [][]byte{must(e.Response.Content.Bytes()), must(e.Request.PostData.Bytes())} {
		if string(got) != string(raw) {
			t.Errorf("got %x, want %x", got, raw)
		}
	}
}

func must(b []byte, _ bool, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// Parts of several recorders merge into one archive ordered by start time; a line a dying
// process left half written is skipped and counted; the parts are removed.
func TestCollectMergesPartsInOrder(t *testing.T) {
	dir := t.TempDir()
	parts := filepath.Join(dir, "parts")
	if err := os.Mkdir(parts, 0o700); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	r1, _ := NewRecorder(parts, Sanitizer{})
	r2, _ := NewRecorder(parts, Sanitizer{})
	for i, r := range []*Recorder{r2, r1, r2, r1} {
		r.Record(Exchange{Started: t0.Add(time.Duration(3-i) * time.Second), Method: "GET", URL: "http://x/" + string(rune('a'+i)), Status: 200})
	}
	r1.Close()
	r2.Close()
	if err := os.WriteFile(filepath.Join(parts, "part-broken.jsonl"), []byte(`{"start":1,"entry":{"req`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out", FileName)
	n, err := Collect(parts, out, Creator{Name: "t", Version: "1"}, nil)
	if err != nil || n != 4 {
		t.Fatalf("collect: %d, %v", n, err)
	}
	f, _ := os.Open(out)
	defer f.Close()
	h, err := Read(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, e := range h.Log.Entries {
		urls = append(urls, e.Request.URL)
	}
	if got := strings.Join(urls, " "); got != "http://x/d http://x/c http://x/b http://x/a" {
		t.Errorf("order %s", got)
	}
	if !strings.Contains(h.Log.Comment, "1 exchange(s) were lost") {
		t.Errorf("comment %q", h.Log.Comment)
	}
	if _, err := os.Stat(parts); !os.IsNotExist(err) {
		t.Errorf("parts left behind: %v", err)
	}
}

// Hostile or broken input is an error that says what is wrong, never a panic.
func TestReadRefusesBrokenInput(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, "not a HAR file"},
		{`[]`, "not a HAR file"},
		{`{}`, `no "log" object`},
		{`{"log":{}}`, `no "entries" array`},
		{`{"log":{"entries":{}}}`, "not a HAR file"},
		{`{"log":{"entries":[1]}}`, "HAR entry 1"},
		{`{"log":{"entries":[{"request":{"url":"http://x/"}}]}}`, "request.method is missing"},
		{`{"log":{"entries":[{"request":{"method":"GET"}}]}}`, "request.url is missing"},
		{`{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":"200"}}]}}`, "HAR entry 1"},
		{`{"log":{"entries":[{"request":{"method":"GET","url":"u"},"response":{"status":-5}}]}}`, "not an HTTP status"},
		{`{"log":{"entries":[` + strings.Repeat("[", 20000) + `]}}`, "HAR"},
		{"\xff\xfe{", "not a HAR file"},
		{`{"log":{"entries":[]}}` + strings.Repeat(" ", 200), "larger than 100 bytes"},
	} {
		_, err := Read(strings.NewReader(c.in), 100+int64(len(c.in))*btoi(!strings.Contains(c.want, "larger")))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: %v, want an error containing %q", c.in, err, c.want)
		}
	}
	e := Entry{Request: Request{Method: "GET", URL: "u"}, Response: Response{Content: Content{Text: "@@", Encoding: "base64"}}}
	if _, _, err := e.Response.Content.Bytes(); err == nil {
		t.Error("bad base64 read")
	}
}

func btoi(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// A hostile answer (thousands of headers, huge values, a token across the body's cut) gives a
// bounded entry that says what it left out and keeps no part of the token.
func TestEntryBoundsHostileAnswers(t *testing.T) {
	h := http.Header{}
	for i := range 500 {
		h.Set("X-H-"+strings.Repeat("a", i%7)+string(rune('a'+i%26))+strings.Repeat("z", i/26), strings.Repeat("v", 8<<10))
	}
	body := strings.Repeat("x", MaxBody-5) + token
	e := Sanitizer{Redact: redactToken}.Entry(Exchange{Method: "GET", URL: "http://x/", Status: 200, Header: h, Body: []byte(body)})
	if len(e.Response.Headers) != MaxHeaders || !strings.Contains(e.Response.Comment, "headers truncated") || !strings.Contains(e.Comment, "response headers truncated") {
		t.Errorf("%d headers, comments %q / %q", len(e.Response.Headers), e.Response.Comment, e.Comment)
	}
	for _, nv := range e.Response.Headers {
		if len(nv.Value) > MaxHeaderValue {
			t.Fatalf("%s: %d bytes", nv.Name, len(nv.Value))
		}
	}
	if strings.Contains(e.Response.Content.Text, token[:5]) {
		t.Errorf("the body's cut kept part of the token: …%s", e.Response.Content.Text[len(e.Response.Content.Text)-20:])
	}
	b, _ := Marshal(HAR{Log: Log{Entries: []Entry{e}}})
	if len(b) > 2*MaxHeaders*MaxHeaderValue+2*MaxBody {
		t.Errorf("entry of %d bytes", len(b))
	}
}
