package conformance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/token"
)

// TestDiscoveryNamesTheCause: when discovery cannot create a call, the error names the request,
// the status the target gave and the likely fix, instead of one "no create capability" for every
// cause (issue 13: wrong path, collection URL as base, wrong or missing token, 413 on create).
func TestDiscoveryNamesTheCause(t *testing.T) {
	for _, tc := range []struct {
		name, suffix, token string
		status              int
		header              http.Header
		body                string
		want                []string
	}{
		{name: "wrong version segment", suffix: "/v1.0", status: 404, body: `{"error":{"code":"BadRequest","message":"Resource not found for the segment 'communications'."}}`,
			want: []string{"POST ", "/v1.0/communications/calls answered 404 Not Found", "BadRequest: Resource not found", "--base-url must be the API root"}},
		{name: "collection URL as base", suffix: "/beta/communications/calls", status: 404,
			want: []string{"answered 404", "drop that part of it", "/beta)"}},
		{name: "no token", status: 401, header: http.Header{"WWW-Authenticate": {"Bearer"}},
			want: []string{"answered 401 Unauthorized", "no token was sent: set CALLCONF_TOKEN"}},
		{name: "wrong token", token: "not-the-right-one", status: 401,
			want: []string{"answered 401", "refused the token"}},
		{name: "no permission", token: "t", status: 403, want: []string{"answered 403 Forbidden", "permission"}},
		{name: "create too large", status: 413, want: []string{"answered 413", "request body limit", "--call-id"}},
		{name: "no create route", status: 405, want: []string{"answered 405", "does not create calls", "--call-id"}},
		{name: "redirect", status: 302, header: http.Header{"Location": {"https://elsewhere.example/"}}, want: []string{"answered 302", "never followed", "https://elsewhere.example/"}},
		{name: "server error", status: 500, body: "<html>boom</html>", want: []string{"answered 500", "body: <html>boom</html>", "logs"}},
		{name: "created without id", status: 201, body: `{"subject":"x"}`, want: []string{"answered 201 Created", `no string "id"`}},
		{name: "throttled past budget", status: 429, header: http.Header{"Retry-After": {"3600"}}, want: []string{"answered 429", "past the retry budget", "--retry-budget"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				if r.Method != http.MethodPost {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			cfg := config.Default()
			cfg.BaseURL, cfg.Token = srv.URL+tc.suffix, tc.token
			_, err := prepare(t, cfg)
			if !errors.Is(err, ErrNoCall) {
				t.Fatalf("Prepare: %v, want ErrNoCall", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestPreparationWaitsOutThrottlingEverywhere: every request of the preparation (the create,
// discovery's read and delete) is retried after a 429, not read as "cannot"; a 429 there used to
// drop read or delete silently (and auth, when a probe decided it), so their
// specs were skipped and the run could pass having tested less.
func TestPreparationWaitsOutThrottlingEverywhere(t *testing.T) {
	var refused sync.Map // method (+ "noauth") -> already refused once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method
		if r.Header.Get("Authorization") == "" {
			key += " noauth"
		}
		if _, again := refused.LoadOrStore(key, true); !again {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		switch {
		case key == "PATCH noauth":
			w.WriteHeader(http.StatusUnauthorized)
		case r.Method == http.MethodPost:
			created(w)
		case r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"c1"}`))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.BaseURL, cfg.Token = srv.URL, "t"
	tgt, err := prepare(t, cfg)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	for _, c := range []requirements.Capability{requirements.Create, requirements.Read, requirements.Delete, requirements.Auth} {
		if !tgt.Session.Has(c) {
			t.Errorf("capability %s lost to one 429", c)
		}
	}
}

// TestPreparationThrottledPastTheBudgetIsAnError: a read that stays throttled ends the
// preparation with the cause, instead of a target without read.
func TestPreparationThrottledPastTheBudgetIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.Method == http.MethodPost {
			created(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.BaseURL = srv.URL
	if _, err := prepare(t, cfg); err == nil || !strings.Contains(err.Error(), "GET ") || !strings.Contains(err.Error(), "past the retry budget") {
		t.Fatalf("Prepare: %v, want the GET throttled past the budget", err)
	}
}

// created answers a create with call c1.
func created(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"id":"c1"}`))
}

func prepare(t *testing.T, cfg config.Config) (*Target, error) {
	t.Helper()
	tokens, err := token.ForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := Prepare(context.Background(), cfg, tokens, nil)
	if tgt != nil {
		t.Cleanup(tgt.Close)
	}
	return tgt, err
}
