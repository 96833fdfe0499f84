package token

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/testsupport"
)

func jwt(exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(fmt.Sprintf(`{"sub":"x","exp":%d}`, exp.Unix()))) + ".sig"
}

// counter fetches tokens tok-1, tok-2, ... living for life each; fail makes the next fetches fail.
type counter struct {
	n    atomic.Int32
	life time.Duration
	fail atomic.Bool
}

func (c *counter) fetch(context.Context) (Fetched, error) {
	if c.fail.Load() {
		return Fetched{}, errors.New("the endpoint is down")
	}
	return Fetched{Token: fmt.Sprintf("tok-%d", c.n.Add(1)), Lifetime: c.life}, nil
}

func mustToken(t *testing.T, s *Source) string {
	t.Helper()
	tok, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// settled asks for a token, lets a refresh it started in the background finish, and asks again.
func settled(t *testing.T, s *Source) string {
	t.Helper()
	mustToken(t, s)
	s.settle()
	return mustToken(t, s)
}

func TestRefreshesBeforeExpiry(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	c := &counter{life: time.Hour}
	s := New(c.fetch, Options{Now: clk.Now})
	if tok := mustToken(t, s); tok != "tok-1" {
		t.Fatalf("first token %q", tok)
	}
	clk.Add(time.Hour - EarlyRefresh - time.Second)
	if tok := mustToken(t, s); tok != "tok-1" {
		t.Fatalf("refreshed too early: %q", tok)
	}
	clk.Add(time.Second)
	if tok := settled(t, s); tok != "tok-2" {
		t.Fatalf("not refreshed %s before expiry: %q", EarlyRefresh, tok)
	}
	if got := strings.Join(s.Issued(), ","); got != "tok-1,tok-2" {
		t.Errorf("issued %q", got)
	}
}

func TestShortLivedTokensRefreshAtHalfTheirLife(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	c := &counter{life: 2 * time.Second}
	s := New(c.fetch, Options{Now: clk.Now})
	mustToken(t, s)
	clk.Add(999 * time.Millisecond)
	if tok := mustToken(t, s); tok != "tok-1" {
		t.Fatalf("got %q", tok)
	}
	clk.Add(time.Millisecond)
	if tok := settled(t, s); tok != "tok-2" {
		t.Fatalf("got %q", tok)
	}
}

func TestJWTExpAndInterval(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	var n atomic.Int32
	fetch := func(context.Context) (Fetched, error) {
		n.Add(1)
		return Fetched{Token: jwt(clk.Now().Add(10 * time.Minute))}, nil
	}
	s := New(fetch, Options{Now: clk.Now, Interval: 3 * time.Minute})
	first := mustToken(t, s)
	clk.Add(3*time.Minute - time.Second)
	if mustToken(t, s) != first || n.Load() != 1 {
		t.Fatal("refreshed before the interval")
	}
	clk.Add(time.Second)
	if settled(t, s) == first || n.Load() != 2 {
		t.Fatal("not refreshed at the interval")
	}
	// Without an interval the exp claim decides: 10 min - 1 min margin.
	s = New(fetch, Options{Now: clk.Now})
	first = mustToken(t, s)
	clk.Add(9*time.Minute - time.Second)
	if mustToken(t, s) != first {
		t.Fatal("refreshed before exp - margin")
	}
	clk.Add(time.Second)
	if settled(t, s) == first {
		t.Fatal("not refreshed at exp - margin")
	}
}

func TestOpaqueTokenWithoutIntervalIsKept(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	c := &counter{}
	s := New(c.fetch, Options{Now: clk.Now})
	mustToken(t, s)
	clk.Add(24 * time.Hour)
	if tok := mustToken(t, s); tok != "tok-1" {
		t.Fatalf("got %q", tok)
	}
}

func TestJWTExpiry(t *testing.T) {
	exp := time.Unix(1_700_000_123, 0)
	if got := jwtExpiry(jwt(exp)); !got.Equal(exp) {
		t.Errorf("exp %v, want %v", got, exp)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for _, tok := range []string{"opaque", "a.b.c", "x." + enc([]byte(`{"exp":"soon"}`)) + ".y", "x." + enc([]byte(`{}`)) + ".y", "x." + enc([]byte(`{"exp":-5}`)) + ".y"} {
		if got := jwtExpiry(tok); !got.IsZero() {
			t.Errorf("%q: exp %v, want none", tok, got)
		}
	}
	if got := jwtExpiry("x." + enc([]byte(`{"exp":1700000000.5}`)) + ".y"); got.UnixMilli() != 1_700_000_000_500 {
		t.Errorf("fractional exp read as %v", got)
	}
}

func TestFailedRefreshKeepsAValidTokenThenFails(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	c := &counter{life: 10 * time.Minute}
	s := New(c.fetch, Options{Now: clk.Now, Name: "--token-command"})
	mustToken(t, s)
	c.fail.Store(true)
	clk.Add(9*time.Minute + time.Second) // due, not expired
	if tok := settled(t, s); tok != "tok-1" {
		t.Fatalf("a valid token should still be handed out while a refresh fails: %q", tok)
	}
	clk.Add(time.Minute) // expired
	_, err := s.Token(context.Background())
	var te *Error
	if !errors.As(err, &te) || err.Error() != "no bearer token from --token-command: the endpoint is down" {
		t.Fatalf("got %v", err)
	}
	// Within the back-off the failure is reported without another attempt.
	c.fail.Store(false)
	if _, err := s.Token(context.Background()); err == nil {
		t.Fatal("no back-off after a failure")
	}
	clk.Add(FailureBackoff)
	if tok := mustToken(t, s); tok != "tok-2" {
		t.Fatalf("no recovery after the back-off: %q", tok)
	}
}

func TestExpiredTokenIsRefused(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	old := jwt(clk.Now().Add(-time.Minute))
	s := New(func(context.Context) (Fetched, error) { return Fetched{Token: old}, nil }, Options{Now: clk.Now})
	_, err := s.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "expired at 2023-11-14T22:12:20Z, before it could be used") {
		t.Fatalf("got %v", err)
	}
	if s.Redact("x "+old) != "x "+config.Redacted {
		t.Error("an expired token that was fetched is not redacted")
	}
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	s := New(func(context.Context) (Fetched, error) {
		n.Add(1)
		<-release
		return Fetched{Token: "shared"}, nil
	}, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if tok, err := s.Token(context.Background()); err != nil || tok != "shared" {
				errs <- fmt.Errorf("%q %v", tok, err)
			}
		})
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n.Load() != 1 {
		t.Errorf("%d fetches, want 1", n.Load())
	}
}

func TestWaitingEndsWithTheCallersContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := New(func(context.Context) (Fetched, error) { <-release; return Fetched{Token: "late"}, nil }, Options{})
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("per-request timeout")
	cancel(cause)
	if _, err := s.Token(ctx); !errors.Is(err, cause) {
		t.Fatalf("got %v, want the context's cause", err)
	}
}

func TestStatic(t *testing.T) {
	s := Static("fixed", nil)
	if tok := mustToken(t, s); tok != "fixed" || s.Fetching() {
		t.Fatalf("got %q", tok)
	}
	if tok := mustToken(t, Static("", nil)); tok != "" {
		t.Fatalf("empty static gave %q", tok)
	}
}

func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cmd.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommand(t *testing.T) {
	ctx := context.Background()
	got, err := Command("printf '  tok-from-cmd\\n' | cat", 0)(ctx)
	if err != nil || got.Token != "tok-from-cmd" {
		t.Fatalf("pipeline: %q %v", got.Token, err)
	}
	cases := []struct{ name, cmd, want string }{
		{"exit", "echo half-TOKEN-xyz; echo 'denied for half-TOKEN-xyz' >&2; exit 3", "the command failed (exit status 3); its standard error ends: denied for [REDACTED]"},
		{"empty", "echo 'not logged in' >&2", "the command printed nothing on standard output; its standard error ends: not logged in"},
		{"two words", "echo a b", "printed more than the token"},
		{"missing", "/nonexistent/az-xyz", "the command failed (exit status 127)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Command(tc.cmd, 0)(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "half-TOKEN") || strings.Contains(err.Error(), "a b") {
				t.Errorf("the error shows standard output: %v", err)
			}
		})
	}
}

// TestCommandTimeout: a command that hangs (and a child that keeps its pipes open) is cut off.
func TestCommandTimeout(t *testing.T) {
	cmd := script(t, "sleep 30 & sleep 30")
	start := time.Now()
	_, err := Command(cmd, 200*time.Millisecond)(context.Background())
	if err == nil || !strings.Contains(err.Error(), "did not finish within 200ms") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestClientCredentials(t *testing.T) {
	const secret = "cs-SECRET-91ab"
	var calls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, sec, ok := r.BasicAuth()
		if !ok {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") != "client_credentials" || id != "app" || sec != secret || r.PostForm.Get("scope") != "s1 s2" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad client","echo":%q}`, sec)
			return
		}
		fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":120}`, calls.Add(1))
	}))
	defer ts.Close()
	cc := &clientcredentials.Config{ClientID: "app", ClientSecret: secret, TokenURL: ts.URL, Scopes: []string{"s1", "s2"}}
	got, err := ClientCredentials(cc, nil)(context.Background())
	if err != nil || got.Token != "at-1" || got.Lifetime != 2*time.Minute {
		t.Fatalf("got %+v %v", got, err)
	}
	bad := *cc
	bad.ClientSecret = "wrong-" + secret
	_, err = ClientCredentials(&bad, nil)(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the token endpoint answered 401 Unauthorized: invalid_client (bad client)") || strings.Contains(err.Error(), secret) {
		t.Fatalf("got %v", err)
	}
}

func TestForConfigBuildsTheConfiguredSource(t *testing.T) {
	cfg := config.Default()
	cfg.BaseURL = "http://127.0.0.1:1"
	cfg.TokenCommand = "echo shared-" + t.Name()
	a, err := ForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Fetching() {
		t.Fatal("a token command gave a fixed source")
	}
	if tok := mustToken(t, a); tok != "shared-"+t.Name() {
		t.Fatalf("got %q", tok)
	}
	cfg.Token = "embedded" // the embedded reference's token wins
	if s, _ := ForConfig(cfg); s.Fetching() || mustToken(t, s) != "embedded" {
		t.Fatal("a fixed token did not win")
	}
}

// TestCommandDoesNotSeeTheHarnessSettings: CALLCONF_* variables (how a parallel run hands its
// children the configuration) do not reach the command; the rest of the environment does.
func TestCommandDoesNotSeeTheHarnessSettings(t *testing.T) {
	t.Setenv("CALLCONF_TOKEN_COMMAND", "x")
	t.Setenv("CALLCONF_E2E_OTHER", "y")
	t.Setenv("TOKEN_TEST_VISIBLE", "z")
	got, err := Command(`echo "${CALLCONF_TOKEN_COMMAND:-none}${CALLCONF_E2E_OTHER:-none}$TOKEN_TEST_VISIBLE"`, 0)(context.Background())
	if err != nil || got.Token != "nonenonez" {
		t.Fatalf("got %q %v", got.Token, err)
	}
}
