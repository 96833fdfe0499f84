package config

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/callconf/callconf/internal/redact"
)

// flagValue records a flag's raw value(s); parsing and validation happen in Load so that every
// problem is reported at once.
type flagValue struct {
	kind   flagKind
	def    string // the default as usage shows it
	set    bool
	values []string
}

func (v *flagValue) String() string {
	if v == nil {
		return ""
	}
	if !v.set {
		return v.def
	}
	return strings.Join(v.values, ",")
}

func (v *flagValue) Set(s string) error {
	if v.kind == kindList {
		v.values = append(v.values, s)
	} else {
		v.values = []string{s}
	}
	v.set = true
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.kind == kindBool }

// Flags holds the flags Bind registered; call Load after the flag set is parsed.
type Flags struct {
	values map[string]*flagValue
}

// Bind registers every configuration flag on fs (the runner's own set, or flag.CommandLine in the
// suite binary) and returns the handle Load reads them through.
func Bind(fs *flag.FlagSet) *Flags {
	f := &Flags{values: map[string]*flagValue{}}
	for _, s := range settings() {
		if s.secret != nil { // secrets are never flag values
			continue
		}
		v := &flagValue{kind: s.field.kind(), def: s.field.defaultText()}
		f.values[s.key] = v
		fs.Var(v, s.key, s.usage+" [env "+s.env+"]")
	}
	return f
}

// raw is one setting's value as found in the highest-precedence source that has it.
type raw struct {
	where  string   // for error messages: "--timeout", "CALLCONF_TIMEOUT", "config file x.yaml: timeout"
	source string   // for Source: "flag --timeout", "env CALLCONF_TIMEOUT", "file x.yaml (timeout)"
	strs   []string // flag values, or the environment value
	env    bool     // the value came from the environment
	file   any      // the config file's value
	inFile bool     // the value came from the config file
	dir    string   // the config file's directory
}

func (r raw) fromFlag() bool { return !r.env && !r.inFile }

type loader struct {
	flags    *Flags
	getenv   func(string) (string, bool)
	file     map[string]any
	filePath string
	errs     []error
	sources  map[string]string // setting key -> raw.source
	found    map[string]raw    // setting key -> the raw value it was loaded from
}

func (l *loader) report(r raw) reportFunc {
	return func(format string, a ...any) {
		l.errs = append(l.errs, fmt.Errorf("%s: %s", r.where, fmt.Sprintf(format, a...)))
	}
}

func (l *loader) env(name string) (string, bool) {
	v, ok := l.rawEnv(name)
	if !ok || strings.TrimSpace(v) == "" {
		// An empty variable counts as unset (CI templates often expand to ""), except for the
		// settings givenEmpty refuses first.
		return "", false
	}
	return v, true
}

// givenEmpty reports, as an error, a setting that must not be empty (unsetMeans) given an
// empty value by its highest-precedence source, and returns true then. Such a setting's empty
// variable is not "unset": a CI secret that expands to "" must fail the run, not change its target.
func (l *loader) givenEmpty(s setting) bool {
	if s.unsetMeans == "" {
		return false
	}
	blank := func(v string) bool { return strings.TrimSpace(v) == "" }
	var err error
	if v := l.flags.values[s.key]; v != nil && v.set {
		if !blank(strings.Join(v.values, "")) {
			return false
		}
		err = fmt.Errorf("--%s is empty: give the target's URL, or leave --%s out to %s", s.key, s.key, s.unsetMeans)
	} else if v, ok := l.rawEnv(s.env); ok {
		if !blank(v) {
			return false
		}
		err = fmt.Errorf("%s is set but empty (a CI secret that is not set?): set it to the target's URL, or unset it to %s", s.env, s.unsetMeans)
	} else if v, ok := l.file[s.file]; ok && s.file != "" {
		if str, isStr := v.(string); !isStr || !blank(str) {
			return false
		}
		err = fmt.Errorf("config file %s: %s is empty: give the target's URL, or remove the key to %s", l.filePath, s.file, s.unsetMeans)
	} else {
		return false
	}
	l.errs = append(l.errs, err)
	return true
}

// rawEnv is the environment variable as set, empty or not.
func (l *loader) rawEnv(name string) (string, bool) {
	if l.getenv == nil {
		return "", false
	}
	return l.getenv(name)
}

// lookup finds a setting in flag > env > file order; ok is false when it is at its default.
func (l *loader) lookup(s setting) (raw, bool) {
	if v := l.flags.values[s.key]; v != nil && v.set {
		return raw{where: "--" + s.key, source: "flag --" + s.key, strs: v.values}, true
	}
	if v, ok := l.env(s.env); ok {
		return raw{where: s.env, source: "env " + s.env, strs: []string{v}, env: true}, true
	}
	if s.file != "" && l.file != nil {
		if v, ok := l.file[s.file]; ok && v != nil {
			return raw{
				where:  "config file " + l.filePath + ": " + s.file,
				source: "file " + l.filePath + " (" + s.file + ")",
				file:   v, inFile: true, dir: filepath.Dir(l.filePath),
			}, true
		}
	}
	return raw{}, false
}

// loadSetting reads one setting from its highest-precedence source, if any.
func (l *loader) loadSetting(c *Config, s setting) {
	r, ok := l.lookup(s)
	if !ok {
		return
	}
	l.sources[s.key] = r.source
	l.found[s.key] = r
	s.field.load(c, r, l.report(r))
}

// Load resolves the configuration after the flag set has been parsed: flag > environment
// (getenv is os.LookupEnv in production) > config file > default. It reads the token file,
// validates everything and returns every problem at once, each naming its flag, variable or key.
func (f *Flags) Load(getenv func(string) (string, bool)) (Config, error) {
	l := &loader{flags: f, getenv: getenv, sources: map[string]string{}, found: map[string]raw{}}
	c := Default()

	// The config file first: it is the lowest-precedence source of every other setting.
	l.loadSetting(&c, lookupSetting(keyConfig))
	if c.ConfigFile != "" {
		m, err := readConfigFile(c.ConfigFile)
		if err != nil {
			l.report(l.found[keyConfig])("%v", err)
		} else {
			l.file, l.filePath = m, c.ConfigFile
			l.checkFileKeys()
		}
	}
	for _, s := range settings() {
		if s.key != keyConfig && s.secret == nil && !l.givenEmpty(s) {
			l.loadSetting(&c, s)
		}
	}
	for _, s := range settings() { // after their file settings
		if s.secret != nil {
			l.loadSecret(&c, s)
		}
	}
	l.checkTokenSources(&c)
	l.checkAuthCapability(&c)

	c.sources = l.sources
	if len(l.errs) > 0 {
		return c, errors.Join(l.errs...)
	}
	return c, nil
}

// loadSecret reads a secret that has no flag and may come from a file, in the order
// --<file> (flag) > secret variable > file variable > config-file key: the token
// (--token-file > CALLCONF_TOKEN > CALLCONF_TOKEN_FILE > tokenFile), the client secret likewise.
func (l *loader) loadSecret(c *Config, secretSetting setting) {
	secretKey, fileKey, noun := secretSetting.key, secretSetting.secret.file, secretSetting.secret.noun
	secretPtr, filePtr := secretSetting.secret.fields(c)
	fileRaw, haveFile := l.found[fileKey]
	fileFromFlag := haveFile && fileRaw.fromFlag()
	_, haveEnvSecret := l.lookup(secretSetting) // the secret has neither flag nor file key
	switch {
	case haveEnvSecret && haveFile && fileRaw.env:
		l.errs = append(l.errs, fmt.Errorf("%s and %s are both set: set only one", secretSetting.env, fileRaw.where))
	case haveEnvSecret && !fileFromFlag:
		l.loadSetting(c, secretSetting)
		if haveFile { // the config file's secret file is overridden and not read
			*filePtr = ""
			delete(l.sources, fileKey)
		}
	case haveFile && *filePtr != "":
		sec, err := ReadSecretFile(*filePtr, noun)
		if err != nil {
			l.report(fileRaw)("%v", err)
			return
		}
		*secretPtr = sec
		l.sources[secretKey] = noun + " file " + *filePtr
	}
}

// checkTokenSources allows at most one way to obtain the bearer token, and a complete one.
func (l *loader) checkTokenSources(c *Config) {
	where := func(key string) string {
		if r, ok := l.found[key]; ok {
			return r.where
		}
		return "--" + key
	}
	var ways []string
	if c.Token != "" {
		ways = append(ways, l.sources[keyToken])
	}
	if c.TokenCommand != "" {
		ways = append(ways, where(keyTokenCommand))
	}
	if c.OAuthTokenURL != "" {
		ways = append(ways, where(keyOAuthTokenURL))
	}
	if len(ways) > 1 {
		l.errs = append(l.errs, fmt.Errorf("more than one way to obtain the bearer token is set (%s): set only one of %s, --token-file, --token-command and --oauth-token-url", strings.Join(ways, ", "), EnvToken))
	}
	if c.OAuthTokenURL != "" {
		if c.OAuthClientID == "" {
			l.errs = append(l.errs, fmt.Errorf("%s needs --oauth-client-id", where(keyOAuthTokenURL)))
		}
		if c.OAuthClientSecret == "" {
			l.errs = append(l.errs, fmt.Errorf("%s needs the client secret: set %s or --oauth-client-secret-file", where(keyOAuthTokenURL), EnvOAuthClientSecret))
		}
	} else {
		for _, key := range []string{keyOAuthClientID, keyOAuthScope, keyOAuthSecret, keyOAuthSecretFile} {
			if c.secretViaFile(key) {
				continue // reported once, as the file
			}
			if src, ok := l.sources[key]; ok {
				l.errs = append(l.errs, fmt.Errorf("%s is set (%s) but --oauth-token-url is not", key, src))
			}
		}
	}
	if c.TokenRefreshInterval != 0 && c.TokenSource() == "" {
		l.errs = append(l.errs, fmt.Errorf("%s needs --token-command or --oauth-token-url: a fixed token is never refreshed", where(keyTokenRefresh)))
	}
}

// checkAuthCapability refuses auth among the declared capabilities of a target given no
// credentials: the run could not tell a target that requires them from one that does not.
func (l *loader) checkAuthCapability(c *Config) {
	if !c.CapabilitiesSet || !c.HasCapability(CapAuth) || c.HasCredentials() || c.Embedded() {
		return
	}
	l.report(l.found[keyCapabilities])("auth is declared, but no credentials are given: set %s, --token-file, --token-command or --oauth-token-url, or leave auth out (a target without authentication)", EnvToken)
}

// ReadSecretFile reads a secret (a bearer token, a client secret: noun says which) from path by
// the harness's one set of rules: at most MaxTokenFileBytes, whitespace trimmed, not empty, no
// inner whitespace or control characters. Its errors never contain the secret.
func ReadSecretFile(path, noun string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the %s file: %v", noun, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxTokenFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the %s file: %v", noun, err)
	}
	if len(b) > MaxTokenFileBytes {
		return "", fmt.Errorf("the %s file %s is larger than %d bytes", noun, path, MaxTokenFileBytes)
	}
	sec := strings.TrimSpace(string(b))
	if err := checkToken(sec, noun); err != nil {
		return "", fmt.Errorf("the %s in %s: %v", noun, path, err)
	}
	return sec, nil
}

// checkToken never includes the token (or other secret, named by noun) in its message.
func checkToken(tok, noun string) error {
	if tok == "" {
		return fmt.Errorf("the %s is empty", noun)
	}
	for i := 0; i < len(tok); i++ {
		if b := tok[i]; b <= ' ' || b == 0x7f {
			return fmt.Errorf("the %s contains whitespace or a control character at byte %d", noun, i)
		}
	}
	return nil
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case interface{ String() string }: // json.Number
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	case int, int64, uint64, float64, interface{ String() string }:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

func normaliseBaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if guess := withScheme(s); guess != "" {
		return "", fmt.Errorf("the base URL %q has no scheme: did you mean %s?", s, guess)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("invalid URL: %v", redact.URLError(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("the base URL must be absolute with scheme http or https, got %q", redact.Userinfo(u.String()))
	case u.User != nil:
		return "", errors.New("the base URL must not carry credentials (user:password@); set the token with " + EnvToken + " or --token-file")
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("the base URL %q has no host", s)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("the base URL %q must not have a query", s)
	case u.Fragment != "":
		return "", fmt.Errorf("the base URL %q must not have a fragment", s)
	case u.Opaque != "":
		return "", fmt.Errorf("the base URL %q is not hierarchical", s)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("the base URL %q has an invalid port", s)
		}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimRight(u.Path, "/")
	if u.RawPath != "" {
		u.RawPath = strings.TrimRight(u.RawPath, "/")
	}
	return u.String(), nil
}

// withScheme guesses the URL meant by s when s is a host (and port and path) without a scheme,
// such as 127.0.0.1:8080 or api.example.com/beta: http:// for a loopback host, https://
// otherwise. It returns "" when s has a scheme or does not start with a plausible host.
func withScheme(s string) string {
	if strings.Contains(s, "://") {
		return ""
	}
	hostPort, _, _ := strings.Cut(s, "/")
	host := hostPort
	if h, port, err := net.SplitHostPort(hostPort); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return ""
		}
		host = h
	} else if strings.Contains(hostPort, ":") {
		return "" // "http:x", "mailto:x": a scheme, not a port
	}
	if host == "" || strings.ContainsFunc(host, func(r rune) bool {
		return !(r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return ""
	}
	if isLoopback(host) {
		return "http://" + s
	}
	return "https://" + s
}

// readCAFile reads the PEM certificates of --ca-file: Load checks them, RootCAs uses them.
func readCAFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA file: %v", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("the CA file %s holds no PEM certificate", path)
	}
	return b, nil
}

// validToken reports whether s is an RFC 9110 token (a valid header field name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isCTL(r rune) bool { return r < 0x20 || r == 0x7f }
