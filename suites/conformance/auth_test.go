package conformance

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// TestAuthRequiredFollowsTheConfiguration: whether ERR-04 and ERR-10 apply comes from the
// configuration (contract v3, ERR-04), never from the target. The loopback target here accepts
// anything, as one whose authentication was switched off: with a token it still counts as
// requiring authentication (ERR-04 then fails), and no request is sent without the token.
func TestAuthRequiredFollowsTheConfiguration(t *testing.T) {
	var mu sync.Mutex
	var unauthenticated []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			mu.Lock()
			unauthenticated = append(unauthenticated, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		w.Header().Set("request-id", "r-1")
		switch r.Method {
		case http.MethodPost:
			created(w)
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"c1"}`))
		}
	}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name  string
		token string
		caps  []string // nil: discovered
		want  bool
	}{
		{"no credentials, discovered", "", nil, false},
		{"a token, discovered", "callconf-test-token", nil, true},
		{"a token, declared without auth", "callconf-test-token", []string{"create", "read", "delete"}, false},
		{"a token, declared none", "callconf-test-token", []string{}, false},
		{"a token, declared with auth", "callconf-test-token", []string{"create", "auth"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			unauthenticated = nil
			mu.Unlock()
			cfg := config.Default()
			cfg.BaseURL, cfg.Token, cfg.CallIDs = srv.URL, c.token, []string{"c1"}
			cfg.Capabilities, cfg.CapabilitiesSet = c.caps, c.caps != nil
			tgt, err := prepare(t, cfg)
			if err != nil {
				t.Fatal(err)
			}
			s := tgt.Session
			if s.AuthRequired != c.want || s.Has(requirements.Auth) != c.want || strings.Contains(s.Describe(), ",auth") != c.want {
				t.Errorf("AuthRequired %t, Has(auth) %t, described %q; want %t", s.AuthRequired, s.Has(requirements.Auth), s.Describe(), c.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if c.token != "" && len(unauthenticated) > 0 {
				t.Errorf("preparing the target sent requests without the token: %q", unauthenticated)
			}
		})
	}
}

// TestEmbeddedReferenceRequiresAuth: the embedded reference has its token, so ERR-04 applies.
func TestEmbeddedReferenceRequiresAuth(t *testing.T) {
	tgt, err := prepare(t, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if !tgt.Session.Has(requirements.Auth) {
		t.Errorf("the embedded reference: auth not required (%q)", tgt.Session.Describe())
	}
}

// TestRefusedSaysHowToDeclareNoAuth: a request without valid credentials answered 2xx fails
// ERR-04 with the way to declare a target without authentication (its own capabilities, auth
// left out); 401 passes; another refusal fails without that advice.
func TestRefusedSaysHowToDeclareNoAuth(t *testing.T) {
	session := Session{Capabilities: map[requirements.Capability]bool{requirements.Create: true, requirements.Read: true, requirements.Auth: true}, AuthRequired: true}
	for _, c := range []struct {
		status int
		want   string // "" = no finding
	}{
		{http.StatusUnauthorized, ""},
		{http.StatusOK, "declare it: --capabilities create,read (the capability auth left out; or CALLCONF_CAPABILITIES=create,read), or run without credentials"},
		{http.StatusNoContent, "--capabilities create,read "},
		{http.StatusForbidden, "status 401"},
	} {
		p := &probe{s: &suite{session: session}, req: requirements.MustGet("ERR-04")}
		ex := &target.Exchange{Method: http.MethodPatch, Status: c.status}
		p.exchanges = append(p.exchanges, ex)
		p.refused(ex)
		switch {
		case c.want == "" && len(p.findings) > 0:
			t.Errorf("%d: findings %v", c.status, p.findings)
		case c.want != "" && (len(p.findings) != 1 || !strings.Contains(p.findings[0].String(), c.want)):
			t.Errorf("%d: findings %v, want one saying %q", c.status, p.findings, c.want)
		case c.status == http.StatusForbidden && strings.Contains(p.findings[0].String(), "--capabilities"):
			t.Errorf("403 is a refusal with the wrong status, not a target without authentication: %v", p.findings)
		}
	}
	if got := noAuthHint(Session{}); !strings.HasPrefix(got, "--capabilities none ") {
		t.Errorf("no capabilities: %q", got)
	}
}

// TestMissingIDTakesTheShapeOfACallTheSpecUses: without an id from discovery (capabilities
// declared), an invented id takes the shape of a call the spec uses.
func TestMissingIDTakesTheShapeOfACallTheSpecUses(t *testing.T) {
	shape := regexp.MustCompile(`^call_[0-9a-f]{32}$`)
	p := &probe{s: &suite{}, models: map[string]map[string]any{"call_0123456789abcdef0123456789abcdef": {}}}
	seen := map[string]bool{}
	for range 50 {
		id := p.missingID()
		if !shape.MatchString(id) || seen[id] || slices.Contains([]string{"call_0123456789abcdef0123456789abcdef"}, id) {
			t.Fatalf("missingID() = %q", id)
		}
		seen[id] = true
	}
	p.s.session.SampleID = "4711"
	if id := p.missingID(); !regexp.MustCompile(`^[0-9]{4}$`).MatchString(id) {
		t.Errorf("with the session's sample 4711: %q", id)
	}
}
