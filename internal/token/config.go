package token

import (
	"fmt"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/redact"
)

// ForConfig returns a new Source of cfg's bearer token, whose redactor knows cfg's secrets: a
// Static source for a fixed token (or none), a fetching one for --token-command and
// --oauth-token-url. A run builds it once per process and hands it to every client, so the
// command runs or the endpoint is asked once per refresh, and every token any client sent is
// redacted. Nothing is run or fetched here: the first Token call does that.
func ForConfig(cfg config.Config) (*Source, error) {
	if cfg.Token != "" || cfg.TokenSource() == "" {
		return Static(cfg.Token, redact.New(cfg.Secrets()...)), nil
	}
	var s *Source
	switch cfg.TokenSource() {
	case "command":
		s = New(Command(cfg.TokenCommand, 0), Options{Name: "--token-command", Interval: cfg.TokenRefreshInterval, Secrets: cfg.Secrets()})
	case "oauth":
		pool, err := cfg.RootCAs()
		if err != nil {
			return nil, err
		}
		cc := &clientcredentials.Config{ClientID: cfg.OAuthClientID, ClientSecret: cfg.OAuthClientSecret,
			TokenURL: cfg.OAuthTokenURL, Scopes: cfg.OAuthScopes}
		s = New(ClientCredentials(cc, endpointClient(pool)), Options{Name: "the OAuth token endpoint " + cfg.OAuthTokenURL,
			Interval: cfg.TokenRefreshInterval, Secrets: cfg.Secrets()})
	default:
		return nil, fmt.Errorf("token: unknown token source %q", cfg.TokenSource())
	}
	return s, nil
}
