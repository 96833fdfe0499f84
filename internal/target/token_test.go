package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/token"
)

// rotatingCommand returns a token command that prints a new token on every run
// (rot-<tag>-1, rot-<tag>-2, ...), counting in a file of its own directory.
func rotatingCommand(t *testing.T, tag string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "mint.sh")
	script := fmt.Sprintf("#!/bin/sh\nn=$(cat %[1]s/n 2>/dev/null || echo 0)\nn=$((n+1))\necho $n > %[1]s/n\necho rot-%[2]s-$n\n", dir, tag)
	if err := os.WriteFile(p, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFetchedTokensAreSentAndRedacted: with a token command due before every request, each
// request carries a new token, and every output of the client redacts every one of them,
// including one the target echoes back after the client moved on to the next.
func TestFetchedTokensAreSentAndRedacted(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		all := strings.Join(seen, " ")
		mu.Unlock()
		w.WriteHeader(400)
		io.WriteString(w, `{"every auth so far":"`+all+`"}`)
	})
	cfg := testConfig(srv.URL)
	cfg.Token = ""
	cfg.TokenCommand = rotatingCommand(t, "a")
	cfg.TokenRefreshInterval = time.Nanosecond // due again before every request
	src := tokensOf(t, cfg)
	c := newClientWith(t, cfg, src)
	var exs []*Exchange
	for range 3 {
		e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: []byte(`{}`)})
		if e.Status != 400 {
			t.Fatalf("exchange: %v", e.Err)
		}
		exs = append(exs, e)
	}
	mu.Lock()
	got := strings.Join(seen, ",")
	mu.Unlock()
	if got != "Bearer rot-a-1,Bearer rot-a-2,Bearer rot-a-3" {
		t.Fatalf("sent %q", got)
	}
	// A second client of the same run shares the source: it knows all three.
	other := newClientWith(t, cfg, src)
	for _, e := range exs {
		for name, out := range map[string]string{"transcript": c.Transcript(e, 0), "curl": c.Curl(e), "other's transcript": other.Transcript(e, 0)} {
			if strings.Contains(out, "rot-a-") {
				t.Errorf("%s shows a token:\n%s", name, out)
			}
		}
		if curl := c.Curl(e); !strings.Contains(curl, `"Authorization: Bearer $CALLCONF_TOKEN"`) {
			t.Errorf("curl: %s", curl)
		}
	}
	if r := c.Redact("rot-a-1 rot-a-2 rot-a-3"); r != "[REDACTED] [REDACTED] [REDACTED]" {
		t.Errorf("Redact = %q", r)
	}
}

// TestTokenFailureFailsTheRequest: a token command that fails makes the request fail with its
// cause, sends nothing, and never panics or hangs.
func TestTokenFailureFailsTheRequest(t *testing.T) {
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		w.WriteHeader(204)
	})
	cfg := testConfig(srv.URL)
	cfg.Token = ""
	cfg.TokenCommand = "echo 'AADSTS700082: the refresh token has expired' >&2; exit 1"
	c := newClient(t, cfg)
	e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/c/1", Body: []byte(`{}`)})
	if e.Err == nil || !strings.Contains(e.Err.Error(), "no bearer token from --token-command: the command failed (exit status 1); its standard error ends: AADSTS700082") {
		t.Fatalf("err %v", e.Err)
	}
	if c.Requests() != 0 {
		t.Errorf("%d requests sent without a token", c.Requests())
	}
	var te *token.Error
	if !errors.As(e.Err, &te) {
		t.Errorf("not a *token.Error: %T", e.Err)
	}
}
