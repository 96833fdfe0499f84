package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const secretToken = "tok-3f9a7c1e-SECRET"

// load parses args on a fresh flag set and loads with the given environment.
func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

func mustLoad(t *testing.T, args []string, env map[string]string) Config {
	t.Helper()
	c, err := load(t, args, env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, nil, nil)
	want := Default()
	if c.Timeout != want.Timeout || c.Deadline != want.Deadline || c.Concurrency != 8 ||
		c.MaxResponseBytes != 4<<20 || c.BaseURL != "" || c.Token != "" || c.CapabilitiesSet ||
		c.InsecureSkipTLSVerify || c.Strict {
		t.Fatalf("defaults: %#v", c)
	}
	if !c.Embedded() {
		t.Fatal("no base URL should mean the embedded reference")
	}
	if c.Source("timeout") != "default" {
		t.Fatalf("source: %q", c.Source("timeout"))
	}
}

func TestBindRegistersEveryFlagButNoToken(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	Bind(fs)
	for _, s := range settings() {
		got := fs.Lookup(s.key) != nil
		if want := s.key != keyToken && s.key != keyOAuthSecret; got != want {
			t.Errorf("flag %q registered=%v, want %v", s.key, got, want)
		}
		if !strings.HasPrefix(s.env, EnvPrefix) {
			t.Errorf("env %q lacks the prefix", s.env)
		}
	}
	// A bool flag takes no value.
	fs.SetOutput(io.Discard)
	if err := fs.Parse([]string{"--strict", "--insecure-skip-tls-verify", "rest"}); err != nil {
		t.Fatal(err)
	}
	if fs.NArg() != 1 {
		t.Fatalf("args: %v", fs.Args())
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", `
baseUrl: https://file.example/v1.0/
timeout: 3s
deadline: 3m
concurrency: 12
capabilities: [read]
headers: {X-From: file}
strict: true
maxResponseBytes: 2MiB
callIds: [file-1]
`)
	env := map[string]string{
		"CALLCONF_CONFIG":   file,
		"CALLCONF_BASE_URL": "https://env.example/beta",
		"CALLCONF_TIMEOUT":  "2s",
		"CALLCONF_HEADERS":  "X-From=env",
		"CALLCONF_STRICT":   "false",
		"CALLCONF_CALL_IDS": "env-1,env-2",
	}
	args := []string{"--base-url", "https://flag.example/", "--header", "X-From=flag"}

	c := mustLoad(t, args, env)
	check := func(name string, got, want any, src string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
		if s := c.Source(name); !strings.HasPrefix(s, src) {
			t.Errorf("source of %s = %q, want prefix %q", name, s, src)
		}
	}
	check("base-url", c.BaseURL, "https://flag.example", "flag --base-url")
	check("header", c.Headers, []Header{{"X-From", "flag"}}, "flag --header")
	check("timeout", c.Timeout, 2*time.Second, "env CALLCONF_TIMEOUT")
	check("strict", c.Strict, false, "env CALLCONF_STRICT")
	check("call-id", c.CallIDs, []string{"env-1", "env-2"}, "env CALLCONF_CALL_IDS")
	check("deadline", c.Deadline, 3*time.Minute, "file "+file+" (deadline)")
	check("concurrency", c.Concurrency, 12, "file ")
	check("capabilities", c.Capabilities, []string{"read"}, "file ")
	check("max-response-bytes", c.MaxResponseBytes, int64(2<<20), "file ")
	check("report-dir", c.ReportDir, "", "default")
	check("config", c.ConfigFile, file, "env CALLCONF_CONFIG")
	if !c.CapabilitiesSet {
		t.Error("capabilities from the file should count as set")
	}

	// Without the flags, env wins over the file; without env, the file wins over the default.
	c = mustLoad(t, nil, env)
	if c.BaseURL != "https://env.example/beta" {
		t.Errorf("env base URL: %q", c.BaseURL)
	}
	c = mustLoad(t, []string{"--config", file}, nil)
	if c.BaseURL != "https://file.example/v1.0" || c.Timeout != 3*time.Second || !c.Strict ||
		!reflect.DeepEqual(c.Headers, []Header{{"X-From", "file"}}) || !reflect.DeepEqual(c.CallIDs, []string{"file-1"}) {
		t.Errorf("file values: %v", c)
	}
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "token")
	if err := os.WriteFile(tf, []byte("  file-token\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := writeFile(t, "c.json", fmt.Sprintf(`{"tokenFile": %q}`, tf))

	cases := []struct {
		name      string
		args      []string
		env       map[string]string
		want, src string
	}{
		{"env", nil, map[string]string{"CALLCONF_TOKEN": " " + secretToken + " "}, secretToken, "env CALLCONF_TOKEN"},
		{"flag file", []string{"--token-file", tf}, nil, "file-token", "token file " + tf},
		{"env file", nil, map[string]string{"CALLCONF_TOKEN_FILE": tf}, "file-token", "token file"},
		{"config file", []string{"--config", cfgFile}, nil, "file-token", "token file"},
		{"flag beats env", []string{"--token-file", tf}, map[string]string{"CALLCONF_TOKEN": secretToken}, "file-token", "token file"},
		{"env beats config file", []string{"--config", cfgFile}, map[string]string{"CALLCONF_TOKEN": secretToken}, secretToken, "env"},
		{"empty env is unset", nil, map[string]string{"CALLCONF_TOKEN": ""}, "", "default"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, tc.args, tc.env)
			if c.Token != tc.want || !strings.HasPrefix(c.Source("token"), tc.src) {
				t.Fatalf("token %q from %q, want %q from %q", c.Token, c.Source("token"), tc.want, tc.src)
			}
		})
	}

	_, err := load(t, nil, map[string]string{"CALLCONF_TOKEN": secretToken, "CALLCONF_TOKEN_FILE": tf})
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("env token + env token file: %v", err)
	}

	bad := writeFile(t, "bad", "two words")
	empty := writeFile(t, "empty", " \n")
	big := writeFile(t, "big", strings.Repeat("a", MaxTokenFileBytes+1))
	for _, p := range []string{bad, empty, big, filepath.Join(dir, "missing")} {
		_, err := load(t, []string{"--token-file", p}, nil)
		if err == nil || !strings.Contains(err.Error(), "--token-file") {
			t.Errorf("token file %s: %v", filepath.Base(p), err)
		}
	}
	_, err = load(t, nil, map[string]string{"CALLCONF_TOKEN": "a\nb" + secretToken})
	if err == nil || strings.Contains(err.Error(), secretToken) {
		t.Fatalf("bad env token: error %v must exist and not echo the token", err)
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	file := writeFile(t, "c.yaml", "timeout: 10\nstrict: maybe\nheaders: {Bad Name: x}\n")
	_, err := load(t, []string{
		"--config", file,
		"--base-url", "ftp://x",
		"--deadline", "-1s",
		"--concurrency", "4",
		"--capabilities", "create,fly",
		"--header", "Authorization=Bearer x",
		"--header", "novalue",
		"--ca-file", "/nonexistent/ca.pem",
		"--max-response-bytes", "12parsecs",
	}, map[string]string{"CALLCONF_STRICT": "perhaps"})
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{
		"--base-url", "--deadline", "--concurrency", `unknown capability "fly"`, "--header: do not pass Authorization",
		`"novalue" is not K=V`, "--ca-file", "--max-response-bytes", "CALLCONF_STRICT",
		file + ": timeout: expected a duration string",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if n := len(strings.Split(msg, "\n")); n < 10 {
		t.Errorf("want at least 10 errors, got %d:\n%s", n, msg)
	}
}

func TestUnknownFileKeys(t *testing.T) {
	for _, tc := range []struct{ name, content string }{
		{"c.json", `{"baseUrl": "https://x.example", "timeuot": "1s", "token": "abc", "extra": 1}`},
		{"c.yaml", "baseUrl: https://x.example\ntimeuot: 1s\ntoken: abc\nextra: 1\n"},
		{"noext", "baseUrl: https://x.example\ntimeuot: 1s\ntoken: abc\nextra: 1\n"},
		{"noext2", `{"baseUrl": "https://x.example", "timeuot": "1s", "token": "abc", "extra": 1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.name, tc.content)
			_, err := load(t, []string{"--config", p}, nil)
			if err == nil {
				t.Fatal("unknown keys accepted")
			}
			msg := err.Error()
			for _, want := range []string{`timeuot: unknown key (did you mean "timeout"?)`, "extra: unknown key", "token: a secret does not belong", "CALLCONF_TOKEN", "tokenFile"} {
				if !strings.Contains(msg, want) {
					t.Errorf("missing %q in:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "abc") {
				t.Errorf("the token value leaked into the error:\n%s", msg)
			}
		})
	}
	for name, content := range map[string]string{
		"list.yaml":    "- a\n",
		"broken.json":  `{"baseUrl": `,
		"trail.json":   `{} {}`,
		"dup.yaml":     "timeout: 1s\ntimeout: 2s\n",
		"tabs.yaml":    "a:\n\t- b\n",
		"string.json":  `"x"`,
		"array.noext":  `[1]`,
		"missing.yaml": "",
	} {
		p := writeFile(t, name, content)
		if name == "missing.yaml" {
			p += ".absent"
		}
		if _, err := load(t, []string{"--config", p}, nil); err == nil || !strings.Contains(err.Error(), "--config") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An empty YAML file sets nothing.
	if _, err := load(t, []string{"--config", writeFile(t, "empty.yaml", "")}, nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestFileForms(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	p := filepath.Join(dir, "c.yml")
	content := `
headers:
  - X-A=1
  - {name: x-b, value: two=2}
secretHeaders: x-b
capabilities: "create, read , delete"
caFile: ` + filepath.Base(ca) + `
reportDir: out
insecureSkipTlsVerify: true
concurrency: 16
maxResponseBytes: 65536
`
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustLoad(t, []string{"--config", p}, nil)
	if !reflect.DeepEqual(c.Headers, []Header{{"X-A", "1"}, {"X-B", "two=2"}}) ||
		!reflect.DeepEqual(c.SecretHeaders, []string{"X-B"}) ||
		!reflect.DeepEqual(c.Capabilities, []string{"create", "read", "delete"}) ||
		c.CAFile != ca || c.ReportDir != filepath.Join(dir, "out") || !c.InsecureSkipTLSVerify ||
		c.Concurrency != 16 || c.MaxResponseBytes != 65536 {
		t.Fatalf("got %v", c)
	}
	if !c.HasCapability("delete") || c.HasCapability("fly") {
		t.Error("HasCapability")
	}
}

func TestListsAndCapabilities(t *testing.T) {
	c := mustLoad(t, []string{"--capabilities", "none", "--call-id", "a,b", "--call-id", "c", "--secret-header", "x-api-key,X-Other"}, nil)
	if !c.CapabilitiesSet || len(c.Capabilities) != 0 {
		t.Errorf("none: %v %v", c.CapabilitiesSet, c.Capabilities)
	}
	if !reflect.DeepEqual(c.CallIDs, []string{"a,b", "c"}) {
		t.Errorf("call ids: %q", c.CallIDs)
	}
	if !reflect.DeepEqual(c.SecretHeaders, []string{"X-Api-Key", "X-Other"}) {
		t.Errorf("secret headers: %q", c.SecretHeaders)
	}
	c = mustLoad(t, []string{"--capabilities="}, nil)
	if !c.CapabilitiesSet || len(c.Capabilities) != 0 {
		t.Errorf("empty capabilities: %v", c.Capabilities)
	}
	c = mustLoad(t, nil, map[string]string{"CALLCONF_HEADERS": "X-A=1, 2\nX-B=3", "CALLCONF_CAPABILITIES": "DELETE,create"})
	if !reflect.DeepEqual(c.Headers, []Header{{"X-A", "1, 2"}, {"X-B", "3"}}) {
		t.Errorf("newline-separated headers: %q", c.Headers)
	}
	if !reflect.DeepEqual(c.Capabilities, []string{"create", "delete"}) {
		t.Errorf("capabilities order: %q", c.Capabilities)
	}
	c = mustLoad(t, nil, map[string]string{"CALLCONF_HEADERS": "X-A=1,X-B=2"})
	if !reflect.DeepEqual(c.Headers, []Header{{"X-A", "1"}, {"X-B", "2"}}) {
		t.Errorf("comma-separated headers: %q", c.Headers)
	}
	for _, bad := range [][]string{
		{"--header", "X-A=a\rb"}, {"--header", "=x"}, {"--header", "Content-Length=1"},
		{"--secret-header", "bad name"}, {"--call-id", "a\x00b"}, {"--concurrency", "257"},
		{"--concurrency", "x"}, {"--max-response-bytes", "10"}, {"--timeout", "0s"}, {"--timeout", "ten"},
	} {
		if _, err := load(t, bad, nil); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://graph.example/v1.0/": "https://graph.example/v1.0",
		"HTTP://127.0.0.1:8080":       "http://127.0.0.1:8080",
		"http://[::1]:9/a%2Fb/":       "http://[::1]:9/a%2Fb",
	} {
		c := mustLoad(t, []string{"--base-url", in}, nil)
		if c.BaseURL != want {
			t.Errorf("%q → %q, want %q", in, c.BaseURL, want)
		}
	}
	for _, bad := range []string{"graph.example/v1.0", "/v1.0", "ftp://x", "https://", "https://x?q=1", "https://x#f", "https://x:99999", "https://u:hunter2@x", "http://%zz"} {
		_, err := load(t, []string{"--base-url", bad}, nil)
		if err == nil || !strings.Contains(err.Error(), "--base-url") {
			t.Errorf("%q accepted: %v", bad, err)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("userinfo password leaked: %v", err)
		}
	}
}

func TestStringRedacts(t *testing.T) {
	c := mustLoad(t, []string{"--header", "X-Api-Key=key-SECRET-value", "--header", "X-Tenant=t1", "--secret-header", "x-api-key", "--base-url", "https://t.example"},
		map[string]string{"CALLCONF_TOKEN": secretToken})
	s := c.String()
	for _, leak := range []string{secretToken, "key-SECRET-value"} {
		for _, out := range []string{s, fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), mustJSON(t, c)} {
			if strings.Contains(out, leak) {
				t.Errorf("secret %q printed in:\n%s", leak, out)
			}
		}
	}
	for _, want := range []string{
		"token: [REDACTED] (env CALLCONF_TOKEN)\n",
		`header: "X-Api-Key=[REDACTED]", "X-Tenant=t1" (flag --header)`,
		"base-url: https://t.example (flag --base-url)\n",
		"timeout: 10s (default)\n",
		"capabilities: (auto-discover) (default)\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	// One line per setting, in the table's order, deterministic.
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != len(settings()) {
		t.Errorf("%d lines for %d settings", len(lines), len(settings()))
	}
	for i, st := range settings() {
		if !strings.HasPrefix(lines[i], st.key+": ") {
			t.Errorf("line %d = %q, want key %s", i, lines[i], st.key)
		}
	}
	if s != c.String() {
		t.Error("String is not deterministic")
	}
	if got := mustLoad(t, nil, nil).String(); !strings.Contains(got, "token: (none) (default)") || !strings.Contains(got, "base-url: (embedded reference)") {
		t.Errorf("defaults:\n%s", got)
	}
	if sec := c.Secrets(); !reflect.DeepEqual(sec, []string{secretToken, "key-SECRET-value"}) && !reflect.DeepEqual(sec, []string{"key-SECRET-value", secretToken}) {
		t.Errorf("secrets: %q", sec)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEnvRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	c1 := mustLoad(t, []string{
		"--base-url", "https://x.example/v1.0", "--header", "X-A=1, 2", "--header", "X-B=b",
		"--secret-header", "X-B", "--call-id", "c1", "--call-id", "c2", "--capabilities", "none",
		"--timeout", "3s", "--deadline", "1m", "--ca-file", ca, "--insecure-skip-tls-verify", "--strict",
		"--concurrency", "9", "--report-dir", dir, "--max-response-bytes", "1MiB",
		"--retry-max-wait", "5s", "--retry-budget", "1m",
	}, map[string]string{"CALLCONF_TOKEN": secretToken})
	env := map[string]string{}
	for _, kv := range c1.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	c2 := mustLoad(t, nil, env)
	c1.sources, c2.sources = nil, nil
	if !reflect.DeepEqual(c1, c2) {
		t.Fatalf("round trip:\n%#v\n%#v\n%v\n%v", c1, c2, c1.Headers, c2.Headers)
	}
	if c2.Token != secretToken {
		t.Fatal("token lost")
	}
	got := WithoutEnv([]string{"PATH=/bin", "CALLCONF_TOKEN=x", "HOME=/h"})
	if !slices.Equal(got, []string{"PATH=/bin", "HOME=/h"}) {
		t.Errorf("WithoutEnv: %q", got)
	}
}

func TestWarnings(t *testing.T) {
	c := mustLoad(t, []string{"--base-url", "http://remote.example", "--insecure-skip-tls-verify", "--deadline", "1s", "--timeout", "2s"},
		map[string]string{"CALLCONF_TOKEN": secretToken})
	w := strings.Join(c.Warnings(), "\n")
	for _, want := range []string{"verification is disabled", "clear text", "no effect", "shorter than"} {
		if !strings.Contains(w, want) {
			t.Errorf("missing warning %q in %q", want, w)
		}
	}
	c = mustLoad(t, []string{"--base-url", "http://127.0.0.1:9"}, map[string]string{"CALLCONF_TOKEN": secretToken})
	if len(c.Warnings()) != 0 {
		t.Errorf("loopback http warned: %q", c.Warnings())
	}
}

func TestCAFileMustHoldPEM(t *testing.T) {
	p := writeFile(t, "ca.pem", "not a certificate")
	_, err := load(t, []string{"--ca-file", p}, nil)
	if err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("got %v", err)
	}
}

// writeTestCA writes a syntactically valid PEM certificate (a self-signed one, generated).
func writeTestCA(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileValueErrorsNameTheKey(t *testing.T) {
	p := writeFile(t, "c.yaml", "headers: {Bad Name: x, X-Ok: [1]}\nstrict: maybe\ncallIds: [1, ok]\nconcurrency: 2.5\n")
	_, err := load(t, []string{"--config", p}, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		p + `: headers: "Bad Name" is not a valid header name`, p + ": headers: X-Ok: expected a string",
		p + ": strict: expected true or false", p + ": callIds: item 0: expected a string", p + ": concurrency: invalid integer",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestRetrySettings(t *testing.T) {
	c := mustLoad(t, nil, nil)
	if c.RetryMaxWait != 30*time.Second || c.RetryBudget != 2*time.Minute {
		t.Fatalf("defaults: max wait %s, budget %s", c.RetryMaxWait, c.RetryBudget)
	}
	file := writeFile(t, "c.yaml", "retryMaxWait: 45s\nretryBudget: 5m\n")
	c = mustLoad(t, []string{"--config", file, "--retry-max-wait", "10s"}, map[string]string{"CALLCONF_RETRY_BUDGET": "90s"})
	if c.RetryMaxWait != 10*time.Second || c.RetryBudget != 90*time.Second ||
		c.Source("retry-max-wait") != "flag --retry-max-wait" || c.Source("retry-budget") != "env CALLCONF_RETRY_BUDGET" {
		t.Fatalf("precedence: %s (%s), %s (%s)", c.RetryMaxWait, c.Source("retry-max-wait"), c.RetryBudget, c.Source("retry-budget"))
	}
	for _, bad := range [][]string{
		{"--retry-max-wait", "0s"}, {"--retry-max-wait", "-1s"}, {"--retry-max-wait", "soon"},
		{"--retry-budget", "0s"}, {"--retry-budget", "-2m"}, {"--retry-budget", "2"},
	} {
		if _, err := load(t, bad, nil); err == nil || !strings.Contains(err.Error(), bad[0]+": ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	_, err := load(t, []string{"--config", writeFile(t, "c.yaml", "retryBudget: 120\nretryMaxWiat: 1s\n")}, nil)
	if err == nil || !strings.Contains(err.Error(), "retryBudget: expected a duration string") ||
		!strings.Contains(err.Error(), `retryMaxWiat: unknown key (did you mean "retryMaxWait"?)`) {
		t.Errorf("file errors: %v", err)
	}
	c = mustLoad(t, []string{"--retry-max-wait", "1m", "--retry-budget", "30s"}, nil)
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "retry budget (30s) is shorter than the longest single wait (1m0s)") {
		t.Errorf("warnings: %q", w)
	}
}

// TestRetryMaxAttempts: the cap on attempts defaults to the contract's 5, is read from each
// source, refuses values that would never send a request or would let throttling storm, and a
// longest wait below the retry floor is warned about.
func TestRetryMaxAttempts(t *testing.T) {
	if c := mustLoad(t, nil, nil); c.RetryMaxAttempts != 5 {
		t.Fatalf("default: %d attempts, want 5", c.RetryMaxAttempts)
	}
	c := mustLoad(t, []string{"--config", writeFile(t, "c.yaml", "retryMaxAttempts: 7\n")}, map[string]string{"CALLCONF_RETRY_MAX_ATTEMPTS": "3"})
	if c.RetryMaxAttempts != 3 || c.Source("retry-max-attempts") != "env CALLCONF_RETRY_MAX_ATTEMPTS" {
		t.Fatalf("precedence: %d (%s)", c.RetryMaxAttempts, c.Source("retry-max-attempts"))
	}
	for _, bad := range []string{"0", "-1", "101", "many"} {
		if _, err := load(t, []string{"--retry-max-attempts", bad}, nil); err == nil || !strings.Contains(err.Error(), "--retry-max-attempts: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	c = mustLoad(t, []string{"--retry-max-wait", "500ms"}, nil)
	if w := strings.Join(c.Warnings(), "\n"); !strings.Contains(w, "no throttled request is retried") {
		t.Errorf("warnings: %q", w)
	}
}
