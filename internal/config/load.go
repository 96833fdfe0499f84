package config

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Setting keys: the flag names (the token has no flag; "token" names it in String and Source).
const (
	keyConfig           = "config"
	keyBaseURL          = "base-url"
	keyToken            = "token"
	keyTokenFile        = "token-file"
	keyHeader           = "header"
	keySecretHeader     = "secret-header"
	keyCallID           = "call-id"
	keyCapabilities     = "capabilities"
	keyTimeout          = "timeout"
	keyDeadline         = "deadline"
	keyCAFile           = "ca-file"
	keyInsecure         = "insecure-skip-tls-verify"
	keyStrict           = "strict"
	keyConcurrency      = "concurrency"
	keyReportDir        = "report-dir"
	keyMaxResponseBytes = "max-response-bytes"
)

// setting ties one key to its environment variable and config-file key ("" = none).
type setting struct {
	key, env, file string
	kind           flagKind
	usage          string
}

type flagKind int

const (
	kindString flagKind = iota
	kindList            // repeatable
	kindBool
)

// settings is the single table of every setting, in the order String prints them.
func settings() []setting {
	return []setting{
		{keyConfig, "CALLCONF_CONFIG", "", kindString, "config `file`, JSON or YAML (unknown keys are rejected)"},
		{keyBaseURL, "CALLCONF_BASE_URL", "baseUrl", kindString, "base `URL` of the target (http or https); empty = the embedded reference implementation"},
		{keyToken, EnvToken, "", kindString, ""},
		{keyTokenFile, "CALLCONF_TOKEN_FILE", "tokenFile", kindString, "`file` holding the bearer token (or set " + EnvToken + "; the token is never a flag value)"},
		{keyHeader, "CALLCONF_HEADERS", "headers", kindList, "extra request header `K=V`, repeatable (env: newline- or comma-separated)"},
		{keySecretHeader, "CALLCONF_SECRET_HEADERS", "secretHeaders", kindList, "header `NAME` whose value is redacted in every output like the token, repeatable"},
		{keyCallID, "CALLCONF_CALL_IDS", "callIds", kindList, "existing call `ID` to update (for targets without create), repeatable"},
		{keyCapabilities, "CALLCONF_CAPABILITIES", "capabilities", kindString, "target capabilities `create,read,delete` (or none); auto-discovered when not given"},
		{keyTimeout, "CALLCONF_TIMEOUT", "timeout", kindString, "per-request `duration`, response body included (default 10s)"},
		{keyDeadline, "CALLCONF_DEADLINE", "deadline", kindString, "overall run `duration` (default 10m)"},
		{keyCAFile, "CALLCONF_CA_FILE", "caFile", kindString, "PEM `file` of CA certificates to trust in addition to the system roots"},
		{keyInsecure, "CALLCONF_INSECURE_SKIP_TLS_VERIFY", "insecureSkipTlsVerify", kindBool, "do not verify the target's TLS certificate (verification is on by default)"},
		{keyStrict, "CALLCONF_STRICT", "strict", kindBool, "fail the run on SHOULD and MAY failures too"},
		{keyConcurrency, "CALLCONF_CONCURRENCY", "concurrency", kindString, "concurrent PATCHes for STATE-03, `n` from 8 to 256 (default 8)"},
		{keyReportDir, "CALLCONF_REPORT_DIR", "reportDir", kindString, "`dir`ectory for junit.xml, the Ginkgo JSON report and the conformance reports"},
		{keyMaxResponseBytes, "CALLCONF_MAX_RESPONSE_BYTES", "maxResponseBytes", kindString, "response body `limit` in bytes (suffixes KiB, MiB, GiB allowed; default 4MiB)"},
	}
}

func lookupSetting(key string) setting {
	for _, s := range settings() {
		if s.key == key {
			return s
		}
	}
	panic("config: unknown setting " + key) // programming error, covered by tests
}

// flagValue records a flag's raw value(s); parsing and validation happen in Load so that every
// problem is reported at once.
type flagValue struct {
	kind   flagKind
	values []string
}

func (v *flagValue) String() string {
	if v == nil || len(v.values) == 0 {
		return ""
	}
	return strings.Join(v.values, ",")
}

func (v *flagValue) Set(s string) error {
	if v.kind == kindList {
		v.values = append(v.values, s)
	} else {
		v.values = []string{s}
	}
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.kind == kindBool }

// Flags holds the flags Bind registered; call Load after the flag set is parsed.
type Flags struct {
	fs     *flag.FlagSet
	values map[string]*flagValue
}

// Bind registers every configuration flag on fs (the runner's own set, or flag.CommandLine in the
// suite binary) and returns the handle Load reads them through.
func Bind(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs, values: map[string]*flagValue{}}
	for _, s := range settings() {
		if s.key == keyToken {
			continue // the token is never a flag value
		}
		v := &flagValue{kind: s.kind}
		f.values[s.key] = v
		fs.Var(v, s.key, s.usage+" [env "+s.env+"]")
	}
	return f
}

// raw is one setting's value as found in the highest-precedence source that has it.
type raw struct {
	where  string   // for error messages: "--timeout", "CALLCONF_TIMEOUT", "config file x.yaml: timeout"
	source string   // for String: "flag --timeout", "env CALLCONF_TIMEOUT", "file x.yaml (timeout)"
	strs   []string // flag values, or the environment value
	env    bool
	file   any  // the config file's value
	inFile bool // value came from the config file
	dir    string
}

type loader struct {
	flags    *Flags
	getenv   func(string) (string, bool)
	file     map[string]any
	filePath string
	errs     []error
	sources  map[string]string
}

func (l *loader) errorf(r raw, format string, a ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", r.where, fmt.Sprintf(format, a...)))
}

func (l *loader) env(name string) (string, bool) {
	if l.getenv == nil {
		return "", false
	}
	v, ok := l.getenv(name)
	if !ok || strings.TrimSpace(v) == "" {
		return "", false // an empty variable counts as unset (CI templates often expand to "")
	}
	return v, true
}

// lookup finds a setting in flag > env > file order; ok is false when it is at its default.
func (l *loader) lookup(key string) (raw, bool) {
	s := lookupSetting(key)
	if l.flags != nil {
		if v := l.flags.values[key]; v != nil && l.flags.wasSet(key) {
			return raw{where: "--" + key, source: "flag --" + key, strs: v.values}, true
		}
	}
	if s.env != "" {
		if v, ok := l.env(s.env); ok {
			return raw{where: s.env, source: "env " + s.env, strs: []string{v}, env: true}, true
		}
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

func (f *Flags) wasSet(key string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == key {
			set = true
		}
	})
	return set
}

// Load resolves the configuration after the flag set has been parsed: flag > environment
// (getenv is os.LookupEnv in production) > config file > default. It reads the token file,
// validates everything and returns every problem at once, each naming its flag, variable or key.
func (f *Flags) Load(getenv func(string) (string, bool)) (Config, error) {
	l := &loader{flags: f, getenv: getenv, sources: map[string]string{}}
	return l.load()
}

// Load resolves a configuration from the environment and an optional config file only (no flags).
func Load(getenv func(string) (string, bool)) (Config, error) {
	l := &loader{getenv: getenv, sources: map[string]string{}}
	return l.load()
}

func (l *loader) load() (Config, error) {
	c := Default()

	// The config file first: it is the lowest-precedence source of every other setting.
	if r, ok := l.lookup(keyConfig); ok {
		path := l.str(r)
		l.sources[keyConfig] = r.source
		c.ConfigFile = path
		if path != "" {
			m, err := readConfigFile(path)
			if err != nil {
				l.errorf(r, "%v", err)
			} else {
				l.file, l.filePath = m, path
				l.checkFileKeys()
			}
		}
	}

	if r, ok := l.lookup(keyBaseURL); ok {
		l.sources[keyBaseURL] = r.source
		if u, err := normaliseBaseURL(l.str(r)); err != nil {
			l.errorf(r, "%v", err)
		} else {
			c.BaseURL = u
		}
	}

	l.loadToken(&c)

	if r, ok := l.lookup(keyHeader); ok {
		l.sources[keyHeader] = r.source
		c.Headers = l.headers(r)
	}
	if r, ok := l.lookup(keySecretHeader); ok {
		l.sources[keySecretHeader] = r.source
		for _, n := range l.list(r, true) {
			if !validToken(n) {
				l.errorf(r, "%q is not a valid header name", n)
				continue
			}
			n = http.CanonicalHeaderKey(n)
			if !slices.Contains(c.SecretHeaders, n) {
				c.SecretHeaders = append(c.SecretHeaders, n)
			}
		}
	}
	if r, ok := l.lookup(keyCallID); ok {
		l.sources[keyCallID] = r.source
		for _, id := range l.list(r, false) {
			if id == "" || strings.ContainsFunc(id, isCTL) {
				l.errorf(r, "call id %q is empty or contains control characters", id)
				continue
			}
			c.CallIDs = append(c.CallIDs, id)
		}
	}
	if r, ok := l.lookup(keyCapabilities); ok {
		l.sources[keyCapabilities] = r.source
		c.CapabilitiesSet = true
		c.Capabilities = l.capabilities(r)
	}
	if r, ok := l.lookup(keyTimeout); ok {
		l.sources[keyTimeout] = r.source
		c.Timeout = l.duration(r, c.Timeout)
	}
	if r, ok := l.lookup(keyDeadline); ok {
		l.sources[keyDeadline] = r.source
		c.Deadline = l.duration(r, c.Deadline)
	}
	if r, ok := l.lookup(keyCAFile); ok {
		l.sources[keyCAFile] = r.source
		c.CAFile = l.pathValue(r)
		if c.CAFile != "" {
			if err := checkCAFile(c.CAFile); err != nil {
				l.errorf(r, "%v", err)
			}
		}
	}
	if r, ok := l.lookup(keyInsecure); ok {
		l.sources[keyInsecure] = r.source
		c.InsecureSkipTLSVerify = l.boolean(r)
	}
	if r, ok := l.lookup(keyStrict); ok {
		l.sources[keyStrict] = r.source
		c.Strict = l.boolean(r)
	}
	if r, ok := l.lookup(keyConcurrency); ok {
		l.sources[keyConcurrency] = r.source
		if n, ok := l.integer(r); ok {
			if n < MinConcurrency || n > MaxConcurrency {
				l.errorf(r, "concurrency %d is out of range: at least %d (the contract's STATE-03 sends at least 8 at once) and at most %d", n, MinConcurrency, MaxConcurrency)
			} else {
				c.Concurrency = int(n)
			}
		}
	}
	if r, ok := l.lookup(keyReportDir); ok {
		l.sources[keyReportDir] = r.source
		c.ReportDir = l.pathValue(r)
	}
	if r, ok := l.lookup(keyMaxResponseBytes); ok {
		l.sources[keyMaxResponseBytes] = r.source
		if n, ok := l.size(r); ok {
			if n < MinMaxResponseBytes || n > MaxMaxResponseBytes {
				l.errorf(r, "%d bytes is out of range: from %d (1KiB) to %d (1GiB)", n, MinMaxResponseBytes, MaxMaxResponseBytes)
			} else {
				c.MaxResponseBytes = n
			}
		}
	}

	c.sources = l.sources
	if len(l.errs) > 0 {
		return c, errors.Join(l.errs...)
	}
	return c, nil
}

// loadToken: --token-file (flag) > CALLCONF_TOKEN > CALLCONF_TOKEN_FILE > tokenFile (file).
func (l *loader) loadToken(c *Config) {
	fileRaw, haveFile := l.lookup(keyTokenFile)
	envTok, haveEnvTok := l.env(EnvToken)
	fileFromFlag := haveFile && !fileRaw.env && !fileRaw.inFile
	if haveFile {
		l.sources[keyTokenFile] = fileRaw.source
		c.TokenFile = l.pathValue(fileRaw)
	}
	switch {
	case haveEnvTok && haveFile && fileRaw.env:
		l.errs = append(l.errs, fmt.Errorf("%s and %s are both set: set only one", EnvToken, fileRaw.where))
	case haveEnvTok && !fileFromFlag:
		tok := strings.TrimSpace(envTok)
		if err := checkToken(tok); err != nil {
			l.errs = append(l.errs, fmt.Errorf("%s: %v", EnvToken, err))
			return
		}
		c.Token = tok
		l.sources[keyToken] = "env " + EnvToken
		if haveFile { // the config file's tokenFile is overridden and not read
			c.TokenFile = ""
			delete(l.sources, keyTokenFile)
		}
	case haveFile && c.TokenFile != "":
		tok, err := readTokenFile(c.TokenFile)
		if err != nil {
			l.errorf(fileRaw, "%v", err)
			return
		}
		c.Token = tok
		l.sources[keyToken] = "token file " + c.TokenFile
	}
}

func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read the token file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxTokenFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read the token file: %v", err)
	}
	if len(b) > MaxTokenFileBytes {
		return "", fmt.Errorf("the token file %s is larger than %d bytes", path, MaxTokenFileBytes)
	}
	tok := strings.TrimSpace(string(b))
	if err := checkToken(tok); err != nil {
		return "", fmt.Errorf("the token in %s: %v", path, err)
	}
	return tok, nil
}

// checkToken never includes the token in its message.
func checkToken(tok string) error {
	if tok == "" {
		return errors.New("the token is empty")
	}
	for i := 0; i < len(tok); i++ {
		if b := tok[i]; b <= ' ' || b == 0x7f {
			return fmt.Errorf("the token contains whitespace or a control character at byte %d", i)
		}
	}
	return nil
}

// str reads a single string value.
func (l *loader) str(r raw) string {
	if r.inFile {
		switch v := r.file.(type) {
		case string:
			return strings.TrimSpace(v)
		default:
			l.errorf(r, "expected a string, got %s", typeName(v))
			return ""
		}
	}
	if len(r.strs) == 0 {
		return ""
	}
	return strings.TrimSpace(r.strs[len(r.strs)-1])
}

// pathValue reads a path; a relative path in the config file is relative to the file's directory.
func (l *loader) pathValue(r raw) string {
	p := l.str(r)
	if p != "" && r.inFile && !filepath.IsAbs(p) {
		p = filepath.Join(r.dir, p)
	}
	return p
}

// list reads a list: repeated flags (each split on commas when splitFlags), an environment value
// (newline-separated, or comma-separated when it has no newline), or a file list or string.
func (l *loader) list(r raw, splitFlags bool) []string {
	var items []string
	switch {
	case r.inFile:
		switch v := r.file.(type) {
		case string:
			items = splitList(v)
		case []any:
			for i, e := range v {
				s, ok := e.(string)
				if !ok {
					l.errorf(r, "item %d: expected a string, got %s", i, typeName(e))
					continue
				}
				items = append(items, strings.TrimSpace(s))
			}
		default:
			l.errorf(r, "expected a list of strings, got %s", typeName(v))
		}
	case r.env:
		items = splitList(r.strs[0])
	default:
		for _, s := range r.strs {
			if splitFlags {
				items = append(items, splitList(s)...)
			} else {
				items = append(items, strings.TrimSpace(s))
			}
		}
	}
	return items
}

func splitList(s string) []string {
	sep := ","
	if strings.Contains(s, "\n") {
		sep = "\n"
	}
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (l *loader) headers(r raw) []Header {
	var hs []Header
	add := func(name, value string) {
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !validToken(name):
			l.errorf(r, "%q is not a valid header name", name)
		case strings.ContainsFunc(value, func(c rune) bool { return c != '\t' && isCTL(c) }):
			l.errorf(r, "the value of header %s contains CR, LF or another control character", name)
		default:
			switch n := http.CanonicalHeaderKey(name); n {
			case "Authorization":
				l.errorf(r, "do not pass Authorization as a header: set the bearer token with %s or --token-file", EnvToken)
			case "Content-Length", "Transfer-Encoding", "Connection", "Te", "Upgrade", "Trailer":
				l.errorf(r, "header %s is managed by the HTTP client and cannot be set", n)
			default:
				hs = append(hs, Header{Name: n, Value: value})
			}
		}
	}
	kv := func(s string) {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			l.errorf(r, "%q is not K=V", s)
			return
		}
		add(name, value)
	}
	switch {
	case r.inFile:
		switch v := r.file.(type) {
		case map[string]any:
			for _, name := range slices.Sorted(maps.Keys(v)) {
				s, ok := scalarString(v[name])
				if !ok {
					l.errorf(r, "%s: expected a string, got %s", name, typeName(v[name]))
					continue
				}
				add(name, s)
			}
		case []any:
			for i, e := range v {
				switch e := e.(type) {
				case string:
					kv(e)
				case map[string]any:
					n, nok := e["name"].(string)
					val, vok := scalarString(e["value"])
					if !nok || !vok || len(e) != 2 {
						l.errorf(r, "item %d: expected {name: ..., value: ...}", i)
						continue
					}
					add(n, val)
				default:
					l.errorf(r, "item %d: expected \"K=V\" or {name, value}, got %s", i, typeName(e))
				}
			}
		default:
			l.errorf(r, "expected a map of header names to values, or a list, got %s", typeName(v))
		}
	case r.env:
		v := r.strs[0]
		sep := ","
		if strings.Contains(v, "\n") {
			sep = "\n"
		}
		for _, s := range strings.Split(v, sep) {
			if strings.TrimSpace(s) != "" {
				kv(strings.TrimRight(s, "\r"))
			}
		}
	default:
		for _, s := range r.strs {
			kv(s)
		}
	}
	return hs
}

func (l *loader) capabilities(r raw) []string {
	var items []string
	if !r.inFile && !r.env && len(r.strs) > 0 {
		items = splitList(r.strs[len(r.strs)-1])
	} else {
		items = l.list(r, false)
	}
	seen := map[string]bool{}
	for _, it := range items {
		it = strings.ToLower(it)
		if it == "none" && len(items) == 1 {
			continue
		}
		if !slices.Contains(Capabilities(), it) {
			l.errorf(r, "unknown capability %q (allowed: create, read, delete, or none)", it)
			continue
		}
		seen[it] = true
	}
	var caps []string
	for _, c := range Capabilities() {
		if seen[c] {
			caps = append(caps, c)
		}
	}
	return caps
}

func (l *loader) duration(r raw, def time.Duration) time.Duration {
	var s string
	if r.inFile {
		v, ok := r.file.(string)
		if !ok {
			l.errorf(r, "expected a duration string such as \"10s\", got %s", typeName(r.file))
			return def
		}
		s = v
	} else {
		s = l.str(r)
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		l.errorf(r, "invalid duration %q (use e.g. 500ms, 10s, 2m)", s)
		return def
	}
	if d <= 0 {
		l.errorf(r, "duration must be positive, got %s", d)
		return def
	}
	return d
}

func (l *loader) boolean(r raw) bool {
	if r.inFile {
		b, ok := r.file.(bool)
		if !ok {
			l.errorf(r, "expected true or false, got %s", typeName(r.file))
		}
		return b
	}
	s := l.str(r)
	b, err := strconv.ParseBool(s)
	if err != nil {
		l.errorf(r, "invalid boolean %q (use true or false)", s)
	}
	return b
}

func (l *loader) integer(r raw) (int64, bool) {
	s, ok := l.number(r)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		l.errorf(r, "invalid integer %q", s)
		return 0, false
	}
	return n, true
}

// size parses a byte count with an optional KiB/MiB/GiB (or K/M/G, KB/MB/GB as binary) suffix.
func (l *loader) size(r raw) (int64, bool) {
	s, ok := l.number(r)
	if !ok {
		return 0, false
	}
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, suf := range []struct {
		s string
		m int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, suf.s) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, suf.s)), suf.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		l.errorf(r, "invalid size %q (use bytes, or a KiB, MiB or GiB suffix)", s)
		return 0, false
	}
	return n * mult, true
}

// number returns the textual form of a numeric setting (JSON numbers stay exact).
func (l *loader) number(r raw) (string, bool) {
	if r.inFile {
		s, ok := scalarString(r.file)
		if !ok {
			l.errorf(r, "expected a number, got %s", typeName(r.file))
			return "", false
		}
		return s, true
	}
	return l.str(r), true
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
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("invalid URL: %v", stripURL(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("the base URL must be absolute with scheme http or https, got %q", redactUserinfo(u))
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

// stripURL keeps a url.Error from echoing the URL (which may carry userinfo) in a message.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func redactUserinfo(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	return c.String()
}

func checkCAFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read the CA file: %v", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("the CA file %s holds no PEM certificate", path)
	}
	return nil
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
