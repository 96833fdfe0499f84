// Package config is the harness's one typed configuration, read from flags, the environment
// (CALLCONF_ prefix) and an optional JSON or YAML config file, with the precedence
// flag > environment > file > default.
//
// Each setting is declared once, in the table of settings.go: its flag, environment variable,
// config-file key, default, validation, line in String and entry in Env all come from that one
// declaration. The same flag names are registered everywhere (the runner's own flag set, and
// flag.CommandLine in the Ginkgo suite binary) through Bind; Load resolves, validates and reports
// every problem at once, each naming its flag, variable or key. Nothing is read at package
// initialisation and the package holds no mutable state.
//
// The bearer token is a secret: it comes only from CALLCONF_TOKEN or a token file, never from a
// flag value, and every printed form of a Config (String, GoString, %v, %+v, JSON) redacts it,
// together with the values of headers marked secret. Instead of a fixed token, a run may name a
// way to obtain expiring ones (--token-command, or OAuth 2.0 client credentials whose secret comes
// only from CALLCONF_OAUTH_CLIENT_SECRET or a file); Load only checks those settings, and package
// internal/token runs them.
//
// It imports the standard library, a YAML decoder and internal/redact (for the placeholder and
// URL credential stripping) only.
package config

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/redact"
)

// The retry floor and cap (the contract's "Throttling").
const (
	// DefaultRetryMaxAttempts is how many times one request is sent at most while the target
	// throttles it (the contract: "one request is sent at most 5 times").
	DefaultRetryMaxAttempts = 5
	MaxRetryMaxAttempts     = 100
	// MinRetryWait is the shortest wait before a throttled request is sent again: a Retry-After
	// of 0, or a date in the past, counts as this.
	MinRetryWait = time.Second
)

// Defaults and bounds.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultDeadline         = 10 * time.Minute
	DefaultRetryMaxWait     = 30 * time.Second // the longest single wait on a 429 or 503
	DefaultRetryBudget      = 2 * time.Minute  // the total one spec may spend waiting on throttling
	DefaultConcurrency      = 8
	MinConcurrency          = 8 // STATE-03 of docs/contract.md: at least 8 PATCHes at once
	MaxConcurrency          = 256
	DefaultMaxResponseBytes = 4 << 20
	MinMaxResponseBytes     = 1 << 10
	MaxMaxResponseBytes     = 1 << 30
	MaxTokenFileBytes       = 16 << 10
	MaxConfigFileBytes      = 1 << 20
	// AutoRemoteProcs is how many processes --procs 0 (auto) runs against a --base-url: the
	// processes mostly wait on the network, so many help (README, "Parallel runs").
	AutoRemoteProcs = 16
	MaxProcs        = 64
	MaxRateLimit    = 100000

	// EnvPrefix prefixes every environment variable the harness reads.
	EnvPrefix = "CALLCONF_"
	// EnvToken is the environment variable that carries the bearer token.
	EnvToken = "CALLCONF_TOKEN"
	// EnvOAuthClientSecret is the environment variable that carries the OAuth 2.0 client secret.
	EnvOAuthClientSecret = "CALLCONF_OAUTH_CLIENT_SECRET"

	// Redacted replaces a secret wherever one would be printed (redact.Placeholder).
	Redacted = redact.Placeholder
)

// Capability names a target's optional routes (docs/contract.md, "Capabilities"), and auth:
// the target requires the run's credentials (ERR-04, ERR-10).
const (
	CapCreate = "create"
	CapRead   = "read"
	CapDelete = "delete"
	CapAuth   = "auth"
)

// Capabilities lists the capability names a user may declare, in canonical order.
func Capabilities() []string { return []string{CapCreate, CapRead, CapDelete, CapAuth} }

// Config is the effective configuration of one run.
type Config struct {
	BaseURL               string        // target base URL (normalised: no trailing slash); "" = embedded reference
	Token                 string        `json:"-"` // secret: CALLCONF_TOKEN or the token file, never a flag value
	TokenFile             string        // file holding the token (whitespace trimmed)
	TokenCommand          string        // shell command printing the token; rerun before it expires
	TokenRefreshInterval  time.Duration // get a new token at least this often; 0 = only before it expires
	OAuthTokenURL         string        // OAuth 2.0 token endpoint for the client credentials grant
	OAuthClientID         string        // OAuth 2.0 client id
	OAuthScopes           []string      // OAuth 2.0 scopes requested
	OAuthClientSecret     string        `json:"-"` // secret: CALLCONF_OAUTH_CLIENT_SECRET or the secret file, never a flag value
	OAuthClientSecretFile string        // file holding the client secret (whitespace trimmed)
	Headers               []Header      // extra headers sent with every request
	SecretHeaders         []string      // canonical names of headers whose values are redacted like the token
	CallIDs               []string      // existing calls to use when the target cannot create
	DisposableCalls       bool          // the named calls may be left changed: specs write them even when they cannot restore them
	Capabilities          []string      // declared capabilities (subset of create, read, delete, auth), canonical order
	CapabilitiesSet       bool          // false = auto-discover
	Timeout               time.Duration // per request (the whole exchange, body included)
	Deadline              time.Duration // the whole run
	RetryMaxWait          time.Duration // longest single wait on a 429/503 (Retry-After or back-off); a longer Retry-After makes the spec inconclusive
	RetryBudget           time.Duration // total time one spec may spend waiting on throttling
	RetryMaxAttempts      int           // most times one request is sent while throttled, the first attempt included
	CAFile                string        // PEM file of extra trusted CAs
	InsecureSkipTLSVerify bool          // skip TLS verification (off by default)
	Strict                bool          // SHOULD and MAY failures fail the run too
	Concurrency           int           // PATCHes sent at once by STATE-03
	ReportDir             string        // where reports are written; "" = none
	MaxResponseBytes      int64         // response bodies are read up to this size
	ConfigFile            string        // the config file read, if any
	Procs                 int           // processes the suite runs in; 0 = auto (see AutoRemoteProcs)
	RateLimit             float64       // requests per second across all processes; 0 = unlimited
	MaxInFlight           int           // requests in flight at once across all processes; 0 = unlimited
	Generate              int           // generated cases per requirement; 0 = no generated phase
	GenerateSeed          int           // seed of the generated cases; 0 = DefaultGenerateSeed
	GenerateShrink        int           // extra requests one failing generated case may spend on shrinking
	GenerateMaxString     int           // longest generated string, in characters
	GenerateSeeds         int           // seeds in a row the generated cases are drawn with (each --generate cases)
	Shard                 string        // --shard I/N: this run's share of the specs; "" = all

	sources map[string]string // setting key -> where its value came from
}

// Header is one extra request header.
type Header struct{ Name, Value string }

// Default returns the configuration with every setting at its default: the embedded reference,
// no token, a 10 s per-request timeout, a 10 min deadline, waits on throttling of at most 30 s
// each and 2 min per spec, concurrency 8, 4 MiB bodies.
func Default() Config {
	var c Config
	for _, s := range settings() {
		s.field.setDefault(&c)
	}
	return c
}

// Embedded reports whether the run targets the embedded reference implementation.
func (c Config) Embedded() bool { return c.BaseURL == "" }

// TokenSource names how tokens are obtained: "command" (--token-command), "oauth" (client
// credentials), or "" for a fixed token or none. Load allows at most one way.
func (c Config) TokenSource() string {
	switch {
	case c.TokenCommand != "":
		return "command"
	case c.OAuthTokenURL != "":
		return "oauth"
	}
	return ""
}

// HasCredentials reports whether the run is given credentials: a token (CALLCONF_TOKEN or a
// token file), a token command or OAuth client credentials.
func (c Config) HasCredentials() bool { return c.Token != "" || c.TokenSource() != "" }

// AuthExpected is contract ERR-04's applicability rule: a run expects the target to require
// authentication when it is given credentials (the embedded reference always has its token),
// unless --capabilities is declared without auth. Then a target that accepts requests without
// credentials fails ERR-04; otherwise ERR-04 and ERR-10 are unsupported.
func (c Config) AuthExpected() bool {
	return (c.Embedded() || c.HasCredentials()) && (!c.CapabilitiesSet || c.HasCapability(CapAuth))
}

// HasCapability reports whether the capability was declared (meaningful when CapabilitiesSet).
func (c Config) HasCapability(name string) bool { return slices.Contains(c.Capabilities, name) }

// IsSecretHeader reports whether values of the named header are secret: Authorization,
// Proxy-Authorization, Cookie and Set-Cookie always are, plus every --secret-header.
func (c Config) IsSecretHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	switch name {
	case "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie":
		return true
	}
	return slices.Contains(c.SecretHeaders, name)
}

// Secrets returns every secret value of the configuration (the token, the OAuth client secret
// and the values of secret headers), non-empty, longest first, for redaction. Tokens obtained
// later (--token-command, OAuth) are not here: their source remembers them.
func (c Config) Secrets() []string {
	var s []string
	if c.Token != "" {
		s = append(s, c.Token)
	}
	if c.OAuthClientSecret != "" {
		s = append(s, c.OAuthClientSecret)
	}
	for _, h := range c.Headers {
		if h.Value != "" && c.IsSecretHeader(h.Name) {
			s = append(s, h.Value)
		}
	}
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(s)
}

// RootCAs is the pool every client of the run trusts (the target's, the proxy's, the token
// endpoint's): nil, the system roots, without CAFile; else the system roots plus CAFile's
// certificates. Its errors start with "--ca-file: ".
func (c Config) RootCAs() (*x509.CertPool, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	pem, err := readCAFile(c.CAFile) // the same rules as Load's check
	if err != nil {
		return nil, fmt.Errorf("--ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(pem)
	return pool, nil
}

// Source says where a setting's value came from: "flag --timeout", "env CALLCONF_TIMEOUT",
// "file callconf.yaml (timeout)" or "default". Keys are the flag names, plus "token".
func (c Config) Source(key string) string {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return "default"
}

// Warnings lists settings that are allowed but risky, for the runner to print at start.
func (c Config) Warnings() []string {
	var w []string
	if c.InsecureSkipTLSVerify {
		w = append(w, "TLS certificate verification is disabled (--insecure-skip-tls-verify): the target's identity is not checked")
	}
	if u, err := url.Parse(c.BaseURL); err == nil && c.BaseURL != "" {
		if u.Scheme == "http" && (c.Token != "" || c.TokenSource() != "") && !isLoopback(u.Hostname()) {
			w = append(w, fmt.Sprintf("the bearer token is sent in clear text over http:// to %s", u.Host))
		}
		if u.Scheme == "http" && (c.CAFile != "" || c.InsecureSkipTLSVerify) {
			w = append(w, "TLS settings have no effect on an http:// base URL")
		}
	}
	if u, err := url.Parse(c.OAuthTokenURL); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
		w = append(w, fmt.Sprintf("the OAuth client secret is sent in clear text over http:// to %s", u.Host))
	}
	if c.Deadline > 0 && c.Timeout > 0 && c.Deadline < c.Timeout {
		w = append(w, fmt.Sprintf("the run deadline (%s) is shorter than the per-request timeout (%s)", c.Deadline, c.Timeout))
	}
	if c.RetryBudget > 0 && c.RetryMaxWait > 0 && c.RetryBudget < c.RetryMaxWait {
		w = append(w, fmt.Sprintf("the retry budget (%s) is shorter than the longest single wait (%s): a spec gives up before one such wait", c.RetryBudget, c.RetryMaxWait))
	}
	if c.RetryMaxWait > 0 && c.RetryMaxWait < MinRetryWait {
		w = append(w, fmt.Sprintf("the longest single wait (%s) is shorter than the shortest the harness waits (%s): no throttled request is retried", c.RetryMaxWait, MinRetryWait))
	}
	return w
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String prints the effective configuration, one "key: value (source)" line per setting in the
// order of the settings table, with the token and secret header values redacted.
func (c Config) String() string {
	var b strings.Builder
	for _, s := range settings() {
		fmt.Fprintf(&b, "%s: %s (%s)\n", s.key, s.field.show(c), c.Source(s.key))
	}
	return b.String()
}

// MarshalJSON encodes the configuration without the token and with secret header values
// redacted, so that a report can embed it.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // no methods: no recursion
	p := plain(c)
	p.Headers = make([]Header, len(c.Headers))
	for i, h := range c.Headers {
		if c.IsSecretHeader(h.Name) {
			h.Value = Redacted
		}
		p.Headers[i] = h
	}
	return json.Marshal(p)
}

// GoString keeps %#v from printing the token.
func (c Config) GoString() string { return "config.Config{\n" + c.String() + "}" }

// Env returns the configuration as CALLCONF_* environment entries ("KEY=value"), for handing it
// to a child process (e.g. a compiled suite binary) without putting the token on a command line.
// Relative paths are made absolute. Settings at their default are omitted.
func (c Config) Env() []string {
	var env []string
	for _, s := range settings() {
		if v, ok := s.field.export(c); ok && !s.resolved {
			env = append(env, s.env+"="+v)
		}
	}
	return env
}

// WithoutEnv returns environ without its CALLCONF_* entries; append Env() to the result to give a
// child process exactly this configuration.
func WithoutEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, EnvPrefix) {
			out = append(out, kv)
		}
	}
	return out
}
