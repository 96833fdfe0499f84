package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const clientSecret = "cs-8e1d-CLIENT-SECRET"

func oauthEnv() map[string]string {
	return map[string]string{
		"CALLCONF_OAUTH_TOKEN_URL": "https://login.example/tenant/oauth2/v2.0/token",
		"CALLCONF_OAUTH_CLIENT_ID": "app-1",
		EnvOAuthClientSecret:       clientSecret,
	}
}

func TestOAuthSettings(t *testing.T) {
	secretFile := writeFile(t, "secret", "\n"+clientSecret+"\n")
	env := oauthEnv()
	delete(env, EnvOAuthClientSecret)
	c := mustLoad(t, []string{"--oauth-scope", "https://graph.microsoft.com/.default", "--oauth-scope", "openid", "--oauth-client-secret-file", secretFile}, env)
	if c.TokenSource() != "oauth" || c.OAuthClientSecret != clientSecret || !slices.Equal(c.OAuthScopes, []string{"https://graph.microsoft.com/.default", "openid"}) {
		t.Fatalf("loaded %q %q %q", c.TokenSource(), c.OAuthClientSecret, c.OAuthScopes)
	}
	if got := c.Source("oauth-client-secret"); got != "client secret file "+secretFile {
		t.Errorf("source %q", got)
	}
	if !slices.Contains(c.Secrets(), clientSecret) {
		t.Errorf("Secrets() lacks the client secret")
	}
	b, _ := json.Marshal(c)
	for name, text := range map[string]string{"String": c.String(), "GoString": fmt.Sprintf("%#v", c), "JSON": string(b), "Env of the file": strings.Join(slices.DeleteFunc(c.Env(), func(kv string) bool { return strings.HasPrefix(kv, EnvOAuthClientSecret+"=") }), "\n")} {
		if strings.Contains(text, clientSecret) {
			t.Errorf("%s prints the client secret:\n%s", name, text)
		}
	}
	// A child process gets the secret itself, not the file (like the token).
	if !slices.Contains(c.Env(), EnvOAuthClientSecret+"="+clientSecret) {
		t.Errorf("Env() does not pass the client secret on: %q", c.Env())
	}
}

func TestTokenSourceErrors(t *testing.T) {
	tokFile := writeFile(t, "tok", "file-token\n")
	emptySecret := writeFile(t, "empty", "\n")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"token and command", []string{"--token-command", "echo x"}, map[string]string{EnvToken: secretToken},
			[]string{"more than one way to obtain the bearer token is set (env CALLCONF_TOKEN, --token-command)"}},
		{"token file and oauth", []string{"--token-file", tokFile}, oauthEnv(),
			[]string{"(token file " + tokFile + ", CALLCONF_OAUTH_TOKEN_URL)"}},
		{"command and oauth", []string{"--token-command", "echo x"}, oauthEnv(),
			[]string{"(--token-command, CALLCONF_OAUTH_TOKEN_URL)"}},
		{"oauth without id and secret", []string{"--oauth-token-url", "https://login.example/t"}, nil,
			[]string{"--oauth-token-url needs --oauth-client-id", "--oauth-token-url needs the client secret: set CALLCONF_OAUTH_CLIENT_SECRET or --oauth-client-secret-file"}},
		{"oauth settings without url", []string{"--oauth-client-id", "a", "--oauth-scope", "s"}, map[string]string{EnvOAuthClientSecret: clientSecret},
			[]string{"oauth-client-id is set (flag --oauth-client-id) but --oauth-token-url is not", "oauth-scope is set", "oauth-client-secret is set (env CALLCONF_OAUTH_CLIENT_SECRET)"}},
		{"secret in env and file env", nil, map[string]string{"CALLCONF_OAUTH_TOKEN_URL": "https://l.example/t", "CALLCONF_OAUTH_CLIENT_ID": "a", EnvOAuthClientSecret: clientSecret, "CALLCONF_OAUTH_CLIENT_SECRET_FILE": tokFile},
			[]string{"CALLCONF_OAUTH_CLIENT_SECRET and CALLCONF_OAUTH_CLIENT_SECRET_FILE are both set"}},
		{"empty secret file", []string{"--oauth-token-url", "https://l.example/t", "--oauth-client-id", "a", "--oauth-client-secret-file", emptySecret}, nil,
			[]string{"--oauth-client-secret-file: the client secret in " + emptySecret + ": the client secret is empty"}},
		{"bad token url", []string{"--oauth-token-url", "ftp://u:p@x/t", "--oauth-client-id", "a"}, map[string]string{EnvOAuthClientSecret: clientSecret},
			[]string{"--oauth-token-url: the token URL must be absolute with scheme http or https"}},
		{"bad scope", []string{"--oauth-scope", "a b"}, oauthEnv(), []string{`scope "a b" is empty or holds a space`}},
		{"interval without a source", []string{"--token-refresh-interval", "5m"}, nil,
			[]string{"--token-refresh-interval needs --token-command or --oauth-token-url"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.args, tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), clientSecret) || strings.Contains(err.Error(), secretToken) {
				t.Errorf("error prints a secret:\n%v", err)
			}
		})
	}
}

func TestClientSecretDoesNotBelongInTheConfigFile(t *testing.T) {
	f := writeFile(t, "c.yaml", "oauthClientSecret: x\n")
	_, err := load(t, []string{"--config", f}, nil)
	if err == nil || !strings.Contains(err.Error(), "a secret does not belong in the config file; set CALLCONF_OAUTH_CLIENT_SECRET") {
		t.Fatalf("got %v", err)
	}
}

func TestTokenSourceWarnings(t *testing.T) {
	env := oauthEnv()
	env["CALLCONF_OAUTH_TOKEN_URL"] = "http://login.example/t"
	w := strings.Join(mustLoad(t, []string{"--base-url", "http://target.example"}, env).Warnings(), "\n")
	for _, want := range []string{"the bearer token is sent in clear text over http:// to target.example", "the OAuth client secret is sent in clear text over http:// to login.example"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}
