package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestAuthExpectedFollowsTheConfiguration is contract ERR-04's applicability rule: credentials
// (or the embedded reference's own token) make the run expect authentication, unless
// --capabilities is declared without auth.
func TestAuthExpectedFollowsTheConfiguration(t *testing.T) {
	const remote = "http://127.0.0.1:9"
	tok := map[string]string{EnvToken: "callconf-secret-token"}
	oauth := map[string]string{EnvOAuthClientSecret: "client-secret"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"embedded reference", nil, nil, true},
		{"remote, no credentials", []string{"--base-url", remote}, nil, false},
		{"remote, a token", []string{"--base-url", remote}, tok, true},
		{"remote, a token command", []string{"--base-url", remote, "--token-command", "echo t"}, nil, true},
		{"remote, OAuth", []string{"--base-url", remote, "--oauth-token-url", "https://login.example/token", "--oauth-client-id", "c"}, oauth, true},
		{"remote, a token, capabilities without auth", []string{"--base-url", remote, "--capabilities", "create,read,delete"}, tok, false},
		{"remote, a token, capabilities none", []string{"--base-url", remote, "--capabilities", "none"}, tok, false},
		{"remote, a token, capabilities with auth", []string{"--base-url", remote, "--capabilities", "auth,create"}, tok, true},
		{"remote, a token command, capabilities with auth", []string{"--base-url", remote, "--token-command", "echo t", "--capabilities", "create,auth"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, tc.args, tc.env)
			if got := c.AuthExpected(); got != tc.want {
				t.Errorf("AuthExpected() = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestAuthCapability(t *testing.T) {
	c := mustLoad(t, []string{"--base-url", "http://127.0.0.1:9", "--capabilities", "AUTH,delete,create"}, map[string]string{EnvToken: "callconf-secret-token"})
	if !reflect.DeepEqual(c.Capabilities, []string{"create", "delete", "auth"}) {
		t.Errorf("capabilities %q, want the canonical order create,delete,auth", c.Capabilities)
	}
	if v, ok := (capabilitiesField{}).export(c); !ok || v != "create,delete,auth" {
		t.Errorf("export %q %t", v, ok)
	}
	// Without credentials, auth cannot be told apart from its absence: an error that says what to do.
	_, err := load(t, []string{"--base-url", "http://127.0.0.1:9", "--capabilities", "create,auth"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--capabilities: auth is declared, but no credentials are given") || !strings.Contains(err.Error(), "leave auth out") {
		t.Errorf("auth without credentials: %v", err)
	}
	_, err = load(t, []string{"--base-url", "http://127.0.0.1:9", "--capabilities", "create,autth"}, nil)
	if err == nil || !strings.Contains(err.Error(), `unknown capability "autth" (allowed: create, read, delete, auth, or none); did you mean "auth"?`) {
		t.Errorf("a misspelt capability: %v", err)
	}
}
