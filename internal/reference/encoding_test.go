package reference

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/listen"
)

// gz returns s gzip-compressed.
func gz(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// withoutGenerated decodes a call and drops what the server generates on each create.
func withoutGenerated(t testing.TB, b []byte) map[string]any {
	t.Helper()
	m := decode(t, b)
	delete(m, "id")
	delete(m, "myParticipantId")
	return m
}

// TestGzipBodiesAreDecoded: a gzip-compressed POST or PATCH body (as the Graph SDKs send every
// write) is answered exactly as the same body sent uncompressed.
func TestGzipBodiesAreDecoded(t *testing.T) {
	e := newEnv(t, Options{})

	plain := e.do("POST", e.base, createBody)
	zipped := e.do("POST", e.base, gz(t, createBody), "Content-Encoding", "gzip")
	if plain.Status != http.StatusCreated || zipped.Status != http.StatusCreated {
		t.Fatalf("POST plain %v, gzip %v", plain, zipped)
	}
	if p, z := withoutGenerated(t, plain.Body), withoutGenerated(t, zipped.Body); !contains(p, z) || !contains(z, p) {
		t.Errorf("POST with gzip created\n%s\nbut uncompressed\n%s", zipped.Body, plain.Body)
	}

	id, _ := e.create(createBody)
	want := e.patch(id, fullCall)
	if want.Status != http.StatusOK {
		t.Fatalf("uncompressed PATCH: %v", want)
	}
	twice := gz(t, gz(t, fullCall))
	members := gz(t, fullCall[:len(fullCall)/2]) + gz(t, fullCall[len(fullCall)/2:]) // RFC 1952 §2.2
	for _, c := range []struct{ coding, body string }{
		{"gzip", gz(t, fullCall)},
		{"GZip", gz(t, fullCall)},
		{"x-gzip", gz(t, fullCall)},
		{"gzip, identity", gz(t, fullCall)},
		{"identity,gzip", gz(t, fullCall)},
		{"gzip", members},
		{"gzip, gzip", twice},
		{"identity", fullCall},
	} {
		got := e.patch(id, c.body, "Content-Encoding", c.coding)
		if got.Status != http.StatusOK || !bytes.Equal(got.Body, want.Body) {
			t.Errorf("PATCH with Content-Encoding %q: %v\nwant the uncompressed answer %s", c.coding, got, want.Body)
		}
	}
	// Two Content-Encoding lines are one list.
	req, _ := http.NewRequest("PATCH", e.item(id), strings.NewReader(twice))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Content-Encoding", "gzip")
	req.Header.Add("Content-Encoding", "gzip")
	if r := send(t, e.client, req); r.Status != http.StatusOK || !bytes.Equal(r.Body, want.Body) {
		t.Errorf("two Content-Encoding lines: %v", r)
	}
	// What the decoded body says is judged as for any body: a schema violation is still a 400.
	graphError(t, e.patch(id, gz(t, `{"subject":1}`), "Content-Encoding", "gzip"), http.StatusBadRequest)
	graphError(t, e.patch(id, gz(t, `{`), "Content-Encoding", "gzip"), http.StatusBadRequest)
}

// TestGzipDecodedSizeIsBoundedByMaxBodyBytes: the decompressed body is held to the same limit as
// the compressed one, so a gzip bomb (1 GiB of zeros in about 1 MB) answers 413 after inflating
// no more than the limit.
func TestGzipDecodedSizeIsBoundedByMaxBodyBytes(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)

	// The bomb is 64 gzip members of 16 MiB of zeros each, which is quicker to build than one
	// member of 1 GiB and inflates the same.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 16<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	bomb := strings.Repeat(member.String(), 64)
	if int64(len(bomb)) >= DefaultMaxBodyBytes {
		t.Fatalf("the bomb is %d bytes: it would be refused before it is decompressed", len(bomb))
	}

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	r := e.patch(id, bomb, "Content-Encoding", "gzip")
	runtime.ReadMemStats(&m1)
	eo := graphError(t, r, http.StatusRequestEntityTooLarge)
	if msg, _ := eo["message"].(string); !strings.Contains(msg, "decompressed") {
		t.Errorf("413 message %q does not say the decompressed body is too large", msg)
	}
	// Server and client share the process: what both allocated for the request must stay far
	// below the 1 GiB the bomb inflates to (a few times the 1 MiB limit is expected).
	if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 64<<20 {
		t.Errorf("answering the bomb allocated %d MiB", alloc>>20)
	}
	graphError(t, e.do("POST", e.base, bomb, "Content-Encoding", "gzip"), http.StatusRequestEntityTooLarge)

	// Exactly the limit decompressed is accepted by the decoder (and then judged as JSON); one
	// byte more is not.
	small := newEnv(t, Options{MaxBodyBytes: 64})
	sid, _ := small.srv.Create([]byte(`{}`))
	atLimit := `{"subject":"` + strings.Repeat("s", 64-14) + `"}`
	if r := small.patch(sid, gz(t, atLimit), "Content-Encoding", "gzip"); r.Status != http.StatusOK {
		t.Errorf("a body of exactly MaxBodyBytes decompressed: %v", r)
	}
	graphError(t, small.patch(sid, gz(t, atLimit+" "), "Content-Encoding", "gzip"), http.StatusRequestEntityTooLarge)
}

// TestCorruptGzipAnswers400: a body that is not a valid gzip stream answers 400 and changes
// nothing.
func TestCorruptGzipAnswers400(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	before := e.do("GET", e.item(id), "").Body
	good := gz(t, `{"subject":"changed"}`)
	badCRC := []byte(good)
	badCRC[len(badCRC)-5] ^= 0xff // the CRC-32 of the trailer
	badData := []byte(good)
	badData[12] ^= 0xff // inside the deflate stream
	for name, body := range map[string]string{
		"not gzip":         `{"subject":"changed"}`,
		"truncated":        good[:len(good)-6],
		"header only":      good[:10],
		"bad checksum":     string(badCRC),
		"corrupt data":     string(badData),
		"trailing garbage": good + "garbage",
		"empty":            "",
	} {
		r := e.patch(id, body, "Content-Encoding", "gzip", "Content-Type", "application/json")
		eo := graphError(t, r, http.StatusBadRequest)
		if msg, _ := eo["message"].(string); !strings.Contains(msg, "gzip") {
			t.Errorf("%s: message %q does not name gzip", name, msg)
		}
		graphError(t, e.do("POST", e.base, body, "Content-Encoding", "gzip", "Content-Type", "application/json"),
			http.StatusBadRequest)
	}
	if after := e.do("GET", e.item(id), "").Body; !bytes.Equal(after, before) {
		t.Errorf("a refused gzip PATCH changed the call:\n%s\nwas\n%s", after, before)
	}
}

// TestUnknownContentCodingAnswers415: a content coding other than gzip or identity answers 415
// with a Graph error and Accept-Encoding naming what is accepted (RFC 9110 §15.5.16).
func TestUnknownContentCodingAnswers415(t *testing.T) {
	e := newEnv(t, Options{})
	id, _ := e.create(createBody)
	for _, ce := range []string{"br", "compress", "x-compress", "deflate", "zstd", "gzip, br", "br, gzip",
		"gzip;q=1", "gzip, gzip, gzip, gzip, gzip"} {
		for _, r := range []resp{
			e.patch(id, gz(t, `{"subject":"x"}`), "Content-Encoding", ce),
			e.do("POST", e.base, gz(t, createBody), "Content-Encoding", ce),
		} {
			eo := graphError(t, r, http.StatusUnsupportedMediaType)
			if ae := r.Header.Get("Accept-Encoding"); !strings.Contains(ae, "gzip") {
				t.Errorf("Content-Encoding %q: Accept-Encoding %q, want gzip listed", ce, ae)
			}
			if eo["code"] != codeUnsupportedMedia {
				t.Errorf("Content-Encoding %q: code %v", ce, eo["code"])
			}
		}
	}
	// A 415 for the media type does not advertise encodings.
	if r := e.patch(id, `{}`, "Content-Type", "text/plain"); r.Header.Get("Accept-Encoding") != "" {
		t.Errorf("415 for text/plain carries Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
	}
}

// sendWhole writes the whole of req on a fresh connection before reading anything, as the Graph
// SDKs and many other clients do, then reads the answer and the end of the connection. A server
// that closes while the client is still sending makes the write fail with a connection reset.
func sendWhole(t testing.TB, addr string, req []byte) (*http.Response, []byte) {
	t.Helper()
	c := dial(t, addr, req)
	defer c.Close()
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v, want the server's orderly close (EOF)", err)
	}
	return res, b
}

// dial connects to addr with a deadline of 30 seconds for everything that follows and writes
// data; the caller closes the connection.
func dial(t testing.TB, addr string, data []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(data); err != nil {
		c.Close()
		t.Fatalf("writing %d bytes: %v", len(data), err)
	}
	return c
}

// request renders a request with a body of n bytes ('x' inside a JSON string); hdr are extra
// header lines. chunked sends the body as one chunk instead of with a Content-Length.
func request(method, target string, n int, chunked bool, hdr ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: reference\r\nContent-Type: application/json\r\n", method, target)
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	if chunked {
		fmt.Fprintf(&b, "Transfer-Encoding: chunked\r\n\r\n%x\r\n", n)
	} else {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", n)
	}
	b.WriteString(`{"subject":"`)
	b.Write(bytes.Repeat([]byte("x"), n-14))
	b.WriteString(`"}`)
	if chunked {
		b.WriteString("\r\n0\r\n\r\n")
	}
	return b.Bytes()
}

// TestOversizedBodyIsDrainedSoTheClientReads413: a client that writes a whole 2 MiB or 8 MiB
// body before reading gets the 413 every time, never a connection reset (runner serve's setup:
// Listen with its default limits).
func TestOversizedBodyIsDrainedSoTheClientReads413(t *testing.T) {
	srv, run := serveWith(t, Options{}, listen.Limits{})
	id, _ := srv.Create([]byte(createBody))
	before, _ := srv.Get(id)
	for _, n := range []int{2 << 20, 8 << 20} {
		req := request("PATCH", "/communications/calls/"+id, n, false)
		for i := range 20 {
			res, body := sendWhole(t, run.Addr().String(), req)
			graphError(t, resp{Status: res.StatusCode, Header: res.Header, Body: body}, http.StatusRequestEntityTooLarge)
			if !res.Close {
				t.Fatalf("%d bytes, try %d: the 413 does not close the connection", n, i)
			}
		}
	}
	if after, _ := srv.Get(id); !bytes.Equal(after, before) {
		t.Errorf("a refused PATCH changed the call")
	}
	// A client that reads while it sends (net/http's) gets the 413 too.
	big := string(request("PATCH", "/", 8<<20, false))
	for range 3 {
		req, _ := http.NewRequest("PATCH", run.URL()+"/communications/calls/"+id, strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		if r := send(t, http.DefaultClient, req); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("net/http client: %v", r)
		}
	}
}

// TestEveryAnswerThatLeavesTheBodyUnreadLingers: whichever answer leaves the body unread (413 on
// either route and either framing, 401 before anything else, 405, 404, a GET that ignores its
// body), the client that writes the whole body first reads it.
func TestEveryAnswerThatLeavesTheBodyUnreadLingers(t *testing.T) {
	srv, run := serveWith(t, Options{Token: "tok"}, listen.Limits{})
	id, _ := srv.Create([]byte(createBody))
	item := "/communications/calls/" + id
	auth := "Authorization: Bearer tok"
	const n = 3 << 20
	for _, c := range []struct {
		name string
		req  []byte
		want int
	}{
		{"PATCH", request("PATCH", item, n, false, auth), http.StatusRequestEntityTooLarge},
		{"PATCH chunked", request("PATCH", item, n, true, auth), http.StatusRequestEntityTooLarge},
		{"PATCH gzip", request("PATCH", item, n, false, auth, "Content-Encoding: gzip"), http.StatusRequestEntityTooLarge},
		{"PATCH expecting 100-continue", request("PATCH", item, n, false, auth, "Expect: 100-continue"), http.StatusRequestEntityTooLarge},
		{"POST", request("POST", "/communications/calls", n, false, auth), http.StatusRequestEntityTooLarge},
		{"POST chunked", request("POST", "/communications/calls", n, true, auth), http.StatusRequestEntityTooLarge},
		{"no token", request("PATCH", item, n, false), http.StatusUnauthorized},
		{"PUT", request("PUT", item, n, false, auth), http.StatusMethodNotAllowed},
		{"unknown route", request("PATCH", "/communications/calls/"+id+"/x", n, false, auth), http.StatusNotFound},
		{"GET with a body", request("GET", item, n, false, auth), http.StatusOK},
	} {
		for range 3 {
			res, body := sendWhole(t, run.Addr().String(), c.req)
			if res.StatusCode != c.want {
				t.Fatalf("%s: %d %s, want %d", c.name, res.StatusCode, body, c.want)
			}
		}
	}
	if srv.Len() != 1 {
		t.Errorf("%d calls", srv.Len())
	}
}

// TestLingerIsBounded: lingering never holds a connection past Options.LingerBytes of extra body
// or Options.LingerTimeout.
func TestLingerIsBounded(t *testing.T) {
	const lingerTimeout = 300 * time.Millisecond
	_, run := serveWith(t, Options{MaxBodyBytes: 1 << 10, LingerBytes: 1 << 20, LingerTimeout: lingerTimeout}, listen.Limits{})
	head := "PATCH /communications/calls/x HTTP/1.1\r\nHost: reference\r\nContent-Type: application/json\r\n" +
		"Content-Length: 1073741824\r\n\r\n"

	t.Run("bytes", func(t *testing.T) {
		// A client that never stops sending (and never reads) is cut off once the server has
		// drained LingerBytes: its writes then fail.
		c := dial(t, run.Addr().String(), []byte(head))
		defer c.Close()
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		var sent int64
		for sent < 1<<30 {
			n, err := c.Write(chunk)
			sent += int64(n)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the server still reads after %d MiB", sent>>20)
				}
				break
			}
		}
		// What was accepted is the drained MiB plus what the two socket buffers hold.
		if sent >= 256<<20 {
			t.Errorf("the server accepted %d MiB of a body it refused", sent>>20)
		}
	})

	t.Run("time", func(t *testing.T) {
		// A client that stops sending after the headers reads the 413 at once; the connection
		// closes after LingerTimeout.
		c := dial(t, run.Addr().String(), []byte(head))
		defer c.Close()
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", res.StatusCode)
		}
		start := time.Now()
		_, err = io.Copy(io.Discard, br)
		d := time.Since(start)
		if err != nil {
			t.Logf("close: %v", err) // a reset is allowed here: the client still owes the body
		}
		if d < lingerTimeout/2 || d > 10*time.Second {
			t.Errorf("the connection closed %v after the answer; LingerTimeout is %v", d, lingerTimeout)
		}
	})
}

// FuzzGzipBody sends arbitrary bytes as a gzip PATCH body: the server never panics, never
// answers 5xx, and answers 200 or a 4xx Graph error.
func FuzzGzipBody(f *testing.F) {
	for _, s := range []string{gz(f, createBody), gz(f, `{}`), gz(f, `[`), gz(f, gz(f, `{}`)), gz(f, `{}`)[:12], "", "\x1f\x8b"} {
		f.Add([]byte(s))
	}
	srv, v, id := fuzzTarget(f, Options{MaxBodyBytes: 64 << 10})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := servePatch(srv, id, body, "gzip")
		checkAnswer(t, v, rec.Code, rec.Body.Bytes(), body)
	})
}
