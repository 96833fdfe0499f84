package e2e

import (
	"encoding/pem"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

func TestTLSVerification(t *testing.T) {
	srv, err := reference.New(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = ln
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := ts.TLS.Certificates[0].Certificate[0]
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("verification is on by default", func(t *testing.T) {
		r := run(t, time.Minute, nil, "--base-url", ts.URL, "--timeout", "5s")
		if r.code != 2 || !strings.Contains(r.stderr, "certificate") {
			t.Fatalf("want exit 2 naming the certificate:\n%s", r)
		}
	})
	t.Run("a private CA is trusted with --ca-file", func(t *testing.T) {
		r := run(t, 2*time.Minute, nil, "--base-url", ts.URL, "--ca-file", ca)
		if r.code != 0 {
			t.Fatalf("want exit 0:\n%s", r)
		}
	})
	t.Run("--insecure-skip-tls-verify works and warns", func(t *testing.T) {
		r := run(t, 2*time.Minute, nil, "--base-url", ts.URL, "--insecure-skip-tls-verify")
		if r.code != 0 || !strings.Contains(r.stderr, "WARNING") {
			t.Fatalf("want exit 0 and a warning:\n%s", r)
		}
	})
}
