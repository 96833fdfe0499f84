// Package config is the harness's one typed configuration, read from flags, the environment
// (CALLCONF_ prefix) and an optional JSON or YAML config file, with the precedence
// flag > environment > file > default.
//
// The same flag names are registered everywhere (the runner's own flag set, and flag.CommandLine
// in the Ginkgo suite binary) through Bind; Load resolves, validates and reports every problem at
// once. Nothing is read at package initialisation and the package holds no mutable state.
//
// The bearer token is a secret: it comes only from CALLCONF_TOKEN or a token file, never from a
// flag value, and every printed form of a Config (String, GoString, %v, %+v, JSON) redacts it,
// together with the values of headers marked secret.
package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults and bounds.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultDeadline         = 10 * time.Minute
	DefaultConcurrency      = 8
	MinConcurrency          = 8 // the contract's STATE-03: at least 8 PATCHes at once
	MaxConcurrency          = 256
	DefaultMaxResponseBytes = 4 << 20
	MinMaxResponseBytes     = 1 << 10
	MaxMaxResponseBytes     = 1 << 30
	MaxTokenFileBytes       = 16 << 10
	MaxConfigFileBytes      = 1 << 20

	// EnvPrefix prefixes every environment variable the harness reads.
	EnvPrefix = "CALLCONF_"
	// EnvToken is the environment variable that carries the bearer token.
	EnvToken = "CALLCONF_TOKEN"

	// Redacted replaces a secret wherever one would be printed.
	Redacted = "[REDACTED]"
)

// Capability names a target's optional routes (contract, "Capabilities").
const (
	CapCreate = "create"
	CapRead   = "read"
	CapDelete = "delete"
)

// Capabilities lists the capability names a user may declare, in canonical order.
func Capabilities() []string { return []string{CapCreate, CapRead, CapDelete} }

// Config is the effective configuration of one run.
type Config struct {
	BaseURL               string        // target base URL (normalised: no trailing slash); "" = embedded reference
	Token                 string        `json:"-"` // secret: CALLCONF_TOKEN or the token file, never a flag value
	TokenFile             string        // file holding the token (whitespace trimmed)
	Headers               []Header      // extra headers sent with every request
	SecretHeaders         []string      // canonical names of headers whose values are redacted like the token
	CallIDs               []string      // existing calls to use when the target cannot create
	Capabilities          []string      // declared capabilities (subset of create, read, delete), canonical order
	CapabilitiesSet       bool          // false = auto-discover
	Timeout               time.Duration // per request (the whole exchange, body included)
	Deadline              time.Duration // the whole run
	CAFile                string        // PEM file of extra trusted CAs
	InsecureSkipTLSVerify bool          // skip TLS verification (off by default)
	Strict                bool          // SHOULD and MAY failures fail the run too
	Concurrency           int           // PATCHes sent at once by STATE-03
	ReportDir             string        // where reports are written; "" = none
	MaxResponseBytes      int64         // response bodies are read up to this size
	ConfigFile            string        // the config file read, if any

	sources map[string]string // setting key -> where its value came from
}

// Header is one extra request header.
type Header struct{ Name, Value string }

// Default returns the configuration with every setting at its default: the embedded reference,
// no token, a 10 s per-request timeout, a 10 min deadline, concurrency 8, 4 MiB bodies.
func Default() Config {
	return Config{
		Timeout:          DefaultTimeout,
		Deadline:         DefaultDeadline,
		Concurrency:      DefaultConcurrency,
		MaxResponseBytes: DefaultMaxResponseBytes,
	}
}

// Embedded reports whether the run targets the embedded reference implementation.
func (c Config) Embedded() bool { return c.BaseURL == "" }

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

// Secrets returns every secret value of the configuration (the token and the values of secret
// headers), non-empty, longest first, for redaction.
func (c Config) Secrets() []string {
	var s []string
	if c.Token != "" {
		s = append(s, c.Token)
	}
	for _, h := range c.Headers {
		if h.Value != "" && c.IsSecretHeader(h.Name) {
			s = append(s, h.Value)
		}
	}
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(s)
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
		if u.Scheme == "http" && c.Token != "" && !isLoopback(u.Hostname()) {
			w = append(w, fmt.Sprintf("the bearer token is sent in clear text over http:// to %s", u.Host))
		}
		if u.Scheme == "http" && (c.CAFile != "" || c.InsecureSkipTLSVerify) {
			w = append(w, "TLS settings have no effect on an http:// base URL")
		}
	}
	if c.Deadline > 0 && c.Timeout > 0 && c.Deadline < c.Timeout {
		w = append(w, fmt.Sprintf("the run deadline (%s) is shorter than the per-request timeout (%s)", c.Deadline, c.Timeout))
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

// String prints the effective configuration, one "key: value (source)" line per setting in a
// fixed order, with the token and secret header values redacted.
func (c Config) String() string {
	var b strings.Builder
	line := func(key, value string) {
		fmt.Fprintf(&b, "%s: %s (%s)\n", key, value, c.Source(key))
	}
	orNone := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	line(keyConfig, orNone(c.ConfigFile))
	if c.BaseURL == "" {
		line(keyBaseURL, "(embedded reference)")
	} else {
		line(keyBaseURL, c.BaseURL)
	}
	if c.Token == "" {
		line(keyToken, "(none)")
	} else {
		line(keyToken, Redacted)
	}
	line(keyTokenFile, orNone(c.TokenFile))
	hs := make([]string, 0, len(c.Headers))
	for _, h := range c.Headers {
		v := h.Value
		if c.IsSecretHeader(h.Name) {
			v = Redacted
		}
		hs = append(hs, h.Name+"="+v)
	}
	line(keyHeader, quoteList(hs))
	line(keySecretHeader, quoteList(c.SecretHeaders))
	line(keyCallID, quoteList(c.CallIDs))
	switch {
	case !c.CapabilitiesSet:
		line(keyCapabilities, "(auto-discover)")
	case len(c.Capabilities) == 0:
		line(keyCapabilities, "(none)")
	default:
		line(keyCapabilities, strings.Join(c.Capabilities, ","))
	}
	line(keyTimeout, c.Timeout.String())
	line(keyDeadline, c.Deadline.String())
	line(keyCAFile, orNone(c.CAFile))
	line(keyInsecure, strconv.FormatBool(c.InsecureSkipTLSVerify))
	line(keyStrict, strconv.FormatBool(c.Strict))
	line(keyConcurrency, strconv.Itoa(c.Concurrency))
	line(keyReportDir, orNone(c.ReportDir))
	line(keyMaxResponseBytes, strconv.FormatInt(c.MaxResponseBytes, 10))
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

func quoteList(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// Env returns the configuration as CALLCONF_* environment entries ("KEY=value"), for handing it
// to a child process (e.g. a compiled suite binary) without putting the token on a command line.
// Relative paths are made absolute. Settings at their default are omitted.
func (c Config) Env() []string {
	var env []string
	add := func(key, v string) { env = append(env, EnvPrefix+key+"="+v) }
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	if c.BaseURL != "" {
		add("BASE_URL", c.BaseURL)
	}
	if c.Token != "" {
		add("TOKEN", c.Token)
	}
	if len(c.Headers) > 0 {
		hs := make([]string, len(c.Headers))
		for i, h := range c.Headers {
			hs[i] = h.Name + "=" + h.Value
		}
		add("HEADERS", strings.Join(hs, "\n"))
	}
	if len(c.SecretHeaders) > 0 {
		add("SECRET_HEADERS", strings.Join(c.SecretHeaders, ","))
	}
	if len(c.CallIDs) > 0 {
		add("CALL_IDS", strings.Join(c.CallIDs, "\n"))
	}
	if c.CapabilitiesSet {
		caps := strings.Join(c.Capabilities, ",")
		if caps == "" {
			caps = "none"
		}
		add("CAPABILITIES", caps)
	}
	if c.Timeout != DefaultTimeout && c.Timeout > 0 {
		add("TIMEOUT", c.Timeout.String())
	}
	if c.Deadline != DefaultDeadline && c.Deadline > 0 {
		add("DEADLINE", c.Deadline.String())
	}
	if c.CAFile != "" {
		add("CA_FILE", abs(c.CAFile))
	}
	if c.InsecureSkipTLSVerify {
		add("INSECURE_SKIP_TLS_VERIFY", "true")
	}
	if c.Strict {
		add("STRICT", "true")
	}
	if c.Concurrency != DefaultConcurrency && c.Concurrency > 0 {
		add("CONCURRENCY", strconv.Itoa(c.Concurrency))
	}
	if c.ReportDir != "" {
		add("REPORT_DIR", abs(c.ReportDir))
	}
	if c.MaxResponseBytes != DefaultMaxResponseBytes && c.MaxResponseBytes > 0 {
		add("MAX_RESPONSE_BYTES", strconv.FormatInt(c.MaxResponseBytes, 10))
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
