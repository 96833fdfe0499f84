package token

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/redact"
)

// shared holds this process's fetching sources, one per way of obtaining tokens, so that every
// client built from the same configuration (the runner's, the suite's, the redactor's) runs the
// command or asks the endpoint once per refresh and redacts every token any of them sent.
var shared = struct {
	sync.Mutex
	sources map[string]*Source
}{sources: map[string]*Source{}}

// ForConfig returns the Source of cfg's bearer token. A fixed token (cfg.Token, which the
// embedded reference also sets) gives a Static source; --token-command and --oauth-token-url give
// this process's one fetching source for those settings, created on first use. Nothing is run
// or fetched here: the first Token call does that.
func ForConfig(cfg config.Config) (*Source, error) {
	if cfg.Token != "" || cfg.TokenSource() == "" {
		return Static(cfg.Token, redact.New(cfg.Secrets()...)), nil
	}
	h := sha256.New()
	for _, part := range []string{cfg.TokenSource(), cfg.TokenCommand, cfg.TokenRefreshInterval.String(), cfg.OAuthTokenURL,
		cfg.OAuthClientID, strings.Join(cfg.OAuthScopes, " "), cfg.OAuthClientSecret, cfg.CAFile} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	key := hex.EncodeToString(h.Sum(nil))
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.sources[key]; ok {
		return s, nil
	}
	var s *Source
	switch cfg.TokenSource() {
	case "command":
		s = New(Command(cfg.TokenCommand, 0), Options{Name: "--token-command", Interval: cfg.TokenRefreshInterval, Secrets: cfg.Secrets()})
	case "oauth":
		pool, err := caPool(cfg.CAFile)
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
	shared.sources[key] = s
	return s, nil
}
