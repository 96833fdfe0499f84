package config

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/redact"
)

// Setting keys: the flag names (the token and the OAuth client secret have no flag; "token" and
// "oauth-client-secret" name them in String and Source).
const (
	keyConfig           = "config"
	keyBaseURL          = "base-url"
	keyToken            = "token"
	keyTokenFile        = "token-file"
	keyTokenCommand     = "token-command"
	keyTokenRefresh     = "token-refresh-interval"
	keyOAuthTokenURL    = "oauth-token-url"
	keyOAuthClientID    = "oauth-client-id"
	keyOAuthScope       = "oauth-scope"
	keyOAuthSecret      = "oauth-client-secret"
	keyOAuthSecretFile  = "oauth-client-secret-file"
	keyHeader           = "header"
	keySecretHeader     = "secret-header"
	keyCallID           = "call-id"
	keyCapabilities     = "capabilities"
	keyTimeout          = "timeout"
	keyDeadline         = "deadline"
	keyRetryMaxWait     = "retry-max-wait"
	keyRetryBudget      = "retry-budget"
	keyRetryMaxAttempts = "retry-max-attempts"
	keyCAFile           = "ca-file"
	keyInsecure         = "insecure-skip-tls-verify"
	keyStrict           = "strict"
	keyConcurrency      = "concurrency"
	keyReportDir        = "report-dir"
	keyMaxResponseBytes = "max-response-bytes"
	keyProcs            = "procs"
	keyRateLimit        = "rate-limit"
	keyMaxInFlight      = "max-in-flight"
	keyDisposableCalls  = "disposable-calls"
	keyShard            = "shard"
)

// setting is the one declaration of a configuration setting. Its flag, environment variable,
// config-file key, default, line in String, entry in Env, source and validation all come from
// here; nothing else in the package names a setting.
type setting struct {
	key   string // the flag name; also names the setting in String and Source
	env   string // the environment variable
	file  string // the config-file key; "" = not settable in a config file
	usage string // the flag's usage text
	// resolved marks a setting that Load reads into other settings (the config file into every
	// setting, the token file into the token, the client secret file into the client secret):
	// Env hands a child the results, not the setting.
	resolved bool
	// unsetMeans, when not "", marks a setting whose empty value is a mistake rather than
	// "unset", and says what leaving it unset does: an empty base URL (a CI secret that is not
	// set) would otherwise test the embedded reference and pass.
	unsetMeans string
	// remote marks a setting that only means something for a target given with --base-url:
	// set without one, the user asked for a target the run would not test.
	remote bool
	// secret, when set, marks a secret that has no flag and may be read from a file setting:
	// the bearer token and the OAuth client secret.
	secret *secretOf
	field  field // the Config field behind the setting: its type, default and validation
}

// secretOf says how a secret setting is read and named.
type secretOf struct {
	file   string // the key of the setting naming the file that may hold it
	noun   string // in messages and sources: "token file F", "the token is empty"
	phrase string // for people pasting a command line: "set it to the bearer token"
	// fields points at the secret and its file in a Config.
	fields func(*Config) (secret, file *string)
}

// settings is the single table of every setting, in the order String prints them. The config
// file comes first because it is read before every other setting.
func settings() []setting {
	return append([]setting{
		{key: keyConfig, env: "CALLCONF_CONFIG", resolved: true,
			usage: "config `file`, JSON or YAML (unknown keys are rejected)",
			field: fieldOf(func(c *Config) *string { return &c.ConfigFile }, text("(none)"), "", nil)},
		{key: keyBaseURL, env: "CALLCONF_BASE_URL", file: "baseUrl", unsetMeans: "test the embedded reference",
			usage: "base `URL` of the target (http or https); leave it unset (not empty) to test the embedded reference implementation",
			field: fieldOf(func(c *Config) *string { return &c.BaseURL }, text("(embedded reference)"), "", checkBaseURL)},
		{key: keyToken, env: EnvToken, remote: true,
			secret: &secretOf{file: keyTokenFile, noun: "token", phrase: "bearer token",
				fields: func(c *Config) (*string, *string) { return &c.Token, &c.TokenFile }},
			usage: "the bearer token (a secret: never a flag value or config-file key)",
			field: fieldOf(func(c *Config) *string { return &c.Token }, secret(), "", checkSecret("token"))},
		{key: keyTokenFile, env: "CALLCONF_TOKEN_FILE", file: "tokenFile", resolved: true, remote: true,
			usage: "`file` holding the bearer token (or set " + EnvToken + "; the token is never a flag value)",
			field: fieldOf(func(c *Config) *string { return &c.TokenFile }, path(), "", nil)},
		{key: keyTokenCommand, env: "CALLCONF_TOKEN_COMMAND", file: "tokenCommand", remote: true,
			usage: "shell `command` (run with sh -c) whose standard output is the bearer token; run at start and again before the token expires (the exp of a JWT, or --token-refresh-interval)",
			field: fieldOf(func(c *Config) *string { return &c.TokenCommand }, text("(none)"), "", nil)},
		{key: keyTokenRefresh, env: "CALLCONF_TOKEN_REFRESH_INTERVAL", file: "tokenRefreshInterval", remote: true,
			usage: "get a new token from --token-command or --oauth-token-url at least this often (`duration`; for opaque tokens, whose expiry the harness cannot read)",
			field: fieldOf(func(c *Config) *time.Duration { return &c.TokenRefreshInterval }, optionalDuration("(only before the token expires)"), 0, nil)},
		{key: keyOAuthTokenURL, env: "CALLCONF_OAUTH_TOKEN_URL", file: "oauthTokenUrl", remote: true,
			usage: "OAuth 2.0 token endpoint `URL`: get bearer tokens with the client credentials grant (needs --oauth-client-id and the client secret)",
			field: fieldOf(func(c *Config) *string { return &c.OAuthTokenURL }, text("(none)"), "", checkTokenURL)},
		{key: keyOAuthClientID, env: "CALLCONF_OAUTH_CLIENT_ID", file: "oauthClientId", remote: true,
			usage: "OAuth 2.0 client `id` for --oauth-token-url",
			field: fieldOf(func(c *Config) *string { return &c.OAuthClientID }, text("(none)"), "", checkNoControl)},
		{key: keyOAuthScope, env: "CALLCONF_OAUTH_SCOPES", file: "oauthScopes", remote: true,
			usage: "OAuth 2.0 `scope` to request, repeatable (e.g. https://graph.microsoft.com/.default)",
			field: fieldOf(func(c *Config) *[]string { return &c.OAuthScopes }, list(false), nil, checkScopes)},
		{key: keyOAuthSecret, env: EnvOAuthClientSecret, remote: true,
			secret: &secretOf{file: keyOAuthSecretFile, noun: "client secret", phrase: "OAuth client secret",
				fields: func(c *Config) (*string, *string) { return &c.OAuthClientSecret, &c.OAuthClientSecretFile }},
			usage: "the OAuth 2.0 client secret (a secret: never a flag value or config-file key)",
			field: fieldOf(func(c *Config) *string { return &c.OAuthClientSecret }, secret(), "", checkSecret("client secret"))},
		{key: keyOAuthSecretFile, env: "CALLCONF_OAUTH_CLIENT_SECRET_FILE", file: "oauthClientSecretFile", resolved: true, remote: true,
			usage: "`file` holding the OAuth 2.0 client secret (or set " + EnvOAuthClientSecret + "; the secret is never a flag value)",
			field: fieldOf(func(c *Config) *string { return &c.OAuthClientSecretFile }, path(), "", nil)},
		{key: keyHeader, env: "CALLCONF_HEADERS", file: "headers", remote: true,
			usage: "extra request header `K=V`, repeatable (env: newline- or comma-separated)",
			field: fieldOf(func(c *Config) *[]Header { return &c.Headers }, headers(), nil, checkHeaders)},
		{key: keySecretHeader, env: "CALLCONF_SECRET_HEADERS", file: "secretHeaders", remote: true,
			usage: "header `NAME` whose value is redacted in every output like the token, repeatable",
			field: fieldOf(func(c *Config) *[]string { return &c.SecretHeaders }, list(true), nil, checkSecretHeaders)},
		{key: keyCallID, env: "CALLCONF_CALL_IDS", file: "callIds", remote: true,
			usage: "existing call `ID` to update (for targets without create), repeatable",
			field: fieldOf(func(c *Config) *[]string { return &c.CallIDs }, list(false), nil, checkCallIDs)},
		{key: keyDisposableCalls, env: "CALLCONF_DISPOSABLE_CALLS", file: "disposableCalls", remote: true,
			usage: "the calls named with --call-id may be left changed: specs write them even when they cannot be read and restored",
			field: fieldOf(func(c *Config) *bool { return &c.DisposableCalls }, boolean(), false, nil)},
		{key: keyCapabilities, env: "CALLCONF_CAPABILITIES", file: "capabilities", remote: true,
			usage: "target capabilities `create,read,delete,auth` (or none); auto-discovered when not given, auth then taken as required when credentials are given; leave auth out to declare a target without authentication",
			field: capabilitiesField{}},
		{key: keyTimeout, env: "CALLCONF_TIMEOUT", file: "timeout",
			usage: "per-request `duration`, response body included",
			field: fieldOf(func(c *Config) *time.Duration { return &c.Timeout }, duration(), DefaultTimeout, nil)},
		{key: keyDeadline, env: "CALLCONF_DEADLINE", file: "deadline",
			usage: "overall run `duration`",
			field: fieldOf(func(c *Config) *time.Duration { return &c.Deadline }, duration(), DefaultDeadline, nil)},
		{key: keyRetryMaxWait, env: "CALLCONF_RETRY_MAX_WAIT", file: "retryMaxWait",
			usage: "longest `duration` of a single wait on a 429 or 503 (Retry-After or back-off); a longer Retry-After makes the spec inconclusive",
			field: fieldOf(func(c *Config) *time.Duration { return &c.RetryMaxWait }, duration(), DefaultRetryMaxWait, nil)},
		{key: keyRetryBudget, env: "CALLCONF_RETRY_BUDGET", file: "retryBudget",
			usage: "total `duration` one spec may spend waiting on throttling",
			field: fieldOf(func(c *Config) *time.Duration { return &c.RetryBudget }, duration(), DefaultRetryBudget, nil)},
		{key: keyRetryMaxAttempts, env: "CALLCONF_RETRY_MAX_ATTEMPTS", file: "retryMaxAttempts",
			usage: "send one request at most `n` times while the target throttles it (429 or 503), the first attempt included; past it the spec is inconclusive",
			field: fieldOf(func(c *Config) *int { return &c.RetryMaxAttempts }, integer(), DefaultRetryMaxAttempts, checkRetryMaxAttempts)},
		{key: keyCAFile, env: "CALLCONF_CA_FILE", file: "caFile", remote: true,
			usage: "PEM `file` of CA certificates to trust in addition to the system roots",
			field: fieldOf(func(c *Config) *string { return &c.CAFile }, path(), "", checkCAFile)},
		{key: keyInsecure, env: "CALLCONF_INSECURE_SKIP_TLS_VERIFY", file: "insecureSkipTlsVerify", remote: true,
			usage: "do not verify the target's TLS certificate (verification is on by default)",
			field: fieldOf(func(c *Config) *bool { return &c.InsecureSkipTLSVerify }, boolean(), false, nil)},
		{key: keyStrict, env: "CALLCONF_STRICT", file: "strict",
			usage: "fail the run on SHOULD and MAY failures too",
			field: fieldOf(func(c *Config) *bool { return &c.Strict }, boolean(), false, nil)},
		{key: keyConcurrency, env: "CALLCONF_CONCURRENCY", file: "concurrency",
			usage: "concurrent PATCHes for STATE-03, `n` from 8 to 256",
			field: fieldOf(func(c *Config) *int { return &c.Concurrency }, integer(), DefaultConcurrency, checkConcurrency)},
		{key: keyReportDir, env: "CALLCONF_REPORT_DIR", file: "reportDir",
			usage: "`dir`ectory for junit.xml, the Ginkgo JSON report and the conformance reports",
			field: fieldOf(func(c *Config) *string { return &c.ReportDir }, path(), "", nil)},
		{key: keyMaxResponseBytes, env: "CALLCONF_MAX_RESPONSE_BYTES", file: "maxResponseBytes",
			usage: "response body `limit` in bytes (suffixes KiB, MiB, GiB allowed)",
			field: fieldOf(func(c *Config) *int64 { return &c.MaxResponseBytes }, size(), DefaultMaxResponseBytes, checkMaxResponseBytes)},
		{key: keyProcs, env: "CALLCONF_PROCS", file: "procs",
			usage: "run the suite in `n` processes (1 = serial); 0 = auto: 1 for the embedded reference, " + strconv.Itoa(AutoRemoteProcs) + " for a --base-url",
			field: fieldOf(func(c *Config) *int { return &c.Procs }, counted("auto"), 0, checkProcs)},
		{key: keyRateLimit, env: "CALLCONF_RATE_LIMIT", file: "rateLimit",
			usage: "send at most `r` requests per second, across all processes (0 = unlimited)",
			field: fieldOf(func(c *Config) *float64 { return &c.RateLimit }, rate(), 0, checkRateLimit)},
		{key: keyMaxInFlight, env: "CALLCONF_MAX_IN_FLIGHT", file: "maxInFlight",
			usage: "keep at most `n` requests in flight at once, across all processes (0 = unlimited)",
			field: fieldOf(func(c *Config) *int { return &c.MaxInFlight }, counted("unlimited"), 0, checkMaxInFlight)},
		{key: keyShard, env: "CALLCONF_SHARD", file: "shard",
			usage: "run only share `I/N` of the specs (1 <= I <= N), for runs split across machines; 'callconf merge' joins the shards' reports",
			field: fieldOf(func(c *Config) *string { return &c.Shard }, text("(all specs)"), "", checkShard)},
	}, generateSettings()...)
}

func lookupSetting(key string) setting {
	for _, s := range settings() {
		if s.key == key {
			return s
		}
	}
	panic("config: unknown setting " + key) // programming error, covered by tests
}

// Validations, one per setting that needs more than its type. Each reports every problem
// through report and returns the value to store.

func checkBaseURL(s string, report reportFunc) string {
	u, err := normaliseBaseURL(s)
	if err != nil {
		report("%v", err)
	}
	return u
}

// checkSecret checks the value of a secret named noun (see checkToken).
func checkSecret(noun string) func(string, reportFunc) string {
	return func(sec string, report reportFunc) string {
		if err := checkToken(sec, noun); err != nil {
			report("%v", err)
		}
		return sec
	}
}

func checkTokenURL(s string, report reportFunc) string {
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		report("invalid URL: %v", redact.URLError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		report("the token URL must be absolute with scheme http or https, got %q", redact.Userinfo(u.String()))
	case u.User != nil:
		report("the token URL must not carry credentials (user:password@); set the client secret with %s or --oauth-client-secret-file", EnvOAuthClientSecret)
	case u.Hostname() == "":
		report("the token URL %q has no host", s)
	case u.Fragment != "":
		report("the token URL %q must not have a fragment", s)
	}
	return s
}

func checkNoControl(s string, report reportFunc) string {
	if strings.ContainsFunc(s, isCTL) {
		report("contains control characters")
	}
	return s
}

func checkScopes(scopes []string, report reportFunc) []string {
	for _, sc := range scopes {
		if sc == "" || strings.ContainsFunc(sc, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == '\\' }) {
			report("scope %q is empty or holds a space, a quote, a backslash or a control character (RFC 6749 section 3.3)", sc)
		}
	}
	return scopes
}

func checkHeaders(hs []Header, report reportFunc) []Header {
	var out []Header
	for _, h := range hs {
		switch n := http.CanonicalHeaderKey(h.Name); {
		case !validToken(h.Name):
			report("%q is not a valid header name", h.Name)
		case strings.ContainsFunc(h.Value, func(c rune) bool { return c != '\t' && isCTL(c) }):
			report("the value of header %s contains CR, LF or another control character", n)
		case n == "Authorization":
			report("do not pass Authorization as a header: set the bearer token with %s or --token-file", EnvToken)
		case slices.Contains([]string{"Content-Length", "Transfer-Encoding", "Connection", "Te", "Upgrade", "Trailer"}, n):
			report("header %s is managed by the HTTP client and cannot be set", n)
		default:
			out = append(out, Header{Name: n, Value: h.Value})
		}
	}
	return out
}

func checkSecretHeaders(names []string, report reportFunc) []string {
	var out []string
	for _, n := range names {
		if !validToken(n) {
			report("%q is not a valid header name", n)
			continue
		}
		if n = http.CanonicalHeaderKey(n); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func checkCallIDs(ids []string, report reportFunc) []string {
	for _, id := range ids {
		if id == "" || strings.ContainsFunc(id, isCTL) {
			report("call id %q is empty or contains control characters", id)
		}
	}
	return ids
}

func checkConcurrency(n int, report reportFunc) int {
	if n < MinConcurrency || n > MaxConcurrency {
		report("concurrency %d is out of range: at least %d (the contract's STATE-03 sends at least 8 at once) and at most %d", n, MinConcurrency, MaxConcurrency)
	}
	return n
}

func checkRetryMaxAttempts(n int, report reportFunc) int {
	if n < 1 || n > MaxRetryMaxAttempts {
		report("%d attempts is out of range: from 1 (never retry) to %d", n, MaxRetryMaxAttempts)
	}
	return n
}

func checkMaxResponseBytes(n int64, report reportFunc) int64 {
	if n < MinMaxResponseBytes || n > MaxMaxResponseBytes {
		report("%d bytes is out of range: from %d (1KiB) to %d (1GiB)", n, MinMaxResponseBytes, MaxMaxResponseBytes)
	}
	return n
}

func checkCAFile(path string, report reportFunc) string {
	if path != "" {
		if _, err := readCAFile(path); err != nil {
			report("%v", err)
		}
	}
	return path
}

func checkProcs(n int, report reportFunc) int {
	if n < 0 || n > MaxProcs {
		report("%d processes is out of range: from 1 to %d, or 0 for auto", n, MaxProcs)
	}
	return n
}

func checkRateLimit(r float64, report reportFunc) float64 {
	if r < 0 || r > MaxRateLimit {
		report("%g requests per second is out of range: above 0 and at most %d, or 0 for unlimited", r, MaxRateLimit)
	}
	return r
}

func checkMaxInFlight(n int, report reportFunc) int {
	if n < 0 {
		report("%d requests in flight is out of range: at least 1, or 0 for unlimited", n)
	}
	return n
}
