package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/callconf/callconf/internal/testsupport"
)

// TestIssuerTokensPassUntilTheyExpire: the issuer speaks client credentials as the oauth2
// library does, and Valid accepts exactly its own tokens, until their lifetime is over.
func TestIssuerTokensPassUntilTheyExpire(t *testing.T) {
	clk := testsupport.NewClock(time.Unix(1_700_000_000, 0))
	is, err := newIssuer("app", "cs-SECRET", 2*time.Second, clk.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(is)
	defer ts.Close()
	cc := &clientcredentials.Config{ClientID: "app", ClientSecret: "cs-SECRET", TokenURL: ts.URL, Scopes: []string{"a", "b"}}
	t1, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := cc.Token(context.Background())
	if t1.AccessToken == t2.AccessToken || strings.Count(t1.AccessToken, ".") != 2 || t1.TokenType != "Bearer" || t1.Extra("expires_in") != float64(2) {
		t.Fatalf("tokens %q %q type %q expires_in %v", t1.AccessToken, t2.AccessToken, t1.TokenType, t1.Extra("expires_in"))
	}
	if !is.Valid(t1.AccessToken) || is.Issued() != 2 {
		t.Fatal("a fresh token is not valid")
	}
	for _, bad := range []string{"", "x", t1.AccessToken + "x", strings.Replace(t1.AccessToken, ".", "X.", 1)} {
		if is.Valid(bad) {
			t.Errorf("accepted %q", bad)
		}
	}
	other, _ := newIssuer("app", "cs-SECRET", 2*time.Second, clk.Now, nil)
	if other.Valid(t1.AccessToken) {
		t.Error("another issuer's key accepted the token")
	}
	clk.Add(1999 * time.Millisecond)
	if !is.Valid(t1.AccessToken) {
		t.Error("expired early")
	}
	clk.Add(time.Millisecond)
	if is.Valid(t1.AccessToken) {
		t.Error("an expired token is still valid")
	}

	for name, form := range map[string]url.Values{
		"wrong secret": {"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"nope"}},
		"wrong grant":  {"grant_type": {"password"}, "client_id": {"app"}, "client_secret": {"cs-SECRET"}},
	} {
		resp, err := http.PostForm(ts.URL, form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Error string }
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode/100 != 4 || e.Error == "" || strings.Contains(string(b), "access_token") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, b)
		}
	}
}

// TestServeIssuer: `serve --oauth-issuer` answers token requests on the same address, and the
// calls accept exactly the tokens it issued; no fixed token is needed, the secret comes from
// the environment, and non-loopback addresses are refused.
func TestServeIssuer(t *testing.T) {
	t.Setenv("CALLCONF_TOKEN", "")
	t.Setenv("CALLCONF_OAUTH_CLIENT_SECRET", "cs-serve-SECRET")
	base, stderr, stop, _ := startServe(t, "--addr", "127.0.0.1:0", "--oauth-issuer", "--oauth-client-id", "cli", "--token-lifetime", "1h")
	defer stop()
	cc := &clientcredentials.Config{ClientID: "cli", ClientSecret: "cs-serve-SECRET", TokenURL: base + issuerPath}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for auth, want := range map[string]int{"Bearer " + tok.AccessToken: http.StatusCreated, "Bearer forged": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodPost, base+"/communications/calls", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%.20s…: %d, want %d", auth, resp.StatusCode, want)
		}
	}
	if s := stderr.String(); !strings.Contains(s, "token endpoint at "+base+issuerPath) || strings.Contains(s, tok.AccessToken) || strings.Contains(s, "cs-serve-SECRET") {
		t.Errorf("stderr:\n%s", s)
	}

	for _, args := range [][]string{
		{"--addr", "0.0.0.0:0", "--oauth-issuer"},
		{"--addr", "127.0.0.1:0", "--oauth-issuer", "--token-lifetime", "1500ms"},
	} {
		var out, errb strings.Builder
		if code := runServe(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want %d: %s", args, code, exitUsage, errb.String())
		}
	}
}
