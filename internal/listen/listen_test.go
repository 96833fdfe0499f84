package listen_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/testsupport"
)

// serve starts the reference implementation on a loopback port with the given limits.
func serve(t testing.TB, l listen.Limits) (*reference.Server, *listen.Server) {
	t.Helper()
	srv, err := reference.New(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv, testsupport.Serve(t, srv, l)
}

// TestHeaderReadTimeoutCutsSlowClients: a client that sends its headers a byte at a time
// (slowloris) is cut off after ReadHeaderTimeout.
func TestHeaderReadTimeoutCutsSlowClients(t *testing.T) {
	_, run := serve(t, listen.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: time.Second})
	c, err := net.Dial("tcp", run.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, _ = io.WriteString(c, "PATCH /communications/calls/x HTTP/1.1\r\nHost: a\r\n")
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1)
	for {
		if _, err := c.Write([]byte("X")); err != nil {
			break
		}
		if _, err := c.Read(buf); err != nil {
			break // closed (or a 408 then EOF)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow headers held the connection for %v", d)
	}
}

// TestBodyReadTimeoutCutsTricklingBodies: headers arrive, then the body trickles; the
// server gives up after ReadTimeout with a 4xx (or closes), never waits forever.
func TestBodyReadTimeoutCutsTricklingBodies(t *testing.T) {
	srv, run := serve(t, listen.Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 300 * time.Millisecond})
	id, _ := srv.Create([]byte(`{}`))
	c, err := net.Dial("tcp", run.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	fmt.Fprintf(c, "PATCH /communications/calls/%s HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", id)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		defer res.Body.Close()
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("trickled body answered %d", res.StatusCode)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("trickling body held the connection for %v", d)
	}
}

func TestMaxHeaderBytes(t *testing.T) {
	_, run := serve(t, listen.Limits{MaxHeaderBytes: 4 << 10})
	req, _ := http.NewRequest("GET", run.URL()+"/communications/calls/x", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 64<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d", res.StatusCode)
	}
}

func TestShutdownIsClean(t *testing.T) {
	srv, _ := reference.New(reference.Options{})
	run, err := listen.Start("127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q", run.URL())
	}
	res, err := http.Get(run.URL() + "/communications/calls/x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := run.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case <-run.Done():
	default:
		t.Errorf("not done after Shutdown")
	}
	if _, err := listen.Start(run.Addr().String(), srv); err != nil {
		t.Errorf("port not released: %v", err)
	}
	if _, err := listen.Start("256.0.0.1:0", srv); err == nil {
		t.Errorf("bad address accepted")
	}
}
